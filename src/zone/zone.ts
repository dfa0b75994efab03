/**
 * One zone's simulation. `tick(nowMs)` runs the phases in order:
 *   1. take jobs — the inbound ring's jobs of this tick: joins apply at once, moves, trade and
 *                  mail requests and leaves queue in arrival order (job-queue.ts);
 *   2. logic     — the queued jobs apply in order (moves validated, with corrections for
 *                  rejected ones), and the NPCs walk;
 *   3. view      — the view system works out each viewer's news (view/view-system.ts);
 *   4. encode    — one WorldUpdate frame per viewer with news, written in place into a batch that
 *                  goes into the outbound ring with one reservation per batch (frame-outbox.ts);
 * then the tick's change lists are cleared and the write-back sends what is due.
 *
 * The tick's `nowMs` is the zone's only clock: play time, write-back due times and every retry's
 * backoff are counted in it (tick-timers.ts), and nothing here sets a timer, so tests drive a
 * zone by calling `tick` by hand.
 */
import { ZoneLimits } from '../config/limits.ts';
import { ChatChannel, EntityKind, MoveField, MoveRejectReason, encodeServerMessage, toCentimetres, type ServerMessageInit } from '../protocol/messages.ts';
import { TradeReasons, type TradeReason } from '../protocol/reasons.ts';
import type { CharacterSnapshot } from '../storage/character-store.ts';
import type { GrantRequest, GrantResult } from '../storage/economy-store.ts';
import type { ChatJob, JoinJob, MoveJob } from '../thread-messages/jobs.ts';
import type { DropReason } from '../thread-messages/zone-control.ts';
import { ZoneEconomy, type ZoneEconomyStore } from './economy/zone-economy.ts';
import { FrameOutbox, type FrameCounters, type FrameSink } from './frame-outbox.ts';
import { JobQueue, type JobSource } from './job-queue.ts';
import { checkMove, fullMoveBudget, type MoveRules } from './movement.ts';
import { Wanderers } from './npcs.ts';
import { TickTimers } from './tick-timers.ts';
import { WorldUpdateWriter } from './view/world-update-writer.ts';
import type { ViewSystem } from './view/view-system.ts';
import type { EntityIdSource } from './world/entity-ids.ts';
import { World, type Player } from './world/world.ts';
import { WriteBack, type WriteBackStore } from './write-back.ts';
import type { ZoneConfig } from '../config/world.ts';

export type { FrameSink } from './frame-outbox.ts';
export type { JobSource } from './job-queue.ts';

/** What a zone needs of the store: write-back, and reading and changing inventories. */
export type ZoneStore = WriteBackStore & ZoneEconomyStore;

export interface ZoneSettings {
  readonly zone: ZoneConfig;
  readonly tickHz: number;
  readonly maxSpeedMps: number;
  readonly speedTolerance: number;
  readonly npcs: number;
  /** Seed of the NPCs' walks. */
  readonly npcSeed: number;
  /** Where entity ids come from; a zone of its own counts them itself (tests, benchmarks). */
  readonly entityIds?: EntityIdSource;
  readonly flushIntervalMs: number;
  readonly flushBatchRows: number;
}

/** Counters the worker folds into its metrics; they only grow. */
export interface ZoneCounters extends FrameCounters {
  jobs: number;
  movesRejected: number;
}

/** What the zone tells its host about. */
export interface ZoneHooks {
  /**
   * The zone removed this session's player on its own: its frames did not fit into the outbound
   * ring, or another log-in owns its character now.
   */
  sessionDropped(sessionId: number, reason: DropReason): void;
  /** A frame of `bytes` went into the outbound ring. */
  frameSent?(bytes: number): void;
  /** A leaver's final state is written (`saved`) or was refused as stale, and its character released. */
  released?(playerId: number, sessionId: number, saved: boolean): void;
  /** A store call failed: write-back ones are retried after `retryInMs`; an inventory read is not (the next change reads again). */
  storeFailed?(err: unknown, what: 'save' | 'release' | 'load inventory' | 'trade' | 'mail', retryInMs: number): void;
}

/** How long each phase of the last tick took, ms. */
export interface PhaseTimes {
  jobs: number;
  logic: number;
  view: number;
  encode: number;
}

export class Zone {
  readonly world: World;
  readonly counters: ZoneCounters = { jobs: 0, framesOut: 0, bytesOut: 0, framesRejected: 0, movesRejected: 0 };
  readonly phases: PhaseTimes = { jobs: 0, logic: 0, view: 0, encode: 0 };
  tickNumber = 0;

  /** Writes players back to the store; absent when the zone runs without one (tests, benchmarks). */
  readonly writeBack: WriteBack | undefined;
  /** Inventories, trades, mail and grants; absent without a store. */
  private readonly economy: ZoneEconomy | undefined;
  private readonly rules: MoveRules;
  private readonly queue = new JobQueue();
  private readonly timers = new TickTimers();
  private lastTickMs: number | undefined;
  /** Set once the zone is stopping: every player leaves and none may stay. */
  private stopping = false;
  private readonly wanderers: Wanderers;
  private readonly writer: WorldUpdateWriter;
  private readonly outbox: FrameOutbox;
  private readonly settings: ZoneSettings;
  private readonly jobs: JobSource;
  private readonly view: ViewSystem;

  /** Without a store (tests, benchmarks) nothing is written back and players have no inventory. */
  constructor(settings: ZoneSettings, jobs: JobSource, frames: FrameSink, view: ViewSystem, hooks: ZoneHooks, store?: ZoneStore) {
    this.settings = settings;
    this.world = new World(settings.entityIds);
    this.jobs = jobs;
    this.view = view;
    this.rules = {
      maxSpeedMps: settings.maxSpeedMps,
      speedTolerance: settings.speedTolerance,
      widthM: settings.zone.widthM,
      heightM: settings.zone.heightM,
    };
    this.outbox = new FrameOutbox(frames, this.counters, hooks);
    this.writer = new WorldUpdateWriter(view, this.world.bySlot);
    this.economy = store
      ? new ZoneEconomy(store, this.timers.after, {
          send: (sessionId, message) => this.send(sessionId, message),
          failed: (err, what, retryInMs) => hooks.storeFailed?.(err, what, retryInMs),
        })
      : undefined;
    this.wanderers = new Wanderers(this.world, settings.npcs, settings.zone.widthM, settings.zone.heightM, settings.npcSeed);
    this.writeBack = store
      ? new WriteBack(
          { flushIntervalMs: settings.flushIntervalMs, flushBatchRows: settings.flushBatchRows },
          store,
          {
            released: (playerId, sessionId, saved) => hooks.released?.(playerId, sessionId, saved),
            staleOwner: (player) => this.outbox.drop(player.sessionId, 'stale_owner'),
            failed: (err, what, retryInMs) => hooks.storeFailed?.(err, what, retryInMs),
          },
          (player) => this.snapshotOf(player),
        )
      : undefined;
  }

  get id(): number {
    return this.settings.zone.id;
  }

  tick(nowMs: number): void {
    const phases = this.phases;
    const t0 = performance.now();
    this.timers.advance(nowMs);
    this.tickNumber++;
    this.removeDroppedSessions();
    this.counters.jobs += this.queue.take(this.jobs, ZoneLimits.maxJobsPerTick, this.id, this.onJoin);
    const t1 = performance.now();
    this.applyQueuedJobs();
    if (this.stopping) this.everyoneLeaves();
    const dtS = this.lastTickMs === undefined ? 0 : (nowMs - this.lastTickMs) / 1000;
    this.lastTickMs = nowMs;
    this.wanderers.step(this.world, dtS);
    const t2 = performance.now();
    const results = this.view.update(this.world, this.tickNumber);
    const t3 = performance.now();
    this.sendUpdates(results.count);
    this.outbox.flush();
    this.world.endTick();
    this.writeBack?.tick(this.world.playersBySession.values(), nowMs);
    const t4 = performance.now();
    phases.jobs = t1 - t0;
    phases.logic = t2 - t1;
    phases.view = t3 - t2;
    phases.encode = t4 - t3;
  }

  // ---------------------------------------------------------------- stopping

  /**
   * Stopping: from the next tick on, the jobs still in the ring (the gateway's last LEAVEs) are
   * taken, then every player leaves and is written back; the ticks go on so that retries happen.
   * `stopped` says when all of that is done.
   */
  beginStop(): void {
    this.stopping = true;
  }

  /** True once a stopping zone has no player, no trade or mail waiting and nothing unwritten. */
  get stopped(): boolean {
    return this.stopping && this.world.playersBySession.size === 0 && !this.writeBack?.hasLeavers && (this.economy?.inFlight ?? 0) === 0;
  }

  /** Trades and mail waiting for the store's answer. */
  get economyInFlight(): number {
    return this.economy?.inFlight ?? 0;
  }

  /** Players whose last state is not in the database (for the shutdown report). */
  unsaved(): number[] {
    return this.writeBack?.unsavedLeavers() ?? [];
  }

  private everyoneLeaves(): void {
    this.removeDroppedSessions();
    for (const player of [...this.world.playersBySession.values()]) this.leave(player.sessionId);
  }

  // ---------------------------------------------------------------- economy from outside

  /** A grant for a player who may be here: committed first, then shown to the player (zone-economy.ts). */
  grant(request: GrantRequest): Promise<GrantResult> {
    if (!this.economy) return Promise.reject(new Error(`zone ${this.id} has no store`));
    return this.economy.grant(request, this.world);
  }

  /** Escrow for a trade across zones (zone-economy.ts). */
  holdForTrade(playerId: number, gold: number, itemIds: readonly number[]): { holdId: number } | { reason: TradeReason } {
    if (!this.economy) return { reason: TradeReasons.inventoryLoading };
    return this.economy.holdForTrade(this.world, playerId, gold, itemIds);
  }

  releaseTradeHold(holdId: number, committed: boolean): void {
    this.economy?.releaseTradeHold(holdId, committed);
  }

  // ---------------------------------------------------------------- phase 1: joins

  private readonly onJoin = (sessionId: number, join: JoinJob): void => {
    const { playerId } = join;
    // One entity per player. The gateway releases an older session's player before a new log-in
    // loads the character, so this happens only if that went wrong; the old copy is stale then.
    const previous = this.world.playersById.get(playerId);
    if (previous) this.leave(previous.sessionId);
    const { zone } = this.settings;
    const nowMs = this.timers.now;
    // A character saved in a zone that has since shrunk starts at the spawn point.
    const inside = join.x >= 0 && join.x <= zone.widthM && join.y >= 0 && join.y <= zone.heightM;
    const player = this.world.addPlayer({
      kind: EntityKind.ENTITY_KIND_PLAYER,
      playerId,
      sessionId,
      x: inside ? join.x : zone.spawnXM,
      y: inside ? join.y : zone.spawnYM,
      heading: join.heading,
      lastMoveSeq: 0,
      moveBudgetM: fullMoveBudget(this.rules),
      budgetAtMs: nowMs,
      hp: join.hp,
      level: join.level,
      exp: join.exp,
      playTimeS: join.playTimeS,
      joinedAtMs: nowMs,
      persisted: this.writeBack?.track(join.epoch, nowMs) ?? { epoch: join.epoch, version: 0, savedVersion: 0, nextSaveAtMs: Number.POSITIVE_INFINITY },
      inventory: undefined,
    });
    this.economy?.refreshInventory(player);
    // Moved from where it was saved: the new position is news for the database too.
    if (!inside) player.persisted.version++;
    this.send(sessionId, {
      login: {
        accepted: {
          playerId,
          entityId: player.id,
          zoneId: zone.id,
          xCm: toCentimetres(player.x),
          yCm: toCentimetres(player.y),
          heading: player.heading,
          zoneWidth: zone.widthM,
          zoneHeight: zone.heightM,
          tickHz: this.settings.tickHz,
        },
      },
    });
  };

  /** The player's state as the database should have it. */
  private snapshotOf(player: Player): CharacterSnapshot {
    return {
      playerId: player.playerId,
      epoch: player.persisted.epoch,
      state: {
        zoneId: this.settings.zone.id,
        x: player.x,
        y: player.y,
        heading: player.heading,
        hp: player.hp,
        level: player.level,
        exp: player.exp,
        playTimeS: player.playTimeS + Math.floor((this.timers.now - player.joinedAtMs) / 1000),
      },
    };
  }

  /** The player leaves the zone; its state is written back unless another owner has it now. */
  private leave(sessionId: number, stale = false): void {
    const player = this.world.playersBySession.get(sessionId);
    if (!player) return;
    this.world.removePlayer(player);
    this.economy?.left(player);
    if (!stale) this.writeBack?.leave(player, sessionId);
  }

  private removeDroppedSessions(): void {
    this.outbox.takeDropped((sessionId, reason) => this.leave(sessionId, reason === 'stale_owner'));
  }

  // ---------------------------------------------------------------- phase 2: logic

  private applyQueuedJobs(): void {
    const { sessions, jobs, count } = this.queue;
    for (let i = 0; i < count; i++) {
      const sessionId = sessions[i] as number;
      const job = jobs[i];
      if (!job) {
        this.leave(sessionId);
        continue;
      }
      if ('text' in job) {
        this.chat(sessionId, job);
        continue;
      }
      const player = this.world.playersBySession.get(sessionId);
      // A request from a session that has left (or was never let in) is dropped.
      if (!player) continue;
      if ('action' in job) this.economy?.handle(this.world, player, job);
      else this.applyMove(player, job);
    }
    this.queue.clear();
    this.economy?.afterMoves();
  }

  /**
   * Delivers a chat message: said, to the players who see the speaker (as of the last view
   * update) and the speaker; to the whole zone; whispered, to the one listener (the key); from the
   * system (key 0), to the whole zone. A speaker or listener no longer here hears nothing.
   */
  private chat(sessionId: number, job: ChatJob): void {
    const { channel } = job;
    // The system speaks to the whole zone with no speaker; everyone else needs to be here.
    const speaker = channel === ChatChannel.CHAT_CHANNEL_SYSTEM ? undefined : this.world.playersBySession.get(sessionId);
    if (channel !== ChatChannel.CHAT_CHANNEL_SYSTEM && !speaker) return;
    // A whisper's speaker may be in another zone: the key is the listener, and no entity is named.
    const fromEntityId = channel === ChatChannel.CHAT_CHANNEL_WHISPER ? 0 : (speaker?.id ?? 0);
    // Encoded once, however many hear it.
    const frame = encodeServerMessage({ chat: { channel, fromEntityId, fromPlayerId: job.fromPlayerId, fromName: job.fromName, text: job.text } });
    if (channel === ChatChannel.CHAT_CHANNEL_ZONE || channel === ChatChannel.CHAT_CHANNEL_SYSTEM) {
      for (const player of this.world.playersBySession.values()) this.outbox.sendEncoded(player.sessionId, frame);
      return;
    }
    this.outbox.sendEncoded(sessionId, frame);
    if (channel === ChatChannel.CHAT_CHANNEL_WHISPER) return;
    for (const slot of this.view.viewersOf((speaker as Player).slot)) {
      const viewer = this.world.bySlot[slot];
      // Only players have visible sets, so every viewer is one.
      if (viewer && !viewer.removed) this.outbox.sendEncoded((viewer as Player).sessionId, frame);
    }
  }

  private applyMove(player: Player, move: MoveJob): void {
    const verdict = checkMove(player, move, this.timers.now, this.rules);
    if (verdict !== MoveRejectReason.MOVE_REJECT_REASON_UNSPECIFIED) {
      this.counters.movesRejected++;
      this.send(player.sessionId, {
        correction: { seq: move.seq, reason: verdict, xCm: toCentimetres(player.x), yCm: toCentimetres(player.y), heading: player.heading },
      });
      return;
    }
    let fields = 0;
    if (move.x !== player.x || move.y !== player.y) fields |= MoveField.MOVE_FIELD_POSITION;
    if (move.heading !== player.heading) fields |= MoveField.MOVE_FIELD_HEADING;
    if (fields === 0) return;
    player.x = move.x;
    player.y = move.y;
    player.heading = move.heading;
    this.world.markChanged(player, fields);
    player.persisted.version++;
  }

  // ---------------------------------------------------------------- phase 4: encode

  private sendUpdates(viewers: number): void {
    const { viewerSlots } = this.view.results;
    const outbox = this.outbox;
    this.writer.beginTick(this.tickNumber, this.world.slotCount);
    for (let i = 0; i < viewers; i++) {
      const sessionId = (this.world.bySlot[viewerSlots[i] as number] as Player).sessionId;
      const at = outbox.stage(sessionId, this.writer.measure(i));
      if (at >= 0) this.writer.write(outbox.batch.bytes, at);
    }
  }

  private send(sessionId: number, message: ServerMessageInit): void {
    this.outbox.send(sessionId, message);
  }
}
