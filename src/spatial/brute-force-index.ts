/**
 * The simplest SpatialIndex: every query looks at every point. It is the baseline the real
 * indexes are measured against (bench/) and a reference for tests; O(N) per query.
 */
import type { SpatialIndex } from './spatial-index.ts';

export class BruteForceIndex implements SpatialIndex {
  results = new Int32Array(64);
  size = 0;
  private xs = new Float64Array(64);
  private ys = new Float64Array(64);
  private present = new Uint8Array(64);
  /** Slots in the index, packed; position of each slot in it. */
  private slots = new Int32Array(64);
  private positionOf = new Int32Array(64);

  insert(slot: number, x: number, y: number): void {
    if (slot >= this.present.length) this.grow(slot + 1);
    if (this.present[slot]) throw new Error(`slot ${slot} is already in the index`);
    this.present[slot] = 1;
    this.xs[slot] = x;
    this.ys[slot] = y;
    this.positionOf[slot] = this.size;
    this.slots[this.size++] = slot;
  }

  remove(slot: number): void {
    if (slot >= this.present.length || !this.present[slot]) return;
    this.present[slot] = 0;
    const at = this.positionOf[slot] as number;
    const last = this.slots[--this.size] as number;
    this.slots[at] = last;
    this.positionOf[last] = at;
  }

  move(slot: number, x: number, y: number): void {
    this.xs[slot] = x;
    this.ys[slot] = y;
  }

  queryCircle(x: number, y: number, radius: number): number {
    const radiusSq = radius * radius;
    return this.collect((px, py) => (px - x) * (px - x) + (py - y) * (py - y) <= radiusSq);
  }

  queryRect(minX: number, minY: number, maxX: number, maxY: number): number {
    return this.collect((px, py) => px >= minX && px <= maxX && py >= minY && py <= maxY);
  }

  private collect(inside: (x: number, y: number) => boolean): number {
    if (this.results.length < this.size) this.results = new Int32Array(this.slots.length);
    let count = 0;
    for (let i = 0; i < this.size; i++) {
      const slot = this.slots[i] as number;
      if (inside(this.xs[slot] as number, this.ys[slot] as number)) this.results[count++] = slot;
    }
    return count;
  }

  private grow(atLeast: number): void {
    let capacity = this.present.length;
    while (capacity < atLeast) capacity *= 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const bigger = make(capacity);
      bigger.set(old);
      return bigger;
    };
    this.xs = grow(this.xs, (n) => new Float64Array(n));
    this.ys = grow(this.ys, (n) => new Float64Array(n));
    this.present = grow(this.present, (n) => new Uint8Array(n));
    this.positionOf = grow(this.positionOf, (n) => new Int32Array(n));
    this.slots = grow(this.slots, (n) => new Int32Array(n));
  }
}
