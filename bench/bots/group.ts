/**
 * A group of bots in one process: it logs them in over the ramp, counts what they send and
 * receive, and measures move-to-seen latency between its own bots through one shared SendLog.
 *
 * Distributions (latency, RTT, frames and bytes per bot-second) and traffic totals are kept only
 * inside the measured window (`openWindow` … `stop`); errors and disconnects count from the start.
 */
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { MoveField, type WorldUpdate } from '../../src/protocol/messages.ts';
import { Bot, type BotSink } from './bot.ts';
import { Histogram, type HistogramData } from './histogram.ts';
import { Metronome } from './metronome.ts';
import type { BotOptions } from './options.ts';
import { SendLog } from './send-log.ts';

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
  /** Move-to-seen, µs. */
  readonly moveToSeenUs: HistogramData;
  readonly rttUs: HistogramData;
  /** Frames (bytes) each connected bot received in each whole second of the window. */
  readonly framesPerBotSecond: HistogramData;
  readonly bytesPerBotSecond: HistogramData;
  readonly windowSeconds: number;
  readonly framesIn: number;
  readonly bytesIn: number;
  readonly movesSent: number;
  /** Moves of other entities seen in the window: matched to a send, from this group's bots but not matched, from entities of no bot of this group. */
  readonly seen: { readonly matched: number; readonly unmatched: number; readonly foreign: number };
  /** This process's CPU time over the window (all its threads). */
  readonly cpuSeconds: number;
}

export class BotGroup implements BotSink {
  private readonly bots: Bot[];
  private readonly clocks: { moves: Metronome; pings: Metronome };
  private readonly sendLog = new SendLog();
  private readonly errorCounts = new Map<string, number>();
  private errorTotal = 0;
  private disconnects = 0;
  private attempted = 0;
  private loggedIn = 0;
  private readonly rampMs: number;
  private rampTimers: NodeJS.Timeout[] = [];

  private measuring = false;
  private readonly moveToSeenUs = new Histogram();
  private readonly rttUs = new Histogram();
  private readonly framesPerBotSecond = new Histogram();
  private readonly bytesPerBotSecond = new Histogram();
  private readonly seen = { matched: 0, unmatched: 0, foreign: 0 };
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
    this.measuring = true;
    this.sampler = setInterval(() => this.samplePerBotSecond(), 1000);
  }

  /** Closes the window, logs every bot out and returns the results. */
  async stop(): Promise<GroupResult> {
    const window = this.window;
    const closedAt = performance.now();
    const cpu = window ? process.cpuUsage(window.cpu) : undefined;
    const totals = this.totals();
    this.measuring = false;
    clearInterval(this.sampler);
    for (const timer of this.rampTimers) clearTimeout(timer);
    await Promise.all(this.bots.map((bot) => bot.stop()));
    this.clocks.moves.stop();
    this.clocks.pings.stop();
    return {
      bots: this.bots.length,
      loggedIn: this.loggedIn,
      disconnects: this.disconnects,
      errors: Object.fromEntries(this.errorCounts),
      moveToSeenUs: this.moveToSeenUs.toData(),
      rttUs: this.rttUs.toData(),
      framesPerBotSecond: this.framesPerBotSecond.toData(),
      bytesPerBotSecond: this.bytesPerBotSecond.toData(),
      windowSeconds: window ? (closedAt - window.startedAt) / 1000 : 0,
      framesIn: window ? totals.frames - window.frames : 0,
      bytesIn: window ? totals.bytes - window.bytes : 0,
      movesSent: window ? totals.moves - window.moves : 0,
      seen: { ...this.seen },
      cpuSeconds: cpu ? (cpu.user + cpu.system) / 1e6 : 0,
    };
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

  moveSent(zoneId: number, entityId: number, x: number, y: number, sentAt: number): void {
    this.sendLog.record(zoneId, entityId, x, y, sentAt);
  }

  update(client: ZoneClient, update: WorldUpdate, receivedAt: number): void {
    const zoneId = client.self?.zoneId;
    if (!this.measuring || zoneId === undefined) return;
    // Only position changes: the position is what identifies the move that was sent.
    const { moveEntityIds: ids, moveMasks: masks } = update;
    for (let i = 0; i < ids.length; i++) {
      if (!((masks[i] ?? 0) & MoveField.MOVE_FIELD_POSITION)) continue;
      const id = ids[i] as number;
      const entity = client.entities.get(id);
      if (!entity) continue;
      const sentAt = this.sendLog.sentAt(zoneId, id, entity.xCm, entity.yCm);
      if (sentAt !== undefined) {
        this.moveToSeenUs.record((receivedAt - sentAt) * 1000);
        this.seen.matched++;
      } else if (this.sendLog.owns(zoneId, id)) {
        this.seen.unmatched++;
      } else {
        this.seen.foreign++;
      }
    }
  }

  rtt(ms: number): void {
    if (this.measuring) this.rttUs.record(ms * 1000);
  }

  disconnected(zoneId: number, entityId: number): void {
    this.disconnects++;
    this.sendLog.forget(zoneId, entityId);
  }
}
