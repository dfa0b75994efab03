/**
 * Console benchmark: does watching a zone's live map slow the zone? One busy zone (1,000
 * players walking, each a step a second, and 2,000 wandering NPCs) in a server of its own
 * process; the players are SDK clients in this one. The run alternates phases with nobody
 * watching and with `--watchers` streams of the zone's map open (GET
 * /admin/zones/1/entities/live, the console's live map, at its 10 samples a second), in the same
 * server, so that both sides see the same machine, zone and players.
 *
 * Reported per phase, and as medians of the watched ÷ unwatched ratios of each pair:
 *   - the zone's tick p99 (zone_tick_p99_seconds: exact, over the last 600 ticks, which a phase
 *     covers) and mean (zone_tick_duration_seconds over the phase);
 *   - the server's CPU (process_cpu_seconds_total, every thread) in cores;
 *   - while watched: samples each watcher received per second, and bytes per sample.
 *
 *   npm run bench:console [-- --json] [-- --players 1000] [-- --npcs 2000] [-- --watchers 3] [-- --seconds 34] [-- --reps 5]
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
import { total, type Sample } from './e2e/metrics.ts';
import { startServerProcess } from './e2e/server.ts';
import { printReport, type Row } from './lib/report.ts';
import { median } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    players: { type: 'string', default: '1000' },
    npcs: { type: 'string', default: '2000' },
    watchers: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '34' },
    reps: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const PLAYERS = Number(args.players);
const NPCS = Number(args.npcs);
const WATCHERS = Number(args.watchers);
const SECONDS = Number(args.seconds);
const REPS = Number(args.reps);
const TICK_HZ = 20;
const SECRET = 'bench-secret-0123456789abcdef';
const ADMIN_TOKEN = 'bench-admin-token-0123456789';
/** Every this many ms a tenth of the players take a step. */
const PICK_EVERY_MS = 100;
const STEP_M = 3;

/** One open stream of the live map, counting what it receives. */
interface Watcher {
  samples: number;
  bytes: number;
  readonly abort: AbortController;
  readonly done: Promise<void>;
}

function watch(opsUrl: string): Watcher {
  const abort = new AbortController();
  const counts = { samples: 0, bytes: 0 };
  const done = (async () => {
    const response = await fetch(`${opsUrl}/admin/zones/1/entities/live`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: abort.signal });
    if (response.status !== 200 || !response.body) throw new Error(`the live map answered ${response.status}`);
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of response.body) {
        pending += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (!event.startsWith('event: map')) continue;
          counts.samples++;
          counts.bytes += event.length;
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    }
  })();
  return Object.assign(counts, { abort, done });
}

interface Phase {
  readonly watched: boolean;
  readonly tickP99Ms: number;
  readonly tickMeanMs: number;
  readonly serverCores: number;
  readonly samplesPerS: number | null;
  readonly bytesPerSample: number | null;
}

const dataDir = mkdtempSync(join(tmpdir(), 'zone-bench-console-'));
const server = await startServerProcess({
  DATA_DIR: dataDir,
  TOKEN_SECRET: SECRET,
  ADMIN_TOKEN,
  ZONES: '1',
  NPCS_PER_ZONE: String(NPCS),
  TICK_HZ: String(TICK_HZ),
  MAX_SPEED_MPS: '1000',
  MAX_SESSIONS: String(PLAYERS + 10),
});
const clients: ZoneClient[] = [];
for (let first = 1; first <= PLAYERS; first += 100) {
  clients.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(100, PLAYERS - first + 1) }, async (_, i) => {
        const id = first + i;
        const client = await ZoneClient.connect(server.url);
        const self = await client.enter(issueToken(SECRET, id, 3600), `Watched${id}`);
        // Spread over the zone, in one move (the bench server allows fast walkers).
        client.move(self.zoneX + 20 + ((id * 7919) % 960), self.zoneY + 20 + ((id * 104729) % 960), 0);
        return client;
      }),
    )),
  );
}

let stepping = true;
const walking = (async () => {
  let next = 0;
  const perPick = Math.round(clients.length * (PICK_EVERY_MS / 1000));
  while (stepping) {
    for (let i = 0; i < perPick; i++) {
      const client = clients[next++ % clients.length] as ZoneClient;
      const self = client.self;
      if (!self) continue;
      // A step along a square path around its start, so that it stays in the zone.
      const turn = Math.floor(next / clients.length) % 4;
      client.move(self.x + [STEP_M, 0, -STEP_M, 0][turn]!, self.y + [0, STEP_M, 0, -STEP_M][turn]!, 0);
    }
    await new Promise((resolve) => setTimeout(resolve, PICK_EVERY_MS));
  }
})();

async function phase(watched: boolean): Promise<Phase> {
  const watchers = watched ? Array.from({ length: WATCHERS }, () => watch(server.opsUrl)) : [];
  const before: Sample[] = await server.scrape();
  const startedMs = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const after: Sample[] = await server.scrape();
  const seconds = (performance.now() - startedMs) / 1000;
  for (const watcher of watchers) watcher.abort.abort();
  await Promise.all(watchers.map((watcher) => watcher.done));
  const delta = (name: string): number => total(after, name) - total(before, name);
  const samples = watchers.reduce((sum, w) => sum + w.samples, 0);
  return {
    watched,
    tickP99Ms: total(after, 'zone_tick_p99_seconds') * 1000,
    tickMeanMs: (delta('zone_tick_duration_seconds_sum') / Math.max(1, delta('zone_tick_duration_seconds_count'))) * 1000,
    serverCores: delta('process_cpu_seconds_total') / seconds,
    samplesPerS: watched ? samples / watchers.length / seconds : null,
    bytesPerSample: watched ? watchers.reduce((sum, w) => sum + w.bytes, 0) / Math.max(1, samples) : null,
  };
}

// Settle: everyone in place, the zone's recent ticks all of this load.
await phase(false);
// Pairs in alternating order (watched first, then unwatched first, …), so that a machine getting
// slower or faster over the run does not favour one side.
const pairs: { on: Phase; off: Phase }[] = [];
for (let rep = 0; rep < REPS; rep++) {
  if (rep % 2 === 0) {
    const on = await phase(true);
    pairs.push({ on, off: await phase(false) });
  } else {
    const off = await phase(false);
    pairs.push({ on: await phase(true), off });
  }
}
stepping = false;
await walking;
await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
await server.stop();
rmSync(dataDir, { recursive: true, force: true });

const rows: Row[] = pairs.flatMap(({ on, off }, rep) =>
  [on, off].map((p) => ({
    rep: rep + 1,
    watchers: p.watched ? WATCHERS : 0,
    tickP99Ms: p.tickP99Ms,
    tickMeanMs: p.tickMeanMs,
    serverCores: p.serverCores,
    samplesPerS: p.samplesPerS,
    bytesPerSample: p.bytesPerSample === null ? null : Math.round(p.bytesPerSample),
  })),
);
printReport({
  name: 'console',
  description: `one zone with ${PLAYERS} walking players and ${NPCS} NPCs, with ${WATCHERS} live-map streams open and with none, alternating in one server`,
  config: { players: PLAYERS, npcs: NPCS, watchers: WATCHERS, seconds: SECONDS, reps: REPS, tickHz: TICK_HZ, database: 'SQLite (WAL, synchronous=FULL)' },
  columns: [
    { key: 'rep' },
    { key: 'watchers' },
    { key: 'tickP99Ms', title: 'tick p99 ms', digits: 2 },
    { key: 'tickMeanMs', title: 'tick mean ms', digits: 3 },
    { key: 'serverCores', title: 'server cores', digits: 2 },
    { key: 'samplesPerS', title: 'samples/s per watcher', digits: 1 },
    { key: 'bytesPerSample', title: 'bytes/sample' },
  ],
  rows,
  summary: {
    tickP99Ratio: median(pairs.map(({ on, off }) => on.tickP99Ms / off.tickP99Ms)),
    tickMeanRatio: median(pairs.map(({ on, off }) => on.tickMeanMs / off.tickMeanMs)),
    serverCoresRatio: median(pairs.map(({ on, off }) => on.serverCores / off.serverCores)),
    samplesPerSPerWatcher: median(pairs.map(({ on }) => on.samplesPerS ?? Number.NaN)),
  },
  notes: [
    'tick p99: zone_tick_p99_seconds at the end of the phase (exact over the last 600 ticks, all of them in the phase); mean: zone_tick_duration_seconds over the phase;',
    'server cores: process_cpu_seconds_total over the phase, every thread (the samples are encoded once on the main thread for all watchers);',
    'ratios: watched ÷ unwatched, one per pair, the median reported.',
  ],
});
