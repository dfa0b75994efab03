/**
 * The main thread's side of the store worker: starts it, hands out client ports, restarts it when
 * it dies, stops it.
 *
 *   const store = await StoreWorkerHandle.start(config, log);  // rejects if the database cannot be opened
 *   const client = store.connect();                             // a StoreClient for this thread
 *   const link = store.attach((port) => send(port));            // or a port for another thread:
 *   new Worker(url, { workerData: { storePort: link.port }, transferList: [link.port] });
 *   //   …and there: new StoreClient(workerData.storePort, timeoutMs), given each later port
 *   //   (the worker was restarted) through client.replacePort(port)
 *   link.detach();                                              // that thread is gone
 *   await store.stop(Date.now() + 5000);
 *
 * A worker that dies (an exception, or out of memory) is started again after a short delay that
 * doubles while it keeps dying soon after starting; every attached client then gets a port to the
 * new one and sends it again what the old one had not answered (storage/store-client.ts). While
 * it is down, `up` is false (the server is not ready) and calls wait within their time limit.
 */
import { EventEmitter } from 'node:events';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import { StoreLimits, SupervisorLimits } from '../config/limits.ts';
import type { Logger } from '../log/logger.ts';
import { foldedCounter } from '../metrics/folded-counter.ts';
import { Backoff } from '../retry/backoff.ts';
import type { Backend } from '../storage/character-store.ts';
import { StoreClient } from '../storage/store-client.ts';
import { fromWireError } from '../storage/store-protocol.ts';
import type { FromStoreWorker, StoreWorkerData, ToStoreWorker } from '../thread-messages/store-control.ts';

const STORE_WORKER_URL = new URL('../store/store-worker.ts', import.meta.url);

/** A client thread's link to the store worker, kept across restarts until detached. */
export interface StoreAttachment {
  /** A port to the worker now running. */
  readonly port: MessagePort;
  /** The thread is gone: it gets no more ports. */
  detach(): void;
}

export interface StoreWorkerEvents {
  /** The worker died; it is being started again. */
  down: [];
  /** A new worker answers; every attached client has its port. */
  up: [];
}

export class StoreWorkerHandle extends EventEmitter<StoreWorkerEvents> {
  readonly backend: Backend;
  /** Times a worker that died was started again. */
  restarts = 0;
  private readonly config: Config;
  private readonly log: Logger;
  private worker: Worker;
  private exited: Promise<number>;
  private startedAt = Date.now();
  private readonly deliveries = new Set<(port: MessagePort) => void>();
  private readonly backoff = new Backoff({ firstMs: SupervisorLimits.storeRestartDelayMs, maxMs: SupervisorLimits.maxStoreRestartDelayMs });
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private restarting = false;

  private constructor(config: Config, log: Logger, worker: Worker, backend: Backend, exited: Promise<number>) {
    super();
    this.config = config;
    this.log = log;
    this.worker = worker;
    this.backend = backend;
    this.exited = exited;
    this.watch(worker);
  }

  /** Starts the worker; resolves once its backend is open, rejects with the reason if it cannot be. */
  static async start(config: Config, log: Logger): Promise<StoreWorkerHandle> {
    const { worker, exited, backend } = await StoreWorkerHandle.spawn(config);
    return new StoreWorkerHandle(config, log, worker, backend, exited);
  }

  private static async spawn(config: Config): Promise<{ worker: Worker; exited: Promise<number>; backend: Backend }> {
    const worker = new Worker(STORE_WORKER_URL, {
      workerData: { config } satisfies StoreWorkerData,
      name: 'store',
      resourceLimits: { maxYoungGenerationSizeMb: SupervisorLimits.workerYoungGenerationMb },
    });
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
    return { worker, exited, backend: first.backend };
  }

  /** True while a worker answers; false from its death until the new one is ready. */
  get up(): boolean {
    return !this.restarting;
  }

  /** The current worker thread (tests end it to see the restart). */
  get thread(): Worker {
    return this.worker;
  }

  /** A port for a client on another thread now, and through `deliver` after each restart. */
  attach(deliver: (port: MessagePort) => void): StoreAttachment {
    this.deliveries.add(deliver);
    return { port: this.connectPort(), detach: () => this.deliveries.delete(deliver) };
  }

  /** A StoreClient for this thread, kept connected across restarts until it is closed. */
  connect(): StoreClient {
    const link = this.attach((port) => {
      if (!client.replacePort(port)) link.detach();
    });
    const client = new StoreClient(link.port, this.config.storeCallTimeoutMs + StoreLimits.clientTimeoutMarginMs);
    return client;
  }

  /**
   * Lets requests already sent finish, closes the database and every client port, and resolves
   * once the thread has exited; terminates it if that has not happened by `deadlineMs`.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.send({ type: 'stop' });
    const timer = setTimeout(() => void this.worker.terminate(), Math.max(0, deadlineMs - Date.now()));
    await this.exited;
    clearTimeout(timer);
  }

  /** store_worker_up and store_worker_restarts_total on the main thread's registry. */
  registerMetrics(registry: Registry): void {
    foldedCounter(registry, 'store_worker_restarts_total', 'Times the store worker died and was started again.', () => this.restarts);
    const handle = this;
    new Gauge({
      name: 'store_worker_up',
      help: '1 while the store worker answers, 0 from its death until a new one is ready.',
      registers: [registry],
      collect() {
        this.set(handle.up ? 1 : 0);
      },
    });
  }

  private connectPort(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.send({ type: 'connect', port: port2 }, [port2]);
    return port1;
  }

  private watch(worker: Worker): void {
    worker.on('error', (err) => this.log.error({ err }, 'store worker failed'));
    worker.once('exit', (code) => {
      if (this.stopping || worker !== this.worker) return;
      this.restarting = true;
      this.log.error({ exitCode: code }, 'STORE WORKER DIED: restarting it; calls wait for it and are sent again');
      this.emit('down');
      // One that had run a while before it died starts over at the base delay.
      if (Date.now() - this.startedAt >= SupervisorLimits.stableRunMs) this.backoff.reset();
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      StoreWorkerHandle.spawn(this.config).then(
        ({ worker, exited }) => {
          if (this.stopping) {
            worker.postMessage({ type: 'stop' } satisfies ToStoreWorker);
            return;
          }
          this.worker = worker;
          this.exited = exited;
          this.startedAt = Date.now();
          this.restarts++;
          this.restarting = false;
          this.watch(worker);
          for (const deliver of this.deliveries) deliver(this.connectPort());
          this.log.warn({ restarts: this.restarts }, 'store worker restarted');
          this.emit('up');
        },
        (err: unknown) => {
          if (this.stopping) return;
          this.log.error({ err }, 'store worker could not be restarted: trying again');
          this.scheduleRestart();
        },
      );
    }, this.backoff.next());
  }

  private send(message: ToStoreWorker, transfer: MessagePort[] = []): void {
    this.worker.postMessage(message, transfer);
  }
}
