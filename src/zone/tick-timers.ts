/**
 * Waits counted in zone time. Zone logic sets no real timers: `after(ms)` resolves at the first
 * tick at or past its due time, so retries and timeouts in a zone happen between ticks' work,
 * never in the middle of one, and a zone driven by hand (tests) runs them as its clock says.
 */
interface Due {
  readonly atMs: number;
  readonly resolve: () => void;
}

export class TickTimers {
  private nowMs = 0;
  /** Pending waits, soonest first. */
  private readonly due: Due[] = [];

  /** The current tick's time, ms. */
  get now(): number {
    return this.nowMs;
  }

  /** Resolves at the first tick `delayMs` or more after the current one. */
  readonly after = (delayMs: number): Promise<void> =>
    new Promise((resolve) => {
      const atMs = this.nowMs + delayMs;
      let at = this.due.length;
      while (at > 0 && (this.due[at - 1] as Due).atMs > atMs) at--;
      this.due.splice(at, 0, { atMs, resolve });
    });

  /** A new tick at `nowMs`: every wait now due resolves (its continuation runs after the tick's work). */
  advance(nowMs: number): void {
    this.nowMs = nowMs;
    let count = 0;
    while (count < this.due.length && (this.due[count] as Due).atMs <= nowMs) count++;
    if (count === 0) return;
    for (const due of this.due.splice(0, count)) due.resolve();
  }
}
