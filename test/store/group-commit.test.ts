/**
 * The group committer's own rules, on a real SQLite database in this thread: groups of at most
 * maxOps in arrival order, a bounded queue, and no answer before the COMMIT that covers it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, it } from 'node:test';
import type { EconomyOp } from '../../src/store/economy-plan.ts';
import { GroupCommitter } from '../../src/store/group-commit.ts';
import { SQLITE_FILE_NAME, SqliteStore } from '../../src/store/sqlite-store.ts';
import { stateFor } from './running-store.ts';

let dir: string;
let backend: SqliteStore;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'zone-group-commit-'));
  backend = new SqliteStore(dir, 500);
  await backend.migrate();
});
after(async () => {
  await backend.close();
  rmSync(dir, { recursive: true, force: true });
});

const create = (playerId: number): EconomyOp => ({ kind: 'create_character', playerId, name: `Cap${playerId}`, initial: stateFor(playerId) });

it('forms groups of at most maxOps in arrival order, refuses past maxQueued, and answers only what is committed', async () => {
  const groups: number[] = [];
  const committer = new GroupCommitter(backend, { maxOps: 3, maxGroupsInFlight: 1, maxQueued: 7, maxRetries: 0 }, { committed: (size) => groups.push(size), deadlockRetry() {} });
  // Another connection sees only what has committed.
  const reader = new DatabaseSync(join(dir, SQLITE_FILE_NAME), { readOnly: true });
  const visible: boolean[] = [];
  const answered = Array.from({ length: 7 }, (_, i) =>
    committer.submit(create(i + 1)).then((result) => {
      visible.push(reader.prepare('SELECT 1 FROM characters WHERE player_id = ?').get(i + 1) !== undefined);
      return result.ok;
    }),
  );
  await assert.rejects(committer.submit(create(8)), { name: 'StoreError', code: 'STORE_BUSY' });
  assert.deepEqual(await Promise.all(answered), Array(7).fill(true));
  reader.close();
  assert.deepEqual(groups, [3, 3, 1]);
  assert.deepEqual(visible, Array(7).fill(true));
  assert.equal(await backend.load(8), undefined, 'the refused one was never run');
});
