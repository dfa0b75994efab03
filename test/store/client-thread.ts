/** A worker thread that uses the store through a port it was handed, as a zone worker does. */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { StoreClient } from '../../src/storage/store-client.ts';
import { stateFor } from './running-store.ts';

const { storePort, playerId } = workerData as { storePort: MessagePort; playerId: number };
const store = new StoreClient(storePort, 10_000);
const owned = await store.acquire(playerId, 'node-1', stateFor(playerId));
const saved = await store.save([{ playerId, epoch: owned.epoch, version: 1, state: stateFor(playerId + 1) }]);
await store.close();
parentPort?.postMessage({ owned, saved });
