/**
 * The store as any thread other than the store worker sees it: the CharacterStore interface, each
 * call a request over this client's own MessagePort (store-protocol.ts). Build one from a port
 * that StoreWorkerHandle.connectPort() made; the port may first be transferred to another thread.
 *
 * Failures arrive as StoreError with the database's code and errno. Once the worker is gone (it
 * exited, or stopped and closed the port), pending calls reject at once and later calls reject
 * without being sent, with code STORE_WORKER_GONE: nothing waits on a thread that cannot answer.
 *
 * The port holds the thread's event loop open only while calls are pending.
 *
 * Economy calls that change something (createCharacter, trade, grant, sendMail, claimMail) made in
 * one synchronous run, such as one zone tick, are sent as one message at its end (a microtask), so
 * they reach the store worker together and share a group transaction (store/group-commit.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { MetricsSource, MetricsSnapshot } from '../metrics/metrics-hub.ts';
import type { CharacterSnapshot, CharacterState, CharacterStore, OwnedCharacter, SaveResult, StoredCharacter } from './character-store.ts';
import { fromWireError, type StoreArgs, type StoreOp, type StoreRequest, type StoreResponse, type StoreResult } from './store-protocol.ts';
import { StoreError, StoreErrorCodes } from './store-error.ts';
import type { ClaimMailRequest, ClaimMailResult, CreateCharacterResult, EconomyStore, GrantRequest, GrantResult, Inventory, Mail, SendMailRequest, SendMailResult, TradeRequest, TradeResult } from './economy-store.ts';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

export class StoreClient implements CharacterStore, EconomyStore, MetricsSource {
  private readonly port: MessagePort;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Group-committed calls of this turn, sent together at its end. */
  private outbox: StoreRequest[] = [];
  /** Why calls can no longer be made; undefined while the port is open. */
  private closedBecause: string | undefined;

  constructor(port: MessagePort) {
    this.port = port;
    port.on('message', (message: StoreResponse | readonly StoreResponse[]) => this.settle(message));
    port.on('close', () => this.fail('the store worker is gone'));
    port.unref();
  }

  migrate(): Promise<string[]> {
    return this.call('migrate', []);
  }

  acquire(playerId: number, nodeId: string, initial: CharacterState): Promise<OwnedCharacter> {
    return this.call('acquire', [playerId, nodeId, initial]);
  }

  save(snapshots: readonly CharacterSnapshot[]): Promise<SaveResult> {
    return this.call('save', [snapshots]);
  }

  release(snapshot: CharacterSnapshot): Promise<boolean> {
    return this.call('release', [snapshot]);
  }

  releaseNode(nodeId: string): Promise<number> {
    return this.call('releaseNode', [nodeId]);
  }

  releaseOwned(owners: readonly { readonly playerId: number; readonly epoch: number }[]): Promise<number> {
    return this.call('releaseOwned', [owners]);
  }

  load(playerId: number): Promise<StoredCharacter | undefined> {
    return this.call('load', [playerId]);
  }

  acquireExisting(playerId: number, nodeId: string): Promise<OwnedCharacter | undefined> {
    return this.call('acquireExisting', [playerId, nodeId]);
  }

  createCharacter(playerId: number, name: string, initial: CharacterState): Promise<CreateCharacterResult> {
    return this.call('createCharacter', [playerId, name, initial], true);
  }

  loadInventory(playerId: number): Promise<Inventory | undefined> {
    return this.call('loadInventory', [playerId]);
  }

  trade(request: TradeRequest): Promise<TradeResult> {
    return this.call('trade', [request], true);
  }

  grant(request: GrantRequest): Promise<GrantResult> {
    return this.call('grant', [request], true);
  }

  sendMail(request: SendMailRequest): Promise<SendMailResult> {
    return this.call('sendMail', [request], true);
  }

  claimMail(request: ClaimMailRequest): Promise<ClaimMailResult> {
    return this.call('claimMail', [request], true);
  }

  listMail(playerId: number): Promise<Mail[]> {
    return this.call('listMail', [playerId]);
  }

  /** The store worker's registry as JSON, or undefined when it does not answer within `timeoutMs`. */
  collectMetrics(timeoutMs: number): Promise<MetricsSnapshot | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.call('collectMetrics', []).then(
        (snapshot) => {
          clearTimeout(timer);
          resolve(snapshot);
        },
        () => {
          clearTimeout(timer);
          resolve(undefined);
        },
      );
    });
  }

  /** Closes this client's port (not the worker); pending calls reject. */
  async close(): Promise<void> {
    this.fail('this store client is closed');
    this.port.close();
  }

  /** `together`: wait for the end of this turn and send with the turn's other such calls. */
  private call<K extends StoreOp>(op: K, args: StoreArgs<K>, together = false): Promise<StoreResult<K>> {
    if (this.closedBecause !== undefined) return Promise.reject(new StoreError(this.closedBecause, StoreErrorCodes.workerGone));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) this.port.ref();
      const request: StoreRequest = { id, op, args };
      if (!together) this.port.postMessage(request);
      else if (this.outbox.push(request) === 1) queueMicrotask(() => this.sendOutbox());
    });
  }

  private sendOutbox(): void {
    const requests = this.outbox;
    this.outbox = [];
    // Closed meanwhile: fail() has already rejected these calls.
    if (this.closedBecause === undefined) this.port.postMessage(requests);
  }

  private settle(message: StoreResponse | readonly StoreResponse[]): void {
    if (Array.isArray(message)) {
      for (const response of message as readonly StoreResponse[]) this.settleOne(response);
    } else {
      this.settleOne(message as StoreResponse);
    }
  }

  private settleOne(response: StoreResponse): void {
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.port.unref();
    if (response.ok) pending.resolve(response.value);
    else pending.reject(fromWireError(response.error));
  }

  private fail(reason: string): void {
    if (this.closedBecause !== undefined) return;
    this.closedBecause = reason;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.port.unref();
    for (const call of pending) call.reject(new StoreError(reason, StoreErrorCodes.workerGone));
  }
}
