/**
 * The store client's side of the contract: usable from any thread through a transferred port, and
 * never left waiting on a store worker that is gone.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { MessageChannel, Worker } from 'node:worker_threads';
import { StoreClient } from '../../src/storage/store-client.ts';
import { startStore, stateFor, type RunningStore } from './running-store.ts';

const gone = { name: 'StoreError', code: 'STORE_WORKER_GONE' };
let dataDir: string;
let store: RunningStore;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'zone-store-client-'));
  store = await startStore({ DATA_DIR: dataDir });
  await store.client.migrate();
});
after(async () => {
  await store.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves a client in another thread through a port handed to it', async () => {
  const storePort = store.handle.attach(() => undefined).port;
  const thread = new Worker(new URL('./client-thread.ts', import.meta.url), { workerData: { storePort, playerId: 7 }, transferList: [storePort] });
  const exited = once(thread, 'exit');
  const [result] = await once(thread, 'message');
  assert.deepEqual(result, { owned: { playerId: 7, name: null, epoch: 1, created: true, state: stateFor(7) }, saved: { written: [7], stale: [] } });
  assert.deepEqual((await store.client.load(7))?.state, stateFor(8));
  assert.deepEqual(await exited, [0]);
});

it('a call the store does not answer fails with STORE_TIMEOUT at its time limit; a port that closes does not fail it earlier', async () => {
  const { port1, port2 } = new MessageChannel();
  const client = new StoreClient(port1, 200);
  port2.on('message', () => undefined); // receives, never answers
  const startedAt = performance.now();
  const pending = client.load(1);
  port2.close(); // as when the store worker dies: a new one may answer yet
  await assert.rejects(pending, { name: 'StoreError', code: 'STORE_TIMEOUT' });
  const tookMs = performance.now() - startedAt;
  assert.ok(tookMs >= 200 && tookMs < 2000, `failed after ${tookMs} ms with a 200 ms limit`);
});

it('sends unanswered calls again on a new port, in the order they were made, and answers them from it', async () => {
  const { port1, port2 } = new MessageChannel();
  const client = new StoreClient(port1, 10_000);
  const first: unknown[] = [];
  port2.on('message', (message) => first.push(message));
  const calls = [client.load(1), client.load(2)];
  await once(port2, 'message');
  port2.close(); // died with both calls unanswered
  const later = client.load(3); // made while no worker answers
  const replacement = new MessageChannel();
  const resent = once(replacement.port2, 'message');
  assert.equal(client.replacePort(replacement.port1), true);
  const [requests] = (await resent) as [{ id: number; op: string; args: unknown[] }[]];
  assert.deepEqual(requests.map((request) => request.args[0]), [1, 2, 3]);
  replacement.port2.postMessage(requests.map((request) => ({ id: request.id, ok: true, value: request.args[0] })));
  assert.deepEqual(await Promise.all([...calls, later]), [1, 2, 3]);
  replacement.port2.close();
  await client.close();
});

it('fails every call at once when the store worker stops for good, and at once after that', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zone-store-client-'));
  try {
    const doomed = await startStore({ DATA_DIR: dir });
    const other = doomed.handle.connect();
    await doomed.client.migrate();
    await doomed.stop();
    await assert.rejects(doomed.client.load(1), gone);
    await assert.rejects(other.acquire(1, 'node-1', stateFor(1)), gone);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('gives up on metrics the worker does not answer in time', async () => {
  const { port1, port2 } = new MessageChannel();
  const client = new StoreClient(port1, 10_000);
  port2.on('message', () => undefined); // receives, never answers
  assert.equal(await client.collectMetrics(20), undefined);
  port2.close();
  await client.close();
});
