/**
 * kill -9 of the server while players cross borders, then a restart: every character is
 * offline, in exactly one zone (inside its bounds), and logs in where the database says it was
 * last saved.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { defaultWorld } from '../../src/config/world.ts';
import { characterInDatabase, TEST_SECRET, testConfig } from '../helpers/server.ts';
import { within } from '../helpers/wait.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
/** Players who start in the meadow and the forest (new players go round the four zones). */
const PLAYERS = [1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22];

function startServer(dataDir: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', TOKEN_SECRET: TEST_SECRET, DATA_DIR: dataDir, ZONES: '', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '200' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<{ child: ChildProcess; port: number }>((resolve) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'server ready') resolve({ child, port: entry.port as number });
    });
  });
  const failed = once(child, 'exit').then(([code]) => {
    throw new Error(`server exited with ${String(code)} before it was ready`);
  });
  return within(Promise.race([ready, failed]), 'the server to start', 30_000);
}

it('leaves every player in exactly one zone with its last saved state after kill -9 during crossings', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-handover-crash-'));
  const config = testConfig({ DATA_DIR: dataDir, ZONES: '' });
  const children: ChildProcess[] = [];
  try {
    const first = await startServer(dataDir);
    const clients: ZoneClient[] = [];
    children.push(first.child);
    for (const id of PLAYERS) {
      const client = await ZoneClient.connect(`ws://127.0.0.1:${first.port}`, { reconnect: false }); // the crash ends it: no resume from a killed server
      await client.enter(issueToken(TEST_SECRET, id, 600), `Crosser${id}`);
      clients.push(client);
    }
    // Everyone walks back and forth across the meadow–forest border (x = 1000) until 300
    // crossings have been told; the server is killed in the middle of the next ones.
    let crossings = 0;
    for (const client of clients) client.on('zoneChanged', () => crossings++);
    const exited = once(first.child, 'exit');
    await within(
      new Promise<void>((resolve) => {
        let i = 0;
        const timer = setInterval(() => {
          i++;
          for (const [n, client] of clients.entries()) client.move(i % 2 === 0 ? 985 : 1015, 100 + n * 40, 0);
          if (crossings >= 300) {
            clearInterval(timer);
            first.child.kill('SIGKILL');
            resolve();
          }
        }, 30);
      }),
      '300 crossings',
      60_000,
    );
    await exited;
    for (const client of clients) await client.close().catch(() => undefined);

    // A restart runs start-up recovery: nobody is online any more, each character in one zone.
    const second = await startServer(dataDir);
    children.push(second.child);
    const world = defaultWorld();
    for (const id of PLAYERS) {
      const row = characterInDatabase(config, id);
      assert.ok(row && !row.online, `player ${id} is offline after recovery`);
      const zone = world.zones.find((z) => z.id === row.zoneId);
      assert.ok(zone && (zone.id === 1 || zone.id === 2), `player ${id} is saved in the meadow or the forest, not ${row.zoneId}`);
      assert.ok(row.x >= -5 && row.x <= zone.widthM + 5, `player ${id} lies within its zone (x ${row.x})`);
      const client = await ZoneClient.connect(`ws://127.0.0.1:${second.port}`);
      const self = await client.enter(issueToken(TEST_SECRET, id, 600), `Crosser${id}`);
      assert.deepEqual([self.zoneId, self.x, self.y], [row.zoneId, Math.round((row.x + zone.originXM) * 100) / 100, Math.round((row.y + zone.originYM) * 100) / 100], `player ${id} logs in where it was last saved`);
      await client.logout();
    }
    const stopped = once(second.child, 'exit');
    second.child.kill('SIGTERM');
    assert.equal((await stopped)[0], 0);
    for (const id of PLAYERS) assert.equal(characterInDatabase(config, id)?.online, false);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
