/**
 * Point quadtree over flat typed arrays: no object per node, and nothing allocated per query or
 * per tick once the arrays have grown to fit.
 *
 * The root is a square of side S, the smallest power of two at least max(width, height), with its
 * corner at (0, 0). Every node's box is then a multiple of S / 2^depth, exact in floating point,
 * so a point filed under a node provably lies in the node's box, edges included. A node splits
 * into four quadrants when it holds more than `nodeCapacity` points, unless it is `maxDepth` deep:
 * that bound is what stops many points at one spot from splitting forever.
 *
 * Moves only record the new position, and the first query after any change rebuilds the tree
 * from scratch, kdbush-style: the points are partitioned in place, so every node's points, leaf
 * or not, are one contiguous run of the sorted arrays, and a node wholly inside the query is
 * copied out in one loop. This beat keeping the tree current in place (leaves holding linked
 * lists, split and merged as points move) in an earlier run of bench/spatial.bench.ts.
 *
 * Points must lie in [0, width] × [0, height]; insert and move throw a RangeError otherwise.
 */
import type { SpatialIndex } from './spatial-index.ts';
import { growInt32, PointSet } from './point-set.ts';

export interface QuadtreeOptions {
  /** A leaf splits when it holds more points than this. */
  readonly nodeCapacity?: number;
  /** Depth of the deepest leaves (the root is depth 0); at most 30. */
  readonly maxDepth?: number;
}

/**
 * Tuned with `node bench/spatial.bench.ts --tune`: capacities 32 to 64 and depths 7 to 12 came
 * within a few percent of each other; capacity 16 was 14–27% slower, and depths up to 6 were
 * slower with 20k clustered entities. For the view system the uniform grid is faster still
 * (bench/README.md, "Spatial index").
 */
export const QUADTREE_DEFAULTS = { nodeCapacity: 64, maxDepth: 10 } as const;

const INITIAL_CAPACITY = 64;
const INITIAL_NODES = 64;

/**
 * Node n holds sorted*[start[n] .. end[n]) and its children are firstChild[n] + 0..3 (in the
 * quadrant order of pushChildren), or it is a leaf when firstChild[n] is -1.
 */
export class Quadtree implements SpatialIndex {
  readonly #points: PointSet;
  readonly #rootSize: number;
  readonly #nodeCapacity: number;
  readonly #maxDepth: number;
  readonly #stack: Stack;
  #start = new Int32Array(INITIAL_NODES);
  #end = new Int32Array(INITIAL_NODES);
  #firstChild = new Int32Array(INITIAL_NODES);
  #nodeCount = 0;
  #sortedSlots = new Int32Array(INITIAL_CAPACITY);
  #sortedX = new Float64Array(INITIAL_CAPACITY);
  #sortedY = new Float64Array(INITIAL_CAPACITY);
  /** Points changed since the last build. */
  #dirty = false;
  #results = new Int32Array(INITIAL_CAPACITY);

  constructor(widthM: number, heightM: number, options: QuadtreeOptions = {}) {
    this.#points = new PointSet(widthM, heightM);
    const { nodeCapacity, maxDepth } = { ...QUADTREE_DEFAULTS, ...options };
    if (!(Number.isInteger(nodeCapacity) && nodeCapacity >= 1)) {
      throw new RangeError(`nodeCapacity must be a positive integer, got ${nodeCapacity}`);
    }
    if (!(Number.isInteger(maxDepth) && maxDepth >= 0 && maxDepth <= 30)) {
      throw new RangeError(`maxDepth must be an integer in [0, 30], got ${maxDepth}`);
    }
    this.#nodeCapacity = nodeCapacity;
    this.#maxDepth = maxDepth;
    this.#rootSize = 2 ** Math.ceil(Math.log2(Math.max(widthM, heightM)));
    this.#stack = new Stack(maxDepth);
  }

  get results(): Int32Array {
    return this.#results;
  }

  /** Nodes in the tree, leaves included, as of the last query: how it split, which the tests check. */
  get nodeCount(): number {
    return this.#nodeCount;
  }

  insert(slot: number, x: number, y: number): void {
    this.#points.add(slot, x, y);
    // A query returns each point at most once, so results the size of the set never overflow.
    if (this.#points.size > this.#sortedSlots.length) {
      const capacity = 2 * this.#sortedSlots.length;
      this.#sortedSlots = new Int32Array(capacity);
      this.#sortedX = new Float64Array(capacity);
      this.#sortedY = new Float64Array(capacity);
      this.#results = new Int32Array(capacity);
    }
    this.#dirty = true;
  }

  remove(slot: number): void {
    if (this.#points.delete(slot)) this.#dirty = true;
  }

  move(slot: number, x: number, y: number): void {
    this.#points.set(slot, x, y);
    this.#dirty = true;
  }

  queryCircle(x: number, y: number, radius: number): number {
    if (this.#dirty) this.#build();
    const r2 = squaredRadius(radius);
    const stack = this.#stack;
    const start = this.#start;
    const end = this.#end;
    const firstChild = this.#firstChild;
    const slots = this.#sortedSlots;
    const xs = this.#sortedX;
    const ys = this.#sortedY;
    const results = this.#results;
    let count = 0;
    let top = stack.reset(this.#rootSize);
    while (top > 0) {
      top--;
      const node = stack.nodes[top] as number;
      const from = start[node] as number;
      const to = end[node] as number;
      if (from === to) continue;
      const x0 = stack.x0[top] as number;
      const y0 = stack.y0[top] as number;
      const side = stack.side[top] as number;
      const where = classifyCircle(x, y, r2, x0, y0, x0 + side, y0 + side);
      if (where === OUTSIDE) continue;
      const child = firstChild[node] as number;
      if (where === INSIDE) {
        for (let i = from; i < to; i++) results[count++] = slots[i] as number;
      } else if (child !== -1) {
        top = pushChildren(stack, top, child, x0, y0, side / 2);
      } else {
        for (let i = from; i < to; i++) {
          const dx = (xs[i] as number) - x;
          const dy = (ys[i] as number) - y;
          if (dx * dx + dy * dy <= r2) results[count++] = slots[i] as number;
        }
      }
    }
    return count;
  }

  #build(): void {
    const { live, xs, ys, size } = this.#points;
    for (let i = 0; i < size; i++) {
      const slot = live[i] as number;
      this.#sortedSlots[i] = slot;
      this.#sortedX[i] = xs[slot] as number;
      this.#sortedY[i] = ys[slot] as number;
    }
    this.#nodeCount = 1;
    this.#split(0, 0, size, 0, 0, this.#rootSize, 0);
    this.#dirty = false;
  }

  /** Makes `node` the node of sorted*[from .. to), with box corner (x0, y0), splitting it as needed. */
  #split(node: number, from: number, to: number, x0: number, y0: number, side: number, depth: number): void {
    this.#start[node] = from;
    this.#end[node] = to;
    if (to - from <= this.#nodeCapacity || depth === this.#maxDepth) {
      this.#firstChild[node] = -1;
      return;
    }
    const half = side / 2;
    const middleX = x0 + half;
    const middleY = y0 + half;
    // Upper half (y < middleY) first, then each half by x: the quadrant order of pushChildren().
    const lower = this.#partition(this.#sortedY, from, to, middleY);
    const upperRight = this.#partition(this.#sortedX, from, lower, middleX);
    const lowerRight = this.#partition(this.#sortedX, lower, to, middleX);
    const child = this.#allocateChildren();
    this.#firstChild[node] = child;
    this.#split(child, from, upperRight, x0, y0, half, depth + 1);
    this.#split(child + 1, upperRight, lower, middleX, y0, half, depth + 1);
    this.#split(child + 2, lower, lowerRight, x0, middleY, half, depth + 1);
    this.#split(child + 3, lowerRight, to, middleX, middleY, half, depth + 1);
  }

  /**
   * Reorders sorted*[from .. to) so that the points whose key (sortedX or sortedY) is below
   * `pivot` come first; returns where the others begin.
   */
  #partition(keys: Float64Array, from: number, to: number, pivot: number): number {
    let i = from;
    let j = to - 1;
    for (;;) {
      while (i <= j && (keys[i] as number) < pivot) i++;
      while (i <= j && (keys[j] as number) >= pivot) j--;
      if (i > j) return i;
      this.#swap(i, j);
      i++;
      j--;
    }
  }

  #swap(i: number, j: number): void {
    const slots = this.#sortedSlots;
    const xs = this.#sortedX;
    const ys = this.#sortedY;
    const slot = slots[i] as number;
    slots[i] = slots[j] as number;
    slots[j] = slot;
    const x = xs[i] as number;
    xs[i] = xs[j] as number;
    xs[j] = x;
    const y = ys[i] as number;
    ys[i] = ys[j] as number;
    ys[j] = y;
  }

  #allocateChildren(): number {
    const child = this.#nodeCount;
    this.#nodeCount += 4;
    if (this.#nodeCount > this.#firstChild.length) {
      const length = 2 * this.#firstChild.length;
      this.#start = growInt32(this.#start, length, 0);
      this.#end = growInt32(this.#end, length, 0);
      this.#firstChild = growInt32(this.#firstChild, length, -1);
    }
    return child;
  }
}

/**
 * Depth-first traversal stack: node ids and their boxes (corner and side). A popped node pushes at
 * most four children, so 3 per level plus the root's 4 is enough.
 */
class Stack {
  readonly nodes: Int32Array;
  readonly x0: Float64Array;
  readonly y0: Float64Array;
  readonly side: Float64Array;

  constructor(maxDepth: number) {
    const length = 3 * maxDepth + 4;
    this.nodes = new Int32Array(length);
    this.x0 = new Float64Array(length);
    this.y0 = new Float64Array(length);
    this.side = new Float64Array(length);
  }

  /** Leaves only the root (side `rootSize`) on the stack; returns the top. */
  reset(rootSize: number): number {
    this.nodes[0] = 0;
    this.x0[0] = 0;
    this.y0[0] = 0;
    this.side[0] = rootSize;
    return 1;
  }
}

/**
 * Pushes the four children of the node at (x0, y0) with side 2 * half; returns the new top.
 * Quadrant order: bit 0 set for the right half (x >= middle), bit 1 for the lower (y >= middle).
 */
function pushChildren(stack: Stack, top: number, firstChild: number, x0: number, y0: number, half: number): number {
  for (let quadrant = 0; quadrant < 4; quadrant++) {
    stack.nodes[top] = firstChild + quadrant;
    stack.x0[top] = quadrant & 1 ? x0 + half : x0;
    stack.y0[top] = quadrant & 2 ? y0 + half : y0;
    stack.side[top] = half;
    top++;
  }
  return top;
}

const OUTSIDE = 0;
const PARTIAL = 1;
const INSIDE = 2;

/**
 * Where the box [x0, x1] × [y0, y1] lies against the circle of centre (x, y) and squared radius
 * r2. INSIDE means the farthest corner passes the very test each point gets (same arithmetic),
 * so rounding cannot put a point of an inside box outside the circle.
 */
function classifyCircle(x: number, y: number, r2: number, x0: number, y0: number, x1: number, y1: number): number {
  const nearX = Math.max(x0 - x, 0, x - x1);
  const nearY = Math.max(y0 - y, 0, y - y1);
  if (nearX * nearX + nearY * nearY > r2) return OUTSIDE;
  const farX = Math.max(x - x0, x1 - x);
  const farY = Math.max(y - y0, y1 - y);
  return farX * farX + farY * farY <= r2 ? INSIDE : PARTIAL;
}

/** A negative (or NaN) radius matches nothing, rather than what its square would match. */
function squaredRadius(radius: number): number {
  return radius >= 0 ? radius * radius : -1;
}
