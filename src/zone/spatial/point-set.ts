/**
 * The points of a spatial index by slot, with the checks every index makes (slots are integers in
 * [0, MAX_SLOT], points lie within the world), and the live slots in a dense list so that a
 * rebuild or a scan walks only them. Shared by every SpatialIndex here.
 */
/** Slots are array indices; this bound catches a stray id before it allocates gigabytes. */
const MAX_SLOT = 2 ** 24 - 1;

const INITIAL_CAPACITY = 64;

export function growInt32(array: Int32Array, length: number, fill: number): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(length).fill(fill);
  grown.set(array);
  return grown;
}

function growFloat64(array: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(length);
  grown.set(array);
  return grown;
}

/**
 * The points of an index by slot, with the checks every index makes: slots are integers in
 * [0, MAX_SLOT], points lie within the world. Also keeps the live slots in a dense list, so a
 * rebuild walks only them.
 */
export class PointSet {
  readonly widthM: number;
  readonly heightM: number;
  /** Coordinates by slot; meaningful only for slots in the set. */
  xs = new Float64Array(INITIAL_CAPACITY);
  ys = new Float64Array(INITIAL_CAPACITY);
  /** live[0 .. size) are the slots in the set, in no particular order. */
  live = new Int32Array(INITIAL_CAPACITY);
  size = 0;
  /** Slot → its position in `live`, or -1 when absent. */
  #positionOf = new Int32Array(INITIAL_CAPACITY).fill(-1);

  constructor(widthM: number, heightM: number) {
    if (!(widthM > 0 && heightM > 0 && Number.isFinite(widthM) && Number.isFinite(heightM))) {
      throw new RangeError(`world size must be positive and finite, got ${widthM} × ${heightM}`);
    }
    this.widthM = widthM;
    this.heightM = heightM;
  }

  add(slot: number, x: number, y: number): void {
    if (!(Number.isInteger(slot) && slot >= 0 && slot <= MAX_SLOT)) {
      throw new RangeError(`slot must be an integer in [0, ${MAX_SLOT}], got ${slot}`);
    }
    if (this.#has(slot)) throw new RangeError(`slot ${slot} is already in the index`);
    this.#checkPoint(x, y);
    const capacity = this.xs.length;
    if (slot >= capacity) this.#grow(Math.max(slot + 1, 2 * capacity));
    this.xs[slot] = x;
    this.ys[slot] = y;
    this.#positionOf[slot] = this.size;
    this.live[this.size++] = slot;
  }

  /** Returns false, doing nothing, when the slot is not in the set. */
  delete(slot: number): boolean {
    if (!this.#has(slot)) return false;
    // Swap-remove from the dense list: the last live slot takes the freed position.
    const position = this.#positionOf[slot] as number;
    const last = this.live[--this.size] as number;
    this.live[position] = last;
    this.#positionOf[last] = position;
    this.#positionOf[slot] = -1;
    return true;
  }

  /** Moves a point in the set; throws RangeError unless the slot is in it and (x, y) in the world. */
  set(slot: number, x: number, y: number): void {
    if (!this.#has(slot)) throw new RangeError(`slot ${slot} is not in the index`);
    this.#checkPoint(x, y);
    this.xs[slot] = x;
    this.ys[slot] = y;
  }

  #has(slot: number): boolean {
    return slot >= 0 && slot < this.#positionOf.length && this.#positionOf[slot] !== -1;
  }

  #checkPoint(x: number, y: number): void {
    // Written so that NaN fails too.
    if (!(x >= 0 && x <= this.widthM && y >= 0 && y <= this.heightM)) {
      throw new RangeError(`point (${x}, ${y}) is outside the world [0, ${this.widthM}] × [0, ${this.heightM}]`);
    }
  }

  #grow(capacity: number): void {
    this.xs = growFloat64(this.xs, capacity);
    this.ys = growFloat64(this.ys, capacity);
    this.live = growInt32(this.live, capacity, 0);
    this.#positionOf = growInt32(this.#positionOf, capacity, -1);
  }
}
