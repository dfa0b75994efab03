/**
 * The main thread's side of the store worker: starts it, hands out client ports, stops it.
 *
 *   const store = await StoreWorkerHandle.start(config);   // rejects if the database cannot be opened
 *   const client = store.connect();                         // a StoreClient for this thread
 *   const port = store.connectPort();                       // or a port for another thread:
 *   new Worker(url, { workerData: { storePort: port }, transferList: [port] });
 *   //   …and there: new StoreClient(workerData.storePort)
 *   await store.stop(Date.now() + 5000);
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Config } from '../config/config.ts';
import type { Backend } from '../storage/character-store.ts';
import { StoreClient } from '../storage/store-client.ts';
import { fromWireError } from '../storage/store-protocol.ts';
import type { FromStoreWorker, StoreWorkerData, ToStoreWorker } from '../thread-messages/store-control.ts';

const STORE_WORKER_URL = new URL('../store/store-worker.ts', import.meta.url);

export class StoreWorkerHandle {
  readonly worker: Worker;
  readonly backend: Backend;
  private readonly exited: Promise<unknown>;

  private constructor(worker: Worker, backend: Backend, exited: Promise<unknown>) {
    this.worker = worker;
    this.backend = backend;
    this.exited = exited;
  }

  /** Starts the worker; resolves once its backend is open, rejects with the reason if it cannot be. */
  static async start(config: Config): Promise<StoreWorkerHandle> {
    const worker = new Worker(STORE_WORKER_URL, { workerData: { config } satisfies StoreWorkerData });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const first = await new Promise<FromStoreWorker>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      void exited.then((code) => reject(new Error(`store worker exited (${code}) before it was ready`)));
    });
    if (first.type === 'failed') {
      await exited;
      throw fromWireError(first.error);
    }
    return new StoreWorkerHandle(worker, first.backend, exited);
  }

  /** One end of a new channel to the worker, for a StoreClient on this thread or another. */
  connectPort(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.send({ type: 'connect', port: port2 }, [port2]);
    return port1;
  }

  connect(): StoreClient {
    return new StoreClient(this.connectPort());
  }

  /**
   * Lets requests already sent finish, closes the database and every client port, and resolves
   * once the thread has exited; terminates it if that has not happened by `deadlineMs`.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.send({ type: 'stop' });
    const timer = setTimeout(() => void this.worker.terminate(), Math.max(0, deadlineMs - Date.now()));
    await this.exited;
    clearTimeout(timer);
  }

  private send(message: ToStoreWorker, transfer: MessagePort[] = []): void {
    this.worker.postMessage(message, transfer);
  }
}
