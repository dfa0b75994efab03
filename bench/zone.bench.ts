/**
 * A whole zone tick in one thread, without sockets (bench/README.md, "Zone tick"): N players
 * all moving every tick at 20 Hz, in a zone sized so that about 60 players would be in each one's
 * view if they were spread evenly. Two crowds walk it: uniform, and clustered (70% of the players
 * in five towns, as in bench/spatial.bench.ts). Every tick the benchmark writes the N move jobs into the zone's real inbound ring (as
 * the gateway would), runs `Zone.tick`, and drains the real outbound ring (as the gateway
 * would); only `Zone.tick` is timed, by phase.
 *
 * Two kinds of zone, on the same walk:
 * - bare: no store and no NPCs, on three spatial indexes: the uniform grid, the quadtree, and
 *   brute force (every query looks at every entity: O(N²)); the grid and the quadtree run side
 *   by side, taking turns of TURN_TICKS ticks, since their ratio is the figure that matters;
 * - deployed: as the zone worker builds it (src/zone/zone-worker.ts), with the index the server
 *   picks, its metrics hooks, wandering NPCs, and write-back to a real store worker (embedded
 *   SQLite in a temporary directory) that the players were acquired from before they joined;
 *   once without its journal and once with it (JOURNAL=on, the default), to price the journal:
 *   these two run side by side, taking turns of TURN_TICKS ticks, so that the machine's load
 *   falls on both alike;
 * - moving and fighting (bench/zone/fighting.ts): deployed zones with as many monsters as
 *   players, the core's wanderers against the sample game's wolves with every player attacking
 *   once a second, side by side (at 2,000 players, uniform, in the default run).
 *
 *   node bench/zone.bench.ts [--players N,N..] [--ticks T] [--index grid,quadtree,'brute force']
 *                            [--zone bare|deployed|fighting] [--crowd uniform|clustered] [--npcs N]
 *                            [--flush-interval-ms MS] [--json]
 */
import { createLogger } from '../src/log/logger.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from '../src/config/config.ts';
import { JobWriter } from '../src/thread-messages/jobs.ts';
import { RingBuffer } from '../src/ring/ring-buffer.ts';
import { StoreWorkerHandle } from '../src/supervisor/store-worker-handle.ts';
import type { StoreClient } from '../src/storage/store-client.ts';
import { BruteForceIndex } from '../test/helpers/brute-force-index.ts';
import { createSpatialIndex } from '../src/zone/spatial/create-index.ts';
import type { SpatialIndex } from '../src/zone/spatial/spatial-index.ts';
import { UniformGrid } from '../src/zone/spatial/uniform-grid.ts';
import { ViewSystem, type ViewSettings } from '../src/zone/view/view-system.ts';
import { Zone, type ZoneHooks, type ZoneSettings } from '../src/zone/zone.ts';
import { ZoneJournal } from '../src/journal/zone-journal.ts';
import { ZoneMetrics } from '../src/zone/zone-metrics.ts';
import { printReport, type Row } from './lib/report.ts';
import { encodeWithProtobufjs } from './zone/protobufjs-baseline.ts';
import { moveJob } from '../test/helpers/move-job.ts';
import { zoneOfSize } from '../src/config/world.ts';
import { IMMORTAL_HP, loadSkirmish, populate, writeAttacks } from './zone/fighting.ts';
import { mulberry32 } from '../src/zone/random.ts';
import { World, type Spread } from './spatial/world.ts';

const args = process.argv.slice(2);
function option(name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}
function choice(name: string): string | undefined {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
}

/** The server's defaults, not the environment's, so every run measures the same settings. */
const ENV = { LOG_LEVEL: 'error', LOG_FORMAT: 'json', FLUSH_INTERVAL_MS: choice('flush-interval-ms') };
const defaults = loadConfig(ENV);
const TICK_HZ = defaults.tickHz;
const TICK_MS = 1000 / TICK_HZ;
const SPEED_MPS = 8;
const TARGET_IN_VIEW = 60;
const VIEW: ViewSettings = { radiusM: defaults.viewRadiusM, marginM: defaults.viewMarginM, maxVisible: defaults.viewMaxEntities, refreshTicks: defaults.viewRefreshTicks };
const playerCounts = (choice('players') ?? '1000,2000,5000').split(',').map(Number);
if (playerCounts.some((n) => !(Number.isInteger(n) && n > 0))) throw new Error('--players must be one or more positive integers, separated by commas');
const ticks = option('ticks', 400);
/** Enough for the JIT to settle even on the run's first row. */
const WARMUP_TICKS = 100;
/** NPCS_PER_ZONE defaults to 0, so the deployed zone gets one NPC per five players unless told. */
const npcsFor = (players: number): number => (args.includes('--npcs') ? option('npcs', 0) : Math.round(players / 5));

type IndexName = 'grid' | 'quadtree' | 'brute force';
const INDEXES: Record<IndexName, (sideM: number) => SpatialIndex> = {
  grid: (side) => createSpatialIndex('grid', { widthM: side, heightM: side }, VIEW.radiusM + VIEW.marginM),
  quadtree: (side) => createSpatialIndex('quadtree', { widthM: side, heightM: side }, VIEW.radiusM + VIEW.marginM),
  'brute force': (side) => new BruteForceIndex(side, side),
};

/** A bare zone on the named index, or the deployed one, with its journal or without. */
/**
 * A bare zone on the named index; the deployed one, with its journal or without; or a deployed
 * zone (journal on) with as many monsters as players, `moving` (core wanderers, no game module)
 * or `fighting` (the sample game's wolves, and every player attacking once a second).
 */
type Setup = { readonly zone: 'bare'; readonly index: IndexName } | { readonly zone: 'deployed'; readonly journal: boolean } | { readonly zone: 'moving' | 'fighting' };

/**
 * The clustered crowd's towns, as bench/spatial.bench.ts has them; players turn now and then (a
 * heading that changes every tick would cost every move two more bytes).
 */
const TOWNS = { townShare: 0.7, towns: 5, townSigmaM: 60 } as const;
const TURN_CHANCE = 0.02;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function settingsOf(config: Config, side: number, npcs: number): ZoneSettings {
  return {
    zone: zoneOfSize(1, side, side),
    tickHz: config.tickHz,
    maxSpeedMps: config.maxSpeedMps,
    speedTolerance: config.speedTolerance,
    npcs,
    npcSeed: 1,
    flushIntervalMs: config.flushIntervalMs,
    flushBatchRows: config.flushBatchRows,
  };
}

/** What the deployed zone adds: its store worker, and what has to be stopped afterwards. */
interface Deployment {
  readonly config: Config;
  readonly handle: StoreWorkerHandle;
  readonly store: StoreClient;
  readonly dataDir: string;
}

async function deploy(): Promise<Deployment> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-bench-'));
  const config = loadConfig({ ...ENV, DATA_DIR: dataDir });
  const handle = await StoreWorkerHandle.start(config, createLogger(config));
  const store = handle.connect();
  try {
    await store.migrate();
  } catch (err) {
    await handle.stop(Date.now() + 10_000);
    throw err;
  }
  return { config, handle, store, dataDir };
}

/**
 * Zones run together take turns of this many ticks. Short, so that the machine's load, which
 * changes from second to second here, falls on each alike; long, so that one zone's disk work
 * trailing its turn (a journal's fdatasync, a write-back batch) seldom lands in the other's.
 */
const TURN_TICKS = 20;

/** The setups `together` side by side, taking turns; one alone is simply run. A row each. */
async function run(players: number, crowd: Spread, together: readonly Setup[]): Promise<Row[]> {
  // Uniform density with ~TARGET_IN_VIEW other players within the view radius.
  const side = Math.sqrt((players * Math.PI * VIEW.radiusM ** 2) / TARGET_IN_VIEW);
  const deployments: Deployment[] = [];
  try {
    const runs: ZoneRun[] = [];
    for (const setup of together) {
      const deployment = setup.zone === 'bare' ? undefined : await deploy();
      if (deployment) deployments.push(deployment);
      runs.push(await prepareRun(players, crowd, setup, side, deployment));
    }
    const allTicks = WARMUP_TICKS + ticks;
    for (let turn = 0; turn < allTicks; turn += TURN_TICKS) {
      for (const zoneRun of runs) for (let t = turn; t < Math.min(turn + TURN_TICKS, allTicks); t++) await zoneRun.step(t);
    }
    return runs.map((zoneRun) => zoneRun.finish());
  } finally {
    for (const deployment of deployments) {
      await deployment.handle.stop(Date.now() + 10_000);
      rmSync(deployment.dataDir, { recursive: true, force: true });
    }
  }
}

type Rings = { readonly inbound: RingBuffer; readonly outbound: RingBuffer };

function bareZone(settings: ZoneSettings, index: SpatialIndex, rings: Rings, hooks: ZoneHooks): { zone: Zone; view: ViewSystem } {
  const view = new ViewSystem(VIEW, index);
  return { zone: new Zone(settings, rings.inbound, rings.outbound, view, hooks), view };
}

/** The zone as zone-worker.ts wires it: metrics observed from inside the tick, store failures reported. */
function deployedZone(deployment: Deployment, settings: ZoneSettings, index: SpatialIndex, rings: Rings, hooks: ZoneHooks, failures: unknown[]): { zone: Zone; view: ViewSystem } {
  const view = new ViewSystem(VIEW, index, (count) => metrics.visibleEntities.observe(count));
  const zone = new Zone(
    settings,
    rings.inbound,
    rings.outbound,
    view,
    { ...hooks, frameSent: (bytes) => metrics.frameBytes.observe(bytes), storeFailed: (err) => failures.push(err) },
    deployment.store,
  );
  const metrics = new ZoneMetrics(zone, () => 0);
  return { zone, view };
}

/** A zone set up for the benchmark and ticked a tick at a time, so that two can take turns. */
interface ZoneRun {
  /** Tick `t` of WARMUP_TICKS + ticks: the walk's moves written in, the tick timed, the frames drained. */
  step(t: number): Promise<void>;
  /** The measured ticks' row. */
  finish(): Row;
}

async function prepareRun(players: number, crowd: Spread, setup: Setup, side: number, deployment: Deployment | undefined): Promise<ZoneRun> {
  const inbound = RingBuffer.create(1 << 22);
  const outbound = RingBuffer.create(1 << 26);
  const index = setup.zone === 'bare' ? INDEXES[setup.index](side) : createSpatialIndex(defaults.spatialIndex, { widthM: side, heightM: side }, VIEW.radiusM + VIEW.marginM);
  const indexName = setup.zone === 'bare' ? setup.index : index instanceof UniformGrid ? 'grid' : 'quadtree';
  const storeFailures: unknown[] = [];
  const hooks: ZoneHooks = {
    sessionDropped: (sessionId) => {
      throw new Error(`session ${sessionId} dropped: outbound ring too small for the benchmark`);
    },
  };
  const journaled = setup.zone === 'deployed' ? setup.journal : setup.zone !== 'bare';
  const journal = deployment && journaled ? new ZoneJournal(join(deployment.dataDir, 'journal'), 1, deployment.config.flushIntervalMs, 0) : undefined;
  const fighting = setup.zone === 'fighting' ? skirmish : undefined;
  // The moving zone's monsters are the core's wanderers; the fighting zone's, the game's wolves.
  const npcs = setup.zone === 'moving' ? players : setup.zone === 'fighting' ? 0 : npcsFor(players);
  const hp = setup.zone === 'moving' || setup.zone === 'fighting' ? IMMORTAL_HP : 100;
  const { zone, view } = deployment
    ? deployedZone(deployment, { ...settingsOf(deployment.config, side, npcs), ...(journal ? { journal } : {}), ...(fighting ? { game: fighting } : {}) }, index, { inbound, outbound }, hooks, storeFailures)
    : bareZone(settingsOf(defaults, side, 0), index, { inbound, outbound }, hooks);
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

  // Everyone joins where the crowd puts them; a deployed zone's players are acquired from the
  // store first, as the gateway's log-in does (bench/flush/statements.ts). Moves travel as
  // float32: the walk stays a centimetre inside the zone so rounding never crosses its edge.
  const edge = side - 0.01;
  const walk = new World(players, crowd, { widthM: edge, heightM: edge, stepM: SPEED_MPS / TICK_HZ, ...TOWNS, turnChance: TURN_CHANCE }, players);
  const xOf = (i: number): number => Math.fround(walk.xs[i] as number);
  const yOf = (i: number): number => Math.fround(walk.ys[i] as number);
  const playerIndexes = Array.from({ length: players }, (_, i) => i);
  const owned = deployment
    ? await Promise.all(playerIndexes.map((i) => deployment.store.acquire(i + 1, deployment.config.nodeId, { zoneId: 1, x: xOf(i), y: yOf(i), heading: 0, hp, level: 1, exp: 0, playTimeS: 0 })))
    : undefined;
  for (const i of playerIndexes) {
    const epoch = owned?.[i]?.epoch ?? 1;
    if (!inbound.tryWrite(i + 1, jobs.join({ playerId: i + 1, epoch, x: xOf(i), y: yOf(i), heading: 0, hp, level: 1, exp: 0, playTimeS: 0 }))) throw new Error('inbound ring full');
  }
  zone.tick((nowMs += TICK_MS));
  if (fighting) populate(zone, players, edge, mulberry32(players));
  let attacks = 0;
  if (zone.world.playersBySession.size !== players) throw new Error(`${zone.world.playersBySession.size} of ${players} players joined`);
  if (deployment) {
    // Each join reads the player's inventory from the store; have every answer in (and its frame
    // sent during the warm-up) before the measured ticks.
    const until = Date.now() + 60_000;
    while ([...zone.world.playersBySession.values()].some((p) => p.inventory === undefined)) {
      if (Date.now() > until) throw new Error('inventories not loaded within 60 s');
      await sleep(5);
    }
  }
  drain();

  let seq = 0;
  const totals: number[] = [];
  const phases = { jobs: [] as number[], logic: [] as number[], view: [] as number[], encode: [] as number[], pbjsEncode: [] as number[], pbjsBuildEncode: [] as number[] };
  let visibleSum = 0;
  let visibleSamples = 0;
  const writeBack = zone.writeBack;
  let batchesAtStart = 0;
  let rowsAtStart = 0;
  let journalBytesAtStart = 0;
  let journalSyncsAtStart = 0;
  return {
    async step(t: number): Promise<void> {
      // Everyone walks a step, turning a little (town dwellers head home when they stray).
      walk.step();
      seq++;
      for (const i of playerIndexes) {
        if (!inbound.tryWrite(i + 1, moveJob(seq, xOf(i), yOf(i), walk.headings[i] as number, 0))) throw new Error('inbound ring full');
      }
      if (fighting) {
        const written = writeAttacks(zone, fighting, t, TICK_HZ, (sessionId, bytes) => {
          if (!inbound.tryWrite(sessionId, bytes)) throw new Error('inbound ring full');
        });
        if (t >= WARMUP_TICKS) attacks += written;
      }
      if (t === WARMUP_TICKS) {
        frameBytes = 0;
        frames = 0;
        batchesAtStart = writeBack?.counters.batches ?? 0;
        rowsAtStart = writeBack?.counters.rowsWritten ?? 0;
        journalBytesAtStart = journal?.counters.bytes ?? 0;
        journalSyncsAtStart = journal?.counters.syncs ?? 0;
      }
      const started = performance.now();
      zone.tick((nowMs += TICK_MS));
      const took = performance.now() - started;
      // A fighting zone's frames include the game's events, which the baseline encoder does not write.
      const compare = !fighting && t >= WARMUP_TICKS && t % 10 === 0;
      keep = compare ? new Map() : undefined;
      drain();
      if (compare && keep) {
        // The baseline encoder on the same news; it must produce the very same bytes.
        const baseline = encodeWithProtobufjs(zone, view);
        phases.pbjsEncode.push(baseline.encodeMs);
        phases.pbjsBuildEncode.push(baseline.buildMs + baseline.encodeMs);
        for (const [session, bytes] of baseline.frames) {
          if (!Buffer.from(bytes).equals(keep.get(session) ?? Buffer.alloc(0))) throw new Error(`tick ${zone.tickNumber}: the encoders disagree on session ${session}'s frame`);
        }
      }
      // The store's answers are handled between ticks, as on the zone worker's event loop; the
      // bare zone yields the same way, so the two differ only in what the zone does.
      await nextTurn();
      if (t < WARMUP_TICKS) return;
      totals.push(took);
      phases.jobs.push(zone.phases.jobs);
      phases.logic.push(zone.phases.logic);
      phases.view.push(zone.phases.view);
      phases.encode.push(zone.phases.encode);
      if (t % 10 === 0) {
        for (const player of zone.world.playersBySession.values()) visibleSum += view.visibleOf(player.slot).length;
        visibleSamples += players;
      }
    },
    finish(): Row {
      if (zone.counters.movesRejected > 0) throw new Error(`${zone.counters.movesRejected} moves rejected: the walk is too fast`);
      if (storeFailures.length > 0) throw new Error(`${storeFailures.length} store calls failed, the first: ${String(storeFailures[0])}`);
      const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
      const total = sorted(totals);
      const row: Record<string, number | string> = {
        players,
        crowd,
        zone: setup.zone,
        index: indexName,
        npcs: zone.world.entities.size - players,
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
      // Batches committed while the measured ticks ran (one still in flight at the end is not counted).
      row.batches = writeBack ? writeBack.counters.batches - batchesAtStart : 0;
      row.rowsWritten = writeBack ? writeBack.counters.rowsWritten - rowsAtStart : 0;
      row.journal = setup.zone === 'bare' ? '-' : journaled ? 'on' : 'off';
      row.attacksPerS = (attacks / ticks) * TICK_HZ;
      row.gameErrors = zone.game ? Object.values(zone.game.errors).reduce((a, b) => a + b, 0) : 0;
      // Per second of game time at TICK_HZ: the ticks here run back to back, faster than that.
      row.journalKiBPerS = journal ? ((journal.counters.bytes - journalBytesAtStart) / ticks) * TICK_HZ / 1024 : 0;
      row.journalSyncsPerTick = journal ? (journal.counters.syncs - journalSyncsAtStart) / ticks : 0;
      journal?.discard();
      return row;
    },
  };
}

const indexChoice = choice('index');
const zoneChoice = choice('zone');
const crowdChoice = choice('crowd');
const indexChoices = indexChoice?.split(',');
if (indexChoices?.some((name) => !(name in INDEXES))) throw new Error(`--index must be one or more of ${Object.keys(INDEXES).join(', ')}, separated by commas`);
if (zoneChoice !== undefined && zoneChoice !== 'bare' && zoneChoice !== 'deployed' && zoneChoice !== 'fighting') throw new Error('--zone must be bare, deployed or fighting');
if (crowdChoice !== undefined && crowdChoice !== 'uniform' && crowdChoice !== 'clustered') throw new Error('--crowd must be uniform or clustered');
const crowds: readonly Spread[] = crowdChoice ? [crowdChoice] : ['uniform', 'clustered'];
// Side by side, taking turns, where a ratio of two is the figure: the grid and the quadtree, and
// the deployed zone without its journal and with it. Brute force runs alone.
const groups: Setup[][] = [];
if (zoneChoice === undefined || zoneChoice === 'bare') {
  const indexes = (indexChoices ?? Object.keys(INDEXES)) as IndexName[];
  const paired = indexes.filter((index) => index !== 'brute force');
  if (paired.length > 0) groups.push(paired.map((index) => ({ zone: 'bare', index })));
  if (indexes.includes('brute force')) groups.push([{ zone: 'bare', index: 'brute force' }]);
}
if ((zoneChoice === undefined || zoneChoice === 'deployed') && indexChoice === undefined) groups.push([{ zone: 'deployed', journal: false }, { zone: 'deployed', journal: true }]);
/**
 * The fighting workload against the same zone moving only, side by side: in the default run at
 * FIGHT_PLAYERS players and the uniform crowd; with --zone fighting at every --players and crowd.
 */
const FIGHT_PLAYERS = 2000;
const fightPair: Setup[] = [{ zone: 'moving' }, { zone: 'fighting' }];
const skirmish = zoneChoice === undefined || zoneChoice === 'fighting' ? await loadSkirmish() : undefined;

const loadAtStart = loadavg()[0] as number;

/** The Node flag this process runs with that starts so, if any. */
function nodeFlag(prefix: string): string | undefined {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(' ')].find((flag) => flag.startsWith(prefix));
}
const rows: Row[] = [];
for (const players of playerCounts) {
  for (const crowd of crowds) {
    for (const group of groups) {
      const names = group.map((setup) => (setup.zone === 'bare' ? `bare, ${setup.index}` : setup.zone === 'deployed' ? `deployed, journal ${setup.journal ? 'on' : 'off'}` : setup.zone));
      rows.push(...(await run(players, crowd, group)));
      process.stderr.write(`  ${players} players, ${crowd}, ${names.join(' and ')}: done\n`);
    }
    if (zoneChoice === 'fighting' || (zoneChoice === undefined && indexChoice === undefined && players === FIGHT_PLAYERS && crowd === 'uniform')) {
      rows.push(...(await run(players, crowd, fightPair)));
      process.stderr.write(`  ${players} players, ${crowd}, moving and fighting, ${players} monsters: done\n`);
    }
  }
}

const summary: Record<string, number> = {};
for (const players of playerCounts) {
  for (const crowd of crowds) {
    const of = (zone: string, index?: string): Row | undefined => rows.find((r) => r.players === players && r.crowd === crowd && r.zone === zone && (index === undefined || r.index === index));
    const grid = of('bare', 'grid');
    const deployed = rows.find((r) => r.players === players && r.crowd === crowd && r.zone === 'deployed' && r.journal === 'off');
    const journaled = rows.find((r) => r.players === players && r.crowd === crowd && r.zone === 'deployed' && r.journal === 'on');
    const quadtree = of('bare', 'quadtree');
    const brute = of('bare', 'brute force');
    const n = (row: Row, key: string): number => row[key] as number;
    const at = `${players} ${crowd}`;
    if (grid) {
      summary[`${at}: bare grid tick p99, ms`] = n(grid, 'tickP99');
      summary[`${at}: bare grid bytes per viewer per tick`] = n(grid, 'bytesPerViewer');
      summary[`${at}: encode p50, protobufjs encode only / hand-written`] = n(grid, 'pbjsEncodeP50') / n(grid, 'encodeP50');
      summary[`${at}: encode p50, protobufjs build + encode / hand-written`] = n(grid, 'pbjsBuildEncodeP50') / n(grid, 'encodeP50');
    }
    if (deployed) {
      summary[`${at}: deployed tick p99, ms`] = n(deployed, 'tickP99');
      summary[`${at}: deployed bytes per viewer per tick`] = n(deployed, 'bytesPerViewer');
    }
    if (grid && deployed) {
      summary[`${at}: tick p50, deployed / bare grid`] = n(deployed, 'tickP50') / n(grid, 'tickP50');
      summary[`${at}: tick p99, deployed / bare grid`] = n(deployed, 'tickP99') / n(grid, 'tickP99');
    }
    if (deployed && journaled) {
      summary[`${at}: tick p99, journal on / off`] = n(journaled, 'tickP99') / n(deployed, 'tickP99');
      summary[`${at}: tick p50, journal on / off`] = n(journaled, 'tickP50') / n(deployed, 'tickP50');
      summary[`${at}: journal KiB per second at ${TICK_HZ} Hz`] = n(journaled, 'journalKiBPerS');
      summary[`${at}: journal fdatasyncs per tick`] = n(journaled, 'journalSyncsPerTick');
    }
    const moving = rows.find((r) => r.players === players && r.crowd === crowd && r.zone === 'moving');
    const fight = rows.find((r) => r.players === players && r.crowd === crowd && r.zone === 'fighting');
    if (moving && fight) {
      summary[`${at}: tick p99, fighting / moving (goal <= 1.5)`] = n(fight, 'tickP99') / n(moving, 'tickP99');
      summary[`${at}: tick p50, fighting / moving`] = n(fight, 'tickP50') / n(moving, 'tickP50');
      summary[`${at}: fighting bytes per viewer per tick (goal <= 450)`] = n(fight, 'bytesPerViewer');
      summary[`${at}: moving bytes per viewer per tick`] = n(moving, 'bytesPerViewer');
      summary[`${at}: fighting attacks per second`] = n(fight, 'attacksPerS');
    }
    if (grid && brute) summary[`${at}: view p50, brute force / grid`] = n(brute, 'viewP50') / n(grid, 'viewP50');
    if (grid && quadtree) {
      summary[`${at}: view p50, quadtree / grid`] = n(quadtree, 'viewP50') / n(grid, 'viewP50');
      summary[`${at}: tick p50, quadtree / grid`] = n(quadtree, 'tickP50') / n(grid, 'tickP50');
      summary[`${at}: tick p99, quadtree / grid`] = n(quadtree, 'tickP99') / n(grid, 'tickP99');
    }
  }
}

printReport({
  name: 'zone',
  description: 'one zone tick in-process (real rings, no sockets): N players all moving every tick, ~60 in view when spread uniformly, or 70% of them in 5 towns (clustered); bare zones and a deployed one (store, NPCs)',
  config: {
    tickHz: TICK_HZ,
    ticks,
    warmupTicks: WARMUP_TICKS,
    speedMps: SPEED_MPS,
    clusteredCrowd: `${TOWNS.townShare * 100}% of the players in ${TOWNS.towns} towns (gaussian, sigma ${TOWNS.townSigmaM} m), the rest anywhere`,
    turnChancePerTick: TURN_CHANCE,
    viewRadiusM: VIEW.radiusM,
    viewMarginM: VIEW.marginM,
    viewMaxEntities: VIEW.maxVisible,
    viewRefreshTicks: VIEW.refreshTicks,
    deployedNpcs: args.includes('--npcs') ? option('npcs', 0) : 'players / 5',
    deployedStore: 'store worker thread, embedded SQLite (WAL, synchronous=FULL) in a temporary directory',
    flushIntervalMs: defaults.flushIntervalMs,
    flushBatchRows: defaults.flushBatchRows,
    // A zone worker's young generation is capped (SupervisorLimits.workerYoungGenerationMb), and
    // the server's flags (MAIN_THREAD_NODE_FLAGS) hold its old generation's growth: npm run
    // bench:zone gives this thread the same.
    youngGeneration: nodeFlag('--max-semi-space-size') ?? "V8's default",
    oldGenerationGrowth: nodeFlag('--heap-growing-percent') ?? "V8's default",
    loadAverage1m: `${loadAtStart.toFixed(2)} at start, ${(loadavg()[0] as number).toFixed(2)} at end`,
  },
  columns: [
    { key: 'players' },
    { key: 'crowd' },
    { key: 'zone' },
    { key: 'journal' },
    { key: 'index' },
    { key: 'npcs' },
    { key: 'zoneM', title: 'side m' },
    { key: 'visible', title: 'in view', digits: 1 },
    { key: 'tickP50', title: 'tick p50 ms', digits: 2 },
    { key: 'tickP99', title: 'tick p99 ms', digits: 2 },
    { key: 'jobsP50', title: 'jobs p50', digits: 2 },
    { key: 'logicP50', title: 'logic p50', digits: 2 },
    { key: 'viewP50', title: 'view p50', digits: 2 },
    { key: 'viewP99', title: 'view p99', digits: 2 },
    { key: 'encodeP50', title: 'encode p50', digits: 2 },
    { key: 'encodeP99', title: 'encode p99', digits: 2 },
    { key: 'pbjsEncodeP50', title: 'pbjs enc p50', digits: 2 },
    { key: 'pbjsBuildEncodeP50', title: 'pbjs build+enc p50', digits: 2 },
    { key: 'bytesPerViewer', title: 'B/viewer/tick', digits: 0 },
    { key: 'framesPerViewerTick', title: 'frames/viewer/tick', digits: 2 },
    { key: 'batches', title: 'batches' },
    { key: 'rowsWritten', title: 'rows written' },
    { key: 'journalKiBPerS', title: 'journal KiB/s', digits: 0 },
    { key: 'journalSyncsPerTick', title: 'syncs/tick', digits: 2 },
    { key: 'attacksPerS', title: 'attacks/s', digits: 0 },
    { key: 'gameErrors', title: 'game errors' },
  ],
  rows,
  summary,
  notes: [
    'Phases: jobs = draining the inbound ring; logic = validating and applying moves, NPCs walking; view = spatial index upkeep, visible sets, deltas; encode = one WorldUpdate per viewer written into the outbound ring, then (deployed) the write-back scan, snapshots and batch sent to the store.',
    'pbjs: the same frames built as objects and encoded by protobufjs\'s generated code (every 10th tick, outside the tick); "enc" times encode() alone, "build+enc" also building the objects; the bytes are checked to be identical. Their garbage is collected whenever V8 collects, possibly inside a later timed tick.',
    'batches, rows written: write-back batches the store committed during the measured ticks (zone time: ticks x 50 ms).',
    'moving, fighting: deployed zones (journal on) with as many monsters as players, side by side: moving has the core\'s wanderers and no game module; fighting runs the sample game (examples/skirmish/) with that many wolves, and each player attacks the nearest entity within 3 m once a second (players cannot die, so the walk stays theirs). Its frames include the game\'s events.',
    'Goals: tick p99 <= 10 ms at 2,000 players, <= 25 ms at 5,000; <= 400 bytes per viewer per tick with ~60 moving entities in view; fighting tick p99 <= 1.5 x moving, <= 450 bytes per viewer per tick.',
  ],
});
