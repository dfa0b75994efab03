/**
 * A group of bots in one process: it logs them in over the ramp, counts what they send and
 * receive, and measures move-to-seen latency between its own bots (bench/bots/move-timer.ts).
 *
 * Distributions (latency, RTT, frames and bytes per bot-second) and traffic totals cover only
 * the measured window (`openWindow` … `stop`); errors and disconnects count from the start.
 * Latency and RTT samples belong to the window by their send time: after it closes, the bots
 * go on for up to GRACE_MS so that the answers to what was sent inside it still arrive.
 */
import type { FightCount } from './fighter.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorldFrame, ZoneClient } from '../../src/client/zone-client.ts';
import { Bot, type BotSink } from './bot.ts';
import { Histogram, type HistogramData } from './histogram.ts';
import { Metronome } from './metronome.ts';
import { MoveTimer, type SeenCounts, type SendWindow } from './move-timer.ts';
import type { BotOptions } from './options.ts';

/** The longest wait after the window for the frames of moves sent inside it: 20 ticks at 20 Hz. */
export const GRACE_MS = 1000;
/** How often the wait checks whether anything is still missing: once a tick at 20 Hz. */
const GRACE_CHECK_MS = 50;

/** Live counters, sent up once a second. */
export interface GroupProgress {
  readonly bots: number;
  /** Bots whose log-in attempt is over, whatever its outcome. */
  readonly attempted: number;
  readonly inWorld: number;
  readonly home: number;
  readonly framesIn: number;
  readonly movesSent: number;
  readonly errors: number;
}

export interface GroupResult {
  readonly bots: number;
  readonly loggedIn: number;
  readonly disconnects: number;
  readonly errors: Readonly<Record<string, number>>;
  /** With --fight: attacks sent, and what they came to, by kind. */
  readonly fights: Readonly<Record<string, number>>;
  /** Move-to-seen, µs. */
  readonly moveToSeenUs: HistogramData;
  readonly rttUs: HistogramData;
  /** Move-to-seen for moves seen from another zone than the mover's. */
  readonly moveToSeenAcrossUs: HistogramData;
  /** Travelling bots: from the move that took a bot across to hearing its new zone. */
  readonly handoverUs: HistogramData;
  /** Frames (bytes) each connected bot received in each whole second of the window. */
  readonly framesPerBotSecond: HistogramData;
  readonly bytesPerBotSecond: HistogramData;
  readonly windowSeconds: number;
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly movesSent: number;
  /**
   * How complete move-to-seen is. Besides the counts of the move timer, `late`: samples (move
   * sent inside the window, viewer of its mover) whose frame had not arrived by the end of the grace.
   */
  readonly seen: Readonly<SeenCounts> & { readonly late: number };
  /** This process's CPU time over the window (all its threads). */
  readonly cpuSeconds: number;
}

export class BotGroup implements BotSink {
  private readonly bots: Bot[];
  private readonly clocks: { moves: Metronome; pings: Metronome };
  private readonly errorCounts = new Map<string, number>();
  private readonly fightCounts = new Map<string, number>();
  private errorTotal = 0;
  private disconnects = 0;
  private attempted = 0;
  private loggedIn = 0;
  private readonly rampMs: number;
  private rampTimers: NodeJS.Timeout[] = [];

  /** Send times measured; nothing until the window opens. */
  private readonly sendWindow: SendWindow = { from: Infinity, to: Infinity };
  private readonly moveTimer = new MoveTimer(this.sendWindow);
  private readonly rttUs = new Histogram();
  private readonly handoverUs = new Histogram();
  private readonly framesPerBotSecond = new Histogram();
  private readonly bytesPerBotSecond = new Histogram();
  private window: { startedAt: number; cpu: NodeJS.CpuUsage; frames: number; bytes: number; moves: number } | undefined;
  /** Each bot's traffic at the last per-second sample. */
  private lastFrames: number[] = [];
  private lastBytes: number[] = [];
  private sampler: NodeJS.Timeout | undefined;

  constructor(playerIds: readonly number[], options: BotOptions) {
    this.clocks = { moves: new Metronome(1000 / options.rate), pings: new Metronome(options.pingIntervalMs) };
    this.bots = playerIds.map((id) => new Bot(id, options, this, this.clocks));
    this.rampMs = options.rampMs;
  }

  /** Logs the bots in, evenly spread over the ramp; resolves once every one has tried. */
  start(): Promise<void> {
    const bots = this.bots;
    const gap = bots.length > 1 ? this.rampMs / (bots.length - 1) : 0;
    return new Promise((resolve) => {
      if (bots.length === 0) resolve();
      bots.forEach((bot, i) => {
        const logIn = (): void => {
          void bot.start().then(() => {
            this.attempted++;
            if (bot.inWorld) this.loggedIn++;
            if (this.attempted === bots.length) resolve();
          });
        };
        this.rampTimers.push(setTimeout(logIn, i * gap));
      });
    });
  }

  progress(): GroupProgress {
    let inWorld = 0;
    let home = 0;
    let framesIn = 0;
    let movesSent = 0;
    for (const bot of this.bots) {
      if (bot.inWorld) inWorld++;
      if (bot.inWorld && bot.home) home++;
      framesIn += bot.traffic.frames;
      movesSent += bot.movesSent;
    }
    return { bots: this.bots.length, attempted: this.attempted, inWorld, home, framesIn, movesSent, errors: this.errorTotal };
  }

  openWindow(): void {
    const totals = this.totals();
    this.window = { startedAt: performance.now(), cpu: process.cpuUsage(), ...totals };
    this.lastFrames = this.bots.map((bot) => bot.traffic.frames);
    this.lastBytes = this.bots.map((bot) => bot.traffic.bytes);
    this.sendWindow.from = this.window.startedAt;
    this.sampler = setInterval(() => this.samplePerBotSecond(), 1000);
  }

  /** Closes the window, waits for what was sent inside it, logs every bot out and returns the results. */
  async stop(): Promise<GroupResult> {
    const window = this.window;
    const closedAt = performance.now();
    const cpu = window ? process.cpuUsage(window.cpu) : undefined;
    const totals = this.totals();
    this.sendWindow.to = closedAt;
    clearInterval(this.sampler);
    for (const timer of this.rampTimers) clearTimeout(timer);
    const late = window ? await this.awaitInFlight() : 0;
    await Promise.all(this.bots.map((bot) => bot.stop()));
    this.clocks.moves.stop();
    this.clocks.pings.stop();
    return {
      bots: this.bots.length,
      loggedIn: this.loggedIn,
      disconnects: this.disconnects,
      errors: Object.fromEntries(this.errorCounts),
      fights: Object.fromEntries(this.fightCounts),
      moveToSeenUs: this.moveTimer.latencyUs.toData(),
      rttUs: this.rttUs.toData(),
      moveToSeenAcrossUs: this.moveTimer.acrossLatencyUs.toData(),
      handoverUs: this.handoverUs.toData(),
      framesPerBotSecond: this.framesPerBotSecond.toData(),
      bytesPerBotSecond: this.bytesPerBotSecond.toData(),
      windowSeconds: window ? (closedAt - window.startedAt) / 1000 : 0,
      framesIn: window ? totals.frames - window.frames : 0,
      bytesIn: window ? totals.bytes - window.bytes : 0,
      movesSent: window ? totals.moves - window.moves : 0,
      seen: { ...this.moveTimer.counts, late },
      cpuSeconds: cpu ? (cpu.user + cpu.system) / 1e6 : 0,
    };
  }

  /**
   * Lets the bots go on (moving at their rate, so that the load stays what it was) until every
   * move sent inside the window has reached each viewer of its mover, or GRACE_MS have passed;
   * returns the samples still missing then.
   */
  private async awaitInFlight(): Promise<number> {
    const deadline = performance.now() + GRACE_MS;
    let missing = this.moveTimer.pending();
    while (missing > 0 && performance.now() < deadline) {
      await sleep(GRACE_CHECK_MS);
      missing = this.moveTimer.pending();
    }
    return missing;
  }

  private totals(): { frames: number; bytes: number; moves: number } {
    let frames = 0;
    let bytes = 0;
    let moves = 0;
    for (const bot of this.bots) {
      frames += bot.traffic.frames;
      bytes += bot.traffic.bytes;
      moves += bot.movesSent;
    }
    return { frames, bytes, moves };
  }

  /** One sample per bot in the world for the second just gone. */
  private samplePerBotSecond(): void {
    this.bots.forEach((bot, i) => {
      const { frames, bytes } = bot.traffic;
      if (bot.inWorld) {
        this.framesPerBotSecond.record(frames - (this.lastFrames[i] ?? 0));
        this.bytesPerBotSecond.record(bytes - (this.lastBytes[i] ?? 0));
      }
      this.lastFrames[i] = frames;
      this.lastBytes[i] = bytes;
    });
  }

  // ---------------------------------------------------------------- BotSink

  error(kind: string): void {
    this.errorCounts.set(kind, (this.errorCounts.get(kind) ?? 0) + 1);
    this.errorTotal++;
  }

  fought(what: FightCount): void {
    this.fightCounts.set(what, (this.fightCounts.get(what) ?? 0) + 1);
  }

  moveSent(zoneId: number, entityId: number, x: number, y: number, sentAt: number): void {
    this.moveTimer.log.record(zoneId, entityId, x, y, sentAt);
  }

  update(client: ZoneClient, update: WorldFrame, receivedAt: number): void {
    const zoneId = client.self?.zoneId;
    if (zoneId !== undefined) this.moveTimer.frame(client, zoneId, update, client, receivedAt);
  }

  rtt(ms: number, sentAt: number): void {
    if (sentAt >= this.sendWindow.from && sentAt <= this.sendWindow.to) this.rttUs.record(ms * 1000);
  }

  handedOver(ms: number, sentAt: number): void {
    if (sentAt >= this.sendWindow.from && sentAt <= this.sendWindow.to) this.handoverUs.record(ms * 1000);
  }

  disconnected(client: ZoneClient): void {
    this.disconnects++;
    this.moveTimer.forgetViewer(client);
    const self = client.self;
    if (self) this.moveTimer.log.forget(self.entityId);
  }
}
