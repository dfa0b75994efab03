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
  const storePort = store.handle.connectPort();
  const thread = new Worker(new URL('./client-thread.ts', import.meta.url), { workerData: { storePort, playerId: 7 }, transferList: [storePort] });
  const exited = once(thread, 'exit');
  const [result] = await once(thread, 'message');
  assert.deepEqual(result, { owned: { playerId: 7, name: null, epoch: 1, created: true, state: stateFor(7) }, saved: { written: [7], stale: [] } });
  assert.deepEqual((await store.client.load(7))?.state, stateFor(8));
  assert.deepEqual(await exited, [0]);
});

it('rejects a pending call as soon as the port closes, and later calls without sending them', async () => {
  const { port1, port2 } = new MessageChannel();
  const client = new StoreClient(port1);
  const received: unknown[] = [];
  port2.on('message', (request) => received.push(request));
  const pending = client.load(1);
  const metrics = client.collectMetrics(60_000);
  await once(port2, 'message');
  port2.close(); // as when the store worker's thread ends
  await assert.rejects(pending, gone);
  assert.equal(await metrics, undefined);
  await assert.rejects(client.save([]), gone);
  assert.equal(received.length, 2);
});

it('gives up on metrics the worker does not answer in time', async () => {
  const { port1, port2 } = new MessageChannel();
  const client = new StoreClient(port1);
  port2.on('message', () => undefined); // receives, never answers
  assert.equal(await client.collectMetrics(20), undefined);
  port2.close();
});

it('fails every client at once when the store worker stops or dies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'zone-store-client-'));
  try {
    for (const end of ['stop', 'terminate'] as const) {
      const doomed = await startStore({ DATA_DIR: dir });
      const other = doomed.handle.connect();
      await doomed.client.migrate();
      if (end === 'stop') await doomed.stop();
      else await doomed.handle.worker.terminate();
      await assert.rejects(doomed.client.load(1), gone, end);
      await assert.rejects(other.acquire(1, 'node-1', stateFor(1)), gone, end);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
