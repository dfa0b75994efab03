/**
 * Hand-over benchmark: 2,000 players in the default world (four 1000 m zones in a square). A
 * tenth of them stand at the inner borders and each crosses once a second (200 crossings a
 * second); the others are spread over the zones and take a step once a second. The server runs
 * as its own process; the players are SDK clients in this one.
 *
 * Reported, for the same load with sight across borders on and then off (a fresh server each):
 *   - hand-overs per second completed;
 *   - hand-over latency as the crosser sees it, from sending the move that crosses to hearing
 *     ZoneChanged from the new zone: p50 and p99, in ms and in ticks (goal: p99 within 2 ticks);
 *   - the gateway's own hand-over duration (gateway_handover_duration_seconds) p99;
 *   - the zones' tick p99 (the worst zone's zone_tick_p99_seconds: exact, over its last 600
 *     ticks, which the window covers) and mean, and their ratios sight on ÷ off (goal: p99 no
 *     more than 1.15×).
 *
 *   npm run bench:handover [-- --json] [-- --players 2000] [-- --seconds 32] [-- --reps 3]
 *
 * Each repetition is a pair of runs, on and off, in alternating order; the summary gives medians.
 *
 * Durability: the embedded SQLite database in a temporary directory, as `npm start` runs it
 * (WAL, synchronous=FULL); FLUSH_INTERVAL_MS stays at its default.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { issueToken } from '../src/auth/token.ts';
import { ZoneClient } from '../src/client/zone-client.ts';
import { buckets, quantileBound, total, type Sample } from './e2e/metrics.ts';
import { startServerProcess, type ServerProcess } from './e2e/server.ts';
import { printReport, type Row } from './lib/report.ts';
import { median, quantile } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    players: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '32' },
    reps: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const PLAYERS = Number(args.players);
const SECONDS = Number(args.seconds);
const REPS = Number(args.reps);
const TICK_HZ = 20;
const SECRET = 'bench-secret-0123456789abcdef';
/** Every this many ms a tenth of the crossers cross and a tenth of the walkers step. */
const PICK_EVERY_MS = 100;
/** A walker's step, metres. */
const STEP_M = 3;

/** A player's place: on its own side of a border, `depthM` from it (more than the hand-over margin). */
interface Station {
  readonly client: ZoneClient;
  /** The border is x = 1000 (vertical) or y = 1000 (horizontal). */
  readonly vertical: boolean;
  /** Along the border. */
  readonly alongM: number;
  readonly depthM: number;
  /** -1: the low side (x or y below 1000), +1: the high side. */
  side: number;
}

function pointOf(station: Station): { x: number; y: number } {
  const across = 1000 + station.side * station.depthM;
  return station.vertical ? { x: across, y: station.alongM } : { x: station.alongM, y: across };
}

/** The players: crossers at their stations, walkers spread over their zones. */
interface Population {
  readonly crossers: Station[];
  readonly walkers: ZoneClient[];
}

/**
 * Logs in every player and puts it in its place with one move (the bench server allows fast
 * walkers): every tenth at a station on a border, the rest at random points of their zones.
 */
async function populate(url: string): Promise<Population> {
  const crossers: Station[] = [];
  const walkers: ZoneClient[] = [];
  for (let first = 1; first <= PLAYERS; first += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, PLAYERS - first + 1) }, async (_, i) => {
        const id = first + i;
        const client = await ZoneClient.connect(url);
        const self = await client.enter(issueToken(SECRET, id, 3600), `Hop${id}`);
        return { client, self, id };
      }),
    );
    for (const { client, self, id } of batch) {
      if (id % 10 !== 0) {
        client.move(self.zoneX + 20 + ((id * 7919) % 960), self.zoneY + 20 + ((id * 104729) % 960), 0);
        walkers.push(client);
        continue;
      }
      // New players go round the four zones; each crosser stands at one of its zone's two inner borders.
      const vertical = id % 2 === 0;
      const lowX = self.zoneX < 1000;
      const lowY = self.zoneY < 1000;
      const side = vertical ? (lowX ? -1 : 1) : lowY ? -1 : 1;
      const ownRange = vertical ? (lowY ? 0 : 1000) : lowX ? 0 : 1000;
      const station: Station = { client, vertical, alongM: ownRange + 10 + ((id * 7919) % 980), depthM: 8 + ((id * 104729) % 30), side };
      const { x, y } = pointOf(station);
      client.move(x, y, 0);
      crossers.push(station);
    }
  }
  return { crossers, walkers };
}

interface RunResult {
  readonly sight: boolean;
  readonly handoversPerS: number;
  readonly latencies: number[];
  readonly gatewayP99Ms: number | null;
  readonly tickP99Ms: number;
  readonly tickMeanMs: number;
  readonly corrections: number;
}


async function run(sight: boolean): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-bench-handover-'));
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({
      DATA_DIR: dataDir,
      TOKEN_SECRET: SECRET,
      TICK_HZ: String(TICK_HZ),
      MAX_SPEED_MPS: '1000',
      MAX_SESSIONS: String(PLAYERS + 10),
      SIGHT_ACROSS_BORDERS: sight ? 'on' : 'off',
    });
    const { crossers: stations, walkers } = await populate(server.url);
    // Everyone is at its station once every zone has its players; then the window starts.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const latencies: number[] = [];
    let corrections = 0;
    const sentAt = new Map<ZoneClient, number>();
    for (const station of stations) {
      station.client.on('zoneChanged', () => {
        const at = sentAt.get(station.client);
        if (at === undefined) return;
        sentAt.delete(station.client);
        latencies.push(performance.now() - at);
      });
      station.client.on('correction', () => corrections++);
    }
    const before: Sample[] = await server.scrape();
    const startedMs = performance.now();
    let next = 0;
    let nextWalker = 0;
    // Each crosser crosses, and each walker steps, once a second.
    const perPick = Math.max(1, Math.round(stations.length * (PICK_EVERY_MS / 1000)));
    const walkersPerPick = Math.round(walkers.length * (PICK_EVERY_MS / 1000));
    while (performance.now() - startedMs < SECONDS * 1000) {
      for (let i = 0; i < walkersPerPick; i++) {
        const walker = walkers[nextWalker++ % walkers.length] as ZoneClient;
        const self = walker.self;
        if (!self) continue;
        // A step along a square path around its start, so that it stays in its zone.
        const turn = Math.floor(nextWalker / walkers.length) % 4;
        walker.move(self.x + [STEP_M, 0, -STEP_M, 0][turn]!, self.y + [0, STEP_M, 0, -STEP_M][turn]!, 0);
      }
      for (let i = 0; i < perPick; i++) {
        const station = stations[next++ % stations.length] as Station;
        // One still on its way from the last crossing waits for its next turn.
        if (sentAt.has(station.client)) continue;
        station.side = -station.side;
        const { x, y } = pointOf(station);
        sentAt.set(station.client, performance.now());
        station.client.move(x, y, 0);
      }
      await new Promise((resolve) => setTimeout(resolve, PICK_EVERY_MS));
    }
    const elapsedS = (performance.now() - startedMs) / 1000;
    const after: Sample[] = await server.scrape();
    const tickCount = total(after, 'zone_tick_duration_seconds_count') - total(before, 'zone_tick_duration_seconds_count');
    const tickSum = total(after, 'zone_tick_duration_seconds_sum') - total(before, 'zone_tick_duration_seconds_sum');
    const tickP99 = Math.max(...after.filter((sample) => sample.name === 'zone_tick_p99_seconds').map((sample) => sample.value));
    const gatewayP99 = quantileBound(buckets(before, 'gateway_handover_duration_seconds'), buckets(after, 'gateway_handover_duration_seconds'), 0.99);
    await Promise.all([...stations.map((station) => station.client), ...walkers].map((client) => client.close().catch(() => undefined)));
    latencies.sort((a, b) => a - b);
    return {
      sight,
      handoversPerS: latencies.length / elapsedS,
      latencies,
      gatewayP99Ms: gatewayP99 === null ? null : gatewayP99 * 1000,
      tickP99Ms: tickP99 * 1000,
      tickMeanMs: (tickSum / Math.max(1, tickCount)) * 1000,
      corrections,
    };
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// Pairs in alternating order (on, off, then off, on, …), so that a machine getting slower or
// faster over the runs does not favour one side; each pair gives one ratio, the median is reported.
const pairs: { on: RunResult; off: RunResult }[] = [];
for (let rep = 0; rep < REPS; rep++) {
  if (rep % 2 === 0) {
    const on = await run(true);
    pairs.push({ on, off: await run(false) });
  } else {
    const off = await run(false);
    pairs.push({ on: await run(true), off });
  }
}
const tickMs = 1000 / TICK_HZ;
const rows: Row[] = pairs.flatMap(({ on, off }, rep) =>
  [on, off].map((result) => ({
    rep: rep + 1,
    sight: result.sight ? 'on' : 'off',
    handoversPerS: Math.round(result.handoversPerS),
    latencyP50Ms: quantile(result.latencies, 0.5),
    latencyP99Ms: quantile(result.latencies, 0.99),
    latencyP99Ticks: quantile(result.latencies, 0.99) / tickMs,
    gatewayP99Ms: result.gatewayP99Ms,
    tickP99Ms: result.tickP99Ms,
    tickMeanMs: result.tickMeanMs,
    corrections: result.corrections,
  })),
);
const p99Ratio = median(pairs.map(({ on, off }) => on.tickP99Ms / off.tickP99Ms));
const meanRatio = median(pairs.map(({ on, off }) => on.tickMeanMs / off.tickMeanMs));
const latencyP99Ticks = median(pairs.map(({ on }) => quantile(on.latencies, 0.99) / tickMs));
printReport({
  name: 'handover',
  description: `${PLAYERS} players in four zones, a tenth at the borders crossing once a second, the rest stepping once a second, with sight across borders on and off`,
  config: { players: PLAYERS, seconds: SECONDS, reps: REPS, tickHz: TICK_HZ, crossingsPerS: PLAYERS / 10, database: 'SQLite (WAL, synchronous=FULL)' },
  columns: [
    { key: 'rep' },
    { key: 'sight' },
    { key: 'handoversPerS', title: 'hand-overs/s' },
    { key: 'latencyP50Ms', title: 'latency p50 ms', digits: 1 },
    { key: 'latencyP99Ms', title: 'latency p99 ms', digits: 1 },
    { key: 'latencyP99Ticks', title: 'p99 ticks', digits: 2 },
    { key: 'gatewayP99Ms', title: 'gateway p99 ≤ ms', digits: 0 },
    { key: 'tickP99Ms', title: 'tick p99 ms', digits: 2 },
    { key: 'tickMeanMs', title: 'tick mean ms', digits: 3 },
    { key: 'corrections' },
  ],
  rows,
  summary: {
    latencyP99Ticks,
    latencyGoalHeld: latencyP99Ticks <= 2,
    tickP99Ratio: p99Ratio,
    tickMeanRatio: meanRatio,
    tickRatioGoalHeld: p99Ratio <= 1.15,
  },
  notes: [
    "tick p99: the worst zone's p99 over its last 600 ticks (30 s, within the window); tick mean: all zones over the window, from the histogram",
    'summary: medians over the repetitions of the sight-on latency p99 and of the on ÷ off ratios, each ratio from one pair of runs',
  ],
});
