/**
 * The main thread's view of one zone: its worker, the current generation of its two rings, and
 * its state. A restart replaces the worker and both rings (a dead worker may have died halfway
 * through a record), and bumps `generation` so that anything tied to the old rings can tell.
 */
import type { MessagePort, Worker } from 'node:worker_threads';
import type { ChangeOutcome, EntitySample, LivePlayer, PlayerChange, ToZone, ZoneStatus } from '../thread-messages/zone-control.ts';
import { ZONE_HEARTBEAT_BYTES, ZoneHeartbeat } from '../thread-messages/zone-heartbeat.ts';
import type { TradeReason } from '../protocol/reasons.ts';
import { RingBuffer } from '../ring/ring-buffer.ts';
import { StoreError } from '../storage/store-error.ts';
import type { GrantRequest, GrantResult } from '../storage/economy-store.ts';
import type { AuditDraft } from '../storage/admin-store.ts';
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
  /** Requests waiting for the worker's answer, by request id, one table per kind of answer. */
  private readonly pendingHolds = new Map<number, Waiting<{ holdId?: number; reason?: TradeReason }>>();
  private readonly pendingGrants = new Map<number, Waiting<GrantResult>>();
  private readonly pendingStatuses = new Map<number, Waiting<ZoneStatus>>();
  private readonly pendingSamples = new Map<number, Waiting<EntitySample>>();
  private readonly pendingInspections = new Map<number, Waiting<LivePlayer | undefined>>();
  private readonly pendingChanges = new Map<number, Waiting<ChangeOutcome>>();
  private nextRequestId = 1;
  private readonly inboundRingBytes: number;
  private readonly outboundRingBytes: number;

  constructor(config: ZoneConfig, inboundRingBytes: number, outboundRingBytes: number) {
    this.config = config;
    this.inboundRingBytes = inboundRingBytes;
    this.outboundRingBytes = outboundRingBytes;
    this.inbound = residentRing(inboundRingBytes);
    this.outbound = residentRing(outboundRingBytes);
  }

  get id(): number {
    return this.config.id;
  }

  /** Fresh rings for a new worker. */
  renewRings(): void {
    this.generation++;
    this.inbound = residentRing(this.inboundRingBytes);
    this.outbound = residentRing(this.outboundRingBytes);
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
  grant(request: GrantRequest, audit?: AuditDraft): Promise<GrantResult> {
    return this.ask(this.pendingGrants, (requestId) => ({ type: 'grant', requestId, request, audit }));
  }

  /**
   * Asks the zone to escrow a player's offer for a trade across zones. Rejects if the zone is not
   * running or dies before answering: nothing is held then (escrow is the zone's memory).
   */
  holdForTrade(playerId: number, gold: number, itemIds: readonly number[]): Promise<{ holdId?: number; reason?: TradeReason }> {
    return this.ask(this.pendingHolds, (requestId) => ({ type: 'escrow-hold', requestId, playerId, gold, itemIds }));
  }

  /** The zone's players and recent tick p99; rejects if the zone is not running or dies first. */
  status(): Promise<ZoneStatus> {
    return this.ask(this.pendingStatuses, (requestId) => ({ type: 'zone-status', requestId }));
  }

  settleStatus(requestId: number, status: ZoneStatus): void {
    settle(this.pendingStatuses, requestId, status);
  }

  /** Where each of the zone's entities is, between two ticks; rejects if the zone is not running or dies first. */
  sampleEntities(): Promise<EntitySample> {
    return this.ask(this.pendingSamples, (requestId) => ({ type: 'sample-entities', requestId }));
  }

  settleSample(requestId: number, sample: EntitySample): void {
    settle(this.pendingSamples, requestId, sample);
  }

  /** What the zone holds of a player now; rejects if the zone is not running or dies first. */
  inspectPlayer(playerId: number): Promise<LivePlayer | undefined> {
    return this.ask(this.pendingInspections, (requestId) => ({ type: 'inspect-player', requestId, playerId }));
  }

  settleInspection(requestId: number, player: LivePlayer | undefined): void {
    settle(this.pendingInspections, requestId, player);
  }

  /**
   * An operator's change to a player the zone holds, applied at its next tick. Rejects if the
   * zone is not running or dies first: the change may have been applied then, and was lost with
   * the zone unless written back before.
   */
  changePlayer(playerId: number, change: PlayerChange): Promise<ChangeOutcome> {
    return this.ask(this.pendingChanges, (requestId) => ({ type: 'change-player', requestId, playerId, change }));
  }

  settleChange(requestId: number, outcome: ChangeOutcome): void {
    settle(this.pendingChanges, requestId, outcome);
  }

  settleHold(requestId: number, held: { holdId?: number | undefined; reason?: TradeReason | undefined }): void {
    settle(this.pendingHolds, requestId, held);
  }

  /** The worker's answer to a grant. */
  settleGrant(requestId: number, result: GrantResult | undefined, error: { message: string; code?: string | undefined } | undefined): void {
    settle(this.pendingGrants, requestId, result ?? new StoreError(error?.message ?? 'grant failed', error?.code));
  }

  /** Answers every pending request: metrics with nothing, the others with an error (the worker is gone). */
  abandonRequests(): void {
    for (const answer of [...this.pendingMetrics.values()]) answer(undefined);
    const gone = new Error(`zone ${this.id} stopped before answering`);
    abandon(this.pendingHolds, gone);
    abandon(this.pendingInspections, gone);
    abandon(this.pendingChanges, gone);
    abandon(this.pendingStatuses, gone);
    abandon(this.pendingSamples, gone);
    abandon(this.pendingGrants, new Error(`zone ${this.id} stopped before answering; retry with the same key`));
  }

  /** Sends the request `message` makes with a new id, and waits in `pending` for its answer. */
  private ask<T>(pending: Map<number, Waiting<T>>, message: (requestId: number) => ToZone): Promise<T> {
    if (this.state !== 'running' || !this.worker) return Promise.reject(new Error(`zone ${this.id} is not running`));
    const requestId = this.nextRequestId++;
    return new Promise((resolve, reject) => {
      pending.set(requestId, { resolve, reject });
      this.send(message(requestId));
    });
  }
}

/**
 * A ring whose every page is in memory from the start. The system hands out a new buffer's pages
 * as they are first written, so a 16 MiB frame ring would otherwise grow the process by up to
 * 16 MiB over its first minutes of traffic: memory that looks like it grows with players but is
 * a fixed cost of each zone. Written once here, it is part of the idle server's footprint.
 */
/** The smallest page the system maps: writing one byte in every 4 KiB touches every page. */
const PAGE_BYTES = 4096;

function residentRing(capacityBytes: number): RingBuffer {
  const ring = RingBuffer.create(capacityBytes);
  // A write to each page makes the system back it now; each byte written is the one it holds.
  const bytes = new Uint8Array(ring.buffer);
  for (let at = 0; at < bytes.length; at += PAGE_BYTES) bytes[at] = bytes[at] as number;
  return ring;
}

interface Waiting<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

/** The worker's answer to a request: its value, or the error it failed with. */
function settle<T>(pending: Map<number, Waiting<T>>, requestId: number, answer: T | Error): void {
  const waiting = pending.get(requestId);
  if (!waiting) return;
  pending.delete(requestId);
  if (answer instanceof Error) waiting.reject(answer);
  else waiting.resolve(answer);
}

function abandon<T>(pending: Map<number, Waiting<T>>, err: Error): void {
  const waiting = [...pending.values()];
  pending.clear();
  for (const each of waiting) each.reject(err);
}
