/**
 * A mergeable histogram of non-negative whole numbers (µs, frames, bytes) with under 0.8 %
 * error: values below 256 are counted exactly, larger ones in 128 buckets per power of two.
 * Bots record millions of samples a second, so they count into buckets rather than keep them;
 * the buckets travel between processes as plain data and add up.
 */

/** Buckets per power of two above the exact range: the relative width of a bucket is at most 1/128. */
const SUB_BUCKETS = 128;
const EXACT_BELOW = 2 * SUB_BUCKETS;

export interface HistogramData {
  readonly count: number;
  readonly sum: number;
  readonly max: number;
  /** Non-zero buckets as [index, count] pairs. */
  readonly buckets: readonly (readonly [number, number])[];
}

export interface Percentiles {
  readonly count: number;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

function bucketOf(value: number): number {
  if (value < EXACT_BELOW) return value;
  // value >> shift lies in [128, 256): its top eight bits pick the bucket. Below 2^32 (all but
  // absurd values) bit arithmetic finds them: bots record over a million values a second.
  const small = value < 2 ** 32;
  const shift = (small ? 31 - Math.clz32(value) : Math.floor(Math.log2(value))) - 7;
  const top = small ? value >>> shift : Math.floor(value / 2 ** shift);
  return SUB_BUCKETS * (shift + 1) + (top - SUB_BUCKETS);
}

/** The middle of a bucket's range (its value, for the exact buckets). */
function valueOf(bucket: number): number {
  if (bucket < EXACT_BELOW) return bucket;
  const shift = Math.floor(bucket / SUB_BUCKETS) - 1;
  const top = (bucket % SUB_BUCKETS) + SUB_BUCKETS;
  return (top + 0.5) * 2 ** shift;
}

export class Histogram {
  private counts: number[] = [];
  private total = 0;
  private sum = 0;
  private max = 0;

  get count(): number {
    return this.total;
  }

  /** Records a value; it is rounded to a whole number, and negative values count as 0. */
  record(value: number): void {
    const whole = Math.max(0, Math.round(value));
    const bucket = bucketOf(whole);
    this.counts[bucket] = (this.counts[bucket] ?? 0) + 1;
    this.total++;
    this.sum += whole;
    if (whole > this.max) this.max = whole;
  }

  add(data: HistogramData): void {
    for (const [bucket, count] of data.buckets) this.counts[bucket] = (this.counts[bucket] ?? 0) + count;
    this.total += data.count;
    this.sum += data.sum;
    this.max = Math.max(this.max, data.max);
  }

  clear(): void {
    this.counts = [];
    this.total = this.sum = this.max = 0;
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    this.counts.forEach((count, bucket) => {
      if (count > 0) buckets.push([bucket, count]);
    });
    return { count: this.total, sum: this.sum, max: this.max, buckets };
  }

  /** The value at or below which `percent` % of the samples lie (the bucket's middle), or null when empty. */
  percentile(percent: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.total));
    let seen = 0;
    for (let bucket = 0; bucket < this.counts.length; bucket++) {
      seen += this.counts[bucket] ?? 0;
      // The top bucket's middle can lie above the largest sample: never report more than the max.
      if (seen >= rank) return Math.min(valueOf(bucket), this.max);
    }
    return this.max;
  }

  /** Count, mean, p50, p90, p99 and max, each divided by `scale` (1000 turns µs into ms). */
  summary(scale = 1): Percentiles {
    const scaled = (value: number | null): number | null => (value === null ? null : value / scale);
    return {
      count: this.total,
      mean: this.total === 0 ? null : this.sum / this.total / scale,
      p50: scaled(this.percentile(50)),
      p90: scaled(this.percentile(90)),
      p99: scaled(this.percentile(99)),
      max: this.total === 0 ? null : this.max / scale,
    };
  }
}
