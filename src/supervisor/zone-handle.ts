/**
 * The main thread's view of one zone: its worker, the current generation of its two rings, and
 * its state. A restart replaces the worker and both rings (a dead worker may have died halfway
 * through a record), and bumps `generation` so that anything tied to the old rings can tell.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { LivePlayer, ToZone, ZoneStatus } from '../thread-messages/zone-control.ts';
import { ZONE_HEARTBEAT_BYTES, ZoneHeartbeat } from '../thread-messages/zone-heartbeat.ts';
import type { TradeReason } from '../protocol/reasons.ts';
import { RingBuffer } from '../ring/ring-buffer.ts';
import { StoreError } from '../storage/store-error.ts';
import type { GrantRequest, GrantResult } from '../storage/economy-store.ts';
import type { MetricsSnapshot } from '../metrics/metrics-hub.ts';
import type { ZoneConfig } from '../config/world.ts';

export type ZoneState = 'starting' | 'running' | 'restarting' | 'stopping' | 'stopped';

/** Main-thread counters about this zone; they only grow and survive restarts. */
export interface ZoneTraffic {
  jobsEnqueued: number;
  /** Jobs refused because the inbound ring was full. */
  jobsRejected: number;
  restarts: number;
  /** Workers the watchdog ended because their tick had stopped advancing. */
  hangs: number;
}

export class ZoneHandle {
  readonly config: ZoneConfig;
  readonly traffic: ZoneTraffic = { jobsEnqueued: 0, jobsRejected: 0, restarts: 0, hangs: 0 };
  /** Shared with each of the zone's workers in turn: which phase it is in (zone-heartbeat.ts). */
  readonly heartbeatBuffer = new SharedArrayBuffer(ZONE_HEARTBEAT_BYTES);
  readonly heartbeat = new ZoneHeartbeat(this.heartbeatBuffer);
  state: ZoneState = 'starting';
  generation = 0;
  inbound: RingBuffer;
  outbound: RingBuffer;
  worker: Worker | undefined;
  /** Metrics requests waiting for the worker's answer, by request id. */
  readonly pendingMetrics = new Map<number, (snapshot: MetricsSnapshot | undefined) => void>();
  /** Escrow holds waiting for the worker's answer, by request id. */
  readonly pendingHolds = new Map<number, { resolve(held: { holdId?: number; reason?: TradeReason }): void; reject(err: Error): void }>();
  /** Grants waiting for the worker's answer, by request id. */
  readonly pendingGrants = new Map<number, { resolve(result: GrantResult): void; reject(err: Error): void }>();
  /** Status requests waiting for the worker's answer, by request id. */
  readonly pendingStatuses = new Map<number, { resolve(status: ZoneStatus): void; reject(err: Error): void }>();
  /** Inspections of a player waiting for the worker's answer, by request id. */
  readonly pendingInspections = new Map<number, { resolve(player: LivePlayer | undefined): void; reject(err: Error): void }>();
  private nextRequestId = 1;
  private readonly inboundRingBytes: number;
  private readonly outboundRingBytes: number;

  constructor(config: ZoneConfig, inboundRingBytes: number, outboundRingBytes: number) {
    this.config = config;
    this.inboundRingBytes = inboundRingBytes;
    this.outboundRingBytes = outboundRingBytes;
    this.inbound = RingBuffer.create(inboundRingBytes);
    this.outbound = RingBuffer.create(outboundRingBytes);
  }

  get id(): number {
    return this.config.id;
  }

  /** Fresh rings for a new worker. */
  renewRings(): void {
    this.generation++;
    this.inbound = RingBuffer.create(this.inboundRingBytes);
    this.outbound = RingBuffer.create(this.outboundRingBytes);
  }

  send(message: ToZone, transfer: readonly MessagePort[] = []): void {
    this.worker?.postMessage(message, transfer);
  }

  /** The zone's metrics, or undefined when it does not answer within `timeoutMs`. */
  collectMetrics(timeoutMs: number): Promise<MetricsSnapshot | undefined> {
    if (this.state !== 'running' || !this.worker) return Promise.resolve(undefined);
    const requestId = this.nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingMetrics.delete(requestId);
        resolve(undefined);
      }, timeoutMs);
      this.pendingMetrics.set(requestId, (snapshot) => {
        clearTimeout(timer);
        this.pendingMetrics.delete(requestId);
        resolve(snapshot);
      });
      this.send({ type: 'collect-metrics', requestId });
    });
  }

  /**
   * Has the zone commit a grant for a player it holds and apply it. Rejects if the zone is not
   * running or dies first: the grant may or may not have committed then, so the caller retries
   * with the same key, which is safe.
   */
  grant(request: GrantRequest): Promise<GrantResult> {
    if (this.state !== 'running' || !this.worker) return Promise.reject(new Error(`zone ${this.id} is not running`));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pendingGrants.set(requestId, { resolve, reject });
      this.send({ type: 'grant', requestId, request });
    });
  }

  /**
   * Asks the zone to escrow a player's offer for a trade across zones. Rejects if the zone is not
   * running or dies before answering: nothing is held then (escrow is the zone's memory).
   */
  holdForTrade(playerId: number, gold: number, itemIds: readonly number[]): Promise<{ holdId?: number; reason?: TradeReason }> {
    if (this.state !== 'running' || !this.worker) return Promise.reject(new Error(`zone ${this.id} is not running`));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pendingHolds.set(requestId, { resolve, reject });
      this.send({ type: 'escrow-hold', requestId, playerId, gold, itemIds });
    });
  }

  /** The zone's players and recent tick p99; rejects if the zone is not running or dies first. */
  status(): Promise<ZoneStatus> {
    if (this.state !== 'running' || !this.worker) return Promise.reject(new Error(`zone ${this.id} is not running`));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pendingStatuses.set(requestId, { resolve, reject });
      this.send({ type: 'zone-status', requestId });
    });
  }

  settleStatus(requestId: number, status: ZoneStatus): void {
    const pending = this.pendingStatuses.get(requestId);
    if (!pending) return;
    this.pendingStatuses.delete(requestId);
    pending.resolve(status);
  }

  /** What the zone holds of a player now; rejects if the zone is not running or dies first. */
  inspectPlayer(playerId: number): Promise<LivePlayer | undefined> {
    if (this.state !== 'running' || !this.worker) return Promise.reject(new Error(`zone ${this.id} is not running`));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      this.pendingInspections.set(requestId, { resolve, reject });
      this.send({ type: 'inspect-player', requestId, playerId });
    });
  }

  settleInspection(requestId: number, player: LivePlayer | undefined): void {
    const pending = this.pendingInspections.get(requestId);
    if (!pending) return;
    this.pendingInspections.delete(requestId);
    pending.resolve(player);
  }

  settleHold(requestId: number, held: { holdId?: number | undefined; reason?: TradeReason | undefined }): void {
    const pending = this.pendingHolds.get(requestId);
    if (!pending) return;
    this.pendingHolds.delete(requestId);
    pending.resolve(held);
  }

  /** The worker's answer to a grant. */
  settleGrant(requestId: number, result: GrantResult | undefined, error: { message: string; code?: string | undefined } | undefined): void {
    const pending = this.pendingGrants.get(requestId);
    if (!pending) return;
    this.pendingGrants.delete(requestId);
    if (result) pending.resolve(result);
    else pending.reject(new StoreError(error?.message ?? 'grant failed', error?.code));
  }

  /** Answers every pending request: metrics with nothing, grants with an error (the worker is gone). */
  abandonRequests(): void {
    for (const answer of [...this.pendingMetrics.values()]) answer(undefined);
    for (const [requestId, pending] of [...this.pendingHolds]) {
      this.pendingHolds.delete(requestId);
      pending.reject(new Error(`zone ${this.id} stopped before answering`));
    }
    for (const pendings of [this.pendingInspections, this.pendingStatuses]) {
      for (const [requestId, pending] of [...pendings]) {
        pendings.delete(requestId);
        pending.reject(new Error(`zone ${this.id} stopped before answering`));
      }
    }
    for (const [requestId, pending] of [...this.pendingGrants]) {
      this.pendingGrants.delete(requestId);
      pending.reject(new Error(`zone ${this.id} stopped before answering; retry with the same key`));
    }
  }
}
