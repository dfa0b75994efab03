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
 * Two ways to keep the tree current, chosen by `update` (bench/spatial.bench.ts compares them):
 * - 'rebuild' (the default: 1.06 to 1.7 times faster than 'in-place' in the benchmark): moves only
 *   record the new position, and the first query after any change rebuilds the tree from
 *   scratch, kdbush-style: the points are partitioned in place, so every node's points, leaf or
 *   not, are one contiguous run of the sorted arrays, and a node wholly inside the query is
 *   copied out in one loop.
 * - 'in-place': each leaf keeps its points in a linked list through by-slot arrays. A move within
 *   its leaf only updates the position; a move across leaves is a remove and an insert. Leaves
 *   split when they overflow and merge back when a subtree drops to half the capacity.
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
  readonly update?: 'rebuild' | 'in-place';
}

/**
 * Tuned with `node bench/spatial.bench.ts --tune`: capacities 32 to 64 and depths 7 to 12 came
 * within a few percent of each other; capacity 16 was 14–27% slower, and depths up to 6 were
 * slower with 20k clustered entities. For the view system the uniform grid is faster still
 * (bench/README.md, "Spatial index").
 */
export const QUADTREE_DEFAULTS = { nodeCapacity: 64, maxDepth: 10, update: 'rebuild' } as const;

const INITIAL_CAPACITY = 64;
const INITIAL_NODES = 64;

/** The part of SpatialIndex the two layouts implement; `Quadtree` forwards to one of them. */
interface Tree {
  readonly points: PointSet;
  readonly results: Int32Array;
  readonly nodeCount: number;
  insert(slot: number, x: number, y: number): void;
  remove(slot: number): void;
  move(slot: number, x: number, y: number): void;
  queryCircle(x: number, y: number, radius: number): number;
  queryRect(minX: number, minY: number, maxX: number, maxY: number): number;
}

export class Quadtree implements SpatialIndex {
  readonly nodeCapacity: number;
  readonly maxDepth: number;
  readonly update: 'rebuild' | 'in-place';
  readonly #tree: Tree;

  constructor(widthM: number, heightM: number, options: QuadtreeOptions = {}) {
    const points = new PointSet(widthM, heightM);
    const { nodeCapacity, maxDepth, update } = { ...QUADTREE_DEFAULTS, ...options };
    if (!(Number.isInteger(nodeCapacity) && nodeCapacity >= 1)) {
      throw new RangeError(`nodeCapacity must be a positive integer, got ${nodeCapacity}`);
    }
    if (!(Number.isInteger(maxDepth) && maxDepth >= 0 && maxDepth <= 30)) {
      throw new RangeError(`maxDepth must be an integer in [0, 30], got ${maxDepth}`);
    }
    this.nodeCapacity = nodeCapacity;
    this.maxDepth = maxDepth;
    this.update = update;
    const rootSize = 2 ** Math.ceil(Math.log2(Math.max(widthM, heightM)));
    this.#tree =
      update === 'in-place'
        ? new LinkedTree(points, rootSize, nodeCapacity, maxDepth)
        : new PackedTree(points, rootSize, nodeCapacity, maxDepth);
  }

  get size(): number {
    return this.#tree.points.size;
  }

  get results(): Int32Array {
    return this.#tree.results;
  }

  /**
   * Nodes the tree's arrays hold, leaves included: its memory, for metrics and tests. With
   * 'rebuild' as of the last query; with 'in-place' a high-water mark (merged nodes are reused).
   */
  get nodeCount(): number {
    return this.#tree.nodeCount;
  }

  insert(slot: number, x: number, y: number): void {
    this.#tree.insert(slot, x, y);
  }

  remove(slot: number): void {
    this.#tree.remove(slot);
  }

  move(slot: number, x: number, y: number): void {
    this.#tree.move(slot, x, y);
  }

  queryCircle(x: number, y: number, radius: number): number {
    return this.#tree.queryCircle(x, y, radius);
  }

  queryRect(minX: number, minY: number, maxX: number, maxY: number): number {
    return this.#tree.queryRect(minX, minY, maxX, maxY);
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

/** Pushes the four children of the node at (x0, y0) with side 2 * half; returns the new top. */
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

/** Quadrant order of children: bit 0 set for the right half (x >= middle), bit 1 for the lower (y >= middle). */
function quadrantOf(x: number, y: number, middleX: number, middleY: number): number {
  return (x >= middleX ? 1 : 0) | (y >= middleY ? 2 : 0);
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

function classifyRect(
  minX: number,
  minY: number,
  maxX: number,
  maxY: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): number {
  if (x1 < minX || x0 > maxX || y1 < minY || y0 > maxY) return OUTSIDE;
  return x0 >= minX && x1 <= maxX && y0 >= minY && y1 <= maxY ? INSIDE : PARTIAL;
}

/** A negative (or NaN) radius matches nothing, rather than what its square would match. */
function squaredRadius(radius: number): number {
  return radius >= 0 ? radius * radius : -1;
}

/**
 * 'rebuild': node n holds sorted*[start[n] .. end[n]) and its children are firstChild[n] + 0..3,
 * or it is a leaf when firstChild[n] is -1.
 */
class PackedTree implements Tree {
  readonly points: PointSet;
  results = new Int32Array(INITIAL_CAPACITY);

  readonly #rootSize: number;
  readonly #nodeCapacity: number;
  readonly #maxDepth: number;
  readonly #stack: Stack;
  #start = new Int32Array(INITIAL_NODES);
  #end = new Int32Array(INITIAL_NODES);
  #firstChild = new Int32Array(INITIAL_NODES);
  nodeCount = 0;
  #sortedSlots = new Int32Array(INITIAL_CAPACITY);
  #sortedX = new Float64Array(INITIAL_CAPACITY);
  #sortedY = new Float64Array(INITIAL_CAPACITY);
  /** Points changed since the last build. */
  #dirty = false;

  constructor(points: PointSet, rootSize: number, nodeCapacity: number, maxDepth: number) {
    this.points = points;
    this.#rootSize = rootSize;
    this.#nodeCapacity = nodeCapacity;
    this.#maxDepth = maxDepth;
    this.#stack = new Stack(maxDepth);
  }

  insert(slot: number, x: number, y: number): void {
    this.points.add(slot, x, y);
    // A query returns each point at most once, so results the size of the set never overflow.
    if (this.points.size > this.#sortedSlots.length) {
      const capacity = 2 * this.#sortedSlots.length;
      this.#sortedSlots = new Int32Array(capacity);
      this.#sortedX = new Float64Array(capacity);
      this.#sortedY = new Float64Array(capacity);
      this.results = new Int32Array(capacity);
    }
    this.#dirty = true;
  }

  remove(slot: number): void {
    if (this.points.delete(slot)) this.#dirty = true;
  }

  move(slot: number, x: number, y: number): void {
    this.points.set(slot, x, y);
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
    const results = this.results;
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

  queryRect(minX: number, minY: number, maxX: number, maxY: number): number {
    if (this.#dirty) this.#build();
    const stack = this.#stack;
    const start = this.#start;
    const end = this.#end;
    const firstChild = this.#firstChild;
    const slots = this.#sortedSlots;
    const xs = this.#sortedX;
    const ys = this.#sortedY;
    const results = this.results;
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
      const where = classifyRect(minX, minY, maxX, maxY, x0, y0, x0 + side, y0 + side);
      if (where === OUTSIDE) continue;
      const child = firstChild[node] as number;
      if (where === INSIDE) {
        for (let i = from; i < to; i++) results[count++] = slots[i] as number;
      } else if (child !== -1) {
        top = pushChildren(stack, top, child, x0, y0, side / 2);
      } else {
        for (let i = from; i < to; i++) {
          const px = xs[i] as number;
          const py = ys[i] as number;
          if (px >= minX && px <= maxX && py >= minY && py <= maxY) results[count++] = slots[i] as number;
        }
      }
    }
    return count;
  }

  #build(): void {
    const { live, xs, ys, size } = this.points;
    for (let i = 0; i < size; i++) {
      const slot = live[i] as number;
      this.#sortedSlots[i] = slot;
      this.#sortedX[i] = xs[slot] as number;
      this.#sortedY[i] = ys[slot] as number;
    }
    this.nodeCount = 1;
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
    // Upper half (y < middleY) first, then each half by x: the quadrant order of quadrantOf().
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
    const child = this.nodeCount;
    this.nodeCount += 4;
    if (this.nodeCount > this.#firstChild.length) {
      const length = 2 * this.#firstChild.length;
      this.#start = growInt32(this.#start, length, 0);
      this.#end = growInt32(this.#end, length, 0);
      this.#firstChild = growInt32(this.#firstChild, length, -1);
    }
    return child;
  }
}

/**
 * 'in-place': node n has count[n] points in its subtree. A leaf (firstChild[n] = -1) lists them
 * from head[n] on through next[]; an inner node's children are firstChild[n] + 0..3. Blocks of
 * four children freed by a merge are chained through the firstChild of their first node.
 */
class LinkedTree implements Tree {
  readonly points: PointSet;
  results = new Int32Array(INITIAL_CAPACITY);

  readonly #rootSize: number;
  readonly #nodeCapacity: number;
  readonly #maxDepth: number;
  readonly #stack: Stack;
  #firstChild = new Int32Array(INITIAL_NODES).fill(-1);
  #count = new Int32Array(INITIAL_NODES);
  #head = new Int32Array(INITIAL_NODES).fill(-1);
  nodeCount = 1;
  #freeBlocks = -1;
  // By slot: the leaf holding it, and its neighbours in that leaf's list (-1: none).
  #leafOf = new Int32Array(INITIAL_CAPACITY).fill(-1);
  #next = new Int32Array(INITIAL_CAPACITY);
  #prev = new Int32Array(INITIAL_CAPACITY);
  // What #descend() found: the nodes from the root down to the leaf, and the leaf's box.
  readonly #path: Int32Array;
  #pathLength = 0;
  #leafX0 = 0;
  #leafY0 = 0;
  #leafSide = 0;

  constructor(points: PointSet, rootSize: number, nodeCapacity: number, maxDepth: number) {
    this.points = points;
    this.#rootSize = rootSize;
    this.#nodeCapacity = nodeCapacity;
    this.#maxDepth = maxDepth;
    this.#stack = new Stack(maxDepth);
    this.#path = new Int32Array(maxDepth + 1);
  }

  insert(slot: number, x: number, y: number): void {
    this.points.add(slot, x, y);
    if (this.points.capacity > this.#leafOf.length) {
      const capacity = this.points.capacity;
      this.#leafOf = growInt32(this.#leafOf, capacity, -1);
      this.#next = growInt32(this.#next, capacity, 0);
      this.#prev = growInt32(this.#prev, capacity, 0);
    }
    // A query returns each point at most once, so results the size of the set never overflow.
    if (this.points.size > this.results.length) this.results = new Int32Array(2 * this.results.length);
    this.#descend(x, y);
    const path = this.#path;
    const count = this.#count;
    for (let i = 0; i < this.#pathLength; i++) {
      const node = path[i] as number;
      count[node] = (count[node] as number) + 1;
    }
    const leaf = path[this.#pathLength - 1] as number;
    this.#link(slot, leaf);
    const depth = this.#pathLength - 1;
    if ((count[leaf] as number) > this.#nodeCapacity && depth < this.#maxDepth) {
      this.#split(leaf, this.#leafX0, this.#leafY0, this.#leafSide, depth);
    }
  }

  remove(slot: number): void {
    if (!this.points.has(slot)) return;
    // The slot's recorded position leads to its leaf, as it did when it was filed there.
    this.#descend(this.points.xs[slot] as number, this.points.ys[slot] as number);
    this.#unlink(slot);
    this.points.delete(slot);
    // Counts drop along the path; the highest inner node left with half the capacity or less
    // takes its whole subtree back into one leaf. (Half, not all of it: a crowd hovering around
    // the capacity would otherwise split and merge on alternate ticks.)
    const path = this.#path;
    const count = this.#count;
    let merge = -1;
    for (let i = 0; i < this.#pathLength; i++) {
      const node = path[i] as number;
      const left = (count[node] as number) - 1;
      count[node] = left;
      if (merge === -1 && this.#firstChild[node] !== -1 && left <= this.#nodeCapacity >> 1) merge = node;
    }
    if (merge !== -1) this.#merge(merge);
  }

  move(slot: number, x: number, y: number): void {
    this.points.check(slot, x, y);
    this.#descend(x, y);
    if (this.#path[this.#pathLength - 1] === this.#leafOf[slot]) {
      this.points.set(slot, x, y);
    } else {
      this.remove(slot);
      this.insert(slot, x, y);
    }
  }

  queryCircle(x: number, y: number, radius: number): number {
    const r2 = squaredRadius(radius);
    const stack = this.#stack;
    const firstChild = this.#firstChild;
    const counts = this.#count;
    const head = this.#head;
    const next = this.#next;
    const xs = this.points.xs;
    const ys = this.points.ys;
    const results = this.results;
    let count = 0;
    let top = stack.reset(this.#rootSize);
    while (top > 0) {
      top--;
      const node = stack.nodes[top] as number;
      if (counts[node] === 0) continue;
      const x0 = stack.x0[top] as number;
      const y0 = stack.y0[top] as number;
      const side = stack.side[top] as number;
      const where = classifyCircle(x, y, r2, x0, y0, x0 + side, y0 + side);
      if (where === OUTSIDE) continue;
      const child = firstChild[node] as number;
      if (child !== -1) {
        // Children of a node wholly inside classify as inside too; the leaves then copy.
        top = pushChildren(stack, top, child, x0, y0, side / 2);
      } else if (where === INSIDE) {
        for (let slot = head[node] as number; slot !== -1; slot = next[slot] as number) results[count++] = slot;
      } else {
        for (let slot = head[node] as number; slot !== -1; slot = next[slot] as number) {
          const dx = (xs[slot] as number) - x;
          const dy = (ys[slot] as number) - y;
          if (dx * dx + dy * dy <= r2) results[count++] = slot;
        }
      }
    }
    return count;
  }

  queryRect(minX: number, minY: number, maxX: number, maxY: number): number {
    const stack = this.#stack;
    const firstChild = this.#firstChild;
    const counts = this.#count;
    const head = this.#head;
    const next = this.#next;
    const xs = this.points.xs;
    const ys = this.points.ys;
    const results = this.results;
    let count = 0;
    let top = stack.reset(this.#rootSize);
    while (top > 0) {
      top--;
      const node = stack.nodes[top] as number;
      if (counts[node] === 0) continue;
      const x0 = stack.x0[top] as number;
      const y0 = stack.y0[top] as number;
      const side = stack.side[top] as number;
      const where = classifyRect(minX, minY, maxX, maxY, x0, y0, x0 + side, y0 + side);
      if (where === OUTSIDE) continue;
      const child = firstChild[node] as number;
      if (child !== -1) {
        top = pushChildren(stack, top, child, x0, y0, side / 2);
      } else if (where === INSIDE) {
        for (let slot = head[node] as number; slot !== -1; slot = next[slot] as number) results[count++] = slot;
      } else {
        for (let slot = head[node] as number; slot !== -1; slot = next[slot] as number) {
          const px = xs[slot] as number;
          const py = ys[slot] as number;
          if (px >= minX && px <= maxX && py >= minY && py <= maxY) results[count++] = slot;
        }
      }
    }
    return count;
  }

  /** Walks from the root to the leaf whose box holds (x, y), recording the path and the leaf's box. */
  #descend(x: number, y: number): void {
    const firstChild = this.#firstChild;
    let node = 0;
    let x0 = 0;
    let y0 = 0;
    let side = this.#rootSize;
    let length = 0;
    this.#path[length++] = node;
    for (let child = firstChild[node] as number; child !== -1; child = firstChild[node] as number) {
      side /= 2;
      const quadrant = quadrantOf(x, y, x0 + side, y0 + side);
      if (quadrant & 1) x0 += side;
      if (quadrant & 2) y0 += side;
      node = child + quadrant;
      this.#path[length++] = node;
    }
    this.#pathLength = length;
    this.#leafX0 = x0;
    this.#leafY0 = y0;
    this.#leafSide = side;
  }

  /** Turns an overflowing leaf into an inner node with four leaves, splitting those that overflow in turn. */
  #split(leaf: number, x0: number, y0: number, side: number, depth: number): void {
    const child = this.#allocateChildren();
    const half = side / 2;
    const { xs, ys } = this.points;
    let slot = this.#head[leaf] as number;
    this.#head[leaf] = -1;
    this.#firstChild[leaf] = child;
    while (slot !== -1) {
      const following = this.#next[slot] as number;
      const quadrant = quadrantOf(xs[slot] as number, ys[slot] as number, x0 + half, y0 + half);
      this.#link(slot, child + quadrant);
      this.#count[child + quadrant] = (this.#count[child + quadrant] as number) + 1;
      slot = following;
    }
    if (depth + 1 === this.#maxDepth) return;
    for (let quadrant = 0; quadrant < 4; quadrant++) {
      if ((this.#count[child + quadrant] as number) > this.#nodeCapacity) {
        const childX0 = quadrant & 1 ? x0 + half : x0;
        const childY0 = quadrant & 2 ? y0 + half : y0;
        this.#split(child + quadrant, childX0, childY0, half, depth + 1);
      }
    }
  }

  /** Turns an inner node back into a leaf holding every point of its subtree. */
  #merge(node: number): void {
    const children = this.#firstChild[node] as number;
    this.#firstChild[node] = -1;
    this.#absorb(node, children);
  }

  /** Moves the points under the four children starting at `children` into `leaf`, and frees them. */
  #absorb(leaf: number, children: number): void {
    for (let child = children; child < children + 4; child++) {
      const grandchildren = this.#firstChild[child] as number;
      if (grandchildren !== -1) {
        this.#absorb(leaf, grandchildren);
        continue;
      }
      let slot = this.#head[child] as number;
      while (slot !== -1) {
        const following = this.#next[slot] as number;
        this.#link(slot, leaf);
        slot = following;
      }
    }
    this.#firstChild[children] = this.#freeBlocks;
    this.#freeBlocks = children;
  }

  /** Four fresh empty leaves, from the free list or the end of the node arrays. */
  #allocateChildren(): number {
    let child = this.#freeBlocks;
    if (child !== -1) {
      this.#freeBlocks = this.#firstChild[child] as number;
    } else {
      child = this.nodeCount;
      this.nodeCount += 4;
      if (this.nodeCount > this.#firstChild.length) {
        const length = 2 * this.#firstChild.length;
        this.#firstChild = growInt32(this.#firstChild, length, -1);
        this.#count = growInt32(this.#count, length, 0);
        this.#head = growInt32(this.#head, length, -1);
      }
    }
    for (let quadrant = 0; quadrant < 4; quadrant++) {
      this.#firstChild[child + quadrant] = -1;
      this.#count[child + quadrant] = 0;
      this.#head[child + quadrant] = -1;
    }
    return child;
  }

  /** Puts the slot at the front of the leaf's list (counts are the caller's business). */
  #link(slot: number, leaf: number): void {
    const first = this.#head[leaf] as number;
    this.#next[slot] = first;
    this.#prev[slot] = -1;
    if (first !== -1) this.#prev[first] = slot;
    this.#head[leaf] = slot;
    this.#leafOf[slot] = leaf;
  }

  #unlink(slot: number): void {
    const before = this.#prev[slot] as number;
    const after = this.#next[slot] as number;
    if (before !== -1) this.#next[before] = after;
    else this.#head[this.#leafOf[slot] as number] = after;
    if (after !== -1) this.#prev[after] = before;
    this.#leafOf[slot] = -1;
  }
}
