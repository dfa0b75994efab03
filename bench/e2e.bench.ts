/**
 * End-to-end benchmark: the server as its own process, and load-test bots (bench/bots/) in
 * steps of more and more players, all on this machine.
 *
 * For each step, N bots log in over a ramp, walk to their clusters, and move at 20 Hz for
 * `--step-seconds`; meanwhile the bots measure move-to-seen latency and the server's /metrics
 * give tick durations, CPU and memory over the same window. Then the bots log out and the next
 * step starts on the same server. After the listed steps, while the last one held the goal
 * (move-to-seen p99 ≤ 100 ms, no errors, the full move rate sent, every move seen timed), it
 * goes on by 1,000 bots up to `--max-bots`.
 *
 *   npm run bench:e2e [-- --json] [-- --steps 250,500,1000,2000] [-- --step-seconds 20]
 *                     [-- --max-bots 4000] [-- --rate 20] [-- --processes K] [-- --profile] [-- --no-bare]
 *                     [-- --view-send-ticks 1,2] [-- --server-flags="--flag ..."]
 *
 * After each step the same bots run once more against a bare baseline (e2e/bare-server.ts: the
 * same socket work, no game), and the server's CPU per message is reported against it;
 * `--no-bare` leaves that out.
 *
 * `--view-send-ticks 1,2`: the steps run once per value, each on a fresh server with that
 * VIEW_SEND_TICKS (views sent every N ticks), one after the other in the same run.
 *
 * `--server-flags`: more Node flags for the server's main thread (after the deployed ones), to try
 * V8 settings; the config block prints them.
 *
 * `--profile`: after the steps, the server is restarted on the same database with --cpu-prof and
 * the largest step runs once more, its bots starting where they left off (in their clusters), so
 * that the profile shows the steady state rather than the walk out of the spawn point; the
 * busiest threads' top self-time functions are printed.
 *
 * The server gets a fresh embedded database in a temporary directory, or MySQL when MYSQL_URL is
 * set in the environment.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFleet, type FleetResult } from './bots/fleet.ts';
import { GRACE_MS } from './bots/group.ts';
import { parseBotArgs } from './bots/options.ts';
import { progressLine } from './bots/report.ts';
import { machineCpu, type MachineCpu } from './e2e/machine-cpu.ts';
import { buckets, quantileBound, total, type Sample } from './e2e/metrics.ts';
import { summarizeProfiles } from './e2e/profile.ts';
import { startBareServer, startServerProcess, type ServerProcess } from './e2e/server.ts';
import { printReport, type Row } from './lib/report.ts';
import { parseZones } from '../src/config/world.ts';
import { MAIN_THREAD_NODE_FLAGS } from '../src/config/limits.ts';

const { values: args } = parseArgs({
  allowNegative: true,
  options: {
    steps: { type: 'string', default: '250,500,1000,2000' },
    'step-seconds': { type: 'string', default: '20' },
    'max-bots': { type: 'string', default: '4000' },
    rate: { type: 'string', default: '20' },
    processes: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    bare: { type: 'boolean', default: true },
    'view-send-ticks': { type: 'string', default: '1' },
    'server-flags': { type: 'string', default: '' },
    json: { type: 'boolean', default: false },
  },
});

const GOAL_P99_MS = 100;
/** A step whose bots sent less than this share of their moves did not really run at the rate. */
const MIN_SENT_SHARE = 0.95;
const SECRET = 'e2e-bench-secret-0123456789';
/** The server's default tick rate, which the bare baseline ticks at too. */
const TICK_HZ = 20;

const config = {
  steps: args.steps.split(',').map(Number),
  stepSeconds: Number(args['step-seconds']),
  maxBots: Number(args['max-bots']),
  rate: Number(args.rate),
  processes: Number(args.processes),
  zones: parseZones(process.env.ZONES).zones.length,
  viewSendTicks: args['view-send-ticks'].split(',').map(Number),
};
const wholeNumbers = [...config.steps, config.maxBots, config.processes, ...config.viewSendTicks];
if (wholeNumbers.some((n) => !Number.isInteger(n) || n < 1) || !(config.stepSeconds > 0) || !(config.rate > 0)) {
  process.stderr.write('bench:e2e: --steps (250,500,1000), --max-bots, --processes and --view-send-ticks (1,2) take whole numbers, --step-seconds and --rate positive numbers\n');
  process.exit(2);
}

interface StepFigures {
  readonly row: Row;
  readonly held: boolean;
  readonly errors: FleetResult['errors'];
}

/** A started server and its resident memory before any player came. */
interface Target {
  readonly server: ServerProcess;
  readonly idleRss: number;
}

const serverFlags = args['server-flags'].split(' ').filter((flag) => flag !== '');
const mysql = Boolean(process.env.MYSQL_URL);
const dataDir = mysql ? undefined : mkdtempSync(join(tmpdir(), 'zone-e2e-'));
const serverEnv = { TOKEN_SECRET: SECRET, ...(dataDir ? { DATA_DIR: dataDir } : {}) };

async function startTarget(viewSendTicks: number, profileDir?: string): Promise<Target> {
  const server = await startServerProcess({ ...serverEnv, VIEW_SEND_TICKS: String(viewSendTicks) }, profileDir, serverFlags);
  return { server, idleRss: total(await server.scrape(), 'process_resident_memory_bytes') };
}

async function stopTarget({ server }: Target): Promise<void> {
  const code = await server.stop();
  if (code !== 0) process.stderr.write(`bench:e2e: the server exited with code ${code}\n`);
}

/** The bots of a step, against the server at `url`. */
function fleetOptions(url: string, bots: number): ReturnType<typeof parseBotArgs> {
  return parseBotArgs([
    ...['--url', url, '--count', String(bots), '--zones', String(config.zones), '--rate', String(config.rate)],
    // The ramp is left at its default, 40 log-ins a second (bench/bots/options.ts explains why).
    ...['--duration', String(config.stepSeconds), '--processes', String(config.processes)],
    ...['--secret', SECRET, '--max-errors', String(Number.MAX_SAFE_INTEGER)],
  ]);
}

/** The same bots against the bare baseline (e2e/bare-server.ts), sent frames of `frameBytes`: its CPU per message. */
async function runBareStep(bots: number, frameBytes: number): Promise<{ bareCores: number; bareUsPerMessage: number }> {
  const bare = await startBareServer(frameBytes, TICK_HZ);
  try {
    let before = { cpuSeconds: 0, received: 0, sent: 0 };
    let after = before;
    let windowMs = 0;
    await runFleet(fleetOptions(bare.url, bots), {
      onProgress: (p) => process.stderr.write(`[${bots} bots, bare] ${progressLine(p)}\n`),
      onWindowOpen: async () => {
        before = await bare.stats();
        windowMs = performance.now();
      },
      onWindowClose: async () => {
        windowMs = performance.now() - windowMs;
        after = await bare.stats();
      },
    });
    const cpu = after.cpuSeconds - before.cpuSeconds;
    const messages = after.received - before.received + (after.sent - before.sent);
    return { bareCores: cpu / (windowMs / 1000), bareUsPerMessage: (cpu * 1e6) / Math.max(1, messages) };
  } finally {
    await bare.stop();
  }
}

async function runStep({ server, idleRss }: Target, bots: number, run: 'step' | 'profiled', viewSendTicks: number): Promise<StepFigures> {
  const options = fleetOptions(server.url, bots);
  let before: Sample[] = [];
  let after: Sample[] = [];
  let machineBefore: MachineCpu | undefined;
  let machineAfter: MachineCpu | undefined;
  let windowMs = 0;
  const result = await runFleet(options, {
    onProgress: (p) => process.stderr.write(`[${bots} bots] ${progressLine(p)}\n`),
    onWindowOpen: async () => {
      before = await server.scrape();
      machineBefore = machineCpu();
      windowMs = performance.now();
    },
    onWindowClose: async () => {
      windowMs = performance.now() - windowMs;
      machineAfter = machineCpu();
      after = await server.scrape();
    },
  });
  const seconds = windowMs / 1000;
  const delta = (name: string): number => total(after, name) - total(before, name);
  const tickP99 = quantileBound(buckets(before, 'zone_tick_duration_seconds'), buckets(after, 'zone_tick_duration_seconds'), 0.99);
  const sessions = total(after, 'gateway_sessions');
  const rss = total(after, 'process_resident_memory_bytes');
  const movesTarget = result.loggedIn * config.rate;
  // Per message: a move or other request read, or a frame sent (the server); a move sent or a frame read (the bots).
  const serverMessages = delta('gateway_frames_received_total') + delta('gateway_frames_sent_total');
  const serverUsPerMessage = (delta('process_cpu_seconds_total') * 1e6) / Math.max(1, serverMessages);
  const botUsPerMessage = (result.cpuSeconds * 1e6) / Math.max(1, result.movesSent + result.framesIn);
  const frameBytes = delta('gateway_bytes_sent_total') / Math.max(1, delta('gateway_frames_sent_total'));
  const bare = run === 'step' && args.bare ? await runBareStep(bots, frameBytes) : undefined;
  const movesPerSec = result.movesSent / result.windowSeconds;
  const p99 = result.moveToSeenMs.p99;
  const { seen } = result;
  // A p99 that misses samples (still in flight after the grace, or not matched to their send) could be too low.
  const allTimed = seen.late === 0 && seen.unmatched === 0;
  const held = p99 !== null && p99 <= GOAL_P99_MS && result.errorTotal === 0 && movesPerSec >= MIN_SENT_SHARE * movesTarget && allTimed;
  return {
    held,
    errors: result.errors,
    row: {
      run,
      viewSendTicks,
      bots,
      inWorld: sessions,
      movesPerSec: Math.round(movesPerSec),
      movesTarget,
      framesInPerSec: Math.round(result.framesIn / result.windowSeconds),
      seenP50: result.moveToSeenMs.p50,
      seenP99: p99,
      seenSamples: result.moveToSeenMs.count,
      superseded: seen.superseded,
      late: seen.late,
      unmatched: seen.unmatched,
      otherProcess: seen.foreign,
      rttP99: result.rttMs.p99,
      tickP99Ms: tickP99 === null ? null : tickP99 * 1000,
      serverCores: delta('process_cpu_seconds_total') / seconds,
      botCores: result.cpuSeconds / result.windowSeconds,
      serverUsPerMessage,
      botsPerServer: botUsPerMessage / serverUsPerMessage,
      frameBytes: Math.round(frameBytes),
      bytesPerBotPerSec: sessions > 0 ? Math.round(delta('gateway_bytes_sent_total') / seconds / sessions) : null,
      bareCores: bare ? bare.bareCores : null,
      bareUsPerMessage: bare ? bare.bareUsPerMessage : null,
      serverPerBare: bare ? serverUsPerMessage / bare.bareUsPerMessage : null,
      machineCores: machineBefore && machineAfter ? (machineAfter.busy - machineBefore.busy) / seconds : null,
      softirqCores: machineBefore && machineAfter ? (machineAfter.softirq - machineBefore.softirq) / seconds : null,
      serverRssMiB: rss / 2 ** 20,
      rssPerPlayerKiB: sessions > 0 ? (rss - idleRss) / sessions / 1024 : null,
      errors: result.errorTotal,
      held,
    },
  };
}

const figures: StepFigures[] = [];
const profileNotes: string[] = [];
const profileDir = args.profile ? mkdtempSync(join(tmpdir(), 'zone-e2e-profile-')) : undefined;
try {
  for (const viewSendTicks of config.viewSendTicks) {
    const steps = [...config.steps];
    const target = await startTarget(viewSendTicks);
    try {
      for (let i = 0; i < steps.length; i++) {
        const step = await runStep(target, steps[i] as number, 'step', viewSendTicks);
        figures.push(step);
        const last = steps[steps.length - 1] as number;
        if (i === steps.length - 1 && step.held && last + 1000 <= config.maxBots) steps.push(last + 1000);
      }
    } finally {
      await stopTarget(target);
    }
    if (profileDir) {
      const profiled = await startTarget(viewSendTicks, profileDir);
      try {
        figures.push(await runStep(profiled, Math.max(...steps), 'profiled', viewSendTicks));
      } finally {
        await stopTarget(profiled);
      }
      // The busiest threads: the gateway (main thread) and the zones; the store worker is mostly idle.
      for (const thread of summarizeProfiles(profileDir, 10).slice(0, 3)) {
        profileNotes.push('', `server profile (VIEW_SEND_TICKS=${viewSendTicks}), ${thread.thread}: ${(thread.busyMs / 1000).toFixed(1)} s busy; top self time:`);
        for (const f of thread.top) profileNotes.push(`  ${f.percent.toFixed(1).padStart(5)} %  ${f.name}  ${f.where}`);
      }
      for (const file of readdirSync(profileDir)) rmSync(join(profileDir, file));
    }
  }
} finally {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

/** The largest step that held, with views sent every `viewSendTicks` ticks. */
const largestHeldAt = (viewSendTicks: number): number =>
  Math.max(0, ...figures.filter((f) => f.held && f.row.run === 'step' && f.row.viewSendTicks === viewSendTicks).map((f) => f.row.bots as number));
const largestHeld = largestHeldAt(config.viewSendTicks[0] as number);
const notes = [
  `goal: ≥ 2,000 bots at ${config.rate} Hz with move-to-seen p99 ≤ ${GOAL_P99_MS} ms and 0 errors; "held" also asks that the bots sent ≥ ${MIN_SENT_SHARE * 100} % of their moves, and that late and unmatched are 0.`,
  'move-to-seen: from a bot sending a move to another bot of the same process applying the frame that shows it; one sample per move sent in the window and bot shown it.',
  `superseded: samples of moves a tick took together with a later one, timed to the frame that showed the later one; late: samples still missing ${GRACE_MS / 1000} s after the window;`,
  'unmatched: moves seen that matched no send of their bot; other process: moves seen of bots in another bot process, not timed. tick p99 ≤: upper bound of the histogram bucket.',
  'server cores: process_cpu_seconds_total over the window (gateway thread and zone workers); bot cores: the bots\' process CPU;',
  'per msg: CPU over the window ÷ messages: for the server, frames read and sent (gateway_frames_received_total, gateway_frames_sent_total); for the bots, moves sent and frames read;',
  'bare: the same bots against bench/e2e/bare-server.ts (the same socket work, no game: it reads every message and sends each client a frame of the real step\'s mean size every tick), right after the step.',
  'machine cores: the whole machine busy (/proc/stat), kernel and other work included; softirq cores: its share in softirq (loopback TCP); RSS/player: (RSS − idle RSS) / sessions.',
  ...figures.filter((f) => Object.keys(f.errors).length > 0).map((f) => `errors, ${f.row.run} at ${f.row.bots} bots: ${JSON.stringify(f.errors)}`),
];
notes.push(...profileNotes);
if (profileDir) rmSync(profileDir, { recursive: true, force: true });

printReport({
  name: 'e2e',
  description: 'server and bots on one machine, in steps of more players',
  config: {
    steps: figures.filter((f) => f.row.run === 'step').map((f) => f.row.bots).join(','),
    stepSeconds: config.stepSeconds,
    movesPerSecPerBot: config.rate,
    zones: config.zones,
    botProcesses: config.processes,
    store: mysql ? 'mysql (MYSQL_URL)' : 'sqlite (temporary DATA_DIR)',
    profiled: args.profile,
    serverNodeFlags: [...MAIN_THREAD_NODE_FLAGS, ...serverFlags].join(' '),
  },
  columns: [
    { key: 'run' },
    { key: 'viewSendTicks', title: 'send every (ticks)' },
    { key: 'bots' },
    { key: 'inWorld', title: 'in world' },
    { key: 'movesPerSec', title: 'moves/s sent' },
    { key: 'movesTarget', title: 'target' },
    { key: 'framesInPerSec', title: 'frames/s in' },
    { key: 'seenP50', title: 'seen p50 ms', digits: 1 },
    { key: 'seenP99', title: 'seen p99 ms', digits: 1 },
    { key: 'seenSamples', title: 'seen samples' },
    { key: 'superseded' },
    { key: 'late' },
    { key: 'unmatched' },
    { key: 'otherProcess', title: 'other process' },
    { key: 'rttP99', title: 'RTT p99 ms', digits: 1 },
    { key: 'tickP99Ms', title: 'tick p99 ≤ ms' },
    { key: 'serverCores', title: 'server cores', digits: 2 },
    { key: 'botCores', title: 'bot cores', digits: 2 },
    { key: 'serverUsPerMessage', title: 'server µs/msg', digits: 1 },
    { key: 'botsPerServer', title: 'bots ÷ server per msg', digits: 2 },
    { key: 'frameBytes', title: 'bytes/frame' },
    { key: 'bytesPerBotPerSec', title: 'bytes/s per bot' },
    { key: 'bareCores', title: 'bare cores', digits: 2 },
    { key: 'bareUsPerMessage', title: 'bare µs/msg', digits: 1 },
    { key: 'serverPerBare', title: 'server ÷ bare per msg', digits: 2 },
    { key: 'machineCores', title: 'machine cores', digits: 2 },
    { key: 'softirqCores', title: 'softirq cores', digits: 2 },
    { key: 'serverRssMiB', title: 'server RSS MiB', digits: 0 },
    { key: 'rssPerPlayerKiB', title: 'RSS/player KiB', digits: 0 },
    { key: 'errors' },
    { key: 'held' },
  ],
  rows: figures.map((f) => f.row),
  summary: {
    largestStepHeld: largestHeld,
    goalMet: largestHeld >= 2000,
    // With several settings, the largest step held by each: largestStepHeldSendingEvery2Ticks and so on.
    ...Object.fromEntries(config.viewSendTicks.slice(1).map((n) => [`largestStepHeldSendingEvery${n}Ticks`, largestHeldAt(n)])),
  },
  notes,
});
