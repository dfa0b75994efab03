/**
 * The database goes away while several players leave a zone driven by hand: their final writes
 * fail together, which is one failure, so the zone waits the first backoff step once (not a step
 * per leaver) and, once the database is back, writes them all. Real store
 * worker, a throwaway MariaDB of its own that the test stops and starts.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { StoreRetryBackoff } from '../../src/config/limits.ts';
import { JobWriter } from '../../src/thread-messages/jobs.ts';
import { createTestDatabase, findMariadb, mysqlUnavailable, startThrowawayMysql, type ThrowawayMysql } from '../helpers/mysql.ts';
import { eventually } from '../helpers/wait.ts';
import { startStore, stateFor, type RunningStore } from '../store/running-store.ts';
import { handZone } from '../helpers/hand-zone.ts';

const skip = findMariadb() ? false : mysqlUnavailable('the write-back outage test needs a MariaDB installation of its own to stop and start');

let server: ThrowawayMysql;
let store: RunningStore;
before(async () => {
  if (skip) return;
  server = await startThrowawayMysql();
  store = await startStore({ MYSQL_URL: await createTestDatabase(server.url()), MYSQL_POOL_SIZE: '2' });
  await store.client.migrate();
});
after(async () => {
  await store?.stop();
  await server?.remove();
});

it('grows the wait one step when leavers fail together, and writes them all once the database is back', { skip, timeout: 60_000 }, async () => {
  const players = [1, 2, 3, 4];
  const waits: number[] = [];
  const released: number[] = [];
  const { inbound, tick: tickAt } = handZone(
    store.client,
    {
      released: (playerId) => released.push(playerId),
      storeFailed: (_err, what, retryInMs) => {
        if (what === 'release') waits.push(retryInMs);
      },
    },
    1,
  );
  const jobs = new JobWriter();
  let nowMs = 1000;
  const tick = (): void => tickAt(nowMs);
  for (const id of players) {
    const owned = await store.client.acquire(id, store.config.nodeId, stateFor(id));
    assert.ok(inbound.tryWrite(id, jobs.join({ playerId: id, epoch: owned.epoch, ...owned.state })));
  }
  tick();

  await server.stop();
  for (const id of players) assert.ok(inbound.tryWrite(id, jobs.leave()));
  tick();
  await eventually(async () => waits.length === players.length, 'every leaver’s release to fail while the database is down');
  assert.deepEqual(waits, players.map(() => StoreRetryBackoff.firstMs), 'one failure: every leaver waits the first step');

  await server.start();
  // Zone time moves on, a tick at a time, until the retries have written everyone.
  await eventually(async () => {
    nowMs += 50;
    tick();
    return released.length === players.length;
  }, 'the leavers released once the database is back');
  for (const id of players) assert.equal((await store.client.load(id))?.online, false, `player ${id} is offline and saved`);
});
