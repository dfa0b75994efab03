/**
 * The first phase of a tick: taking the jobs the gateway put in the zone's inbound ring. A JOIN
 * or an ARRIVE (a player handed over by another zone) is handed over at once (the player exists
 * from this tick on); moves, trade and mail requests, chat, game actions, LEAVEs, FENCEs and RESUMEs queue in arrival
 * order, so that a session's moves before its LEAVE count and reach
 * the database with its final state. Jobs are read in place and decoded moves reused by queue
 * position, so taking jobs allocates nothing for moves.
 */
import {
  FENCE_JOB_BYTES,
  JobKind,
  JobReader,
  JOIN_JOB_BYTES,
  LEAVE_JOB_BYTES,
  MOVE_JOB_BYTES,
  RESUME_JOB_BYTES,
  type ArriveJob,
  type ChatJob,
  type EconomyJob,
  type GameActionJob,
  type JoinJob,
  type MoveJob,
} from '../thread-messages/jobs.ts';

/** Where jobs come from: the consumer side of the inbound ring. */
export interface JobSource {
  drainRaw(handler: (key: number, data: Uint8Array, offset: number, length: number) => void, maxRecords?: number): number;
}

/** A session's request: a move, a trade or mail request, a chat message, a game action, or (undefined) a LEAVE. */
export type RequestJob = MoveJob | EconomyJob | ChatJob | GameActionJob | undefined;

/** The queued mark of a FENCE job (departures.ts). */
export const Fence = Object.freeze({ fence: true as const });

/** The queued mark of a RESUME job: the session's client came back on a new connection. */
export const Resume = Object.freeze({ resume: true as const });

/** A queued job already dealt with between ticks (Zone.takeJobsNow): the tick skips it. */
export const Taken = Object.freeze({ taken: true as const });

/** A queued job: a request, a FENCE, a RESUME, or one taken already. */
export type QueuedJob = RequestJob | typeof Fence | typeof Resume | typeof Taken;

/** Called at once for the jobs that bring a player in; their fields are valid until it returns. */
export interface Arrivals {
  join(sessionId: number, join: JoinJob): void;
  arrive(sessionId: number, arrive: ArriveJob): void;
}

export class JobQueue {
  /** Session id of each queued job. */
  readonly sessions: number[] = [];
  readonly jobs: QueuedJob[] = [];
  /** Jobs queued this tick: the first `count` entries of `sessions` and `jobs`. */
  count = 0;
  private readonly reader = new JobReader();
  private readonly joinJob: JoinJob = { playerId: 0, epoch: 0, x: 0, y: 0, heading: 0, hp: 0, level: 0, exp: 0, playTimeS: 0 };
  private readonly spareMoves: MoveJob[] = [];
  private arrivals: Arrivals = { join: () => {}, arrive: () => {} };
  private zoneId = 0;

  /**
   * Takes up to `maxJobs` jobs from `source`: each JOIN and ARRIVE goes to `arrivals` at once,
   * the others are queued. Returns how many jobs were taken.
   */
  take(source: JobSource, maxJobs: number, zoneId: number, arrivals: Arrivals): number {
    this.arrivals = arrivals;
    this.zoneId = zoneId;
    return source.drainRaw(this.onRecord, maxJobs);
  }

  /** Forgets this tick's queue once it has been applied. */
  clear(): void {
    this.count = 0;
  }

  private readonly onRecord = (sessionId: number, data: Uint8Array, offset: number, length: number): void => {
    const reader = this.reader;
    const kind = reader.kind(data, offset, length);
    if (kind === JobKind.JOIN && length === JOIN_JOB_BYTES) {
      this.arrivals.join(sessionId, reader.join(data, offset, this.joinJob));
    } else if (kind === JobKind.LEAVE && length === LEAVE_JOB_BYTES) {
      this.push(sessionId, undefined);
    } else if (kind === JobKind.FENCE && length === FENCE_JOB_BYTES) {
      this.push(sessionId, Fence);
    } else if (kind === JobKind.RESUME && length === RESUME_JOB_BYTES) {
      this.push(sessionId, Resume);
    } else if (kind === JobKind.ARRIVE) {
      const arrive = reader.arrive(data, offset, length);
      if (!arrive) throw new Error(`zone ${this.zoneId}: bad arrive job (${length} bytes) from session ${sessionId}`);
      this.arrivals.arrive(sessionId, arrive);
    } else if (kind === JobKind.MOVE && length === MOVE_JOB_BYTES) {
      const index = this.count;
      let move = this.spareMoves[index];
      if (!move) this.spareMoves[index] = move = { seq: 0, x: 0, y: 0, heading: 0, clientTimeMs: 0 };
      this.push(sessionId, reader.move(data, offset, move));
    } else if (kind === JobKind.CHAT) {
      const chat = reader.chat(data, offset, length);
      if (!chat) throw new Error(`zone ${this.zoneId}: bad chat job (${length} bytes) from session ${sessionId}`);
      this.push(sessionId, chat);
    } else if (kind === JobKind.GAME) {
      const game = reader.game(data, offset, length);
      if (!game) throw new Error(`zone ${this.zoneId}: bad game job (${length} bytes) from session ${sessionId}`);
      this.push(sessionId, game);
    } else {
      const economy = kind === JobKind.ECONOMY ? reader.economy(data, offset, length) : undefined;
      // The gateway writes only the jobs above; anything else is a bug there, not a client's.
      if (!economy) throw new Error(`zone ${this.zoneId}: bad job (kind ${kind}, ${length} bytes) from session ${sessionId}`);
      this.push(sessionId, economy);
    }
  };

  private push(sessionId: number, job: QueuedJob): void {
    this.sessions[this.count] = sessionId;
    this.jobs[this.count++] = job;
  }
}
