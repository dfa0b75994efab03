import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Quadtree } from '../../src/zone/spatial/quadtree.ts';
import type { SpatialIndex } from '../../src/zone/spatial/spatial-index.ts';
import { UniformGrid } from '../../src/zone/spatial/uniform-grid.ts';
import { mulberry32 as prng } from '../../src/zone/random.ts';

type Make = (widthM: number, heightM: number) => SpatialIndex;

/** The world of most tests. */
const WIDTH = 1000;
const HEIGHT = 600;

/**
 * Every structure and setting under test. Small node capacities and depths make the quadtree
 * split and hit its depth limit with few points; the grids range from cells smaller than the
 * queries to one cell bigger than the world.
 */
const INDEXES: readonly { readonly name: string; readonly make: Make }[] = [
  { name: 'UniformGrid, 7 m cells', make: (w, h) => new UniformGrid(w, h, 7) },
  { name: 'UniformGrid, 64 m cells', make: (w, h) => new UniformGrid(w, h, 64) },
  { name: 'UniformGrid, 50 m cells (the world a whole number of them)', make: (w, h) => new UniformGrid(w, h, 50) },
  { name: 'UniformGrid, one cell larger than the world', make: (w, h) => new UniformGrid(w, h, 5000) },
  { name: 'Quadtree, defaults', make: (w, h) => new Quadtree(w, h) },
  { name: 'Quadtree, capacity 1, depth 6', make: (w, h) => new Quadtree(w, h, { nodeCapacity: 1, maxDepth: 6 }) },
  { name: 'Quadtree, capacity 3, depth 12', make: (w, h) => new Quadtree(w, h, { nodeCapacity: 3, maxDepth: 12 }) },
  { name: 'Quadtree, capacity 4, depth 0', make: (w, h) => new Quadtree(w, h, { nodeCapacity: 4, maxDepth: 0 }) },
  { name: 'Quadtree, directory of 20 m cells', make: (w, h) => new Quadtree(w, h, { queryRadiusM: 40 }) },
  { name: 'Quadtree, directory of 3.5 m cells, capacity 1', make: (w, h) => new Quadtree(w, h, { queryRadiusM: 7, nodeCapacity: 1, maxDepth: 14 }) },
  { name: 'Quadtree, directory at its deepest, capacity 2', make: (w, h) => new Quadtree(w, h, { queryRadiusM: 0.1, nodeCapacity: 2 }) },
  { name: 'Quadtree, directory down to maxDepth', make: (w, h) => new Quadtree(w, h, { queryRadiusM: 1, maxDepth: 3 }) },
];

/** The index under test and the plain map it must agree with. */
class Checked {
  readonly index: SpatialIndex;
  readonly points = new Map<number, { x: number; y: number }>();
  readonly #widthM: number;
  readonly #heightM: number;

  constructor(index: SpatialIndex, widthM = WIDTH, heightM = HEIGHT) {
    this.index = index;
    this.#widthM = widthM;
    this.#heightM = heightM;
  }

  insert(slot: number, x: number, y: number): void {
    this.index.insert(slot, x, y);
    this.points.set(slot, { x, y });
  }

  remove(slot: number): void {
    this.index.remove(slot);
    this.points.delete(slot);
  }

  move(slot: number, x: number, y: number): void {
    this.index.move(slot, x, y);
    this.points.set(slot, { x, y });
  }

  circle(x: number, y: number, radius: number): void {
    const count = this.index.queryCircle(x, y, radius);
    const expected = this.#matching((p) => (p.x - x) * (p.x - x) + (p.y - y) * (p.y - y) <= radius * radius);
    this.#compare(count, expected, `circle (${x}, ${y}) r ${radius}`);
  }

  /** A circle round the whole world: every point in the index, and nothing else. */
  all(): void {
    const count = this.index.queryCircle(0, 0, 2 * Math.hypot(this.#widthM, this.#heightM));
    this.#compare(count, [...this.points.keys()].sort((a, b) => a - b), 'the whole world');
  }

  #matching(inside: (p: { x: number; y: number }) => boolean): number[] {
    const slots: number[] = [];
    for (const [slot, p] of this.points) if (inside(p)) slots.push(slot);
    return slots.sort((a, b) => a - b);
  }

  #compare(count: number, expected: readonly number[], what: string): void {
    // Read results after the query: the index may have replaced the array.
    const found = Array.from(this.index.results.subarray(0, count)).sort((a, b) => a - b);
    assert.equal(new Set(found).size, found.length, `${what}: duplicates in the results`);
    assert.deepEqual(found, expected, what);
  }
}

/** Coordinates that often land exactly on cell and node edges (multiples of 1, 8 and 64 m) or on the world's. */
function coordinate(random: () => number, max: number): number {
  const kind = random();
  const value = random() * max;
  if (kind < 0.15) return Math.min(max, Math.round(value / 64) * 64);
  if (kind < 0.3) return Math.min(max, Math.round(value / 8) * 8);
  if (kind < 0.4) return Math.min(max, Math.round(value));
  if (kind < 0.425) return 0;
  if (kind < 0.45) return max;
  return value;
}

/** A random query: circles of all sizes, centred anywhere (even outside the world). */
function randomQuery(checked: Checked, random: () => number, widthM: number, heightM: number): void {
  const x = coordinate(random, widthM) + (random() < 0.1 ? (random() - 0.5) * 200 : 0);
  const y = coordinate(random, heightM) + (random() < 0.1 ? (random() - 0.5) * 200 : 0);
  const radius = random() < 0.2 ? Math.round(random() * 8) * 8 : random() * random() * widthM;
  checked.circle(x, y, radius);
}

/** Random inserts, removes and moves, checking queries against brute force as it goes. */
function churn(checked: Checked, seed: number, steps: number, place: (random: () => number) => [number, number]): void {
  const random = prng(seed);
  const free: number[] = [];
  let nextSlot = 0;
  for (let step = 0; step < steps; step++) {
    const r = random();
    const slots = [...checked.points.keys()];
    if (r < 0.35 || slots.length === 0) {
      // Reuse a freed slot half the time, as the zone does.
      const slot = free.length > 0 && random() < 0.5 ? (free.pop() as number) : nextSlot++;
      checked.insert(slot, ...place(random));
    } else if (r < 0.5) {
      const slot = slots[Math.floor(random() * slots.length)] as number;
      checked.remove(slot);
      free.push(slot);
    } else if (r < 0.8) {
      // Mostly short moves, as entities make, sometimes a teleport.
      const slot = slots[Math.floor(random() * slots.length)] as number;
      const p = checked.points.get(slot) as { x: number; y: number };
      if (random() < 0.9) {
        const x = Math.min(WIDTH, Math.max(0, p.x + (random() - 0.5) * 4));
        const y = Math.min(HEIGHT, Math.max(0, p.y + (random() - 0.5) * 4));
        checked.move(slot, x, y);
      } else {
        checked.move(slot, ...place(random));
      }
    } else {
      randomQuery(checked, random, WIDTH, HEIGHT);
    }
  }
}

function uniformPlace(random: () => number): [number, number] {
  return [coordinate(random, WIDTH), coordinate(random, HEIGHT)];
}

/** Three tight gaussian clusters (sigma 3 to 20 m) and a sprinkle of uniform points. */
function clusteredPlace(random: () => number): [number, number] {
  const centres = [
    [200, 150, 20],
    [700, 420, 8],
    [999, 5, 3],
  ] as const;
  if (random() < 0.15) return uniformPlace(random);
  const [cx, cy, sigma] = centres[Math.floor(random() * centres.length)] as readonly [number, number, number];
  // Box-Muller.
  const radius = sigma * Math.sqrt(-2 * Math.log(1 - random()));
  const angle = 2 * Math.PI * random();
  return [
    Math.min(WIDTH, Math.max(0, cx + radius * Math.cos(angle))),
    Math.min(HEIGHT, Math.max(0, cy + radius * Math.sin(angle))),
  ];
}

for (const { name, make } of INDEXES) {
  describe(name, () => {
    it('agrees with brute force through random inserts, removes, moves and queries (uniform)', () => {
      churn(new Checked(make(WIDTH, HEIGHT)), 1, 6000, uniformPlace);
    });

    it('agrees with brute force on clustered points', () => {
      churn(new Checked(make(WIDTH, HEIGHT)), 2, 6000, clusteredPlace);
    });

    it('agrees with brute force when every point moves every tick', () => {
      const checked = new Checked(make(WIDTH, HEIGHT));
      const random = prng(3);
      for (let slot = 0; slot < 400; slot++) checked.insert(slot, ...clusteredPlace(random));
      for (let tick = 0; tick < 30; tick++) {
        for (const [slot, p] of checked.points) {
          const x = Math.min(WIDTH, Math.max(0, p.x + (random() - 0.5) * 6));
          checked.move(slot, x, Math.min(HEIGHT, Math.max(0, p.y + (random() - 0.5) * 6)));
        }
        for (let q = 0; q < 20; q++) randomQuery(checked, random, WIDTH, HEIGHT);
      }
    });

    it('finds points on the world edges and corners and on the query boundary', () => {
      const checked = new Checked(make(WIDTH, HEIGHT));
      const corners: [number, number][] = [[0, 0], [1000, 0], [0, 600], [1000, 600], [500, 0], [1000, 300], [0, 300], [500, 600]];
      corners.forEach(([x, y], slot) => checked.insert(slot, x, y));
      checked.insert(20, 13, 14); // exactly 5 m from (10, 10)
      checked.insert(21, 10, 15); // exactly 5 m from (10, 10)
      checked.insert(22, 64, 64); // on quadtree node and grid cell corners
      checked.insert(23, 512, 256);
      checked.circle(10, 10, 5);
      checked.circle(10, 10, 4.999999);
      checked.circle(64, 64, 0); // zero radius, on the point
      checked.circle(1000, 600, 0);
      checked.circle(500, 300, 583.095189); // √(500² + 300²) = 583.0951894845…: misses the corners
      checked.circle(500, 300, 583.0952); // reaches them
      checked.all();
      checked.circle(-3, -4, 5); // centre outside, reaching the corner (0, 0) exactly
      checked.circle(1200, 300, 199.99); // centre outside, missing the edge
      checked.circle(1200, 300, 200); // touching it
      assert.equal(checked.index.queryCircle(64, 64, -1), 0, 'a negative radius finds nothing, not even a point at the centre');
      assert.equal(checked.index.queryCircle(64, 64, Number.NaN), 0, 'nor does NaN');
    });

    it('handles many points at the same spot (beyond any node capacity)', () => {
      const checked = new Checked(make(WIDTH, HEIGHT));
      for (let slot = 0; slot < 300; slot++) checked.insert(slot, 333.25, 200.5);
      for (let slot = 300; slot < 320; slot++) checked.insert(slot, 333.25 + (slot - 300) * 0.01, 200.5);
      checked.circle(333.25, 200.5, 0);
      checked.circle(333.25, 200.5, 0.1);
      checked.circle(333.3, 200.5, 0.05);
      checked.circle(333.5, 200.5, 0.2); // the line's far end, not the stack
      // Scatter half of them and bring some back: splits and the depth limit again.
      for (let slot = 0; slot < 150; slot++) checked.move(slot, (slot * 7) % 1000, (slot * 13) % 600);
      checked.circle(333.25, 200.5, 1);
      for (let slot = 0; slot < 100; slot++) checked.move(slot, 333.25, 200.5);
      for (let slot = 100; slot < 300; slot += 2) checked.remove(slot);
      checked.circle(333.25, 200.5, 1);
      checked.all();
    });

    it('reuses slots: a removed slot can come back elsewhere, and removing an absent slot does nothing', () => {
      const checked = new Checked(make(WIDTH, HEIGHT));
      checked.insert(0, 10, 10);
      checked.insert(1, 20, 20);
      checked.remove(0);
      checked.remove(0);
      checked.remove(99); // never inserted
      checked.remove(123_456); // far beyond anything allocated
      checked.circle(10, 10, 1);
      checked.insert(0, 900, 500);
      checked.circle(10, 10, 1);
      checked.circle(900, 500, 1);
      for (const slot of [1, 0]) checked.remove(slot);
      checked.all(); // none left
      for (let slot = 0; slot < 50; slot++) checked.insert(slot, slot * 20, slot * 12);
      checked.all();
    });

    it('grows past its initial capacity, and with slots far apart', () => {
      const checked = new Checked(make(WIDTH, HEIGHT));
      const random = prng(4);
      for (let slot = 0; slot < 3000; slot++) checked.insert(slot, ...uniformPlace(random));
      checked.insert(50_000, 1, 1);
      checked.all(); // every point: results must have grown to hold them all
      checked.circle(0, 0, 10);
      for (let q = 0; q < 50; q++) randomQuery(checked, random, WIDTH, HEIGHT);
    });

    it('rejects points outside the world and bad slots, changing nothing', () => {
      const checked = new Checked(make(WIDTH, HEIGHT));
      checked.insert(0, 500, 300);
      for (const [x, y] of [[-0.001, 5], [5, -0.001], [1000.001, 5], [5, 600.001], [Number.NaN, 5], [5, Infinity]] as const) {
        assert.throws(() => checked.index.insert(1, x, y), RangeError);
        assert.throws(() => checked.index.move(0, x, y), RangeError);
      }
      assert.throws(() => checked.index.insert(0, 1, 1), RangeError, 'already in the index');
      assert.throws(() => checked.index.move(7, 1, 1), RangeError, 'not in the index');
      for (const slot of [-1, 1.5, 2 ** 24, Number.NaN]) assert.throws(() => checked.index.insert(slot, 1, 1), RangeError);
      checked.all();
      checked.circle(500, 300, 0);
    });

    it('works in worlds that are not square or not a power of two', () => {
      for (const [w, h] of [[300, 1000], [1, 1], [4096, 4096], [2049, 17]] as const) {
        const checked = new Checked(make(w, h), w, h);
        const random = prng(w + h);
        for (let slot = 0; slot < 300; slot++) checked.insert(slot, coordinate(random, w), coordinate(random, h));
        for (let q = 0; q < 100; q++) randomQuery(checked, random, w, h);
        checked.all();
      }
    });
  });
}

describe('cells whose side is not a power of two', () => {
  const cellsOf07m: readonly [string, () => SpatialIndex][] = [
    ['UniformGrid', () => new UniformGrid(100, 100, 0.7)],
    ['Quadtree', () => new Quadtree(100, 100, { queryRadiusM: 1.4 })],
  ];
  for (const [name, make] of cellsOf07m) it(`${name}: does not trust a cell box for a point that floor(x / cellSize) rounds into the next cell`, () => {
    // 45.49999999999999 / 0.7 rounds to exactly 65, but the point lies before 65 * 0.7 = 45.5.
    const x = 45.49999999999999;
    assert.equal(Math.floor(x / 0.7), 65);
    assert.ok(x < 65 * 0.7);
    // A circle that holds the whole of the point's cell (column 65, row 1: [45.5, 46.2] × [0.7,
    // 1.4]) by its computed edges, its farthest corner (45.5, 0.7) on the boundary to within
    // rounding, but not the point, just before that corner.
    const [cx, cy, radius] = [46.5, 1.7, Math.SQRT2];
    const inside = (px: number, py: number): boolean => (px - cx) * (px - cx) + (py - cy) * (py - cy) <= radius * radius;
    assert.ok(inside(65 * 0.7, 0.7) && !inside(x, 0.7), 'the test needs this knife edge');
    const checked = new Checked(make());
    checked.insert(0, x, 0.7);
    checked.insert(1, 45.6, 1);
    checked.circle(cx, cy, radius);
    checked.circle(47, 1, 1.5);
  });
});

describe('Quadtree', () => {
  it('splits only what overflows, down to maxDepth', () => {
    const tree = new Quadtree(1024, 1024, { nodeCapacity: 2, maxDepth: 3 });
    tree.insert(0, 1, 1);
    tree.insert(1, 2, 2);
    tree.queryCircle(0, 0, 0); // the first query after a change rebuilds the tree
    assert.equal(tree.nodeCount, 1, 'two points fit in the root');
    tree.insert(2, 1000, 1000);
    tree.queryCircle(0, 0, 0);
    assert.equal(tree.nodeCount, 5, 'the root split once: its quadrants hold two and one');
    tree.insert(3, 3, 3);
    tree.queryCircle(0, 0, 0);
    assert.equal(tree.nodeCount, 13, 'three points in a corner: split at depths 0, 1 and 2, not at depth 3');
  });

  it('keeps a directory of cells about half the query radius, and splits only the cells that overflow', () => {
    const tree = new Quadtree(1000, 600, { queryRadiusM: 40, nodeCapacity: 2, maxDepth: 8 });
    assert.equal(tree.directoryDepth, 6, '50 × 30 cells of 20 m under a root 64 cells wide');
    tree.insert(0, 1, 1);
    tree.insert(1, 2, 2);
    tree.insert(2, 999, 599);
    tree.queryCircle(0, 0, 0);
    assert.equal(tree.nodeCount, 50 * 30, 'no cell holds more than two');
    tree.insert(3, 3, 3);
    tree.queryCircle(0, 0, 0);
    assert.equal(tree.nodeCount, 50 * 30 + 8, 'three points in one cell: split at depths 6 and 7, not at depth 8');
    assert.equal(new Quadtree(1000, 600, { queryRadiusM: 40, maxDepth: 4 }).directoryDepth, 4, 'no deeper than maxDepth');
    assert.equal(new Quadtree(100_000, 100_000, { queryRadiusM: 40 }).directoryDepth, 8, 'at most 2^8 cells a side');
    assert.equal(new Quadtree(1000, 600, { queryRadiusM: 5000 }).directoryDepth, 0, 'a radius larger than the world: the root alone');
  });
});

describe('constructors', () => {
  it('reject bad sizes and options', () => {
    assert.throws(() => new UniformGrid(0, 100, 10), RangeError);
    assert.throws(() => new UniformGrid(100, Number.NaN, 10), RangeError);
    assert.throws(() => new UniformGrid(100, 100, 0), RangeError);
    assert.throws(() => new UniformGrid(100_000, 100_000, 0.01), RangeError, 'too many cells');
    assert.throws(() => new Quadtree(-1, 100), RangeError);
    assert.throws(() => new Quadtree(100, 100, { nodeCapacity: 0 }), RangeError);
    assert.throws(() => new Quadtree(100, 100, { maxDepth: 31 }), RangeError);
    assert.throws(() => new Quadtree(100, 100, { maxDepth: 2.5 }), RangeError);
    for (const queryRadiusM of [0, -1, Number.NaN, Infinity]) assert.throws(() => new Quadtree(100, 100, { queryRadiusM }), RangeError);
  });

  it('cover the world with whole grid cells', () => {
    const grid = new UniformGrid(1000, 601, 50);
    assert.equal(grid.columns, 20);
    assert.equal(grid.rows, 13);
  });
});
