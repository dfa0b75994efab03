/**
 * One server per embedded database: a second server started on a DATA_DIR in use stops before
 * it touches anything, with an error that says so, and the first one's players play on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { DataDirInUseError } from '../../src/lease/data-dir-lock.ts';
import { startTestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zone-lock-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

it('refuses a second server on the same DATA_DIR, leaving the first one and its players alone', async () => {
  const first = await startTestServer({ DATA_DIR: dataDir });
  try {
    const player = await first.player(3);
    await assert.rejects(startTestServer({ DATA_DIR: dataDir }), (err: unknown) => err instanceof DataDirInUseError && /another server is running on DATA_DIR/.test(err.message));
    // Had the second server run start-up recovery, the first one's player would be offline in
    // the database and its next write refused as stale: it is still online and moving.
    const x = (player.self?.x ?? 0) + 1;
    player.move(x, player.self?.y ?? 0, 0);
    const watcher = await first.player(5);
    await until(watcher, () => [...watcher.entities.values()].some((entity) => entity.x === x), 'the first server still applying the player’s moves');
    assert.equal(player.closed, undefined, 'the player was not replaced');
    await Promise.all([player.close(), watcher.close()]);
  } finally {
    await first.stop();
  }
  // Once the first has stopped, the directory is free again.
  const again = await startTestServer({ DATA_DIR: dataDir });
  await again.stop();
});
