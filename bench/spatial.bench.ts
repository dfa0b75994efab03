/**
 * Spatial index benchmark: the indexes in src/zone/spatial/ under the view system's load, in one run.
 * N entities walk around a 2000 m × 2000 m zone (0.5 m per tick, 10 m/s at 20 Hz), spread
 * uniformly or 70% of them in towns. Each tick, timed: every entity's move goes into the index,
 * then every entity queries the circle around it. The radius is the one that shows an entity 60
 * others on average when the spread is uniform; the towns keep that radius (it is the zone's
 * view setting), so there the entities see more. Compared: the quadtree and the uniform grid,
 * both rebuilt on the first query of each tick, and brute force up to 5,000 entities. All of them run side by side on the same world, taking turns
 * within each tick. The sum of every query's count is a checksum: every index must find the
 * same, and the run fails if one does not.
 *
 *   npm run bench:spatial [-- --json] [-- --sizes 1000,5000] [-- --ticks-scale 0.5]
 *   npm run bench:spatial -- --tune      # sweeps node capacity, max depth and cell size instead
 */
import { Quadtree, QUADTREE_DEFAULTS, type QuadtreeOptions } from '../src/zone/spatial/quadtree.ts';
import type { SpatialIndex } from '../src/zone/spatial/spatial-index.ts';
import { UniformGrid } from '../src/zone/spatial/uniform-grid.ts';
import { printReport, type Row } from './lib/report.ts';
import { BruteForceIndex } from '../test/helpers/brute-force-index.ts';
import { radiusForMeanInView, World, type Spread, type WorldSettings } from './spatial/world.ts';

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

function sizesArg(fallback: readonly number[]): readonly number[] {
  const i = process.argv.indexOf('--sizes');
  if (i < 0) return fallback;
  const sizes = (process.argv[i + 1] ?? '').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new RangeError('--sizes must be a list of positive integers');
  return sizes;
}

const WORLD: WorldSettings = { widthM: 2000, heightM: 2000, stepM: 0.5, townShare: 0.7, towns: 5, townSigmaM: 60 };
const SPREADS: readonly Spread[] = ['uniform', 'clustered'];
const IN_VIEW = 60;
const BRUTE_FORCE_MAX = 5000;
/** Grid cell side as a share of the query radius (tuned with --tune). */
const GRID_CELL_PER_RADIUS = 0.5;
/** The run the ratios compare against. */
const BASELINE_PARAMS = grid(GRID_CELL_PER_RADIUS).params;
const tuning = process.argv.includes('--tune');
const sizes = sizesArg(tuning ? [1000, 5000, 20_000] : [1000, 2000, 5000, 20_000]);
const ticksScale = numberArg('--ticks-scale', 1);

/** Ticks measured at each size (more where ticks are quick, for a steadier p99), before a tenth as many to warm up. */
function ticksFor(n: number): number {
  const ticks = n <= 1000 ? 600 : n <= 2000 ? 400 : n <= 5000 ? 200 : 60;
  return Math.max(10, Math.round((tuning ? ticks / 2 : ticks) * ticksScale));
}

interface Candidate {
  readonly index: string;
  readonly params: string;
  readonly make: (radiusM: number) => SpatialIndex;
  /** Skipped above this many entities. */
  readonly maxEntities?: number;
}

function quadtree(options: QuadtreeOptions): Candidate {
  const { nodeCapacity, maxDepth } = { ...QUADTREE_DEFAULTS, ...options };
  return {
    index: 'quadtree',
    params: `capacity ${nodeCapacity}, depth ${maxDepth}`,
    make: (queryRadiusM) => new Quadtree(WORLD.widthM, WORLD.heightM, { nodeCapacity, maxDepth, queryRadiusM }),
  };
}

function grid(cellPerRadius: number): Candidate {
  return {
    index: 'grid',
    params: `cell ${cellPerRadius} R`,
    make: (radiusM) => new UniformGrid(WORLD.widthM, WORLD.heightM, cellPerRadius * radiusM),
  };
}

const bruteForce: Candidate = {
  index: 'brute force',
  params: '',
  make: () => new BruteForceIndex(WORLD.widthM, WORLD.heightM),
  maxEntities: BRUTE_FORCE_MAX,
};

function candidates(): readonly Candidate[] {
  if (!tuning) {
    return [quadtree({}), grid(GRID_CELL_PER_RADIUS), bruteForce];
  }
  // A first sweep (capacity 4 to 64, depth 6 to 12, cell 0.25 R to 1.5 R) narrowed it down to these.
  const list: Candidate[] = [];
  for (const cell of [0.25, 0.33, 0.4, 0.5, 0.75, 1]) list.push(grid(cell));
  for (const nodeCapacity of [16, 32, 48, 64, 96, 128]) list.push(quadtree({ nodeCapacity, maxDepth: 12 }));
  for (const maxDepth of [5, 6, 7, 8, 10]) list.push(quadtree({ nodeCapacity: 64, maxDepth }));
  return list;
}

interface Run {
  readonly candidate: Candidate;
  readonly index: SpatialIndex;
  readonly tickMs: Float64Array;
  readonly moveMs: Float64Array;
  checksum: number;
}

/**
 * Runs the candidates side by side on one world: each tick the world steps once, then every index
 * takes its turn (in rotating order), so a slow patch of this shared machine hits them all alike.
 */
function runTogether(candidates: readonly Candidate[], n: number, spread: Spread, radiusM: number, seed: number): Run[] {
  const world = new World(n, spread, WORLD, seed);
  const { xs, ys } = world;
  const ticks = ticksFor(n);
  const runs: Run[] = candidates.map((candidate) => {
    const index = candidate.make(radiusM);
    for (let i = 0; i < n; i++) index.insert(i, xs[i] as number, ys[i] as number);
    return { candidate, index, tickMs: new Float64Array(ticks), moveMs: new Float64Array(ticks), checksum: 0 };
  });
  const warmup = Math.max(5, Math.round(ticks / 10));
  for (let tick = -warmup; tick < ticks; tick++) {
    world.step(); // the game's own work, not timed
    for (let k = 0; k < runs.length; k++) {
      const run = runs[(tick + warmup + k) % runs.length] as Run;
      const index = run.index;
      const start = performance.now();
      for (let i = 0; i < n; i++) index.move(i, xs[i] as number, ys[i] as number);
      const moved = performance.now();
      let found = 0;
      for (let i = 0; i < n; i++) found += index.queryCircle(xs[i] as number, ys[i] as number, radiusM);
      const end = performance.now();
      if (tick >= 0) {
        run.tickMs[tick] = end - start;
        run.moveMs[tick] = moved - start;
        run.checksum += found;
      }
    }
  }
  return runs;
}

/** Nearest-rank percentile. */
function percentile(values: Float64Array, p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

const rows: Row[] = [];
const summary: Record<string, number> = {};
const list = candidates();
for (const n of sizes) {
  // The zone's view radius: the one that shows 60 others on average in the uniform spread.
  const radiusM = round(radiusForMeanInView(new World(n, 'uniform', WORLD, n), IN_VIEW, 1000), 2);
  for (const spread of SPREADS) {
    const seed = n + (spread === 'uniform' ? 0 : 1);
    const runs = runTogether(
      list.filter((candidate) => candidate.maxEntities === undefined || n <= candidate.maxEntities),
      n,
      spread,
      radiusM,
      seed,
    );
    const baseline = runs.find((r) => r.candidate.index === 'grid' && r.candidate.params === BASELINE_PARAMS);
    const baselineMedian = baseline ? percentile(baseline.tickMs, 50) : Number.NaN;
    const baselineP99 = baseline ? percentile(baseline.tickMs, 99) : Number.NaN;
    for (const result of runs) {
      const candidate = result.candidate;
      const median = percentile(result.tickMs, 50);
      const p99 = percentile(result.tickMs, 99);
      const ticks = result.tickMs.length;
      rows.push({
        entities: n,
        spread,
        radiusM,
        // Each query also finds the querying entity itself.
        meanInView: round(result.checksum / (n * ticks) - 1, 1),
        index: candidate.index,
        params: candidate.params,
        ticks,
        medianMs: round(median, 3),
        p99Ms: round(p99, 3),
        movesMedianMs: round(percentile(result.moveMs, 50), 3),
        medianVsGrid: round(median / baselineMedian, 2),
        p99VsGrid: round(p99 / baselineP99, 2),
        checksum: result.checksum,
        sameAsGrid: baseline ? result.checksum === baseline.checksum : null,
      });
      if (!tuning && candidate.index !== 'grid') {
        summary[`${candidate.index} ÷ grid, median, ${n} ${spread}`] = round(median / baselineMedian, 2);
      }
    }
  }
}

const mismatches = rows.filter((row) => row.sameAsGrid === false).length;
printReport({
  name: tuning ? 'spatial-tune' : 'spatial',
  description: 'spatial indexes for the view system: every entity moves, then every entity queries its view circle, each tick',
  config: {
    zoneM: `${WORLD.widthM} x ${WORLD.heightM}`,
    entities: sizes.join(', '),
    stepMPerTick: WORLD.stepM,
    radius: `shows ${IN_VIEW} others on average in the uniform spread; the same radius in the clustered spread`,
    clustered: `${WORLD.townShare * 100}% in ${WORLD.towns} gaussian towns (sigma ${WORLD.townSigmaM} m, home-bound), the rest uniform`,
    gridCell: tuning ? 'swept' : `${GRID_CELL_PER_RADIUS} x radius`,
    quadtreeDefaults: `capacity ${QUADTREE_DEFAULTS.nodeCapacity}, depth ${QUADTREE_DEFAULTS.maxDepth}`,
    ticksScale,
    bruteForceUpTo: BRUTE_FORCE_MAX,
    checksumMismatches: mismatches,
  },
  columns: [
    { key: 'entities' },
    { key: 'spread' },
    { key: 'radiusM', title: 'R m' },
    { key: 'meanInView', title: 'in view' },
    { key: 'index' },
    { key: 'params' },
    { key: 'ticks' },
    { key: 'medianMs', title: 'median ms', digits: 3 },
    { key: 'p99Ms', title: 'p99 ms', digits: 3 },
    { key: 'movesMedianMs', title: 'moves ms', digits: 3 },
    { key: 'medianVsGrid', title: 'median ÷ grid', digits: 2 },
    { key: 'p99VsGrid', title: 'p99 ÷ grid', digits: 2 },
    { key: 'checksum' },
    { key: 'sameAsGrid', title: 'same' },
  ],
  rows,
  summary: tuning ? undefined : summary,
  notes: [
    'median, p99: ms per tick, moves plus queries (nearest rank over the measured ticks); moves ms: the moves alone.',
    'The quadtree and the grid rebuild in the first query of a tick, so their rebuild counts under queries, not moves.',
    'in view: others found per query, on average. checksum: sum of all query counts; same: equal to the grid\'s.',
  ],
});
if (mismatches > 0) process.exitCode = 1;
