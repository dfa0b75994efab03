/** Reading the server's Prometheus exposition: sums over labels, and quantiles from histogram bucket deltas. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every series of `name` (over zones, for instance). */
export function total(samples: readonly Sample[], name: string): number {
  return samples.reduce((sum, s) => (s.name === name ? sum + s.value : sum), 0);
}

/** A histogram's cumulative bucket counts by upper bound, summed over its other labels. */
export function buckets(samples: readonly Sample[], name: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    counts.set(le, (counts.get(le) ?? 0) + s.value);
  }
  return counts;
}

/**
 * The upper bound of the bucket that holds the `q` quantile of the observations made between
 * two scrapes (`before`, `after` from `buckets`): the quantile is at most that. Null when
 * nothing was observed.
 */
export function quantileBound(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = (le: number): number => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const count = delta(Number.POSITIVE_INFINITY);
  if (count <= 0) return null;
  for (const le of bounds) if (delta(le) >= q * count) return le;
  return Number.POSITIVE_INFINITY;
}
