/**
 * The jobs one zone receives during one turn of the main thread's event loop, staged and then
 * written to the zone's inbound ring as one batch: one reservation, one copy and one commit for
 * all of them, instead of four atomic operations per job (bench/README.md, "Ring").
 *
 * The batch goes out at the end of the turn (setImmediate), or at once when it is full or when
 * the gateway needs the ring's order right now (a log-in's JOIN is written directly, after
 * flushing what was staged before it). The zone reads its ring only once per tick, so waiting
 * for the end of the turn adds no latency a player could notice.
 *
 * The ring takes a prefix of the batch when it is nearly full; the jobs it did not take are
 * handed back, in order, to the gateway, which answers each one (a move gets SERVER_BUSY, a
 * LEAVE is kept and retried).
 */
import { JobKind, LEAVE_JOB_BYTES, MOVE_JOB_BYTES, writeLeave, writeMove } from '../thread-messages/jobs.ts';
import { RecordBatch } from '../ring/record-batch.ts';
import type { RingBuffer } from '../ring/ring-buffer.ts';
import { GatewayLimits } from '../config/limits.ts';

export interface RefusedJob {
  readonly sessionId: number;
  readonly kind: number;
  /** The client request's seq (0 for jobs a client did not ask for). */
  readonly seq: number;
}

interface Flushed {
  readonly written: number;
  readonly refused: readonly RefusedJob[];
}

export class JobStager {
  private readonly batch = new RecordBatch(GatewayLimits.jobBatchBytes);
  /** Jobs are written straight into the batch's memory, with no copy. */
  private readonly view = new DataView(this.batch.bytes.buffer, this.batch.bytes.byteOffset, this.batch.bytes.byteLength);
  /** A flush made to free room, whose refusals wait until the job that needed the room is staged. */
  private unanswered: Flushed | undefined;
  private readonly kinds: number[] = [];
  private readonly seqs: number[] = [];
  private readonly sessions: number[] = [];
  private scheduled = false;
  private readonly ring: () => RingBuffer;
  private readonly onFlushed: (written: number, refused: readonly RefusedJob[]) => void;

  /**
   * `ring` returns the zone's current inbound ring; `onFlushed` hears how many jobs went in and
   * which were refused.
   */
  constructor(ring: () => RingBuffer, onFlushed: (written: number, refused: readonly RefusedJob[]) => void) {
    this.ring = ring;
    this.onFlushed = onFlushed;
  }

  get size(): number {
    return this.batch.count;
  }

  addMove(sessionId: number, seq: number, x: number, y: number, heading: number, clientTimeMs: number): void {
    const at = this.stage(sessionId, JobKind.MOVE, seq, MOVE_JOB_BYTES);
    writeMove(this.view, at, seq, x, y, heading, clientTimeMs);
    this.answerRefusals();
  }

  addLeave(sessionId: number): void {
    writeLeave(this.view, this.stage(sessionId, JobKind.LEAVE, 0, LEAVE_JOB_BYTES));
    this.answerRefusals();
  }

  /**
   * Makes room for one job and returns where its bytes go. When the batch is full it is
   * written first, but its refusals are answered only once the new job is complete
   * (`answerRefusals`): answering can re-enter the gateway (a refusal can end a session, which
   * stages its LEAVE) and must find every staged job whole.
   */
  private stage(sessionId: number, kind: number, seq: number, length: number): number {
    let at = this.batch.append(sessionId, length);
    if (at < 0) {
      this.unanswered = this.writeStaged();
      at = this.batch.append(sessionId, length);
    }
    const index = this.batch.count - 1;
    this.kinds[index] = kind;
    this.seqs[index] = seq;
    this.sessions[index] = sessionId;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAtEndOfTurn);
    }
    return at;
  }

  private answerRefusals(): void {
    const flushed = this.unanswered;
    if (!flushed) return;
    this.unanswered = undefined;
    this.onFlushed(flushed.written, flushed.refused);
  }

  /** Writes what is staged; jobs the ring has no room for are refused, in order. */
  flush(): void {
    const flushed = this.writeStaged();
    if (flushed) this.onFlushed(flushed.written, flushed.refused);
  }

  private writeStaged(): Flushed | undefined {
    const count = this.batch.count;
    if (count === 0) return undefined;
    const written = this.ring().tryWriteBatch(this.batch, 0);
    const refused: RefusedJob[] = [];
    for (let i = written; i < count; i++) {
      refused.push({ sessionId: this.sessions[i] as number, kind: this.kinds[i] as number, seq: this.seqs[i] as number });
    }
    this.batch.clear();
    return { written, refused };
  }

  /** Forgets what is staged (the zone died; its sessions are being closed). */
  discard(): void {
    this.batch.clear();
  }

  private readonly flushAtEndOfTurn = (): void => {
    this.scheduled = false;
    this.flush();
  };
}
