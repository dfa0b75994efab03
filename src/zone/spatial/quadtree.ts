/**
 * Point quadtree over flat typed arrays: no object per node, and nothing allocated per query or
 * per tick once the arrays have grown to fit.
 *
 * The root is a square with its corner at (0, 0). A node splits into four quadrants when it holds
 * more than `nodeCapacity` points, unless it is `maxDepth` deep: that bound is what stops many
 * points at one spot from splitting forever.
 *
 * Given the radius most queries use (`queryRadiusM`), the root's side is 2^k cells of about half
 * that radius, and the top k levels are complete: those nodes are not stored at all, and the
 * nodes at depth k (the cells covering the world) form a directory, row by row. Only the cells
 * that overflow split further. A query then starts at the cells under its circle's bounding box,
 * as a grid's would, instead of walking down from the root, and goes into a cell's subtree only
 * where the circle cuts a cell that split. Without `queryRadiusM`, k is 0 and the directory is
 * the root alone. (Rows beat Z order for the directory: the view system takes a query's results
 * in the order they come, and was 5% slower on Z-ordered ones; bench/README.md, "Spatial index".)
 *
 * Moves only record the new position, and the first query after any change rebuilds the tree
 * from scratch, kdbush-style: a counting sort files the points under their directory cells, and
 * each cell that overflows is partitioned in place, so every node's points, leaf or not, are one
 * contiguous run of the sorted arrays, and a node wholly inside the query is copied out in one
 * loop. This beat keeping the tree current in place (leaves holding linked lists, split and
 * merged as points move) in an earlier run of bench/spatial.bench.ts.
 *
 * Points must lie in [0, width] × [0, height]; insert and move throw a RangeError otherwise.
 */
import type { SpatialIndex } from './spatial-index.ts';
import { sortByCell } from './cell-sort.ts';
import { growInt32, PointSet } from './point-set.ts';

export interface QuadtreeOptions {
  /** A leaf splits when it holds more points than this. */
  readonly nodeCapacity?: number;
  /** Depth of the deepest leaves (the root is depth 0); at most 30. */
  readonly maxDepth?: number;
  /** The radius most queries use; the directory's cells are about half of it (see above). */
  readonly queryRadiusM?: number;
}

/**
 * Tuned with `node bench/spatial.bench.ts --tune` (bench/README.md, "Spatial index").
 */
export const QUADTREE_DEFAULTS = { nodeCapacity: 64, maxDepth: 10 } as const;

/** The directory's cells per query radius: half the radius, as for the uniform grid. */
const DIRECTORY_CELL_PER_RADIUS = 0.5;
/** Depth of the directory at most: up to 4^8 = 65,536 cells, a quarter of a megabyte of counts. */
const MAX_DIRECTORY_DEPTH = 8;
const INITIAL_CAPACITY = 64;

/**
 * Directory cell c (row * columns + column) holds sorted*[cellStart[c] .. cellStart[c + 1]). Every node
 * n, directory cells included, has firstChild[n] + 0..3 as its children (in the quadrant order of
 * pushChildren) or is a leaf when firstChild[n] is -1; a node below the directory holds
 * sorted*[start[n] .. end[n]).
 */
export class Quadtree implements SpatialIndex {
  readonly #points: PointSet;
  readonly #nodeCapacity: number;
  readonly #maxDepth: number;
  readonly #stack: Stack;
  /** The directory: its depth, cell side, the columns and rows the world covers. */
  readonly #directoryDepth: number;
  readonly #cellSideM: number;
  readonly #columns: number;
  readonly #rows: number;
  readonly #cellStart: Int32Array;
  /**
   * Node boxes are widened by this much on every side: a cell side that is not a power of two
   * makes floor(x / side) round a point a hair before a cell's computed edge into that cell.
   */
  readonly #slack: number;
  #start: Int32Array;
  #end: Int32Array;
  #firstChild: Int32Array;
  #nodeCount = 0;
  #sortedSlots = new Int32Array(INITIAL_CAPACITY);
  #sortedX = new Float64Array(INITIAL_CAPACITY);
  #sortedY = new Float64Array(INITIAL_CAPACITY);
  /** Rebuild scratch: the directory cell of live[i]. */
  #cellOfLive = new Int32Array(INITIAL_CAPACITY);
  /** Points changed since the last build. */
  #dirty = false;
  #results = new Int32Array(INITIAL_CAPACITY);

  constructor(widthM: number, heightM: number, options: QuadtreeOptions = {}) {
    this.#points = new PointSet(widthM, heightM);
    const { nodeCapacity, maxDepth, queryRadiusM } = { ...QUADTREE_DEFAULTS, ...options };
    if (!(Number.isInteger(nodeCapacity) && nodeCapacity >= 1)) {
      throw new RangeError(`nodeCapacity must be a positive integer, got ${nodeCapacity}`);
    }
    if (!(Number.isInteger(maxDepth) && maxDepth >= 0 && maxDepth <= 30)) {
      throw new RangeError(`maxDepth must be an integer in [0, 30], got ${maxDepth}`);
    }
    if (queryRadiusM !== undefined && !(queryRadiusM > 0 && Number.isFinite(queryRadiusM))) {
      throw new RangeError(`queryRadiusM must be positive and finite, got ${queryRadiusM}`);
    }
    this.#nodeCapacity = nodeCapacity;
    this.#maxDepth = maxDepth;
    this.#stack = new Stack(maxDepth);
    const size = Math.max(widthM, heightM);
    const deepest = Math.min(MAX_DIRECTORY_DEPTH, maxDepth);
    // Without a radius: a power-of-two root, as large as the world, and no directory below it.
    const side = queryRadiusM === undefined ? 2 ** Math.ceil(Math.log2(size)) : Math.max(DIRECTORY_CELL_PER_RADIUS * queryRadiusM, size / 2 ** deepest);
    this.#cellSideM = side;
    this.#columns = Math.min(2 ** deepest, Math.max(1, Math.ceil(widthM / side)));
    this.#rows = Math.min(2 ** deepest, Math.max(1, Math.ceil(heightM / side)));
    let depth = 0;
    while (2 ** depth < Math.max(this.#columns, this.#rows)) depth++;
    this.#directoryDepth = depth;
    const cells = this.#columns * this.#rows;
    this.#cellStart = new Int32Array(cells + 1);
    this.#start = new Int32Array(cells + 4);
    this.#end = new Int32Array(cells + 4);
    this.#firstChild = new Int32Array(cells + 4).fill(-1);
    this.#slack = size * 1e-9;
  }

  get results(): Int32Array {
    return this.#results;
  }

  /** Nodes in the tree, directory cells and leaves included, as of the last query: how it split, which the tests check. */
  get nodeCount(): number {
    return this.#nodeCount;
  }

  /** Depth of the directory's cells (0: the directory is the root alone). */
  get directoryDepth(): number {
    return this.#directoryDepth;
  }

  /** Cells in the directory: the nodes at its depth that cover the world. */
  get directoryCells(): number {
    return this.#cellStart.length - 1;
  }

  insert(slot: number, x: number, y: number): void {
    this.#points.add(slot, x, y);
    // A query returns each point at most once, so results the size of the set never overflow.
    if (this.#points.size > this.#sortedSlots.length) {
      const capacity = 2 * this.#sortedSlots.length;
      this.#sortedSlots = new Int32Array(capacity);
      this.#sortedX = new Float64Array(capacity);
      this.#sortedY = new Float64Array(capacity);
      this.#cellOfLive = new Int32Array(capacity);
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
    const side = this.#cellSideM;
    // Clamped at both ends: a circle that only touches the far edge (x - radius = width) still
    // looks at the last column, where points on that edge are filed.
    const column0 = Math.max(0, Math.min(this.#columns - 1, Math.floor((x - radius) / side)));
    const column1 = Math.min(this.#columns - 1, Math.floor((x + radius) / side));
    const row0 = Math.max(0, Math.min(this.#rows - 1, Math.floor((y - radius) / side)));
    const row1 = Math.min(this.#rows - 1, Math.floor((y + radius) / side));
    const cellStart = this.#cellStart;
    const firstChild = this.#firstChild;
    const columns = this.#columns;
    const slots = this.#sortedSlots;
    const xs = this.#sortedX;
    const ys = this.#sortedY;
    const results = this.#results;
    const slack = this.#slack;
    let count = 0;
    for (let row = row0; row <= row1; row++) {
      const rowY0 = row * side;
      const y0 = rowY0 - slack;
      const y1 = rowY0 + side + slack;
      // The row's nearest and farthest distances from the centre along y.
      const nearY = Math.max(y0 - y, 0, y - y1);
      const farY = Math.max(y - y0, y1 - y);
      const nearY2 = nearY * nearY;
      const farY2 = farY * farY;
      if (nearY2 > r2) continue;
      for (let column = column0; column <= column1; column++) {
        const cell = row * columns + column;
        const from = cellStart[cell] as number;
        const to = cellStart[cell + 1] as number;
        if (from === to) continue;
        const columnX0 = column * side;
        const x0 = columnX0 - slack;
        const x1 = columnX0 + side + slack;
        const nearX = Math.max(x0 - x, 0, x - x1);
        if (nearX * nearX + nearY2 > r2) continue;
        // Inside when the farthest corner passes the very test each point would (same
        // arithmetic, so rounding cannot make the two disagree).
        const farX = Math.max(x - x0, x1 - x);
        if (farX * farX + farY2 <= r2) {
          for (let i = from; i < to; i++) results[count++] = slots[i] as number;
          continue;
        }
        const child = firstChild[cell] as number;
        if (child !== -1) {
          count = this.#querySubtree(child, columnX0, rowY0, side / 2, x, y, r2, count);
          continue;
        }
        for (let i = from; i < to; i++) {
          const dx = (xs[i] as number) - x;
          const dy = (ys[i] as number) - y;
          if (dx * dx + dy * dy <= r2) results[count++] = slots[i] as number;
        }
      }
    }
    return count;
  }

  /**
   * Adds to results[count ..] the points within the circle among the four children (from
   * `firstChild`, box corner (x0, y0) and side 2 * half) of a node the circle cuts; returns the
   * new count.
   */
  #querySubtree(firstChild: number, x0: number, y0: number, half: number, x: number, y: number, r2: number, count: number): number {
    const stack = this.#stack;
    const start = this.#start;
    const end = this.#end;
    const children = this.#firstChild;
    const slots = this.#sortedSlots;
    const xs = this.#sortedX;
    const ys = this.#sortedY;
    const results = this.#results;
    const slack = this.#slack;
    let top = pushChildren(stack, 0, firstChild, x0, y0, half);
    while (top > 0) {
      top--;
      const node = stack.nodes[top] as number;
      const from = start[node] as number;
      const to = end[node] as number;
      if (from === to) continue;
      const nodeX0 = stack.x0[top] as number;
      const nodeY0 = stack.y0[top] as number;
      const side = stack.side[top] as number;
      const where = classifyCircle(x, y, r2, nodeX0 - slack, nodeY0 - slack, nodeX0 + side + slack, nodeY0 + side + slack);
      if (where === OUTSIDE) continue;
      const child = children[node] as number;
      if (where === INSIDE) {
        for (let i = from; i < to; i++) results[count++] = slots[i] as number;
      } else if (child !== -1) {
        top = pushChildren(stack, top, child, nodeX0, nodeY0, side / 2);
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

  /** Counting sort of the live points by directory cell, then the split of every cell that overflows. */
  #build(): void {
    const cellStart = this.#cellStart;
    const cells = cellStart.length - 1;
    const side = this.#cellSideM;
    sortByCell(this.#points, { cellSizeM: side, columns: this.#columns, rows: this.#rows }, { cellStart, cellOfLive: this.#cellOfLive, sortedSlots: this.#sortedSlots, sortedX: this.#sortedX, sortedY: this.#sortedY });
    this.#nodeCount = cells;
    this.#firstChild.fill(-1, 0, cells);
    const columns = this.#columns;
    const depth = this.#directoryDepth;
    for (let cell = 0; cell < cells; cell++) {
      const from = cellStart[cell] as number;
      const to = cellStart[cell + 1] as number;
      if (to - from > this.#nodeCapacity && depth < this.#maxDepth) {
        this.#split(cell, from, to, (cell % columns) * side, Math.floor(cell / columns) * side, side, depth);
      }
    }
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
 * most four children, so 3 per level plus the first node's 4 is enough.
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
