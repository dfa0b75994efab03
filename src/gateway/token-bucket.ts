/**
 * Messages-per-second limit of one session: a token bucket holding up to `burst` tokens,
 * refilled at `ratePerSec`. Each message takes one token; a message finding the bucket empty
 * breaks the limit.
 */
export class TokenBucket {
  private tokens: number;
  private updatedMs: number;
  private readonly ratePerMs: number;
  private readonly burst: number;

  constructor(ratePerSec: number, burst: number, nowMs: number) {
    this.ratePerMs = ratePerSec / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.updatedMs = nowMs;
  }

  /** Takes a token; false when none is left. */
  take(nowMs: number): boolean {
    const elapsed = nowMs - this.updatedMs;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerMs);
      this.updatedMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
