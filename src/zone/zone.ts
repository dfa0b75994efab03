/**
 * One zone's simulation. `tick(nowMs)` runs the phases in order:
 *   1. take jobs — the inbound ring's jobs of this tick: joins and arrivals apply at once, the
 *                  rest queue in arrival order (job-queue.ts);
 *   2. logic     — the queued jobs apply in order (moves validated, with corrections for
 *                  rejected ones; a move across a border or into a portal hands the player over
 *                  to the next zone), the NPCs walk, and the neighbours' entities near the
 *                  borders are taken in as ghosts while this zone's go out (borders/);
 *   3. view      — the view system works out each viewer's news (view/view-system.ts);
 *   4. encode    — one WorldUpdate frame per viewer with news, written in place into a batch that
 *                  goes into the outbound ring with one reservation per batch (frame-outbox.ts);
 * then the tick's change lists are cleared and the write-back sends what is due. With
 * VIEW_SEND_TICKS above 1, phases 3 and 4 run every that many ticks, and the change lists gather
 * until they do.
 *
 * A hand-over (crossings.ts): the zone removes the player and gives the host its whole state
 * (`handedOver`); the gateway then sends a FENCE behind the session's last job here, and the jobs
 * that came in between are sent on (`forwarded`, departures.ts) to the new zone, which applies
 * them after the player's ARRIVE. Exactly one zone has the player at any time; none applies an
 * input twice. A player is not handed over while the store decides something for it here (a
 * save, a trade being committed, a mail): a move across then is refused, and the next one crosses.
 *
 * Positions are the zone's own coordinates inside; clients are sent world coordinates.
 *
 * The tick's `nowMs` is the zone's only clock: play time, write-back due times and every retry's
 * backoff are counted in it (tick-timers.ts), and nothing here sets a timer, so tests drive a
 * zone by calling `tick` by hand.
 */
import { ZoneLimits } from '../config/limits.ts';
import { EntityKind, MoveField, MoveRejectReason, toCentimetres, type ServerMessageInit } from '../protocol/messages.ts';
import { TradeReasons, type TradeReason } from '../protocol/reasons.ts';
import type { CharacterSnapshot } from '../storage/character-store.ts';
import type { GrantRequest, GrantResult } from '../storage/economy-store.ts';
import type { AuditDraft } from '../storage/admin-store.ts';
import type { ArriveJob, JoinJob, MoveJob } from '../thread-messages/jobs.ts';
import { ZoneEconomy } from './economy/zone-economy.ts';
import { FrameOutbox, type FrameSink } from './frame-outbox.ts';
import { ChatDelivery } from './chat-delivery.ts';
import { Crossings, type Crossing } from './crossings.ts';
import { Departures } from './departures.ts';
import type { BorderSight } from './borders/border-sight.ts';
import { JobQueue, Taken, type Arrivals, type JobSource } from './job-queue.ts';
import { checkMove, fullMoveBudget, type MoveRules } from './movement.ts';
import { Wanderers } from './npcs.ts';
import { TickTimers } from './tick-timers.ts';
import { WorldUpdateWriter } from './view/world-update-writer.ts';
import type { ViewSystem } from './view/view-system.ts';
import { World, type Player } from './world/world.ts';
import { WriteBack } from './write-back.ts';
import { ZonePhase } from '../thread-messages/zone-heartbeat.ts';
import type { ChangeOutcome, LivePlayer, PlayerChange, ZoneStatus } from '../thread-messages/zone-control.ts';
import { OperatorChanges, type ChangeTarget } from './operator-changes.ts';
import type { JournalRecord } from '../journal/journal-format.ts';
import type { ZoneJournal } from '../journal/zone-journal.ts';
import type { PhaseTimes, ZoneCounters, ZoneHooks, ZoneSettings, ZoneStore } from './zone-interface.ts';
import { arriveJobOf, liveViewOf, placeOf, recordOf, snapshotOf } from './player-records.ts';
import { GameHost } from './game/game-host.ts';

export type { FrameSink } from './frame-outbox.ts';
export type { JobSource } from './job-queue.ts';

export type { PhaseTimes, ZoneCounters, ZoneHooks, ZoneSettings, ZoneStore } from './zone-interface.ts';

export class Zone {
  readonly world: World;
  readonly counters: ZoneCounters = { jobs: 0, framesOut: 0, bytesOut: 0, framesRejected: 0, movesRejected: 0, handoversByBorder: 0, handoversByPortal: 0, arrivals: 0, jobsForwarded: 0 };
  readonly phases: PhaseTimes = { jobs: 0, logic: 0, view: 0, encode: 0 };
  tickNumber = 0;
  /** View updates so far: one every viewSendTicks ticks. */
  private viewUpdates = 0;

  /** Writes players back to the store; absent when the zone runs without one (tests, benchmarks). */
  readonly writeBack: WriteBack | undefined;
  /** Inventories, trades, mail and grants; absent without a store. */
  private readonly economy: ZoneEconomy | undefined;
  /** The game module's rules here; absent when the server runs none. */
  readonly game: GameHost | undefined;
  private readonly rules: MoveRules;
  private readonly queue = new JobQueue();
  private readonly crossings: Crossings;
  private readonly departures = new Departures();
  private readonly hooks: ZoneHooks;
  private readonly timers = new TickTimers();
  private lastTickMs: number | undefined;
  /** Set once the zone is stopping: every player leaves and none may stay. */
  private stopping = false;
  private readonly wanderers: Wanderers;
  private readonly writer: WorldUpdateWriter;
  private readonly outbox: FrameOutbox;
  private readonly chat: ChatDelivery;
  private readonly settings: ZoneSettings;
  private readonly jobs: JobSource;
  private readonly view: ViewSystem;
  private readonly operatorChanges = new OperatorChanges();
  private readonly changeTarget: ChangeTarget;

  /** Without a store (tests, benchmarks) nothing is written back and players have no inventory. */
  constructor(settings: ZoneSettings, jobs: JobSource, frames: FrameSink, view: ViewSystem, hooks: ZoneHooks, store?: ZoneStore) {
    this.settings = settings;
    this.world = new World(settings.entityIds);
    this.jobs = jobs;
    this.view = view;
    this.hooks = hooks;
    const crossings = settings.crossings ?? new Crossings(settings.zone, [], [], 0);
    this.crossings = crossings;
    this.rules = {
      maxSpeedMps: settings.maxSpeedMps,
      speedTolerance: settings.speedTolerance,
      allows: (x, y) => crossings.allows(x, y),
    };
    this.outbox = new FrameOutbox(frames, this.counters, hooks);
    this.chat = new ChatDelivery(this.world, view, this.outbox);
    this.writer = new WorldUpdateWriter(view, this.world.bySlot);
    this.economy = store
      ? new ZoneEconomy(store, this.timers.after, {
          send: (sessionId, message) => this.send(sessionId, message),
          failed: (err, what, retryInMs) => hooks.storeFailed?.(err, what, retryInMs),
        })
      : undefined;
    this.game = settings.game
      ? new GameHost(settings.game, {
          config: settings.zone,
          world: this.world,
          now: () => this.timers.now,
          send: (sessionId, message) => this.send(sessionId, message),
          sendEncoded: (sessionId, frame) => this.outbox.sendEncoded(sessionId, frame),
          viewersOf: (slot) => view.viewersOf(slot),
          slotsWithin: (x, y, radiusM) => view.slotsWithin(x, y, radiusM),
          failed: (err, hook, playerId) => hooks.gameFailed?.(err, hook, playerId),
          grant: this.economy && ((request) => (this.economy as ZoneEconomy).grantUntilAnswered(request, this.world)),
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
          this.snapshotOf,
        )
      : undefined;
    this.changeTarget = {
      world: this.world,
      zone: settings.zone,
      crossings,
      send: (sessionId, message) => this.send(sessionId, message),
      mayLeave: (player) => !this.stopping && !this.busy(player),
      handOver: (player, crossing, heading) => this.handOver(player, crossing, heading, player.x, player.y),
    };
  }

  get id(): number {
    return this.settings.zone.id;
  }

  /** The zone's journal, when it keeps one. */
  get journal(): ZoneJournal | undefined {
    return this.settings.journal;
  }

  /** Sight across the zone's borders, when it has any. */
  get borderSight(): BorderSight | undefined {
    return this.settings.borderSight;
  }

  tick(nowMs: number): void {
    const phases = this.phases;
    const heartbeat = this.settings.heartbeat;
    const t0 = performance.now();
    heartbeat?.enter(ZonePhase.jobs);
    this.timers.advance(nowMs);
    this.tickNumber++;
    this.removeDroppedSessions();
    this.counters.jobs += this.queue.take(this.jobs, ZoneLimits.maxJobsPerTick, this.id, this.arrivals);
    const t1 = performance.now();
    heartbeat?.enter(ZonePhase.logic);
    this.game?.beginLogic();
    this.applyQueuedJobs();
    this.operatorChanges.apply(this.changeTarget);
    if (this.stopping) this.everyoneLeaves();
    const dtS = this.lastTickMs === undefined ? 0 : (nowMs - this.lastTickMs) / 1000;
    this.lastTickMs = nowMs;
    this.wanderers.step(this.world, dtS);
    this.game?.tick();
    this.settings.borderSight?.receive(this.world);
    this.settings.borderSight?.publish(this.world);
    // Journaled before any frame shows this tick: a crash then loses nothing a client was shown.
    this.settings.journal?.tick(this.world.playersBySession.values(), this.journalRecordOf, this.journalCovered, nowMs);
    const t2 = performance.now();
    heartbeat?.enter(ZonePhase.view);
    // Views go out every viewSendTicks ticks; until then the world's change lists gather, so a
    // frame carries everything since the last one. Other messages go out every tick.
    const sends = this.tickNumber % (this.settings.viewSendTicks ?? 1) === 0;
    const results = sends ? this.view.update(this.world, ++this.viewUpdates) : undefined;
    const t3 = performance.now();
    heartbeat?.enter(ZonePhase.send);
    if (results) this.sendUpdates(results.count);
    this.outbox.flush();
    if (sends) this.world.endTick();
    heartbeat?.enter(ZonePhase.writeBack);
    this.writeBack?.tick(this.world.playersBySession.values(), nowMs);
    heartbeat?.enter(ZonePhase.betweenTicks);
    const t4 = performance.now();
    phases.jobs = t1 - t0;
    phases.logic = t2 - t1;
    phases.view = t3 - t2;
    phases.encode = t4 - t3;
  }

  /**
   * Takes the jobs in the ring now, between ticks, when the gateway says that a hand-over waits
   * on them (a FENCE, an ARRIVE): an arrival joins at once and is told its new zone, a FENCE sends
   * its session's jobs on at once. Everything else taken waits in the queue for the next tick,
   * in order, as if that tick had taken it.
   */
  takeJobsNow(): void {
    if (this.stopping) return;
    const from = this.queue.count;
    this.counters.jobs += this.queue.take(this.jobs, ZoneLimits.maxJobsPerTick, this.id, this.arrivals);
    const { sessions, jobs, count } = this.queue;
    for (let i = from; i < count; i++) {
      const sessionId = sessions[i] as number;
      const job = jobs[i];
      if (job !== undefined && 'taken' in job) continue;
      if (job !== undefined && 'fence' in job) {
        this.fence(sessionId);
        jobs[i] = Taken;
      } else if (this.departures.has(sessionId)) {
        this.departures.keep(sessionId, job);
        jobs[i] = Taken;
      }
    }
    this.outbox.flush();
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
  grant(request: GrantRequest, audit?: AuditDraft): Promise<GrantResult> {
    if (!this.economy) return Promise.reject(new Error(`zone ${this.id} has no store`));
    return this.economy.grant(request, this.world, audit);
  }

  /** Escrow for a trade across zones (zone-economy.ts). */
  holdForTrade(playerId: number, gold: number, itemIds: readonly number[]): { holdId: number } | { reason: TradeReason } {
    if (!this.economy) return { reason: TradeReasons.inventoryLoading };
    return this.economy.holdForTrade(this.world, playerId, gold, itemIds);
  }

  /** The zone's players and where they stand in the world, for an operator. */
  roster(): ZoneStatus['players'] {
    const { originXM, originYM } = this.settings.zone;
    return [...this.world.playersBySession.values()].map((player) => ({ playerId: player.playerId, x: player.x + originXM, y: player.y + originYM }));
  }

  /** The player as it is now, for an operator; undefined if this zone does not hold it. */
  inspect(playerId: number): LivePlayer | undefined {
    const player = this.world.playersById.get(playerId);
    return player && liveViewOf(this.settings.zone, player);
  }

  /** An operator's change to a player here, applied at the next tick (operator-changes.ts). */
  changePlayer(playerId: number, change: PlayerChange): Promise<ChangeOutcome> {
    return this.operatorChanges.ask(playerId, change);
  }

  releaseTradeHold(holdId: number, committed: boolean): void {
    this.economy?.releaseTradeHold(holdId, committed);
  }

  // ---------------------------------------------------------------- phase 1: joins and arrivals

  private readonly arrivals: Arrivals = {
    join: (sessionId, join) => this.join(sessionId, join),
    arrive: (sessionId, arrive) => this.arrive(sessionId, arrive),
  };

  private join(sessionId: number, join: JoinJob): void {
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
      persisted: this.track(join.epoch),
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
          ...placeOf(this.settings.zone, player),
          tickHz: this.settings.tickHz,
        },
      },
    });
    this.sendStats(player);
    this.game?.join(player);
  }

  private sendStats(player: Player): void {
    this.send(player.sessionId, { stats: { hp: player.hp, level: player.level, exp: player.exp } });
  }

  /**
   * A player handed over by another zone: it goes on with the state that zone had, its entity id
   * and its write-back versions included (dirty stays dirty, and the new zone id is news for the
   * database). Its inventory is read again, in case a change committed as it left.
   */
  private arrive(sessionId: number, arrive: ArriveJob): void {
    const { playerId } = arrive;
    const previous = this.world.playersById.get(playerId);
    if (previous) this.leave(previous.sessionId);
    const nowMs = this.timers.now;
    const persisted = this.track(arrive.epoch);
    persisted.version = arrive.version + 1;
    persisted.savedVersion = arrive.savedVersion;
    const sight = this.settings.borderSight;
    // Across a border it is seamless: the ghost this zone showed of the player becomes it.
    const seamless = sight !== undefined && !arrive.portal;
    const ghost = seamless ? sight.arriving(arrive.entityId) : undefined;
    const fields = {
        kind: EntityKind.ENTITY_KIND_PLAYER,
        playerId,
        sessionId,
        x: arrive.x,
        y: arrive.y,
        heading: arrive.heading,
        lastMoveSeq: arrive.lastMoveSeq,
        moveBudgetM: arrive.moveBudgetM,
        // The budget was last topped up at the hand-over: the trip here counts as time walked.
        budgetAtMs: nowMs - Math.min(Math.max(0, Date.now() - arrive.handedOverAtMs), ZoneLimits.moveBudgetS * 1000),
        hp: arrive.hp,
        level: arrive.level,
        exp: arrive.exp,
        playTimeS: arrive.playTimeS,
        joinedAtMs: nowMs,
        persisted,
        inventory: arrive.inventory ? { playerId, gold: arrive.inventory.gold, items: arrive.inventory.items } : undefined,
      };
    let player: Player;
    if (ghost) {
      player = this.world.promote(ghost, fields);
      let moved = 0;
      if (ghost.x !== player.x || ghost.y !== player.y) moved |= MoveField.MOVE_FIELD_POSITION;
      if (ghost.heading !== player.heading) moved |= MoveField.MOVE_FIELD_HEADING;
      if (moved !== 0) this.world.markChanged(player, moved);
    } else {
      player = this.world.addPlayer(fields, arrive.entityId);
    }
    // Its client goes on with what it knew; what it cannot see from here is despawned.
    if (seamless) this.view.welcome(player.slot, arrive.knownIds);
    this.counters.arrivals++;
    this.hooks.arrived?.(sessionId, playerId);
    this.send(sessionId, {
      zoneChanged: {
        ...placeOf(this.settings.zone, player),
        freshView: !seamless,
        moveSeq: player.lastMoveSeq,
      },
    });
    this.economy?.refreshInventory(player);
    this.game?.join(player);
  }

  /**
   * The session's client came back on a new connection (it forgot what it knew): it is told
   * where it is, as at a log-in, shown everything it sees afresh, and sent its inventory.
   */
  private resume(sessionId: number): void {
    const player = this.world.playersBySession.get(sessionId);
    if (!player) return;
    this.view.welcome(player.slot, []);
    this.send(sessionId, {
      login: { accepted: { playerId: player.playerId, entityId: player.id, ...placeOf(this.settings.zone, player), tickHz: this.settings.tickHz, resumed: true } },
    });
    this.sendStats(player);
    // Told afresh even if unchanged: the new client has not seen it.
    player.inventory = undefined;
    this.economy?.refreshInventory(player);
  }

  /** A new player's write-back state (none without a store). */
  private track(epoch: number): Player['persisted'] {
    return this.writeBack?.track(epoch, this.timers.now) ?? { epoch, version: 0, savedVersion: 0, nextSaveAtMs: Number.POSITIVE_INFINITY, journaledVersion: 0 };
  }

  /**
   * Whether the database has a journaled state of a player: this log-in's saved version is at or
   * past it, or the player is no longer this zone's to save (handed over, released, or another
   * log-in's); a leaver whose final write is pending is not.
   */
  private readonly journalCovered = (playerId: number, epoch: number, version: number): boolean => {
    if (this.writeBack?.isLeaving(playerId)) return false;
    const player = this.world.playersById.get(playerId);
    return !player || player.persisted.epoch !== epoch || player.persisted.savedVersion >= version;
  };

  private readonly snapshotOf = (player: Player): CharacterSnapshot => snapshotOf(this.settings.zone, player, this.timers.now);

  private readonly journalRecordOf = (player: Player, into: JournalRecord): void => recordOf(this.settings.zone, player, this.timers.now, into);

  /** The player leaves the zone; its state is written back unless another owner has it now. */
  private leave(sessionId: number, stale = false): void {
    const player = this.world.playersBySession.get(sessionId);
    if (!player) return;
    this.game?.leave(player);
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
      if (job !== undefined && 'taken' in job) continue;
      if (job !== undefined && 'fence' in job) {
        this.fence(sessionId);
        continue;
      }
      // The session's player went on to another zone: its jobs follow it there.
      if (this.departures.size > 0 && this.departures.has(sessionId)) {
        this.departures.keep(sessionId, job);
        continue;
      }
      if (!job) {
        this.leave(sessionId);
        continue;
      }
      if ('resume' in job) {
        this.resume(sessionId);
        continue;
      }
      if ('text' in job) {
        this.chat.deliver(sessionId, job);
        continue;
      }
      const player = this.world.playersBySession.get(sessionId);
      // A request from a session that has left (or was never let in) is dropped.
      if (!player) continue;
      if ('action' in job) this.economy?.handle(this.world, player, job);
      // The gateway refuses game actions when the server runs no game module.
      else if ('gameAction' in job) this.game?.action(player, job);
      else this.applyMove(player, job);
    }
    this.queue.clear();
    this.economy?.afterMoves();
  }

  private applyMove(player: Player, move: MoveJob): void {
    const { zone } = this.settings;
    // Clients speak world coordinates.
    move.x -= zone.originXM;
    move.y -= zone.originYM;
    let verdict = checkMove(player, move, this.timers.now, this.rules);
    const crossing = verdict === MoveRejectReason.MOVE_REJECT_REASON_UNSPECIFIED ? this.crossings.crossingAt(move.x, move.y) : undefined;
    if (crossing && (this.stopping || this.busy(player))) verdict = MoveRejectReason.MOVE_REJECT_REASON_ZONE_CHANGE_PENDING;
    if (verdict !== MoveRejectReason.MOVE_REJECT_REASON_UNSPECIFIED) {
      this.counters.movesRejected++;
      this.send(player.sessionId, {
        correction: { seq: move.seq, reason: verdict, xCm: toCentimetres(player.x + zone.originXM), yCm: toCentimetres(player.y + zone.originYM), heading: player.heading },
      });
      return;
    }
    if (crossing) return this.handOver(player, crossing, move.heading, move.x, move.y);
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

  /** The session's FENCE: the jobs kept for it since its player left go on to its new zone. */
  private fence(sessionId: number): void {
    const forwarded = this.departures.fence(sessionId);
    this.counters.jobsForwarded += forwarded.length;
    this.hooks.forwarded?.(sessionId, forwarded);
  }

  /** Whether the store is deciding something for the player here: it stays until that is done. */
  private busy(player: Player): boolean {
    return (this.writeBack?.isSaving(player) ?? false) || (this.economy?.busy(player) ?? false);
  }

  /**
   * Hands the player over to the crossing's zone: removed here (its watchers see it go), its
   * whole state given to the host, and its session's jobs from now on kept to be sent on. (x, y)
   * is where it crossed to, in this zone's coordinates, facing `heading`.
   */
  private handOver(player: Player, crossing: Crossing, heading: number, x: number, y: number): void {
    const sight = this.settings.borderSight;
    const seamless = sight !== undefined && !crossing.portal;
    // The module's goodbye first: what it changes (stats) goes with the player.
    this.game?.leave(player);
    const arrive = arriveJobOf(player, crossing, heading, this.timers.now, seamless ? this.view.knownBy(player.slot) : []);
    // A long jump lands beyond what this zone shows: there it simply leaves.
    if (seamless && sight.inReach(x, y)) {
      // Shown here from now on as the new zone's ghost, at the point it crossed to.
      player.x = x;
      player.y = y;
      player.heading = heading;
      this.world.markChanged(player, MoveField.MOVE_FIELD_POSITION | MoveField.MOVE_FIELD_HEADING);
      sight.departed(this.world, player, crossing.to.id);
    } else {
      this.world.removePlayer(player);
    }
    this.economy?.left(player, TradeReasons.zoneChanged);
    this.departures.open(player.sessionId);
    if (crossing.portal) this.counters.handoversByPortal++;
    else this.counters.handoversByBorder++;
    this.hooks.handedOver?.(player.sessionId, crossing.to.id, arrive);
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
