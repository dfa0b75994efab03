/**
 * Spatial index upkeep: what keeping an index current costs per tick, apart from the queries.
 * Both indexes record moves cheaply and rebuild on the first query after them (the grid re-sorts
 * its cells, the quadtree re-partitions its points), so the rebuild is measured as the first
 * query of a tick less a second, identical query right after it. Two tables:
 *   - upkeep: 20,000 entities walking in a 2 km zone, as in bench:spatial's largest row;
 *   - by zone size: both rebuilds walk every cell of a grid (the uniform grid's, the quadtree's
 *     directory), so their cost grows with the zone's area at a fixed query radius (55 m, the
 *     default view radius plus margin) and 2,000 entities, until the quadtree's directory stops
 *     growing at 256 × 256 cells.
 *
 *   npm run bench:spatial-upkeep [-- --json] [-- --ticks 200]
 */
import { Quadtree } from '../src/zone/spatial/quadtree.ts';
import type { SpatialIndex } from '../src/zone/spatial/spatial-index.ts';
import { UniformGrid } from '../src/zone/spatial/uniform-grid.ts';
import { printReport, type Row } from './lib/report.ts';
import { World, type WorldSettings } from './spatial/world.ts';

const ticksAt = process.argv.indexOf('--ticks');
const TICKS = ticksAt >= 0 ? Number(process.argv[ticksAt + 1]) : 200;
if (!Number.isInteger(TICKS) || TICKS < 10) throw new RangeError('--ticks must be a whole number of at least 10');
const WARMUP_TICKS = Math.ceil(TICKS / 10);
/** The view system's query radius with the default settings: view radius plus margin. */
const DEFAULT_RADIUS_M = 50 + 5;

function settings(sideM: number): WorldSettings {
  return { widthM: sideM, heightM: sideM, stepM: 0.5, townShare: 0, towns: 1, townSigmaM: 60 };
}

interface Upkeep {
  readonly movesMs: number;
  readonly rebuildMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Medians over the measured ticks: recording every entity's move, and the rebuild that follows. */
function measure(world: World, index: SpatialIndex, radiusM: number): Upkeep {
  for (let i = 0; i < world.count; i++) index.insert(i, world.xs[i] as number, world.ys[i] as number);
  const moves: number[] = [];
  const rebuilds: number[] = [];
  for (let tick = 0; tick < WARMUP_TICKS + TICKS; tick++) {
    world.step();
    const t0 = performance.now();
    for (let i = 0; i < world.count; i++) index.move(i, world.xs[i] as number, world.ys[i] as number);
    const t1 = performance.now();
    const x = world.xs[tick % world.count] as number;
    const y = world.ys[tick % world.count] as number;
    index.queryCircle(x, y, radiusM); // rebuilds, then queries
    const t2 = performance.now();
    index.queryCircle(x, y, radiusM); // the same query on the built index
    const t3 = performance.now();
    if (tick < WARMUP_TICKS) continue;
    moves.push(t1 - t0);
    rebuilds.push(Math.max(0, t2 - t1 - (t3 - t2)));
  }
  return { movesMs: median(moves), rebuildMs: median(rebuilds) };
}

const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

const upkeepRows: Row[] = [];
for (const [name, make] of [
  ['grid', (side: number) => new UniformGrid(side, side, 63 / 2)],
  ['quadtree', (side: number) => new Quadtree(side, side, { queryRadiusM: 63 })],
] as const) {
  const world = new World(20_000, 'uniform', settings(2000), 20_000);
  const upkeep = measure(world, make(2000), 63);
  upkeepRows.push({ index: name, entities: 20_000, zoneKm: 2, movesMs: round(upkeep.movesMs, 3), rebuildMs: round(upkeep.rebuildMs, 3) });
}

const sizeRows: Row[] = [];
for (const sideKm of [2, 10, 30, 100]) {
  const side = sideKm * 1000;
  const grid = new UniformGrid(side, side, DEFAULT_RADIUS_M / 2);
  const quadtree = new Quadtree(side, side, { queryRadiusM: DEFAULT_RADIUS_M });
  const cellsOf = { grid: grid.columns * grid.rows, quadtree: quadtree.directoryCells };
  for (const [name, index] of [['grid', grid], ['quadtree', quadtree]] as const) {
    const upkeep = measure(new World(2000, 'uniform', settings(side), sideKm), index, DEFAULT_RADIUS_M);
    sizeRows.push({ zoneKm: sideKm, index: name, cells: cellsOf[name], entities: 2000, rebuildMs: round(upkeep.rebuildMs, 3) });
  }
}

printReport({
  name: 'spatial-upkeep',
  description: 'keeping a spatial index current: recording the moves, and the rebuild on the next query',
  config: { ticks: TICKS, warmupTicks: WARMUP_TICKS, stepMPerTick: 0.5, upkeepRadiusM: 63, bySizeRadiusM: DEFAULT_RADIUS_M },
  columns: [{ key: 'index' }, { key: 'entities' }, { key: 'zoneKm', title: 'zone km' }, { key: 'movesMs', title: 'moves ms', digits: 3 }, { key: 'rebuildMs', title: 'rebuild ms', digits: 3 }],
  rows: upkeepRows,
  tables: [
    {
      title: 'rebuild by zone size',
      columns: [{ key: 'zoneKm', title: 'zone km' }, { key: 'index' }, { key: 'cells' }, { key: 'entities' }, { key: 'rebuildMs', title: 'rebuild ms', digits: 3 }],
      rows: sizeRows,
    },
  ],
  notes: [
    'moves ms: every entity\'s move recorded, median per tick. rebuild ms: the first query after the moves less the same query again, median per tick.',
    'cells: the grid\'s cells, or the quadtree\'s directory cells (the nodes below them split only where they overflow).',
  ],
});
