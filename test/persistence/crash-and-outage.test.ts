/**
 * What happens to player data when things break: the server process is killed under load, and
 * the database goes away during play. Real processes, sockets and databases throughout.
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
import { ErrorCode } from '../../src/protocol/messages.ts';
import { createTestDatabase, findMariadb, mysqlUnavailable, startThrowawayMysql } from '../helpers/mysql.ts';
import { TEST_SECRET, sampleValue, startTestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';
import { startStore } from '../store/running-store.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly metricsPort: number;
  readonly logs: Record<string, unknown>[];
}

async function startProcess(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', TOKEN_SECRET: TEST_SECRET, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: Record<string, unknown>[] = [];
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.msg === 'server ready') resolve(entry);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  return { child, port: ready.port as number, metricsPort: ready.metricsPort as number, logs };
}

async function metric(server: ServerProcess, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
  return sampleValue(text, name, labels) ?? 0;
}

it('kill -9 under load: after a restart no character is left online and each holds its last written state', { timeout: 90_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-crash-'));
  const env = { DATA_DIR: dataDir, ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '200', MSG_RATE_PER_SEC: '1000', MSG_BURST: '1000' };
  try {
    const server = await startProcess(env);
    const players = 12;
    const clients: ZoneClient[] = [];
    /** Every position each player sent, as "x,y". */
    const sent = new Map<number, Set<string>>();
    for (let id = 1; id <= players; id++) {
      const client = await ZoneClient.connect(`ws://127.0.0.1:${server.port}`, { reconnect: false }); // the crash ends it: no resume from a killed server
      await client.enter(issueToken(TEST_SECRET, id, 600), `Player${id}`);
      clients.push(client);
      sent.set(id, new Set(['500,500']));
    }
    let step = 0;
    const load = (async () => {
      // Until the crash closes the connections.
      while (!clients.some((client) => client.closed)) {
        step++;
        clients.forEach((client, i) => {
          if (client.closed) return;
          const x = 500 + (step % 40);
          const y = 500 + i;
          client.move(x, y, 0);
          sent.get(i + 1)?.add(`${x},${y}`);
        });
        // One round of moves per zone tick: the next update shows the last round arrived.
        await Promise.race([clients[0]?.next('update'), clients[0]?.next('close')]);
      }
    })();
    await eventually(async () => (await metric(server, 'store_rows_written_total')) >= players * 3, 'a few rounds of write-back');
    const exited = once(server.child, 'exit');
    server.child.kill('SIGKILL');
    await exited;
    await load;

    // As the crash left it: online, with some state the player really sent.
    const store = await startStore({ DATA_DIR: dataDir });
    const written = new Map<number, string>();
    try {
      for (let id = 1; id <= players; id++) {
        const row = await store.client.load(id);
        assert.ok(row, `player ${id} has a row`);
        assert.equal(row.online, true, 'the crash left it online');
        const position = `${row.state.x},${row.state.y}`;
        assert.ok(sent.get(id)?.has(position), `player ${id}'s saved ${position} is a position it sent`);
        written.set(id, position);
      }
    } finally {
      await store.stop();
    }

    const restarted = await startProcess(env);
    assert.ok(restarted.logs.some((line) => line.msg?.toString().startsWith('start-up recovery') && line.released === players), 'recovery released every character');
    const recovered = await startStore({ DATA_DIR: dataDir });
    try {
      for (let id = 1; id <= players; id++) {
        const row = await recovered.client.load(id);
        assert.equal(row?.online, false, `player ${id} is not left online`);
        assert.equal(`${row?.state.x},${row?.state.y}`, written.get(id), `player ${id} keeps its last written state`);
      }
    } finally {
      await recovered.stop();
    }
    const back = await ZoneClient.connect(`ws://127.0.0.1:${restarted.port}`);
    const self = await back.login(issueToken(TEST_SECRET, 3, 600));
    assert.equal(`${self.x},${self.y}`, written.get(3), 'a player logs in where it was last written');
    await back.close();
    const stopped = once(restarted.child, 'exit');
    restarted.child.kill('SIGTERM');
    assert.equal((await stopped)[0], 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const noMariadb = findMariadb() ? false : mysqlUnavailable('the database outage test needs a MariaDB installation of its own to stop and start');

it('database outage: play goes on, a log-out ends the session, and everything is written once the database is back', { skip: noMariadb, timeout: 90_000 }, async () => {
  const database = await startThrowawayMysql();
  const url = await createTestDatabase(database.url());
  const server = await startTestServer({ MYSQL_URL: url, ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '200', LOGOUT_SAVE_TIMEOUT_MS: '500' });
  try {
    const stayer = await server.player(1);
    const leaver = await server.player(2);
    const leaverId = leaver.self?.entityId as number;

    await database.stop();
    stayer.move(510, 505, 0);
    leaver.move(495, 490, 0);
    // Play goes on: each sees the other move.
    await until(leaver, () => leaver.entities.get(stayer.self?.entityId as number)?.x === 510, 'the leaver to see the stayer move');
    await until(stayer, () => stayer.entities.get(leaverId)?.y === 490, 'the stayer to see the leaver move');
    await eventually(async () => (sampleValue(await server.metricsText(), 'zone_flush_retries_total', { zone: '1' }) ?? 0) > 0, 'a failed write-back to be retried');

    // A log-out cannot be saved: the session ends, without a LogoutResponse.
    const told = leaver.next('error');
    await assert.rejects(leaver.logout(), /connection closed \(1000/);
    assert.equal((await told).code, ErrorCode.ERROR_CODE_STORAGE_UNAVAILABLE);
    await until(stayer, () => !stayer.entities.has(leaverId), 'the leaver to leave the world');
    assert.equal(sampleValue(await server.metricsText(), 'zone_dirty_players', { zone: '1' }), 2, 'both still to be written');

    await database.start();
    await eventually(async () => sampleValue(await server.metricsText(), 'zone_dirty_players', { zone: '1' }) === 0, 'everything pending to be written');
    const store = await startStore({ MYSQL_URL: url });
    try {
      const [one, two] = await Promise.all([store.client.load(1), store.client.load(2)]);
      assert.deepEqual([one?.state.x, one?.state.y, one?.online], [510, 505, true]);
      assert.deepEqual([two?.state.x, two?.state.y, two?.online], [495, 490, false], 'the leaver is written and released');
    } finally {
      await store.stop();
    }
    await stayer.close();
  } finally {
    await server.stop();
    await database.remove();
  }
});

it('a frozen database: a log-in is answered STORAGE_UNAVAILABLE and 1013 within STORE_CALL_TIMEOUT_MS, and succeeds once it thaws', { skip: noMariadb, timeout: 90_000 }, async () => {
  const database = await startThrowawayMysql();
  const url = await createTestDatabase(database.url());
  const server = await startTestServer({ MYSQL_URL: url, ZONES: '1:1000x1000', STORE_CALL_TIMEOUT_MS: '1000' });
  try {
    await (await server.player(3)).logout();
    database.freeze();
    const client = await ZoneClient.connect(server.url);
    const closed = client.next('close');
    const startedAt = Date.now();
    await assert.rejects(client.login(server.token(3)), (err: Error & { code?: number }) => err.code === ErrorCode.ERROR_CODE_STORAGE_UNAVAILABLE);
    assert.equal((await closed).code, 1013, 'closed as "try again later"');
    assert.ok(Date.now() - startedAt < 5000, `answered after ${Date.now() - startedAt} ms, before the 10 s log-in timeout`);
    database.thaw();
    const back = await server.player(3);
    assert.ok(back.self, 'logged in once the database answers');
    await back.close();
  } finally {
    database.thaw();
    await server.stop();
    await database.remove();
  }
});

it('a shutdown that cannot write everything back exits 1 and names every player left unsaved', { skip: noMariadb, timeout: 90_000 }, async () => {
  const database = await startThrowawayMysql();
  try {
    const url = await createTestDatabase(database.url());
    const server = await startProcess({ MYSQL_URL: url, ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000', SHUTDOWN_DEADLINE_MS: '2000', FLUSH_INTERVAL_MS: '3600000' });
    const clients: ZoneClient[] = [];
    for (const id of [4, 8]) {
      const client = await ZoneClient.connect(`ws://127.0.0.1:${server.port}`);
      await client.enter(issueToken(TEST_SECRET, id, 600), `Player${id}`);
      client.move(501, 502, 0);
      await client.ping();
      clients.push(client);
    }
    await database.stop();
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    assert.equal((await exited)[0], 1, 'a failed final write-back is a failed shutdown');
    const lost = server.logs.find((line) => line.msg === "SHUTDOWN LOST DATA: these players' last state is not in the database");
    assert.deepEqual(lost?.unsavedPlayers, [4, 8]);
  } finally {
    await database.remove();
  }
});
