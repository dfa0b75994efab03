import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram } from '../../bench/bots/histogram.ts';

describe('bots histogram', () => {
  it('is exact below 256', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    assert.deepEqual(h.summary(), { count: 100, mean: 50.5, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('stays within 1 % above 256, and never reports more than the largest sample', () => {
    const h = new Histogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 1000 + i * 37);
    for (const v of values) h.record(v);
    for (const percent of [50, 90, 99]) {
      const exact = values[Math.ceil((percent / 100) * values.length) - 1] as number;
      const got = h.percentile(percent) as number;
      assert.ok(Math.abs(got - exact) / exact < 0.01, `p${percent}: ${got} against ${exact}`);
    }
    assert.equal(h.percentile(100), values.at(-1));
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
