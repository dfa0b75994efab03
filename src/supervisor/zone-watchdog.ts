/**
 * Notices a zone whose tick has stopped advancing (a loop that never returns, a deadlock in
 * native code): every quarter of the limit it reads each running zone's heartbeat
 * (thread-messages/zone-heartbeat.ts), and a zone whose beats have not changed for `limitMs` is
 * reported, with the phase it is stuck in, once.
 */
import type { ZoneHandle } from './zone-handle.ts';

const CHECKS_PER_LIMIT = 4;

export class ZoneWatchdog {
  private readonly zones: readonly ZoneHandle[];
  private readonly limitMs: number;
  private readonly hung: (zone: ZoneHandle, phase: string, stalledMs: number) => void;
  /** Each running zone's beats when last seen changing, and when. */
  private readonly lastSeen = new Map<ZoneHandle, { beats: number; atMs: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(zones: readonly ZoneHandle[], limitMs: number, hung: (zone: ZoneHandle, phase: string, stalledMs: number) => void) {
    this.zones = zones;
    this.limitMs = limitMs;
    this.hung = hung;
  }

  start(): void {
    if (this.limitMs === 0) return;
    this.timer = setInterval(() => this.check(performance.now()), this.limitMs / CHECKS_PER_LIMIT);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(nowMs: number): void {
    for (const zone of this.zones) {
      // A zone starting, restarting or stopping is watched by its own deadlines.
      if (zone.state !== 'running') {
        this.lastSeen.delete(zone);
        continue;
      }
      const beats = zone.heartbeat.beats();
      const seen = this.lastSeen.get(zone);
      if (!seen || seen.beats !== beats) {
        this.lastSeen.set(zone, { beats, atMs: nowMs });
      } else if (nowMs - seen.atMs >= this.limitMs) {
        this.lastSeen.delete(zone);
        this.hung(zone, zone.heartbeat.phaseName(), nowMs - seen.atMs);
      }
    }
  }
}
