/**
 * The store as any thread other than the store worker sees it: the CharacterStore interface, each
 * call a request over this client's own MessagePort (store-protocol.ts). Build one from a port
 * that StoreWorkerHandle made; the port may first be transferred to another thread.
 *
 * Failures arrive as StoreError with the database's code and errno. Every call has a time limit
 * (`timeoutMs`): one the store has not answered by then rejects with STORE_TIMEOUT (its outcome
 * is unknown, as after a lost connection).
 *
 * When the store worker dies, the supervisor starts a new one and hands each client a port to it
 * (`replacePort`): calls not yet answered are sent again on it, under the same operation ids, so
 * the store applies each at most once (economy operations replay their first result; saves and
 * releases are fenced by owner epoch). Meanwhile calls wait, within their time limit. Once the
 * client is closed, or its worker stopped for good, calls reject with STORE_WORKER_GONE.
 *
 * The port holds the thread's event loop open only while calls are pending.
 *
 * Economy calls that change something (createCharacter, trade, grant, sendMail, claimMail) made in
 * one synchronous run, such as one zone tick, are sent as one message at its end (a microtask), so
 * they reach the store worker together and share a group transaction (store/group-commit.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { MetricsSource, MetricsSnapshot } from '../metrics/metrics-hub.ts';
import type { CharacterSnapshot, CharacterState, CharacterStore, Isolated, OwnedCharacter, SaveResult, StoredCharacter } from './character-store.ts';
import type { AdminStore, AdminWriteResult, AuditDraft, AuditEntry, AuditQuery, AuditRecord, CharacterChange } from './admin-store.ts';
import { fromWireError, STORE_STOPPED, type StoreArgs, type StoreOp, type StoreRequest, type StoreResponse, type StoreResult } from './store-protocol.ts';
import { StoreError, StoreErrorCodes } from './store-error.ts';
import type { ClaimMailRequest, ClaimMailResult, CreateCharacterResult, EconomyStore, GrantRequest, GrantResult, Inventory, Mail, SendMailRequest, SendMailResult, TradeRequest, TradeResult } from './economy-store.ts';

interface Pending {
  readonly request: StoreRequest;
  /** performance.now() past which the call fails with STORE_TIMEOUT. */
  readonly deadline: number;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** Checks for calls past their time limit this many times per limit. */
const DEADLINE_CHECKS_PER_LIMIT = 10;

export class StoreClient implements CharacterStore, EconomyStore, AdminStore, MetricsSource {
  private port: MessagePort;
  private readonly timeoutMs: number;
  /** Pending calls in the order they were made (ids only grow). */
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Group-committed calls of this turn, sent together at its end. */
  private outbox: StoreRequest[] = [];
  /** The port's worker is gone and a new port is awaited: calls wait in `pending`. */
  private disconnected = false;
  /** Why calls can no longer be made; undefined while the client is usable. */
  private closedBecause: string | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;

  /** `timeoutMs`: the time limit of each call, from when it is made. */
  constructor(port: MessagePort, timeoutMs: number) {
    this.timeoutMs = timeoutMs;
    this.port = port;
    this.listen(port);
  }

  /**
   * The store worker was started again: calls go to it through `port` from now on, those not
   * answered yet first, in the order they were made. False (and the port closed) when this
   * client is closed: it takes no more ports.
   */
  replacePort(port: MessagePort): boolean {
    if (this.closedBecause !== undefined) {
      port.close();
      return false;
    }
    this.port.removeAllListeners();
    this.port.close();
    this.port = port;
    this.disconnected = false;
    this.listen(port);
    const resend = [...this.pending.values()].map((call) => call.request);
    if (resend.length > 0) {
      port.ref();
      port.postMessage(resend);
    }
    return true;
  }

  /** The worker behind the port went away; a new port is awaited (see replacePort). */
  private listen(port: MessagePort): void {
    port.on('message', (message: StoreResponse | readonly StoreResponse[] | typeof STORE_STOPPED) => {
      if (message === STORE_STOPPED) this.fail('the store worker has stopped');
      else this.settle(message);
    });
    port.on('close', () => {
      if (port === this.port) this.disconnected = true;
    });
    if (this.pending.size === 0) port.unref();
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

  replay(snapshots: readonly CharacterSnapshot[]): Promise<number> {
    return this.call('replay', [snapshots]);
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

  acquireExisting(playerId: number, nodeId: string): Promise<OwnedCharacter | Isolated | undefined> {
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

  grant(request: GrantRequest, audit?: AuditDraft): Promise<GrantResult> {
    return this.call('grant', [request, audit], true);
  }

  sendMail(request: SendMailRequest, audit?: AuditDraft): Promise<SendMailResult> {
    return this.call('sendMail', [request, audit], true);
  }

  claimMail(request: ClaimMailRequest): Promise<ClaimMailResult> {
    return this.call('claimMail', [request], true);
  }

  listMail(playerId: number): Promise<Mail[]> {
    return this.call('listMail', [playerId]);
  }

  changeCharacter(playerId: number, change: CharacterChange, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.call('changeCharacter', [playerId, change, audit]);
  }

  isolate(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.call('isolate', [playerId, audit]);
  }

  releaseIsolation(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.call('releaseIsolation', [playerId, audit]);
  }

  recordAudit(record: AuditRecord): Promise<void> {
    return this.call('recordAudit', [record]);
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.call('listAudit', [query]);
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
      const request: StoreRequest = { id, op, args };
      this.pending.set(id, { request, deadline: performance.now() + this.timeoutMs, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) {
        this.port.ref();
        this.deadlineTimer ??= setInterval(() => this.failLateCalls(), Math.max(1, this.timeoutMs / DEADLINE_CHECKS_PER_LIMIT));
      }
      // While disconnected the call waits in `pending`, to be sent on the next port.
      if (this.disconnected) return;
      if (!together) this.port.postMessage(request);
      else if (this.outbox.push(request) === 1) queueMicrotask(() => this.sendOutbox());
    });
  }

  private sendOutbox(): void {
    // Calls failed meanwhile are no longer pending, and those of a lost port go again with the next one.
    const requests = this.outbox.filter((request) => this.pending.has(request.id));
    this.outbox = [];
    if (requests.length > 0 && !this.disconnected && this.closedBecause === undefined) this.port.postMessage(requests);
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
    this.forget(response.id);
    if (response.ok) pending.resolve(response.value);
    else pending.reject(fromWireError(response.error));
  }

  private forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size > 0) return;
    this.port.unref();
    clearInterval(this.deadlineTimer);
    this.deadlineTimer = undefined;
  }

  /** Rejects the calls past their time limit: the oldest come first in `pending`. */
  private failLateCalls(): void {
    const now = performance.now();
    for (const [id, call] of this.pending) {
      if (call.deadline > now) break;
      this.forget(id);
      const why = this.disconnected ? 'the store worker is restarting' : 'the store did not answer';
      call.reject(new StoreError(`${why}: ${call.request.op} gave up after ${this.timeoutMs} ms`, StoreErrorCodes.timeout));
    }
  }

  private fail(reason: string): void {
    if (this.closedBecause !== undefined) return;
    this.closedBecause = reason;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.port.unref();
    clearInterval(this.deadlineTimer);
    this.deadlineTimer = undefined;
    for (const call of pending) call.reject(new StoreError(reason, StoreErrorCodes.workerGone));
  }
}
