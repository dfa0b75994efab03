/**
 * A fixed-rate tick scheduler that does not drift: tick n is due at start + n × period, so a
 * late timer or a slow tick shortens the next wait instead of pushing every later tick back.
 * Between ticks the thread sleeps in its event loop (a timer), never spinning. A zone that falls
 * more than ZoneLimits.maxCatchUpTicks behind skips the missed ticks rather than running them back to
 * back, and counts them.
 */
import { ZoneLimits } from '../config/limits.ts';

export interface TickTiming {
  /** How long the tick's work took, ms. */
  readonly durationMs: number;
  /** True when the work took longer than one period. */
  readonly overran: boolean;
}

/** Where the loop reads time and sets its timer; tests pass a manual clock. */
export interface TickClock {
  now(): number;
  setTimer(callback: () => void, delayMs: number): unknown;
  clearTimer(timer: unknown): void;
}

const REAL_CLOCK: TickClock = {
  now: () => performance.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export class TickLoop {
  readonly periodMs: number;
  /** Ticks skipped after falling too far behind. */
  skippedTicks = 0;
  private readonly onTick: (nowMs: number) => void;
  private readonly afterTick: (timing: TickTiming) => void;
  private readonly clock: TickClock;
  private timer: unknown;
  private nextDueMs = 0;
  private running = false;

  constructor(tickHz: number, onTick: (nowMs: number) => void, afterTick: (timing: TickTiming) => void, clock: TickClock = REAL_CLOCK) {
    this.periodMs = 1000 / tickHz;
    this.onTick = onTick;
    this.afterTick = afterTick;
    this.clock = clock;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.nextDueMs = this.clock.now() + this.periodMs;
    this.schedule();
  }

  /** No tick starts after this returns; a tick never runs concurrently with the caller. */
  stop(): void {
    this.running = false;
    this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const delay = Math.max(0, this.nextDueMs - this.clock.now());
    this.timer = this.clock.setTimer(this.run, delay);
  }

  private readonly run = (): void => {
    if (!this.running) return;
    const startedMs = this.clock.now();
    this.onTick(startedMs);
    const durationMs = this.clock.now() - startedMs;
    this.afterTick({ durationMs, overran: durationMs > this.periodMs });
    this.nextDueMs += this.periodMs;
    const behindMs = this.clock.now() - this.nextDueMs;
    if (behindMs > ZoneLimits.maxCatchUpTicks * this.periodMs) {
      const skipped = Math.floor(behindMs / this.periodMs);
      this.skippedTicks += skipped;
      this.nextDueMs += skipped * this.periodMs;
    }
    if (this.running) this.schedule();
  };
}
