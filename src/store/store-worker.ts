/**
 * Entry point of the store worker thread: the only thread that talks to the database. It opens the
 * backend chosen by the configuration, then answers requests on every port the main thread hands
 * it (storage/store-protocol.ts). Requests run concurrently; on MySQL each takes a pool connection.
 * Economy operations that change gold, items or names go through the group committer
 * (group-commit.ts); each is answered once the transaction covering it has committed.
 *
 * Stopping: requests already received are finished, later ones are refused with STORE_STOPPING,
 * then the database is closed, every client is told (STORE_STOPPED) and its port closed, and the
 * thread exits.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createLogger } from '../log/logger.ts';
import { groupCommitSettings } from './group-commit.ts';
import { MeteredEconomy } from './metered-economy.ts';
import { MeteredStore } from './metered-store.ts';
import { openStore } from './open-store.ts';
import { STORE_STOPPED, toWireError, type StoreArgs, type StoreOp, type StoreRequest, type StoreResponse, type StoreResult } from '../storage/store-protocol.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';
import type { MetricsSnapshot } from '../metrics/metrics-hub.ts';
import type { FromStoreWorker, StoreWorkerData, ToStoreWorker } from '../thread-messages/store-control.ts';

if (!parentPort) throw new Error('store-worker.ts runs only as a worker thread');
const control = parentPort;
const { config, groupCommit } = workerData as StoreWorkerData;
const log = createLogger(config, { part: 'store' });

function post(message: FromStoreWorker): void {
  control.postMessage(message);
}

interface Opened {
  readonly store: MeteredStore;
  readonly economy: MeteredEconomy;
}

function open(): Opened | undefined {
  try {
    const backend = openStore(config, log);
    const store = new MeteredStore(backend, log);
    return { store, economy: new MeteredEconomy(backend, { ...groupCommitSettings(config), ...groupCommit }, store.registry) };
  } catch (err) {
    log.error({ err }, 'store could not be opened');
    post({ type: 'failed', error: toWireError(err) });
    control.close(); // nothing else keeps the thread alive: it exits
    return undefined;
  }
}

function serve({ store, economy }: Opened): void {
  const handlers: { [K in StoreOp]: (...args: StoreArgs<K>) => Promise<StoreResult<K>> } = {
    migrate: () => store.migrate(),
    acquire: (playerId, nodeId, initial) => store.acquire(playerId, nodeId, initial),
    acquireExisting: (playerId, nodeId) => store.acquireExisting(playerId, nodeId),
    save: (snapshots) => store.save(snapshots),
    release: (snapshot) => store.release(snapshot),
    replay: (snapshots) => store.replay(snapshots),
    releaseNode: (nodeId) => store.releaseNode(nodeId),
    releaseOwned: (owners) => store.releaseOwned(owners),
    load: (playerId) => store.load(playerId),
    createCharacter: (playerId, name, initial) => economy.createCharacter(playerId, name, initial),
    loadInventory: (playerId) => economy.loadInventory(playerId),
    trade: (request) => economy.trade(request),
    grant: (request, audit) => economy.grant(request, audit),
    sendMail: (request, audit) => economy.sendMail(request, audit),
    claimMail: (request) => economy.claimMail(request),
    listMail: (playerId) => economy.listMail(playerId),
    changeCharacter: (playerId, change, audit) => store.changeCharacter(playerId, change, audit),
    isolate: (playerId, audit) => store.isolate(playerId, audit),
    releaseIsolation: (playerId, audit) => store.releaseIsolation(playerId, audit),
    recordAudit: (record) => store.recordAudit(record),
    listAudit: (query) => store.listAudit(query),
    collectMetrics: () => store.registry.getMetricsAsJSON() as Promise<MetricsSnapshot>,
  };
  const ports = new Set<MessagePort>();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  function perform(request: StoreRequest): Promise<unknown> {
    if (stopping) return Promise.reject(new StoreError('the store is stopping', StoreErrorCodes.stopping));
    const handler = handlers[request.op] as ((...args: readonly unknown[]) => Promise<unknown>) | undefined;
    if (!handler) return Promise.reject(new StoreError(`unknown store operation "${request.op}"`, StoreErrorCodes.badRequest));
    return handler(...request.args);
  }

  function listen(port: MessagePort): void {
    ports.add(port);
    port.on('close', () => ports.delete(port));
    // Answers settled in one turn (a committed group's) leave as one message, after the turn's other settlements.
    let outbox: StoreResponse[] = [];
    const flush = (): void => {
      const batch = outbox;
      outbox = [];
      port.postMessage(batch.length === 1 ? batch[0] : batch);
    };
    const answer = (response: StoreResponse): void => {
      if (outbox.push(response) === 1) queueMicrotask(flush);
    };
    port.on('message', (message: StoreRequest | readonly StoreRequest[]) => {
      for (const request of Array.isArray(message) ? message : [message]) {
        const answered = perform(request).then(
          (value) => answer({ id: request.id, ok: true, value }),
          (err: unknown) => answer({ id: request.id, ok: false, error: toWireError(err) }),
        );
        inFlight.add(answered);
        void answered.finally(() => inFlight.delete(answered));
      }
    });
  }

  async function stop(): Promise<void> {
    stopping = true;
    await Promise.all(inFlight);
    await store.close().catch((err: unknown) => log.error({ err }, 'closing the database failed'));
    for (const port of ports) {
      port.postMessage(STORE_STOPPED);
      port.close();
    }
    log.info('store stopped');
    control.close();
  }

  control.on('message', (message: ToStoreWorker) => {
    switch (message.type) {
      case 'connect':
        listen(message.port);
        return;
      case 'stop':
        void stop();
        return;
    }
  });
  post({ type: 'ready', backend: store.backend });
}

const opened = open();
if (opened) serve(opened);
