/**
 * A zone's frames on their way to the gateway: staged in place in a RecordBatch, then written to
 * the outbound ring with one reservation per batch. A frame the ring has no room for means the
 * gateway is not keeping up with that session: rather than send it a world with a hole in it, the
 * zone drops the session (its player leaves at the start of the next tick, so that the view phase
 * tells everyone who sees it). Sessions dropped for another reason (a stale owner) get no more
 * frames either.
 */
import { ZoneLimits } from '../config/limits.ts';
import { encodeServerMessage, type ServerMessageInit } from '../protocol/messages.ts';
import { RecordBatch } from '../ring/record-batch.ts';
import type { DropReason } from '../thread-messages/zone-control.ts';

/** Where frames go: the producer side of the outbound ring. */
export interface FrameSink {
  /** The largest frame the sink can ever take; a larger one is never tried. */
  readonly maxPayloadBytes: number;
  /** Writes the longest prefix of batch records [from, count) that fits; returns how many. */
  tryWriteBatch(batch: RecordBatch, from: number): number;
}

/** Counters the worker folds into its metrics; they only grow. */
export interface FrameCounters {
  framesOut: number;
  bytesOut: number;
  /** Frames that did not fit into the outbound ring (each drops its session). */
  framesRejected: number;
}

export interface OutboxHooks {
  /** The zone dropped this session; the gateway closes it. */
  sessionDropped(sessionId: number, reason: DropReason): void;
  /** A frame of `bytes` went into the outbound ring. */
  frameSent?(bytes: number): void;
}

export class FrameOutbox {
  /** This tick's frames, staged in place: writers fill `batch.bytes` at the offset `stage` returns. */
  readonly batch = new RecordBatch(ZoneLimits.frameBatchBytes);
  private readonly batchSessions: number[] = [];
  private readonly batchLengths: number[] = [];
  private readonly maxFrameBytes: number;
  /** Sessions dropped since the last `takeDropped`, with why. */
  private readonly dropped = new Map<number, DropReason>();
  private readonly sink: FrameSink;
  private readonly counters: FrameCounters;
  private readonly hooks: OutboxHooks;

  constructor(sink: FrameSink, counters: FrameCounters, hooks: OutboxHooks) {
    this.sink = sink;
    this.counters = counters;
    this.hooks = hooks;
    this.maxFrameBytes = Math.min(sink.maxPayloadBytes, this.batch.maxPayloadBytes);
  }

  /** A frame encoded by protobufjs (log-in answers, corrections, economy results). */
  send(sessionId: number, message: ServerMessageInit): void {
    this.sendEncoded(sessionId, encodeServerMessage(message));
  }

  /** A frame already encoded: one message for many sessions is encoded once. */
  sendEncoded(sessionId: number, bytes: Uint8Array): void {
    const at = this.stage(sessionId, bytes.length);
    if (at >= 0) this.batch.bytes.set(bytes, at);
  }

  /**
   * Reserves `length` bytes for a frame to `sessionId` (writing the batch out first when it is
   * full) and returns where to write them, or -1 when the frame cannot be sent.
   */
  stage(sessionId: number, length: number): number {
    if (this.dropped.has(sessionId)) return -1;
    // A frame larger than the ring could ever hold (OUTBOUND_RING_BYTES too small for the
    // zone's population) is treated like a full ring rather than thrown.
    if (length > this.maxFrameBytes) {
      this.dropOverloaded(sessionId);
      return -1;
    }
    let at = this.batch.append(sessionId, length);
    if (at < 0) {
      this.flush();
      at = this.batch.append(sessionId, length);
    }
    this.batchSessions.push(sessionId);
    this.batchLengths.push(length);
    return at;
  }

  /** Writes the staged frames to the ring. */
  flush(): void {
    const batch = this.batch;
    const counters = this.counters;
    let from = 0;
    while (from < batch.count) {
      const written = this.sink.tryWriteBatch(batch, from);
      for (let i = from; i < from + written; i++) {
        const bytes = this.batchLengths[i] as number;
        counters.framesOut++;
        counters.bytesOut += bytes;
        this.hooks.frameSent?.(bytes);
      }
      from += written;
      // The ring is full: the next frame's session loses it, and the rest are tried again.
      if (written === 0) this.dropOverloaded(this.batchSessions[from++] as number);
    }
    batch.clear();
    this.batchSessions.length = 0;
    this.batchLengths.length = 0;
  }

  /** The session gets no more frames; the gateway hears why. */
  drop(sessionId: number, reason: DropReason): void {
    if (this.dropped.has(sessionId)) return;
    this.dropped.set(sessionId, reason);
    this.hooks.sessionDropped(sessionId, reason);
  }

  /** Hands out the sessions dropped since the last call, and forgets them. */
  takeDropped(each: (sessionId: number, reason: DropReason) => void): void {
    for (const [sessionId, reason] of this.dropped) each(sessionId, reason);
    this.dropped.clear();
  }

  private dropOverloaded(sessionId: number): void {
    this.counters.framesRejected++;
    this.drop(sessionId, 'zone_overloaded');
  }
}
