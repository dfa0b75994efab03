/**
 * The one backoff policy for everything that retries: the first wait is `firstMs`, each failure
 * in a row doubles it, up to `maxMs`, and a success starts over. Time is the caller's: this only
 * says how long to wait, so a zone counts it in ticks and the main thread in timers.
 */
export interface BackoffPolicy {
  readonly firstMs: number;
  readonly maxMs: number;
}

export class Backoff {
  private readonly policy: BackoffPolicy;
  private failures = 0;

  constructor(policy: BackoffPolicy) {
    this.policy = policy;
  }

  /** Failures in a row since the last success. */
  get failuresInARow(): number {
    return this.failures;
  }

  /** A failure: returns how long to wait before the next attempt, ms. */
  next(): number {
    this.failures++;
    return this.delayMs();
  }

  /** The wait the latest failure asked for (0 after a success). */
  delayMs(): number {
    if (this.failures === 0) return 0;
    return Math.min(this.policy.maxMs, this.policy.firstMs * 2 ** Math.min(this.failures - 1, 30));
  }

  /** A success: the next failure waits `firstMs` again. */
  reset(): void {
    this.failures = 0;
  }
}
