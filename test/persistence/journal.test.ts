/**
 * The journal bounds what a crash loses to a tick: with the write-back far off, players' last
 * moves are in the database after a kill -9 and a restart (on both backends), and after their
 * zone's worker died; a clean stop leaves no journal behind.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import type { ZoneHandle } from '../../src/supervisor/zone-handle.ts';
import { createTestDatabase, findMariadb, mysqlUnavailable, startThrowawayMysql } from '../helpers/mysql.ts';
import { TEST_SECRET, startTestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';
import { startStore } from '../store/running-store.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const PLAYERS = 6;
/** The write-back never comes during a test: whatever is in the database after the crash came from the journal. */
const NO_WRITE_BACK = { FLUSH_INTERVAL_MS: '3600000', MAX_SPEED_MPS: '1000', ZONES: '2' };

async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', TOKEN_SECRET: TEST_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'server ready') resolve(entry.port as number);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  return { child, url: `ws://127.0.0.1:${port}` };
}

/**
 * Logs the players in, has each walk to a place of its own, and waits until a watcher in its
 * zone has seen it there: what the server confirmed. Resolves to each player's place, in its
 * zone's coordinates.
 */
async function walk(url: string): Promise<Map<number, { x: number; y: number }>> {
  const places = new Map<number, { x: number; y: number }>();
  const watchers = await Promise.all([1001, 1002].map(async (id) => {
    const watcher = await ZoneClient.connect(url);
    await watcher.enter(issueToken(TEST_SECRET, id, 600), `Watcher${id}`);
    return watcher;
  }));
  for (let id = 1; id <= PLAYERS; id++) {
    const client = await ZoneClient.connect(url);
    const self = await client.enter(issueToken(TEST_SECRET, id, 600), `Player${id}`);
    // Players id and 1000 + id share a zone (odd ids the first, even the second).
    const watcher = watchers[(id - 1) % 2] as ZoneClient;
    const start = { x: self.x, y: self.y };
    for (let step = 1; step <= 3; step++) client.move(start.x + step * 3 + id, start.y + step, 0);
    const place = { x: start.x + 9 + id, y: start.y + 3 };
    await until(watcher, () => watcher.entities.get(self.entityId)?.x === place.x && watcher.entities.get(self.entityId)?.y === place.y, `the watcher to see player ${id} at its last place`);
    // The database keeps positions in the zone's own coordinates.
    places.set(id, { x: place.x - self.zoneX, y: place.y - self.zoneY });
  }
  return places;
}

for (const backend of ['sqlite', 'mysql'] as const) {
  const skip = backend === 'mysql' && !findMariadb() ? mysqlUnavailable('the journal test needs a MariaDB installation of its own') : false;
  it(`after kill -9 on ${backend}, a restart puts every player where the server last showed it, from the journal`, { skip, timeout: 90_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zone-journal-'));
    const database = backend === 'mysql' ? await startThrowawayMysql() : undefined;
    try {
      // A short NODE_LEASE_MS: the killed server's lease is taken over soon.
      const env: Record<string, string> = { DATA_DIR: dataDir, ...NO_WRITE_BACK, ...(database ? { MYSQL_URL: await createTestDatabase(database.url()), NODE_LEASE_MS: '1000' } : {}) };
      const server = await startProcess(env);
      const places = await walk(server.url);
      const exited = once(server.child, 'exit');
      server.child.kill('SIGKILL');
      await exited;
      const readStore = async () => {
        const store = await startStore(env);
        try {
          return await Promise.all([...places.keys()].map((id) => store.client.load(id)));
        } finally {
          await store.stop();
        }
      };
      // Without the journal nothing of the walk would be there: the write-back never ran.
      const beforeRestart = await readStore();
      assert.ok(beforeRestart.every((row, i) => row?.state.x !== places.get(i + 1)?.x), 'the walk is not in the database before the replay');
      assert.ok(readdirSync(join(dataDir, 'journal')).length > 0, 'the zones left their journals');

      const again = await startProcess(env);
      const stopped = once(again.child, 'exit');
      again.child.kill('SIGTERM');
      assert.equal((await stopped)[0], 0);
      const rows = await readStore();
      rows.forEach((row, i) => {
        assert.deepEqual([row?.state.x, row?.state.y, row?.online], [places.get(i + 1)?.x, places.get(i + 1)?.y, false], `player ${i + 1}`);
      });
      assert.deepEqual(readdirSync(join(dataDir, 'journal')), [], 'a clean stop leaves no journal');
    } finally {
      await database?.remove();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

it('when a zone worker dies, its players are released with their last journaled state', { timeout: 60_000 }, async () => {
  const server = await startTestServer({ ...NO_WRITE_BACK, ZONE_RESTART_DELAY_MS: '100' });
  try {
    const places = await walk(server.url);
    const [zone1] = server.supervisor.zones as [ZoneHandle];
    const down = once(server.supervisor, 'zone-down');
    await zone1.worker?.terminate();
    await down;
    for (const id of [1, 3, 5]) {
      await eventually(async () => server.characterInDatabase(id)?.online === false, `player ${id} to be released`);
      const row = server.characterInDatabase(id);
      assert.deepEqual([row?.x, row?.y], [places.get(id)?.x, places.get(id)?.y], `player ${id}'s last place, from the journal`);
    }
  } finally {
    await server.stop();
  }
});
