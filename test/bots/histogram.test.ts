import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram } from '../../bench/bots/histogram.ts';

/** A repeatable stand-in for Math.random. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('bots histogram', () => {
  it('is exact below 256', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    assert.deepEqual(h.summary(), { count: 100, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('gives every percentile from the samples: the sorted samples\' value at the same rank, within its bucket', () => {
    const random = seeded(11);
    // 1 µs to 10 s, spread evenly over the orders of magnitude, so that every range of buckets is hit.
    const values = Array.from({ length: 20_000 }, () => Math.floor(Math.exp(random() * Math.log(1e7))));
    const h = new Histogram();
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (let percent = 1; percent <= 100; percent++) {
      const exact = sorted[Math.ceil((percent / 100) * sorted.length) - 1] as number;
      const got = h.percentile(percent) as number;
      // Exact below 256; above, a bucket is 1/128 of its lower bound wide.
      if (exact < 256) assert.equal(got, exact, `p${percent}`);
      else assert.ok(Math.abs(got - exact) <= exact / 128, `p${percent}: ${got} against ${exact}`);
    }
    const { count, sum, max } = h.toData();
    assert.deepEqual({ count, sum, max }, { count: values.length, sum: values.reduce((a, b) => a + b, 0), max: sorted.at(-1) });
  });

  it('adds up across processes as data', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 0; v < 500; v++) (v % 2 ? a : b).record(v * 10);
    const merged = new Histogram();
    merged.add(JSON.parse(JSON.stringify(a.toData())));
    merged.add(JSON.parse(JSON.stringify(b.toData())));
    const whole = new Histogram();
    for (let v = 0; v < 500; v++) whole.record(v * 10);
    assert.deepEqual(merged.summary(), whole.summary());
  });

  it('reports nothing rather than zeros when empty', () => {
    assert.deepEqual(new Histogram().summary(), { count: 0, mean: null, p50: null, p90: null, p99: null, max: null });
  });
});
