/**
 * Sessions whose player this zone has handed over, until their FENCE arrives. The gateway
 * learns of a hand-over only after the zone made it, so some of the session's jobs are on their
 * way here still: they are kept, in order, and sent on with the FENCE (the gateway's last job
 * for the session here), for the new zone to apply. None is applied here, none is lost.
 */
import { JobWriter, MOVE_JOB_BYTES, RESUME_JOB, chatJobBytes, gameJobBytes, writeMove } from '../thread-messages/jobs.ts';
import type { RequestJob, Resume } from './job-queue.ts';

/** A job of a session's that is sent on: a request, or its client's RESUME. */
type KeptJob = RequestJob | typeof Resume;

export class Departures {
  private readonly kept = new Map<number, Uint8Array[]>();
  private readonly writer = new JobWriter();

  /** The session's player has just been handed over. */
  open(sessionId: number): void {
    this.kept.set(sessionId, []);
  }

  has(sessionId: number): boolean {
    return this.kept.has(sessionId);
  }

  get size(): number {
    return this.kept.size;
  }

  /** A job of a departed session: kept as its bytes (a queued move's object is reused). */
  keep(sessionId: number, job: KeptJob): void {
    const jobs = this.kept.get(sessionId);
    if (jobs) jobs.push(bytesOf(job, this.writer));
  }

  /** The session's FENCE came: its kept jobs, oldest first; the session is forgotten here. */
  fence(sessionId: number): Uint8Array[] {
    const jobs = this.kept.get(sessionId) ?? [];
    this.kept.delete(sessionId);
    return jobs;
  }
}

function bytesOf(job: KeptJob, writer: JobWriter): Uint8Array {
  if (job === undefined) return writer.leave().slice();
  if ('resume' in job) return RESUME_JOB.slice();
  if ('text' in job) return chatJobBytes(job);
  if ('action' in job) return writer.economy(job).slice();
  if ('gameAction' in job) return gameJobBytes(job);
  const bytes = new Uint8Array(MOVE_JOB_BYTES);
  writeMove(new DataView(bytes.buffer), 0, job.seq, job.x, job.y, job.heading, job.clientTimeMs);
  return bytes;
}

