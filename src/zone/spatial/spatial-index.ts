/**
 * What the view system needs from a spatial index: points keyed by small dense integer slots
 * (0, 1, 2, … reused after removal), moved every tick, queried by circle.
 *
 * A query writes the matching slots into `results` (in no particular order) and returns how many
 * there are. `results` belongs to the index: it is valid until the next query and may be
 * replaced by a larger array when it grows, so read it after the query, not before.
 */
export interface SpatialIndex {
  /** Adds a point. The slot must not be in the index already. */
  insert(slot: number, x: number, y: number): void;
  /** Removes a point; removing a slot that is not in the index does nothing. */
  remove(slot: number): void;
  /** Moves a point that is in the index. */
  move(slot: number, x: number, y: number): void;
  /** Slots whose points lie within `radius` of (x, y), boundary included. */
  queryCircle(x: number, y: number, radius: number): number;
  readonly results: Int32Array;
}
