/**
 * Runs a fleet of bots, in this process or spread over child processes (bench/bots/child.ts),
 * through one timeline, and merges what every group measured:
 *
 *   ramp     log-ins spread over `rampMs`, until every bot has tried;
 *   gather   until every bot in the world is inside its cluster, at most `gatherMs`;
 *   measure  `durationMs`: the window the distributions and rates cover;
 *   stopping the bots go on until the frames showing the moves they sent inside the window
 *            have arrived (at most GRACE_MS, bench/bots/group.ts), then log out.
 *
 * The run ends early once the errors pass `maxErrors`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { BotGroup, type GroupProgress, type GroupResult } from './group.ts';
import { Histogram, type Percentiles } from './histogram.ts';
import type { BotOptions } from './options.ts';

export type Phase = 'ramp' | 'gather' | 'measure' | 'stopping';

export interface FleetProgress extends GroupProgress {
  readonly phase: Phase;
  readonly elapsedS: number;
  /** Over the last second. */
  readonly framesPerSec: number;
  readonly movesPerSec: number;
}

export interface FleetHooks {
  /** Once a second. */
  onProgress?(progress: FleetProgress): void;
  /** Called as the window opens and before it closes: where the end-to-end benchmark reads the server's metrics. */
  onWindowOpen?(): Promise<void> | void;
  onWindowClose?(): Promise<void> | void;
}

export interface FleetResult {
  readonly bots: number;
  readonly processes: number;
  readonly loggedIn: number;
  readonly disconnects: number;
  readonly errors: Readonly<Record<string, number>>;
  /** With --fight: attacks sent, hits, kills, deaths and refusals, over the whole run. */
  readonly fights: Readonly<Record<string, number>>;
  readonly errorTotal: number;
  /** The errors passed maxErrors and the run was cut short. */
  readonly stoppedEarly: boolean;
  readonly windowSeconds: number;
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly movesSent: number;
  readonly seen: GroupResult['seen'];
  /** CPU time of the bots' processes over the window, seconds. */
  readonly cpuSeconds: number;
  readonly moveToSeenMs: Percentiles;
  readonly rttMs: Percentiles;
  /** Move-to-seen for moves seen from another zone than the mover's. */
  readonly moveToSeenAcrossMs: Percentiles;
  /** Travelling bots: from the move that took a bot across to hearing its new zone. */
  readonly handoverMs: Percentiles;
  readonly framesPerBotSecond: Percentiles;
  readonly bytesPerBotSecond: Percentiles;
}

/** A group of bots wherever it runs; `progress` is its latest report. */
interface GroupHandle {
  start(): Promise<void>;
  progress(): GroupProgress;
  openWindow(): void;
  stop(): Promise<GroupResult>;
}

/** Messages between the fleet and a child process (bench/bots/child.ts). */
export type ToChild = { type: 'start'; playerIds: number[]; options: BotOptions } | { type: 'window' } | { type: 'stop' };
export type FromChild = { type: 'progress' | 'started'; progress: GroupProgress } | { type: 'result'; result: GroupResult };

const NO_PROGRESS: GroupProgress = { bots: 0, attempted: 0, inWorld: 0, home: 0, framesIn: 0, movesSent: 0, errors: 0 };

function childGroup(playerIds: number[], options: BotOptions): GroupHandle {
  const child: ChildProcess = fork(new URL('./child.ts', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let latest: GroupProgress = { ...NO_PROGRESS, bots: playerIds.length };
  const waiting = new Map<FromChild['type'], (message: FromChild) => void>();
  const died = once(child, 'exit').then(([code]) => {
    throw new Error(`bot process ${child.pid} exited with code ${code} before it reported`);
  });
  died.catch(() => {});
  child.on('message', (message: FromChild) => {
    if (message.type !== 'result') latest = message.progress;
    waiting.get(message.type)?.(message);
  });
  const reply = (type: FromChild['type']): Promise<FromChild> => Promise.race([new Promise<FromChild>((resolve) => waiting.set(type, resolve)), died]);
  const send = (message: ToChild): void => void child.send(message);
  return {
    async start() {
      const started = reply('started');
      send({ type: 'start', playerIds, options });
      await started;
    },
    progress: () => latest,
    openWindow: () => send({ type: 'window' }),
    async stop() {
      const result = reply('result');
      send({ type: 'stop' });
      return ((await result) as Extract<FromChild, { type: 'result' }>).result;
    },
  };
}

/** Contiguous blocks of ids, so that a cluster's bots are mostly in one process and see each other there. */
function splitIds(options: BotOptions): number[][] {
  const processes = Math.min(options.processes, options.count);
  const per = Math.ceil(options.count / processes);
  return Array.from({ length: processes }, (_, k) => {
    const first = options.firstId + k * per;
    const last = Math.min(options.firstId + options.count, first + per);
    return Array.from({ length: Math.max(0, last - first) }, (_, i) => first + i);
  });
}

function mergeProgress(all: readonly GroupProgress[]): GroupProgress {
  const sum = (key: keyof GroupProgress): number => all.reduce((total, p) => total + p[key], 0);
  return { bots: sum('bots'), attempted: sum('attempted'), inWorld: sum('inWorld'), home: sum('home'), framesIn: sum('framesIn'), movesSent: sum('movesSent'), errors: sum('errors') };
}

function mergeResults(results: readonly GroupResult[], stoppedEarly: boolean): FleetResult {
  const histogram = (key: 'moveToSeenUs' | 'moveToSeenAcrossUs' | 'handoverUs' | 'rttUs' | 'framesPerBotSecond' | 'bytesPerBotSecond'): Histogram => {
    const merged = new Histogram();
    for (const result of results) merged.add(result[key]);
    return merged;
  };
  const sum = (key: 'bots' | 'loggedIn' | 'disconnects' | 'framesIn' | 'bytesIn' | 'movesSent' | 'cpuSeconds'): number =>
    results.reduce((total, r) => total + r[key], 0);
  const errors: Record<string, number> = {};
  for (const result of results) for (const [kind, count] of Object.entries(result.errors)) errors[kind] = (errors[kind] ?? 0) + count;
  const fights: Record<string, number> = {};
  for (const result of results) for (const [kind, count] of Object.entries(result.fights)) fights[kind] = (fights[kind] ?? 0) + count;
  return {
    bots: sum('bots'),
    processes: results.length,
    loggedIn: sum('loggedIn'),
    disconnects: sum('disconnects'),
    errors,
    fights,
    errorTotal: Object.values(errors).reduce((a, b) => a + b, 0),
    stoppedEarly,
    windowSeconds: Math.max(0, ...results.map((r) => r.windowSeconds)),
    framesIn: sum('framesIn'),
    bytesIn: sum('bytesIn'),
    movesSent: sum('movesSent'),
    seen: {
      superseded: results.reduce((t, r) => t + r.seen.superseded, 0),
      late: results.reduce((t, r) => t + r.seen.late, 0),
      unmatched: results.reduce((t, r) => t + r.seen.unmatched, 0),
      foreign: results.reduce((t, r) => t + r.seen.foreign, 0),
    },
    cpuSeconds: sum('cpuSeconds'),
    moveToSeenMs: histogram('moveToSeenUs').summary(1000),
    rttMs: histogram('rttUs').summary(1000),
    moveToSeenAcrossMs: histogram('moveToSeenAcrossUs').summary(1000),
    handoverMs: histogram('handoverUs').summary(1000),
    framesPerBotSecond: histogram('framesPerBotSecond').summary(),
    bytesPerBotSecond: histogram('bytesPerBotSecond').summary(),
  };
}

export async function runFleet(options: BotOptions, hooks: FleetHooks = {}): Promise<FleetResult> {
  const blocks = splitIds(options);
  const groups: GroupHandle[] = blocks.length === 1 ? [new BotGroup(blocks[0] as number[], options)] : blocks.map((ids) => childGroup(ids, options));
  const current = (): GroupProgress => mergeProgress(groups.map((g) => g.progress()));
  const startedAt = performance.now();
  let phase: Phase = 'ramp';
  let last = current();
  const tooManyErrors = new AbortController();
  const { signal } = tooManyErrors;

  const ticker = setInterval(() => {
    const now = current();
    hooks.onProgress?.({
      ...now,
      phase,
      elapsedS: (performance.now() - startedAt) / 1000,
      framesPerSec: now.framesIn - last.framesIn,
      movesPerSec: now.movesSent - last.movesSent,
    });
    last = now;
    if (now.errors > options.maxErrors) tooManyErrors.abort();
  }, 1000);

  try {
    await Promise.race([Promise.all(groups.map((g) => g.start())), once(signal, 'abort')]);
    if (!signal.aborted && current().inWorld > 0) {
      phase = 'gather';
      const gatherEnds = performance.now() + options.gatherMs;
      const everyoneHome = (): boolean => {
        const p = current();
        return p.home === p.inWorld;
      };
      // Polling: the groups' counts change with every move, and child groups report by message.
      while (!signal.aborted && !everyoneHome() && performance.now() < gatherEnds) await sleep(250);
      phase = 'measure';
      for (const group of groups) group.openWindow();
      await hooks.onWindowOpen?.();
      await sleep(options.durationMs, undefined, { signal }).catch(() => {});
      await hooks.onWindowClose?.();
    }
    phase = 'stopping';
    return mergeResults(await Promise.all(groups.map((g) => g.stop())), signal.aborted);
  } finally {
    clearInterval(ticker);
  }
}
