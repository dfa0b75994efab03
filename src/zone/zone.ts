/**
 * One zone's simulation. `tick(nowMs)` runs the phases in order:
 *   1. drain jobs   — take this tick's jobs from the inbound ring; joins apply at once, moves
 *                     and leaves are queued in arrival order;
 *   2. logic        — apply the queued moves (validated, corrections for rejected ones) and
 *                     leaves in order, and walk the NPCs;
 *   3. view         — the view system works out each viewer's news (view/interest.ts);
 *   4. encode       — one WorldUpdate frame per viewer with news, written in place into a batch
 *                     that goes into the outbound ring with one reservation per batch;
 * then the tick's change lists are cleared. Nothing here knows about threads or timers, so tests
 * drive it by calling `tick` by hand.
 */
import type { ZoneConfig } from '../config/config.ts';
import { EconomyAction, JOIN_JOB_BYTES, JobKind, JobReader, LEAVE_JOB_BYTES, MOVE_JOB_BYTES, type EconomyJob, type JoinJob, type MoveJob } from '../thread-messages/jobs.ts';
import { EntityKind, MoveField, MoveRejectReason, encodeServerMessage, toCentimetres, type ServerMessageInit } from '../protocol/messages.ts';
import type { DropReason } from '../thread-messages/zone-control.ts';
import { RecordBatch } from '../ring/record-batch.ts';
import type { CharacterSnapshot } from '../storage/character-store.ts';
import type { ViewSystem } from './view/view-system.ts';
import { WorldUpdateWriter } from './view/world-update-writer.ts';
import { checkMove, fullMoveBudget, type MoveRules } from './movement.ts';
import { Wanderers } from './npcs.ts';
import { World, type Player } from './world/world.ts';
import { Escrows } from './economy/escrow.ts';
import { Mailroom } from './economy/mailroom.ts';
import { Trades } from './economy/trades.ts';
import { WriteBack, type WriteBackStore } from './write-back.ts';
import type { EconomyStore, GrantRequest, GrantResult } from '../storage/economy-store.ts';

/** What a zone needs of the store: write-back, and reading and changing inventories. */
export type ZoneStore = WriteBackStore & Pick<EconomyStore, 'loadInventory' | 'grant' | 'trade' | 'sendMail' | 'claimMail' | 'listMail'>;

/** Where jobs come from: the consumer side of the inbound ring. */
export interface JobSource {
  drainRaw(handler: (key: number, data: Uint8Array, offset: number, length: number) => void, maxRecords?: number): number;
}

/** Where frames go: the producer side of the outbound ring. */
export interface FrameSink {
  /** The largest frame the sink can ever take; a larger one is never tried. */
  readonly maxPayloadBytes: number;
  /** Writes the longest prefix of batch records [from, count) that fits; returns how many. */
  tryWriteBatch(batch: RecordBatch, from: number): number;
}

export interface ZoneSettings {
  readonly zone: ZoneConfig;
  readonly tickHz: number;
  readonly maxSpeedMps: number;
  readonly speedTolerance: number;
  readonly npcs: number;
  /** Seed of the NPCs' walks. */
  readonly npcSeed: number;
  readonly flushIntervalMs: number;
  readonly flushBatchRows: number;
}

/** Counters the worker folds into its metrics; they only grow. */
export interface ZoneCounters {
  jobs: number;
  framesOut: number;
  bytesOut: number;
  /** Frames that did not fit into the outbound ring (each drops its session). */
  framesRejected: number;
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

/** A cap per tick so that a flooded ring cannot stretch one tick without bound. */
export const MAX_JOBS_PER_TICK = 50_000;
/** Frames are staged in batches of this size before they go into the outbound ring. */
const FRAME_BATCH_BYTES = 256 * 1024;

export class Zone {
  readonly world = new World();
  readonly counters: ZoneCounters = { jobs: 0, framesOut: 0, bytesOut: 0, framesRejected: 0, movesRejected: 0 };
  readonly phases: PhaseTimes = { jobs: 0, logic: 0, view: 0, encode: 0 };
  tickNumber = 0;

  /** Writes players back to the store; absent when the zone runs without one (tests, benchmarks). */
  readonly writeBack: WriteBack | undefined;
  private readonly store: ZoneStore | undefined;
  /** Trade windows and mail (sharing one escrow); absent without a store. */
  readonly trades: Trades | undefined;
  private readonly mailroom: Mailroom | undefined;
  /** Escrow held here for trades across zones, which the gateway runs. */
  private readonly remoteHolds = new Map<number, { player: Player; release: () => void }>();
  private nextHoldId = 1;
  private readonly escrows = new Escrows();
  /** The latest inventory read asked for each player: older answers are dropped. */
  private readonly inventoryReads = new Map<number, number>();
  private nextInventoryRead = 1;
  private readonly rules: MoveRules;
  private readonly reader = new JobReader();
  private readonly joinJob: JoinJob = { playerId: 0, epoch: 0, x: 0, y: 0, heading: 0, hp: 0, level: 0, exp: 0, playTimeS: 0 };
  /**
   * Moves, trade requests and leaves drained this tick, in arrival order: session ids and the
   * decoded job (undefined marks a leave). A leave waits its turn so that a session's moves
   * before it count, and reach the database with its final state.
   */
  private readonly queuedSessions: number[] = [];
  private readonly queuedMoves: (MoveJob | EconomyJob | undefined)[] = [];
  private readonly spareMoves: MoveJob[] = [];
  private queuedCount = 0;
  private nowMs = 0;
  private lastTickMs: number | undefined;
  private readonly wanderers: Wanderers;
  private readonly writer: WorldUpdateWriter;
  /** This tick's frames, staged in place; the session and length of each record. */
  private readonly frameBatch = new RecordBatch(FRAME_BATCH_BYTES);
  private readonly batchSessions: number[] = [];
  private readonly batchLengths: number[] = [];
  private readonly maxFrameBytes: number;
  /** Sessions dropped this tick (frames that did not fit, stale owners); their players leave at the next tick's start. */
  private readonly droppedSessions = new Map<number, DropReason>();
  private readonly settings: ZoneSettings;
  private readonly jobs: JobSource;
  private readonly frames: FrameSink;
  private readonly view: ViewSystem;
  private readonly hooks: ZoneHooks;

  /** Without a store (tests, benchmarks) nothing is written back and players have no inventory. */
  constructor(settings: ZoneSettings, jobs: JobSource, frames: FrameSink, view: ViewSystem, hooks: ZoneHooks, store?: ZoneStore) {
    this.settings = settings;
    this.store = store;
    this.jobs = jobs;
    this.frames = frames;
    this.view = view;
    this.hooks = hooks;
    this.rules = {
      maxSpeedMps: settings.maxSpeedMps,
      speedTolerance: settings.speedTolerance,
      widthM: settings.zone.widthM,
      heightM: settings.zone.heightM,
    };
    this.maxFrameBytes = Math.min(frames.maxPayloadBytes, this.frameBatch.maxPayloadBytes);
    this.writer = new WorldUpdateWriter(view, this.world.bySlot);
    const escrows = this.escrows;
    const economyHooks = (what: 'trade' | 'mail') => ({
      send: (sessionId: number, message: ServerMessageInit) => this.send(sessionId, message),
      refreshInventory: (player: Player) => this.refreshInventory(player),
      failed: (err: unknown, retryInMs: number) => hooks.storeFailed?.(err, what, retryInMs),
    });
    this.trades = store ? new Trades(store, escrows, economyHooks('trade')) : undefined;
    this.mailroom = store ? new Mailroom(store, escrows, economyHooks('mail')) : undefined;
    this.wanderers = new Wanderers(this.world, settings.npcs, settings.zone.widthM, settings.zone.heightM, settings.npcSeed);
    this.writeBack = store
      ? new WriteBack(
          { zoneId: settings.zone.id, flushIntervalMs: settings.flushIntervalMs, flushBatchRows: settings.flushBatchRows },
          store,
          {
            released: (playerId, sessionId, saved) => hooks.released?.(playerId, sessionId, saved),
            staleOwner: (player) => this.dropSession(player.sessionId, 'stale_owner'),
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
    this.nowMs = nowMs;
    this.tickNumber++;
    this.removeDroppedSessions();
    this.counters.jobs += this.jobs.drainRaw(this.onJob, MAX_JOBS_PER_TICK);
    const t1 = performance.now();
    this.applyQueuedJobs();
    const dtS = this.lastTickMs === undefined ? 0 : (nowMs - this.lastTickMs) / 1000;
    this.lastTickMs = nowMs;
    this.wanderers.step(this.world, dtS);
    const t2 = performance.now();
    const results = this.view.update(this.world, this.tickNumber);
    const t3 = performance.now();
    this.sendUpdates(results.count);
    this.flushFrames();
    this.world.endTick();
    this.writeBack?.tick(this.world.playersBySession.values());
    const t4 = performance.now();
    phases.jobs = t1 - t0;
    phases.logic = t2 - t1;
    phases.view = t3 - t2;
    phases.encode = t4 - t3;
  }

  // ---------------------------------------------------------------- phase 1: drain jobs

  private readonly onJob = (sessionId: number, data: Uint8Array, offset: number, length: number): void => {
    const kind = this.reader.kind(data, offset, length);
    if (kind === JobKind.JOIN && length === JOIN_JOB_BYTES) {
      this.join(sessionId, this.reader.join(data, offset, this.joinJob));
    } else if (kind === JobKind.LEAVE && length === LEAVE_JOB_BYTES) {
      this.queuedSessions[this.queuedCount] = sessionId;
      this.queuedMoves[this.queuedCount++] = undefined;
    } else if (kind === JobKind.MOVE && length === MOVE_JOB_BYTES) {
      this.queueMove(sessionId, data, offset);
    } else {
      const economy = kind === JobKind.ECONOMY ? this.reader.economy(data, offset, length) : undefined;
      // The gateway writes only the jobs above; anything else is a bug there, not a client's.
      if (!economy) throw new Error(`zone ${this.id}: bad job (kind ${kind}, ${length} bytes) from session ${sessionId}`);
      this.queuedSessions[this.queuedCount] = sessionId;
      this.queuedMoves[this.queuedCount++] = economy;
    }
  };

  private join(sessionId: number, join: JoinJob): void {
    const { playerId } = join;
    // One entity per player. The gateway releases an older session's player before a new log-in
    // loads the character, so this happens only if that went wrong; the old copy is stale then.
    const previous = this.world.playersById.get(playerId);
    if (previous) this.leave(previous.sessionId);
    const { zone } = this.settings;
    // A character saved in a zone that has since shrunk starts at the centre.
    const inside = join.x >= 0 && join.x <= zone.widthM && join.y >= 0 && join.y <= zone.heightM;
    const player = this.world.addPlayer({
      kind: EntityKind.ENTITY_KIND_PLAYER,
      playerId,
      sessionId,
      x: inside ? join.x : zone.widthM / 2,
      y: inside ? join.y : zone.heightM / 2,
      heading: join.heading,
      lastMoveSeq: 0,
      moveBudgetM: fullMoveBudget(this.rules),
      budgetAtMs: this.nowMs,
      hp: join.hp,
      level: join.level,
      exp: join.exp,
      playTimeS: join.playTimeS,
      loggedInAtMs: Date.now(),
      persisted: this.writeBack?.track(join.epoch) ?? { epoch: join.epoch, version: 0, savedVersion: 0, nextSaveAtMs: Number.POSITIVE_INFINITY },
      inventory: undefined,
    });
    this.refreshInventory(player);
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
  }

  /**
   * Reads the player's gold and items from the database, which alone changes them, and shows them
   * to the player. Done at log-in and after every economy operation, so memory never counts a
   * change twice; an answer overtaken by a newer read is dropped.
   */
  private refreshInventory(player: Player): void {
    const store = this.store;
    if (!store) return;
    const read = this.nextInventoryRead++;
    this.inventoryReads.set(player.playerId, read);
    store.loadInventory(player.playerId).then(
      (inventory) => {
        if (this.inventoryReads.get(player.playerId) !== read || player.removed || !inventory) return;
        this.inventoryReads.delete(player.playerId);
        player.inventory = inventory;
        this.send(player.sessionId, { inventory: { gold: inventory.gold, items: inventory.items.map((item) => ({ ...item })) } });
      },
      (err: unknown) => this.hooks.storeFailed?.(err, 'load inventory', 0),
    );
  }

  /**
   * A grant from outside for a player who may be here: committed in the database first, then, if
   * the player is here, its inventory is read back and shown to it.
   */
  async grant(request: GrantRequest): Promise<GrantResult> {
    if (!this.store) throw new Error(`zone ${this.id} has no store`);
    const result = await this.store.grant(request);
    const player = this.world.playersById.get(request.playerId);
    if (result.ok && player) this.refreshInventory(player);
    return result;
  }

  /**
   * A trade across zones: holds this player's offer in escrow here, so that nothing else spends it
   * while the gateway has the store commit the trade. Returns the hold's id, or why it cannot.
   */
  holdForTrade(playerId: number, gold: number, itemIds: readonly number[]): { holdId: number } | { reason: string } {
    const player = this.world.playersById.get(playerId);
    if (!player) return { reason: 'PARTNER_LEFT' };
    if (!player.inventory) return { reason: 'INVENTORY_LOADING' };
    const reason = this.escrows.refusal(player, gold, itemIds);
    if (reason) return { reason };
    const hold = this.escrows.hold(player, gold, itemIds);
    const holdId = this.nextHoldId++;
    this.remoteHolds.set(holdId, { player, release: () => this.escrows.release(player, hold) });
    return { holdId };
  }

  /** Ends a hold; after a committed trade the player's inventory is read back. */
  releaseTradeHold(holdId: number, committed: boolean): void {
    const held = this.remoteHolds.get(holdId);
    if (!held) return;
    this.remoteHolds.delete(holdId);
    held.release();
    if (committed && !held.player.removed) this.refreshInventory(held.player);
  }

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
        playTimeS: player.playTimeS + Math.floor((Date.now() - player.loggedInAtMs) / 1000),
      },
    };
  }

  /** The player leaves the zone; its state is written back unless another owner has it now. */
  private leave(sessionId: number, stale = false): void {
    const player = this.world.playersBySession.get(sessionId);
    if (!player) return;
    this.world.removePlayer(player);
    this.trades?.left(player);
    if (!stale) this.writeBack?.leave(player, sessionId);
  }

  private queueMove(sessionId: number, data: Uint8Array, offset: number): void {
    const index = this.queuedCount++;
    // Decoded moves are kept for reuse, by queue position.
    let move = this.spareMoves[index];
    if (!move) this.spareMoves[index] = move = { seq: 0, x: 0, y: 0, heading: 0, clientTimeMs: 0 };
    this.reader.move(data, offset, move);
    this.queuedSessions[index] = sessionId;
    this.queuedMoves[index] = move;
  }

  // ---------------------------------------------------------------- phase 2: logic

  private applyQueuedJobs(): void {
    for (let i = 0; i < this.queuedCount; i++) {
      const sessionId = this.queuedSessions[i] as number;
      const move = this.queuedMoves[i];
      if (!move) {
        this.leave(sessionId);
        continue;
      }
      const player = this.world.playersBySession.get(sessionId);
      // A request from a session that has left (or was never let in) is dropped.
      if (!player) continue;
      if ('action' in move) this.economy(player, move);
      else this.applyMove(player, move);
    }
    this.queuedCount = 0;
    this.trades?.checkRange();
  }

  private economy(player: Player, job: EconomyJob): void {
    if (job.action === EconomyAction.MAIL_SEND) this.mailroom?.send(player, job);
    else if (job.action === EconomyAction.MAIL_CLAIM) this.mailroom?.claim(player, job);
    else if (job.action === EconomyAction.MAIL_LIST) this.mailroom?.list(player, job);
    else this.trades?.handle(this.world, player, job);
  }

  private applyMove(player: Player, move: MoveJob): void {
    const verdict = checkMove(player, move, this.nowMs, this.rules);
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

  // ---------------------------------------------------------------- phase 4: encode and flush

  private sendUpdates(viewers: number): void {
    const { viewerSlots } = this.view.results;
    this.writer.beginTick(this.tickNumber, this.world.slotCount);
    for (let i = 0; i < viewers; i++) {
      const sessionId = (this.world.bySlot[viewerSlots[i] as number] as Player).sessionId;
      const length = this.writer.measure(i);
      const at = this.stage(sessionId, length);
      if (at >= 0) this.writer.write(this.frameBatch.bytes, at);
    }
  }

  /** A frame encoded by protobufjs: log-in responses and corrections. */
  private send(sessionId: number, message: ServerMessageInit): void {
    const bytes = encodeServerMessage(message);
    const at = this.stage(sessionId, bytes.length);
    if (at >= 0) this.frameBatch.bytes.set(bytes, at);
  }

  /**
   * Reserves `length` bytes for a frame to `sessionId` in the batch (flushing it first when
   * full) and returns where to write them, or -1 when the frame cannot be sent.
   */
  private stage(sessionId: number, length: number): number {
    if (this.droppedSessions.has(sessionId)) return -1;
    // A frame larger than the ring could ever hold (OUTBOUND_RING_BYTES too small for the
    // zone's population) is treated like a full ring rather than thrown.
    if (length > this.maxFrameBytes) {
      this.reject(sessionId);
      return -1;
    }
    let at = this.frameBatch.append(sessionId, length);
    if (at < 0) {
      this.flushFrames();
      at = this.frameBatch.append(sessionId, length);
    }
    this.batchSessions.push(sessionId);
    this.batchLengths.push(length);
    return at;
  }

  private flushFrames(): void {
    const batch = this.frameBatch;
    let from = 0;
    while (from < batch.count) {
      const written = this.frames.tryWriteBatch(batch, from);
      for (let i = from; i < from + written; i++) {
        const bytes = this.batchLengths[i] as number;
        this.counters.framesOut++;
        this.counters.bytesOut += bytes;
        this.hooks.frameSent?.(bytes);
      }
      from += written;
      // The ring is full: the next frame's session loses it, and the rest are tried again.
      if (written === 0) this.reject(this.batchSessions[from++] as number);
    }
    batch.clear();
    this.batchSessions.length = 0;
    this.batchLengths.length = 0;
  }

  /**
   * The gateway is not keeping up with this session: rather than send it a world with a hole
   * in it, the zone drops the session. Its player leaves at the start of the next tick, so that
   * the view phase tells everyone who sees it.
   */
  private reject(sessionId: number): void {
    this.counters.framesRejected++;
    this.dropSession(sessionId, 'zone_overloaded');
  }

  private dropSession(sessionId: number, reason: DropReason): void {
    if (this.droppedSessions.has(sessionId)) return;
    this.droppedSessions.set(sessionId, reason);
    this.hooks.sessionDropped(sessionId, reason);
  }

  /**
   * Stopping: takes the jobs still in the ring (the gateway's last LEAVEs), releases every player
   * left, waits for trades and mail being committed, and writes back everything dirty, retrying
   * until `deadlineMs`. Resolves to the player ids whose state could not be written.
   */
  async drain(nowMs: number, deadlineMs: number): Promise<number[]> {
    this.tick(nowMs);
    this.removeDroppedSessions();
    for (const player of [...this.world.playersBySession.values()]) this.leave(player.sessionId);
    // Trades and mail being committed get their answers before the store goes away.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([this.trades?.settled(), this.mailroom?.settled()]),
      new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now())))),
    ]);
    clearTimeout(timer);
    const writeBack = this.writeBack;
    if (!writeBack) return [];
    await writeBack.drain([], deadlineMs);
    return writeBack.unsaved([]);
  }

  private removeDroppedSessions(): void {
    for (const [sessionId, reason] of this.droppedSessions) this.leave(sessionId, reason === 'stale_owner');
    this.droppedSessions.clear();
  }
}
