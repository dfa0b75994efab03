/**
 * The real store worker (src/store/store-worker.ts), started with group commit settings of the
 * benchmark's choosing, which StoreWorkerHandle does not take (it passes the configuration only):
 * the baseline runs the same worker with one operation per transaction.
 */
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Config } from '../../src/config/config.ts';
import { StoreClient } from '../../src/storage/store-client.ts';
import { StoreLimits } from '../../src/config/limits.ts';
import { fromWireError } from '../../src/storage/store-protocol.ts';
import type { FromStoreWorker, GroupCommitSettings, StoreWorkerData, ToStoreWorker } from '../../src/thread-messages/store-control.ts';

const STORE_WORKER_URL = new URL('../../src/store/store-worker.ts', import.meta.url);

export interface BenchStore {
  readonly client: StoreClient;
  stop(): Promise<void>;
}

export async function startStoreWorker(config: Config, groupCommit: Partial<GroupCommitSettings>): Promise<BenchStore> {
  const worker = new Worker(STORE_WORKER_URL, { workerData: { config, groupCommit } satisfies StoreWorkerData });
  const exited = once(worker, 'exit');
  const [first] = (await once(worker, 'message')) as [FromStoreWorker];
  if (first.type === 'failed') {
    await exited;
    throw fromWireError(first.error);
  }
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ type: 'connect', port: port2 } satisfies ToStoreWorker, [port2]);
  return {
    client: new StoreClient(port1, config.storeCallTimeoutMs + StoreLimits.clientTimeoutMarginMs),
    async stop() {
      worker.postMessage({ type: 'stop' } satisfies ToStoreWorker);
      await exited;
    },
  };
}
