/**
 * The MySQL server goes away mid-run: calls fail at once with the connection error (the caller
 * keeps its data dirty), and once the server is back the same store worker's pool serves again.
 * Uses a throwaway MariaDB of its own, never MYSQL_URL's server, since it stops it.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createTestDatabase, findMariadb, mysqlUnavailable, startThrowawayMysql, type ThrowawayMysql } from '../helpers/mysql.ts';
import { startStore, stateFor, type RunningStore } from './running-store.ts';
import { StoreError } from '../../src/storage/store-error.ts';
import { within } from '../helpers/wait.ts';

const skip = findMariadb() ? false : mysqlUnavailable('the outage test needs a MariaDB installation of its own to stop and start');

const CALL_TIMEOUT_MS = 1000;

let server: ThrowawayMysql;
let store: RunningStore;
before(async () => {
  if (skip) return;
  server = await startThrowawayMysql();
  store = await startStore({ MYSQL_URL: await createTestDatabase(server.url()), MYSQL_POOL_SIZE: '2', STORE_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS) });
  await store.client.migrate();
});
after(async () => {
  await store?.stop();
  await server?.remove();
});

/** The error a call fails with: it must fail, not wait for the database, within the wait's limit. */
async function failureOf(call: Promise<unknown>, what: string): Promise<StoreError> {
  const err = await within(
    call.then(
      () => assert.fail('expected the call to fail while the database is down'),
      (e: unknown) => e,
    ),
    what,
  );
  assert.ok(err instanceof StoreError, `a StoreError, got ${String(err)}`);
  return err;
}

it('fails fast while the database is down and recovers when it is back, after a clean stop and after a crash', { skip, timeout: 60_000 }, async () => {
  const { epoch } = await store.client.acquire(1, 'node-1', stateFor(1));
  // Both pool connections open and idle, so the outage has live connections to break.
  await Promise.all([store.client.load(1), store.client.load(1)]);

  for (const [outage, takeDown] of [
    ['clean stop', () => server.stop()],
    ['crash', () => server.kill()],
  ] as const) {
    await takeDown();
    for (const call of [store.client.save([{ playerId: 1, epoch, version: 2, state: stateFor(2) }]), store.client.load(1)]) {
      const err = await failureOf(call, `${outage}: a store call to fail while the database is down`);
      assert.ok(err.code !== undefined && /^(ECONNREFUSED|ECONNRESET|EPIPE|PROTOCOL_CONNECTION_LOST)$/.test(err.code), `${outage}: a connection error, got ${err.code}: ${err.message}`);
    }
    await server.start();
    assert.deepEqual(await store.client.save([{ playerId: 1, epoch, version: 3, state: stateFor(3) }]), { written: [1], stale: [] }, `${outage}: saves again`);
    assert.deepEqual((await store.client.load(1))?.state, stateFor(3));
  }
  assert.ok((await store.metric('store_db_errors_total', { op: 'save' })) >= 2);
  assert.equal(await store.metric('store_pool_connections_in_use'), 0);
});

it('a frozen database (connections open, nothing answered): calls fail with STORE_TIMEOUT within the limit, and serve again once it thaws', { skip, timeout: 60_000 }, async () => {
  const { epoch } = await store.client.acquire(2, 'node-1', stateFor(1));
  await Promise.all([store.client.load(2), store.client.load(2)]);
  server.freeze();
  try {
    // More calls than connections: two hang on a connection, the others wait for one.
    const calls = [store.client.save([{ playerId: 2, epoch, version: 2, state: stateFor(2) }]), store.client.load(2), store.client.load(2), store.client.loadInventory(2)];
    const startedAt = Date.now();
    const failures = await Promise.all(calls.map((call) => failureOf(call, 'a store call to fail while the database is frozen')));
    assert.deepEqual(failures.map((err) => err.code), Array(calls.length).fill('STORE_TIMEOUT'), failures.map((err) => err.message).join('; '));
    const tookMs = Date.now() - startedAt;
    assert.ok(tookMs < CALL_TIMEOUT_MS * 3, `the calls failed after ${tookMs} ms, with a limit of ${CALL_TIMEOUT_MS} ms`);
  } finally {
    server.thaw();
  }
  assert.deepEqual(await store.client.save([{ playerId: 2, epoch, version: 3, state: stateFor(3) }]), { written: [2], stale: [] }, 'saves again');
  assert.deepEqual((await store.client.load(2))?.state, stateFor(3), 'the later save is what the database holds');
  assert.equal(await store.metric('store_pool_connections_in_use'), 0);
});
