/**
 * One server per NODE_ID on a MySQL database: a second server with the same NODE_ID stops before
 * it changes anything while the first one plays on; a lease left by a server that died is taken
 * over once it expires; other NODE_IDs share the database freely; a stop gives the lease up.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { NodeLeaseHeldError } from '../../src/lease/node-lease.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/mysql.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';
import { startStore } from '../store/running-store.ts';

const LEASE_MS = 2000;
let database: TestDatabase | undefined;
before(async () => {
  database = await openTestDatabase();
});
after(async () => {
  await database?.dispose();
});

function serverOn(nodeId: string): Promise<TestServer> {
  return startTestServer({ MYSQL_URL: (database as TestDatabase).url, NODE_ID: nodeId, NODE_LEASE_MS: String(LEASE_MS) });
}

async function onDatabase<T>(work: (conn: Awaited<ReturnType<typeof createConnection>>) => Promise<T>): Promise<T> {
  const conn = await createConnection({ uri: (database as TestDatabase).url });
  try {
    return await work(conn);
  } finally {
    await conn.end();
  }
}

async function onlineInDatabase(playerId: number): Promise<boolean | undefined> {
  const store = await startStore({ MYSQL_URL: (database as TestDatabase).url });
  try {
    return (await store.client.load(playerId))?.online;
  } finally {
    await store.stop();
  }
}

it('refuses a second server with the same NODE_ID, after seeing the first renew its lease, and leaves the first one and its players alone', { timeout: 60_000 }, async (t) => {
  if (!database) return t.skip('no MySQL');
  const first = await serverOn('node-a');
  try {
    const player = await first.player(1);
    const startedAt = Date.now();
    await assert.rejects(serverOn('node-a'), (err: unknown) => err instanceof NodeLeaseHeldError && /another server is running as NODE_ID node-a/.test(err.message));
    assert.ok(Date.now() - startedAt <= LEASE_MS * 3, `refused within the lease time, took ${Date.now() - startedAt} ms`);
    // Had the second run start-up recovery, the player would be offline and its saves refused.
    assert.equal(await onlineInDatabase(1), true, 'the first server\'s player is still online');
    const x = (player.self?.x ?? 0) + 1;
    player.move(x, player.self?.y ?? 0, 0);
    const watcher = await first.player(5);
    await until(watcher, () => [...watcher.entities.values()].some((entity) => entity.x === x), 'the first server still applying its player\'s moves');
    assert.equal(player.closed, undefined, 'the player was not replaced');

    // Another NODE_ID shares the database.
    const other = await serverOn('node-b');
    await other.stop();
    await Promise.all([player.close(), watcher.close()]);
  } finally {
    await first.stop();
  }
  const rows = await onDatabase(async (conn) => (await conn.query<RowDataPacket[]>('SELECT node_id FROM node_leases'))[0]);
  assert.deepEqual(rows, [], 'a stopped server gives its lease up');
});

it('takes over a lease left by a server that died, once it has expired', { timeout: 60_000 }, async (t) => {
  if (!database) return t.skip('no MySQL');
  // As a server killed with -9 leaves it: held, no longer renewed.
  await (await serverOn('node-c')).stop();
  await onDatabase((conn) =>
    conn.query(`INSERT INTO node_leases (node_id, holder, taken_at, expires_at) VALUES ('node-c', 'dead-host:1:0', 0, CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED) + ?)`, [LEASE_MS]),
  );
  const startedAt = Date.now();
  const server = await serverOn('node-c');
  try {
    assert.ok(Date.now() - startedAt >= LEASE_MS / 2, 'it waited for the lease to expire');
    const holder = await onDatabase(async (conn) => (await conn.query<RowDataPacket[]>("SELECT holder FROM node_leases WHERE node_id = 'node-c'"))[0][0]?.holder);
    assert.notEqual(holder, 'dead-host:1:0');
  } finally {
    await server.stop();
  }
});
