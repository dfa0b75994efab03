/**
 * A whole zone tick in one thread, without sockets (bench/README.md, "Zone tick"): N players
 * all moving every tick at 20 Hz, in a zone sized so that about 60 entities are in each one's
 * view. Every tick the benchmark writes the N move jobs into the zone's real inbound ring (as
 * the gateway would), runs `Zone.tick`, and drains the real outbound ring (as the gateway
 * would); only `Zone.tick` is timed, by phase.
 *
 * The same run measures the view system on three spatial indexes: the uniform grid the server
 * uses, the quadtree, and brute force (every query looks at every entity: O(N²)).
 *
 *   node bench/zone.bench.ts [--players N] [--ticks T] [--index grid|quadtree|'brute force'] [--json]
 */
import { performance } from 'node:perf_hooks';
import { JobWriter } from '../src/thread-messages/jobs.ts';
import { RingBuffer } from '../src/ring/ring-buffer.ts';
import { BruteForceIndex } from '../test/helpers/brute-force-index.ts';
import { createSpatialIndex } from '../src/zone/spatial/create-index.ts';
import type { SpatialIndex } from '../src/zone/spatial/spatial-index.ts';
import { ViewSystem, type ViewSettings } from '../src/zone/view/view-system.ts';
import { mulberry32 } from '../src/zone/random.ts';
import { MoveField } from '../src/protocol/messages.ts';
import { Zone } from '../src/zone/zone.ts';
import { printReport, type Row } from './lib/report.ts';
import { encodeWithProtobufjs } from './zone/protobufjs-baseline.ts';
import { moveJob } from '../test/helpers/move-job.ts';

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

const TICK_HZ = 20;
const TICK_MS = 1000 / TICK_HZ;
const SPEED_MPS = 8;
const TARGET_IN_VIEW = 60;
const VIEW: ViewSettings = { radiusM: 50, marginM: 5, maxVisible: 100, refreshTicks: 4 };
const playerCounts = args.includes('--players') ? [option('players', 2000)] : [1000, 2000, 5000];
const ticks = option('ticks', 200);
const WARMUP_TICKS = 40;

interface Walker {
  x: number;
  y: number;
  heading: number;
  seq: number;
}

const INDEXES: Record<string, (sideM: number) => SpatialIndex> = {
  grid: (side) => createSpatialIndex('grid', { id: 1, widthM: side, heightM: side }, VIEW.radiusM + VIEW.marginM),
  quadtree: (side) => createSpatialIndex('quadtree', { id: 1, widthM: side, heightM: side }, VIEW.radiusM + VIEW.marginM),
  'brute force': (side) => new BruteForceIndex(side, side),
};

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function run(players: number, indexName: string): Row {
  // Uniform density with ~TARGET_IN_VIEW others within the view radius.
  const side = Math.sqrt((players * Math.PI * VIEW.radiusM ** 2) / TARGET_IN_VIEW);
  const inbound = RingBuffer.create(1 << 22);
  const outbound = RingBuffer.create(1 << 26);
  const view = new ViewSystem(VIEW, (INDEXES[indexName] as (side: number) => SpatialIndex)(side));
  const zone = new Zone(
    { zone: { id: 1, widthM: side, heightM: side }, tickHz: TICK_HZ, maxSpeedMps: 10, speedTolerance: 1.25, npcs: 0, npcSeed: 1, flushIntervalMs: 10_000, flushBatchRows: 500 },
    inbound,
    outbound,
    view,
    {
      sessionDropped: (sessionId) => {
        throw new Error(`session ${sessionId} dropped: outbound ring too small for the benchmark`);
      },
    },
  );
  const random = mulberry32(players);
  const jobs = new JobWriter();
  let nowMs = 0;
  let frameBytes = 0;
  let frames = 0;
  /** When set, the frames drained are kept here by session, to compare encoders. */
  let keep: Map<number, Uint8Array> | undefined;
  const drain = (): void => {
    outbound.drainRaw((session, data, offset, length) => {
      frameBytes += length;
      frames++;
      keep?.set(session, data.slice(offset, offset + length));
    });
  };

  // Everyone joins, then is put at a random place (the zone puts newcomers at its centre).
  for (let session = 1; session <= players; session++) inbound.tryWrite(session, jobs.join({ playerId: session, epoch: 1, x: side / 2, y: side / 2, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 }));
  zone.tick((nowMs += TICK_MS));
  const walkers: Walker[] = [];
  for (let session = 1; session <= players; session++) {
    const player = zone.world.playersBySession.get(session);
    if (!player) throw new Error(`player ${session} did not join`);
    const walker = { x: Math.fround(random() * (side - 0.01)), y: Math.fround(random() * (side - 0.01)), heading: random() * 2 * Math.PI, seq: 0 };
    player.x = walker.x;
    player.y = walker.y;
    zone.world.markChanged(player, MoveField.MOVE_FIELD_POSITION);
    walkers.push(walker);
  }
  zone.tick((nowMs += TICK_MS));
  drain();

  const step = SPEED_MPS / TICK_HZ;
  const totals: number[] = [];
  const phases = { jobs: [] as number[], logic: [] as number[], view: [] as number[], encode: [] as number[], protobufjs: [] as number[] };
  let visibleSum = 0;
  let visibleSamples = 0;
  frameBytes = 0;
  frames = 0;
  for (let t = 0; t < WARMUP_TICKS + ticks; t++) {
    // Everyone walks straight on, turning now and then and at the walls.
    walkers.forEach((w, i) => {
      if (random() < 0.02) w.heading = random() * 2 * Math.PI;
      let x = w.x + Math.cos(w.heading) * step;
      let y = w.y + Math.sin(w.heading) * step;
      // Moves travel as float32: stay a centimetre inside so rounding never crosses the edge.
      const edge = side - 0.01;
      if (x < 0 || x > edge || y < 0 || y > edge) {
        w.heading += Math.PI;
        x = Math.min(edge, Math.max(0, x));
        y = Math.min(edge, Math.max(0, y));
      }
      w.x = Math.fround(x);
      w.y = Math.fround(y);
      if (!inbound.tryWrite(i + 1, moveJob(++w.seq, x, y, w.heading, 0))) throw new Error('inbound ring full');
    });
    if (t === WARMUP_TICKS) {
      frameBytes = 0;
      frames = 0;
    }
    const started = performance.now();
    zone.tick((nowMs += TICK_MS));
    const took = performance.now() - started;
    const compare = t >= WARMUP_TICKS && t % 10 === 0;
    keep = compare ? new Map() : undefined;
    drain();
    if (compare && keep) {
      // The baseline encoder on the same news; it must produce the very same bytes.
      const baseline = encodeWithProtobufjs(zone, view);
      phases.protobufjs.push(baseline.ms);
      for (const [session, bytes] of baseline.frames) {
        if (!Buffer.from(bytes).equals(keep.get(session) ?? Buffer.alloc(0))) throw new Error(`tick ${zone.tickNumber}: the encoders disagree on session ${session}'s frame`);
      }
    }
    if (t < WARMUP_TICKS) continue;
    totals.push(took);
    phases.jobs.push(zone.phases.jobs);
    phases.logic.push(zone.phases.logic);
    phases.view.push(zone.phases.view);
    phases.encode.push(zone.phases.encode);
    if (t % 10 === 0) {
      for (const player of zone.world.playersBySession.values()) visibleSum += view.visibleOf(player.slot).length;
      visibleSamples += players;
    }
  }
  if (zone.counters.movesRejected > 0) throw new Error(`${zone.counters.movesRejected} moves rejected: the walk is too fast`);
  const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
  const total = sorted(totals);
  const row: Record<string, number | string> = {
    players,
    index: indexName,
    zoneM: Math.round(side),
    visible: visibleSum / visibleSamples,
    tickP50: percentile(total, 0.5),
    tickP99: percentile(total, 0.99),
  };
  for (const [phase, values] of Object.entries(phases)) {
    const s = sorted(values);
    row[`${phase}P50`] = percentile(s, 0.5);
    row[`${phase}P99`] = percentile(s, 0.99);
  }
  row.bytesPerViewer = frameBytes / (players * ticks);
  row.framesPerViewerTick = frames / (players * ticks);
  return row;
}

const indexAt = args.indexOf('--index');
const indexNames = indexAt >= 0 ? [args[indexAt + 1] as string] : Object.keys(INDEXES);
for (const name of indexNames) if (!(name in INDEXES)) throw new Error(`--index must be one of ${Object.keys(INDEXES).join(', ')}`);

const rows: Row[] = [];
for (const players of playerCounts) {
  for (const indexName of indexNames) {
    rows.push(run(players, indexName));
    process.stderr.write(`  ${players} players, ${indexName}: done\n`);
  }
}

const summary: Record<string, number> = {};
for (const players of indexNames.length === 3 ? playerCounts : []) {
  const of = (index: string): Row => rows.find((r) => r.players === players && r.index === index) as Row;
  summary[`${players}: tick p99, ms`] = of('grid').tickP99 as number;
  summary[`${players}: bytes per viewer per tick`] = of('grid').bytesPerViewer as number;
  summary[`${players}: view p50, brute force / grid`] = (of('brute force').viewP50 as number) / (of('grid').viewP50 as number);
  summary[`${players}: encode p50, protobufjs / hand-written`] = (of('grid').protobufjsP50 as number) / (of('grid').encodeP50 as number);
  summary[`${players}: view p50, quadtree / grid`] = (of('quadtree').viewP50 as number) / (of('grid').viewP50 as number);
}

printReport({
  name: 'zone',
  description: 'one zone tick in-process (real rings, no sockets): N players all moving every tick, ~60 in view',
  config: {
    tickHz: TICK_HZ,
    ticks,
    warmupTicks: WARMUP_TICKS,
    speedMps: SPEED_MPS,
    viewRadiusM: VIEW.radiusM,
    viewMarginM: VIEW.marginM,
    viewMaxEntities: VIEW.maxVisible,
    viewRefreshTicks: VIEW.refreshTicks,
  },
  columns: [
    { key: 'players' },
    { key: 'index' },
    { key: 'zoneM', title: 'zone side m' },
    { key: 'visible', title: 'in view', digits: 1 },
    { key: 'tickP50', title: 'tick p50 ms', digits: 2 },
    { key: 'tickP99', title: 'tick p99 ms', digits: 2 },
    { key: 'jobsP50', title: 'jobs p50', digits: 2 },
    { key: 'logicP50', title: 'logic p50', digits: 2 },
    { key: 'viewP50', title: 'view p50', digits: 2 },
    { key: 'viewP99', title: 'view p99', digits: 2 },
    { key: 'encodeP50', title: 'encode p50', digits: 2 },
    { key: 'encodeP99', title: 'encode p99', digits: 2 },
    { key: 'protobufjsP50', title: 'protobufjs encode p50', digits: 2 },
    { key: 'bytesPerViewer', title: 'B/viewer/tick', digits: 0 },
    { key: 'framesPerViewerTick', title: 'frames/viewer/tick', digits: 2 },
  ],
  rows,
  summary,
  notes: [
    'Phases: jobs = draining the inbound ring; logic = validating and applying moves; view = spatial index upkeep, visible sets, deltas; encode = one WorldUpdate per viewer written into the outbound ring.',
    'protobufjs encode: the same frames built as objects and encoded by the generated code (every 10th tick, outside the tick), the baseline for the hand-written writer; the bytes are checked to be identical.',
    'Goals: tick p99 <= 10 ms at 2,000 players, <= 25 ms at 5,000; <= 400 bytes per viewer per tick with ~60 moving entities in view.',
  ],
});
