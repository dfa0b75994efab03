/**
 * The simplest SpatialIndex: every query tests every point, O(N) per query. It is the baseline
 * the real indexes are measured against (bench/) and a reference for tests. Flat arrays and no
 * closure per query, so it is as fast as a scan gets, and the indexes are measured against the
 * scan itself rather than against overhead.
 */
import { PointSet } from '../../src/zone/spatial/point-set.ts';
import type { SpatialIndex } from '../../src/zone/spatial/spatial-index.ts';

export class BruteForceIndex implements SpatialIndex {
  readonly #points: PointSet;
  #results = new Int32Array(64);

  constructor(widthM: number, heightM: number) {
    this.#points = new PointSet(widthM, heightM);
  }

  get results(): Int32Array {
    return this.#results;
  }

  insert(slot: number, x: number, y: number): void {
    this.#points.add(slot, x, y);
    if (this.#points.size > this.#results.length) this.#results = new Int32Array(2 * this.#results.length);
  }

  remove(slot: number): void {
    this.#points.delete(slot);
  }

  move(slot: number, x: number, y: number): void {
    this.#points.set(slot, x, y);
  }

  queryCircle(x: number, y: number, radius: number): number {
    const { live, xs, ys, size } = this.#points;
    const results = this.#results;
    const r2 = radius >= 0 ? radius * radius : -1;
    let count = 0;
    for (let i = 0; i < size; i++) {
      const slot = live[i] as number;
      const dx = (xs[slot] as number) - x;
      const dy = (ys[slot] as number) - y;
      if (dx * dx + dy * dy <= r2) results[count++] = slot;
    }
    return count;
  }
}
