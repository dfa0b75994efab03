/**
 * One zone's simulation. `tick(nowMs)` runs the phases in order:
 *   1. drain jobs   — take this tick's jobs from the inbound ring; joins and leaves apply at
 *                     once, moves are queued in arrival order;
 *   2. logic        — validate and apply the queued moves (corrections for rejected ones);
 *   3. view         — the view system works out each viewer's news;
 *   4. flush        — one WorldUpdate frame per viewer into the outbound ring;
 * then the tick's change lists are cleared. Nothing here knows about threads or timers, so tests
 * drive it by calling `tick` by hand.
 */
import type { ZoneConfig } from '../config/config.ts';
import { JOIN_JOB_BYTES, JobKind, JobReader, LEAVE_JOB_BYTES, MOVE_JOB_BYTES, type MoveJob } from '../protocol/jobs.ts';
import {
  EntityKind,
  MoveField,
  MoveRejectReason,
  encodeServerMessage,
  toCentimetres,
  type EntityMoveInit,
  type EntitySpawnInit,
  type ServerMessageInit,
} from '../protocol/messages.ts';
import { checkMove, fullMoveBudget, type MoveRules } from './movement.ts';
import type { ViewSystem, ViewUpdate } from './view.ts';
import { World, type Entity, type Player } from './world.ts';

/** Where jobs come from: the consumer side of the inbound ring. */
export interface JobSource {
  drainRaw(handler: (key: number, data: Uint8Array, offset: number, length: number) => void, maxRecords?: number): number;
}

/** Where frames go: the producer side of the outbound ring. False means full. */
export interface FrameSink {
  /** The largest frame the sink can ever take; a larger one is never tried. */
  readonly maxPayloadBytes: number;
  tryWrite(key: number, payload: Uint8Array): boolean;
}

export interface ZoneSettings {
  readonly zone: ZoneConfig;
  readonly tickHz: number;
  readonly maxSpeedMps: number;
  readonly speedTolerance: number;
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

/** A cap per tick so that a flooded ring cannot stretch one tick without bound. */
export const MAX_JOBS_PER_TICK = 50_000;

export class Zone {
  readonly world = new World();
  readonly counters: ZoneCounters = { jobs: 0, framesOut: 0, bytesOut: 0, framesRejected: 0, movesRejected: 0 };
  tickNumber = 0;

  private readonly rules: MoveRules;
  private readonly reader = new JobReader();
  private readonly move: MoveJob = { seq: 0, x: 0, y: 0, heading: 0, clientTimeMs: 0 };
  /** Moves drained this tick, in arrival order: session ids and the decoded fields. */
  private readonly queuedSessions: number[] = [];
  private readonly queuedMoves: MoveJob[] = [];
  private queuedCount = 0;
  private nowMs = 0;
  private readonly droppedSessions: number[] = [];
  private readonly spawnMessages = new Map<Entity, EntitySpawnInit>();
  private readonly moveMessages = new Map<Entity, EntityMoveInit>();
  private readonly settings: ZoneSettings;
  private readonly jobs: JobSource;
  private readonly frames: FrameSink;
  private readonly view: ViewSystem;
  private readonly onSessionDropped: (sessionId: number) => void;

  /** `onSessionDropped` is told about every session dropped because its frames did not fit. */
  constructor(
    settings: ZoneSettings,
    jobs: JobSource,
    frames: FrameSink,
    view: ViewSystem,
    onSessionDropped: (sessionId: number) => void,
  ) {
    this.settings = settings;
    this.jobs = jobs;
    this.frames = frames;
    this.view = view;
    this.onSessionDropped = onSessionDropped;
    this.rules = {
      maxSpeedMps: settings.maxSpeedMps,
      speedTolerance: settings.speedTolerance,
      widthM: settings.zone.widthM,
      heightM: settings.zone.heightM,
    };
  }

  get id(): number {
    return this.settings.zone.id;
  }

  tick(nowMs: number): void {
    this.nowMs = nowMs;
    this.tickNumber++;
    this.counters.jobs += this.jobs.drainRaw(this.onJob, MAX_JOBS_PER_TICK);
    this.applyQueuedMoves();
    this.view.collect(this.world, this.sendUpdate);
    this.dropFailedSessions();
    this.spawnMessages.clear();
    this.moveMessages.clear();
    this.world.endTick();
  }

  // ---------------------------------------------------------------- phase 1: drain jobs

  private readonly onJob = (sessionId: number, data: Uint8Array, offset: number, length: number): void => {
    const kind = this.reader.kind(data, offset, length);
    if (kind === JobKind.JOIN && length === JOIN_JOB_BYTES) {
      this.join(sessionId, this.reader.joinPlayerId(data, offset));
    } else if (kind === JobKind.LEAVE && length === LEAVE_JOB_BYTES) {
      this.leave(sessionId);
    } else if (kind === JobKind.MOVE && length === MOVE_JOB_BYTES) {
      this.queueMove(sessionId, data, offset);
    } else {
      // The gateway writes only the jobs above; anything else is a bug there, not a client's.
      throw new Error(`zone ${this.id}: bad job (kind ${kind}, ${length} bytes) from session ${sessionId}`);
    }
  };

  private join(sessionId: number, playerId: number): void {
    // One entity per player: a newer session of the same player replaces the older one.
    const previous = this.world.playersById.get(playerId);
    if (previous) this.world.removePlayer(previous);
    const { zone } = this.settings;
    const player: Player = {
      id: this.world.allocateEntityId(),
      kind: EntityKind.ENTITY_KIND_PLAYER,
      playerId,
      sessionId,
      x: zone.widthM / 2,
      y: zone.heightM / 2,
      heading: 0,
      changed: 0,
      lastMoveSeq: 0,
      moveBudgetM: fullMoveBudget(this.rules),
      budgetAtMs: this.nowMs,
      addedThisTick: true,
    };
    this.world.addPlayer(player);
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

  private leave(sessionId: number): void {
    const player = this.world.playersBySession.get(sessionId);
    if (player) this.world.removePlayer(player);
  }

  private queueMove(sessionId: number, data: Uint8Array, offset: number): void {
    const index = this.queuedCount++;
    let slot = this.queuedMoves[index];
    if (!slot) {
      slot = { seq: 0, x: 0, y: 0, heading: 0, clientTimeMs: 0 };
      this.queuedMoves.push(slot);
    }
    this.reader.move(data, offset, slot);
    this.queuedSessions[index] = sessionId;
  }

  // ---------------------------------------------------------------- phase 2: logic

  private applyQueuedMoves(): void {
    for (let i = 0; i < this.queuedCount; i++) {
      const player = this.world.playersBySession.get(this.queuedSessions[i] as number);
      // A move from a session that has left (or was never let in) is dropped.
      if (player) this.applyMove(player, this.queuedMoves[i] as MoveJob);
    }
    this.queuedCount = 0;
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
  }

  // ---------------------------------------------------------------- phases 3 and 4: view, flush

  private readonly sendUpdate = (viewer: Player, update: ViewUpdate): void => {
    this.send(viewer.sessionId, {
      update: {
        tick: this.tickNumber,
        spawns: update.spawns.map(this.spawnMessage),
        despawns: update.despawns,
        moves: update.moves.map(this.moveMessage),
      },
    });
  };

  // An entity's spawn and move messages are the same for every viewer in a tick: built once.
  private readonly spawnMessage = (entity: Entity): EntitySpawnInit => {
    let message = this.spawnMessages.get(entity);
    if (!message) this.spawnMessages.set(entity, (message = spawnOf(entity)));
    return message;
  };

  private readonly moveMessage = (entity: Entity): EntityMoveInit => {
    let message = this.moveMessages.get(entity);
    if (!message) this.moveMessages.set(entity, (message = moveOf(entity)));
    return message;
  };

  private send(sessionId: number, message: ServerMessageInit): void {
    const bytes = encodeServerMessage(message);
    // A frame larger than the ring could ever hold (OUTBOUND_RING_BYTES too small for the
    // zone's population) is treated like a full ring rather than thrown.
    if (bytes.length <= this.frames.maxPayloadBytes && this.frames.tryWrite(sessionId, bytes)) {
      this.counters.framesOut++;
      this.counters.bytesOut += bytes.length;
      return;
    }
    // The gateway is not keeping up: rather than send this session a world with a hole in it,
    // the zone drops the session once the tick's view phase is over.
    this.counters.framesRejected++;
    if (!this.droppedSessions.includes(sessionId)) this.droppedSessions.push(sessionId);
  }

  private dropFailedSessions(): void {
    for (const sessionId of this.droppedSessions) {
      this.leave(sessionId);
      this.onSessionDropped(sessionId);
    }
    this.droppedSessions.length = 0;
  }
}

function spawnOf(entity: Entity): EntitySpawnInit {
  return {
    entityId: entity.id,
    kind: entity.kind,
    playerId: entity.playerId,
    xCm: toCentimetres(entity.x),
    yCm: toCentimetres(entity.y),
    heading: entity.heading,
  };
}

function moveOf(entity: Entity): EntityMoveInit {
  const move: EntityMoveInit = { entityId: entity.id, mask: entity.changed };
  if (entity.changed & MoveField.MOVE_FIELD_POSITION) {
    move.xCm = toCentimetres(entity.x);
    move.yCm = toCentimetres(entity.y);
  }
  if (entity.changed & MoveField.MOVE_FIELD_HEADING) move.heading = entity.heading;
  return move;
}
