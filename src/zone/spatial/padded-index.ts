/**
 * A spatial index for a zone whose entities may stand a little outside its bounds: a player
 * that has walked across a border but not yet as far as the hand-over margin is still this
 * zone's. The inner index covers the bounds widened by `padM` on every side; every coordinate
 * is shifted by `padM` on its way in, so the inner index still sees points from (0, 0).
 */
import type { SpatialIndex } from './spatial-index.ts';

export class PaddedIndex implements SpatialIndex {
  private readonly inner: SpatialIndex;
  private readonly padM: number;

  /** `inner` must cover (widthM + 2 padM) × (heightM + 2 padM). */
  constructor(inner: SpatialIndex, padM: number) {
    this.inner = inner;
    this.padM = padM;
  }

  get results(): Int32Array {
    return this.inner.results;
  }

  insert(slot: number, x: number, y: number): void {
    this.inner.insert(slot, x + this.padM, y + this.padM);
  }

  remove(slot: number): void {
    this.inner.remove(slot);
  }

  move(slot: number, x: number, y: number): void {
    this.inner.move(slot, x + this.padM, y + this.padM);
  }

  queryCircle(x: number, y: number, radius: number): number {
    return this.inner.queryCircle(x + this.padM, y + this.padM, radius);
  }
}
