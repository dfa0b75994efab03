/**
 * The gateway's link to one zone: jobs go in through the zone's inbound ring, frames come out of
 * its outbound ring. A restarted zone has fresh rings; the link follows `zone.generation`.
 *
 * - Moves and LEAVEs are staged and written once per event-loop turn (job-stager.ts). A JOIN, an
 *   economy request or a game action is written at once, behind what was staged before it, so that a full ring
 *   refuses it on the spot and the client hears why.
 * - A LEAVE or a FENCE is never dropped: one that finds the ring full waits in `waitingJobs` and
 *   is tried again whenever the link next takes the zone's frames (every tick the zone sends
 *   anything, and at least once a second), so no player is left behind in a zone. Later ones
 *   queue behind it to keep their order.
 * - A hand-over's ARRIVE and the jobs sent on behind it are written together or not at all.
 * - The frame pump sleeps on the outbound ring's doorbell and hands each frame to `deliver`.
 */
import { GatewayLimits } from '../config/limits.ts';
import type { RingBuffer } from '../ring/ring-buffer.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import { chatJobBytes, FENCE_JOB, gameJobBytes, JobKind, RESUME_JOB, JobWriter, type ChatJob, type EconomyJob, type GameActionJob, type JoinJob } from '../thread-messages/jobs.ts';
import { JobStager, type RefusedJob } from './job-stager.ts';

/** Receives one frame for one session; `data` is reused once this returns. */
export type FrameHandler = (sessionId: number, data: Uint8Array, offset: number, length: number) => void;

export class ZoneLink {
  readonly zone: ZoneHandle;
  private readonly stager: JobStager;
  private readonly jobs = new JobWriter();
  /** LEAVEs and FENCEs that found the inbound ring full, oldest first. */
  private readonly waitingJobs: { readonly sessionId: number; readonly bytes: Uint8Array }[] = [];
  private readonly leaveJob = new JobWriter().leave().slice();
  private readonly deliver: FrameHandler;
  private readonly moveRefused: (sessionId: number, seq: number) => void;

  /** `moveRefused` hears each staged move the ring had no room for. */
  constructor(zone: ZoneHandle, deliver: FrameHandler, moveRefused: (sessionId: number, seq: number) => void) {
    this.zone = zone;
    this.deliver = deliver;
    this.moveRefused = moveRefused;
    this.stager = new JobStager(() => zone.inbound, (written, refused) => this.onStagedWritten(written, refused));
  }

  /** The zone ticks on its current rings: start sending their frames. */
  zoneUp(): void {
    void this.pumpFrames(this.zone.generation);
  }

  /** The zone died: what was staged or waiting for it is forgotten with it. */
  zoneDown(): void {
    this.stager.discard();
    this.waitingJobs.length = 0;
  }

  addMove(sessionId: number, seq: number, x: number, y: number, heading: number, clientTimeMs: number): void {
    this.stager.addMove(sessionId, seq, x, y, heading, clientTimeMs);
  }

  /** The session's player leaves the zone; the LEAVE always arrives, in order. */
  addLeave(sessionId: number): void {
    if (this.waitingJobs.length > 0) this.waitingJobs.push({ sessionId, bytes: this.leaveJob });
    else this.stager.addLeave(sessionId);
  }

  /** The session's last job for this zone, whose player it handed over; always arrives, in order. */
  addFence(sessionId: number): void {
    if (this.waitingJobs.length === 0 && this.writeNow(sessionId, FENCE_JOB)) return;
    this.waitingJobs.push({ sessionId, bytes: FENCE_JOB });
  }

  /**
   * Writes the jobs now, in order, behind what this turn staged: all of them, or none when the
   * ring has not room for all (false).
   */
  writeTogether(sessionId: number, jobs: readonly Uint8Array[]): boolean {
    this.stager.flush();
    const ring = this.zone.inbound;
    // Record sizes as the ring counts them (8-byte header, 8-byte alignment), and room for the
    // padding one wrap at the end of the data area may take. The gateway is the ring's only
    // writer, so the room seen here can only grow.
    let needed = 0;
    let largest = 0;
    for (const job of jobs) {
      if (job.length > ring.maxPayloadBytes) return false;
      const bytes = (8 + job.length + 7) & ~7;
      needed += bytes;
      largest = Math.max(largest, bytes);
    }
    if (ring.capacityBytes - ring.usedBytes() < needed + largest) {
      this.zone.traffic.jobsRejected += jobs.length;
      return false;
    }
    for (const job of jobs) if (!ring.tryWrite(sessionId, job)) throw new Error(`zone ${this.zone.id}: the inbound ring refused a job it had room for`);
    this.zone.traffic.jobsEnqueued += jobs.length;
    return true;
  }

  /** Hands every frame the zone has written so far to `deliver`. */
  drainFrames(): void {
    if (this.zone.state === 'running') this.zone.outbound.drainRaw(this.deliver);
  }

  /** Writes a JOIN now, behind what this turn staged; false when the ring has no room. */
  writeJoin(sessionId: number, join: JoinJob): boolean {
    return this.writeNow(sessionId, this.jobs.join(join));
  }

  /** Writes a RESUME now, behind what this turn staged; false when the ring has no room. */
  writeResume(sessionId: number): boolean {
    return this.writeNow(sessionId, RESUME_JOB);
  }

  /** Writes a chat message now, behind what this turn staged; false when the ring has no room. */
  writeChat(key: number, job: ChatJob): boolean {
    return this.writeNow(key, chatJobBytes(job));
  }

  /** Writes a game action now, behind what this turn staged; false when the ring has no room. */
  writeGame(sessionId: number, job: GameActionJob): boolean {
    return this.writeNow(sessionId, gameJobBytes(job));
  }

  /** Writes a trade or mail request now, behind what this turn staged; false when the ring has no room. */
  writeEconomy(sessionId: number, job: EconomyJob): boolean {
    return this.writeNow(sessionId, this.jobs.economy(job));
  }

  private writeNow(sessionId: number, bytes: Uint8Array): boolean {
    this.stager.flush();
    const traffic = this.zone.traffic;
    // A job larger than a ring record could ever be (the configuration prevents it) is refused, not thrown.
    if (bytes.length > this.zone.inbound.maxPayloadBytes || !this.zone.inbound.tryWrite(sessionId, bytes)) {
      traffic.jobsRejected++;
      return false;
    }
    traffic.jobsEnqueued++;
    return true;
  }

  /** A staged batch went to the ring; the jobs it had no room for are answered here. */
  private onStagedWritten(written: number, refused: readonly RefusedJob[]): void {
    const traffic = this.zone.traffic;
    traffic.jobsEnqueued += written;
    traffic.jobsRejected += refused.length;
    for (const job of refused) {
      if (job.kind === JobKind.LEAVE) this.waitingJobs.push({ sessionId: job.sessionId, bytes: this.leaveJob });
      else this.moveRefused(job.sessionId, job.seq);
    }
  }

  private async pumpFrames(generation: number): Promise<void> {
    const zone = this.zone;
    const ring: RingBuffer = zone.outbound;
    while (zone.generation === generation && zone.state === 'running') {
      // The timeout only lets a pump whose zone died notice and end; frames ring the doorbell.
      await ring.waitForRecords(GatewayLimits.framePumpRecheckMs);
      ring.drainRaw(this.deliver);
      this.retryWaitingJobs();
    }
  }

  private retryWaitingJobs(): void {
    const waiting = this.waitingJobs;
    if (waiting.length === 0) return;
    let sent = 0;
    while (sent < waiting.length) {
      const job = waiting[sent] as { sessionId: number; bytes: Uint8Array };
      if (!this.zone.inbound.tryWrite(job.sessionId, job.bytes)) break;
      sent++;
    }
    this.zone.traffic.jobsEnqueued += sent;
    waiting.splice(0, sent);
  }
}
