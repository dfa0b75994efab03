/**
 * A game module inside one zone: it decodes the players' actions for it, gives its hooks the
 * zone's context, and keeps a module's faults small. A hook that throws is reported (the
 * worker logs it with the module, the hook and the player), counted, and answered to the player
 * involved; the tick goes on. The time each hook takes is added up per tick, for the metrics.
 *
 * The module sees players through read-only views (GamePlayer) that read the zone's player as
 * it is now, in world coordinates; it changes nothing in the zone but through the context.
 */
import { GAME_HOOK_NAMES, type GameActionCall, type GameContext, type GameGrantResult, type GameHooks, type GamePlayer, type GameStats } from '../../game/game-module.ts';
import type { GrantRequest, GrantResult } from '../../storage/economy-store.ts';
import { checkGrant } from '../../economy/economy-rules.ts';
import type { LoadedGame } from '../../game/load-game.ts';
import { encodeServerMessage, ErrorCode, MoveField, teleportedCorrection, type ServerMessageInit } from '../../protocol/messages.ts';
import { GameActionRefusals, RefusalMessages } from '../../protocol/reasons.ts';
import type { GameActionJob } from '../../thread-messages/jobs.ts';
import type { ZoneConfig } from '../../config/world.ts';
import type { Player, World } from '../world/world.ts';
import { GameNpcs } from './game-npcs.ts';

export type GameHookName = keyof GameHooks;

/** What the host needs of its zone. */
export interface GameZone {
  readonly config: ZoneConfig;
  readonly world: World;
  /** The zone's clock, ms. */
  now(): number;
  send(sessionId: number, message: ServerMessageInit): void;
  sendEncoded(sessionId: number, frame: Uint8Array): void;
  /** Slots of the entities that see the entity in `slot`, as of the last view update. */
  viewersOf(slot: number): Iterable<number>;
  /** Slots of the entities within `radiusM` of (x, y), zone coordinates, as of the last view update; valid until the next search. */
  slotsWithin(x: number, y: number, radiusM: number): Int32Array;
  /** A hook threw; `playerId` is the player it was handling, 0 for none. */
  failed(err: unknown, hook: GameHookName, playerId: number): void;
  /** Sends the grant until the store answers (undefined: the store is gone); absent when the zone has no store. */
  grant: ((request: GrantRequest) => Promise<GrantResult | undefined>) | undefined;
}

/** A module's grant key: with its prefix, a whole operation id (economy-rules.ts, OP_ID_PATTERN). */
const GRANT_KEY = /^[A-Za-z0-9._:-]{1,62}$/;
const GRANT_OP_PREFIX = 'g:';

export class GameHost {
  /** Hooks that threw, by hook, since the zone started. */
  readonly errors = perHook();
  /** Milliseconds spent in each hook during the current tick; `endTick` hands them over and starts again. */
  readonly tickMs = perHook();
  readonly npcs: GameNpcs;
  readonly name: string;
  private readonly game: LoadedGame;
  private readonly hooks: GameHooks;
  private readonly zone: GameZone;
  /** The zone as the module sees it (what its hooks are given). */
  readonly context: GameContext;
  private readonly views = new WeakMap<Player, GamePlayer>();
  private readonly playersOfViews = new WeakMap<GamePlayer, Player>();
  /** Players whose stats the module changed since the last `sendStats`. */
  private readonly statsChanged = new Set<Player>();
  private started = false;
  /** Players who came in since the last logic phase, their join hooks still to run. */
  private readonly joining: Player[] = [];
  /** Keys of the module's grants on their way to the database. */
  private readonly grantsPending = new Set<string>();
  /** Grants the database decided, for the next tick's `granted` calls. */
  private readonly grantsDecided: GameGrantResult[] = [];

  constructor(game: LoadedGame, zone: GameZone) {
    this.game = game;
    this.name = game.module.name;
    this.hooks = game.module.hooks ?? {};
    this.zone = zone;
    const npcs = new GameNpcs(zone, game.module.npcKinds ?? {});
    this.npcs = npcs;
    const host = this;
    const { config } = zone;
    this.context = {
      zoneId: config.id,
      spawnPoint: { x: config.spawnXM + config.originXM, y: config.spawnYM + config.originYM },
      get nowMs() {
        return zone.now();
      },
      *players() {
        for (const player of zone.world.playersBySession.values()) yield host.viewOf(player);
      },
      playerById(playerId) {
        const player = zone.world.playersById.get(playerId);
        return player && host.viewOf(player);
      },
      player(entityId) {
        const entity = zone.world.entities.get(entityId);
        return entity && 'sessionId' in entity ? host.viewOf(entity as Player) : undefined;
      },
      send(to, event, message) {
        const player = host.playerOf(to);
        if (player) zone.sendEncoded(player.sessionId, host.eventFrame(event, message));
      },
      sendToViewers(about, event, message, also) {
        const entity = zone.world.entities.get(about.entityId);
        if (!entity || entity.removed) return;
        const frame = host.eventFrame(event, message);
        const told = new Set<Player>();
        const tell = (player: Player): void => {
          if (told.has(player)) return;
          told.add(player);
          zone.sendEncoded(player.sessionId, frame);
        };
        if ('sessionId' in entity) tell(entity as Player);
        const extra = also && host.playerOf(also);
        if (extra) tell(extra);
        for (const slot of zone.viewersOf(entity.slot)) {
          const viewer = zone.world.bySlot[slot];
          if (viewer && !viewer.removed && 'sessionId' in viewer) tell(viewer as Player);
        }
      },
      setStats(of, stats) {
        const player = host.playerOf(of);
        if (!player) throw new RangeError(`player ${of.playerId} is not in zone ${zone.config.id}`);
        const { hp = player.hp, level = player.level, exp = player.exp } = checkedStats(stats);
        if (hp === player.hp && level === player.level && exp === player.exp) return;
        Object.assign(player, { hp, level, exp });
        player.persisted.version++;
        host.statsChanged.add(player);
      },
      placePlayer(of, x, y, heading = of.heading) {
        const player = host.playerOf(of);
        if (!player) throw new RangeError(`player ${of.playerId} is not in zone ${config.id}`);
        const zoneX = x - config.originXM;
        const zoneY = y - config.originYM;
        if (!(zoneX >= 0 && zoneX <= config.widthM && zoneY >= 0 && zoneY <= config.heightM && Number.isFinite(heading))) {
          throw new RangeError(`(${x}, ${y}) is not in zone ${config.id}, or the heading ${heading} is not a number`);
        }
        player.x = zoneX;
        player.y = zoneY;
        player.heading = heading;
        zone.world.markChanged(player, MoveField.MOVE_FIELD_POSITION | MoveField.MOVE_FIELD_HEADING);
        player.persisted.version++;
        zone.send(player.sessionId, { correction: teleportedCorrection(player.lastMoveSeq, x, y, heading) });
      },
      grant(of, grant, key) {
        if (typeof key !== 'string' || !GRANT_KEY.test(key)) throw new RangeError(`a grant key is 1 to 62 of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(key)}`);
        const playerId = typeof of === 'number' ? of : of.playerId;
        const request = { opId: GRANT_OP_PREFIX + key, playerId, gold: grant.gold ?? 0, items: grant.items ?? [] };
        // A broken request (not whole numbers, no such shape) is the module's fault, here and now:
        // the store would refuse it on every retry. Refusals by the rules (NOTHING_TO_DO, …) are
        // the database's answer, and come to `granted`.
        try {
          checkGrant(request);
        } catch (err) {
          throw new RangeError(`grant ${key}: ${(err as Error).message}`);
        }
        const send = zone.grant;
        if (!send) throw new Error(`zone ${config.id} has no store to grant from`);
        // The same key on its way already: the same grant, answered once.
        if (host.grantsPending.has(key)) return;
        host.grantsPending.add(key);
        void send(request).then((result) => {
          host.grantsPending.delete(key);
          if (result) host.grantsDecided.push(result.ok ? { key, playerId, replayed: result.replayed, ok: true, gold: result.gold, items: result.items } : { key, playerId, replayed: result.replayed, ok: false, reason: result.reason });
        });
      },
      spawnNpc: (kind, x, y, heading) => npcs.spawn(kind, x, y, heading),
      moveNpc: (npc, x, y, heading) => npcs.move(npc, x, y, heading),
      removeNpc: (npc) => npcs.remove(npc),
      npcs: () => npcs.all(),
      npc: (entityId) => npcs.get(entityId),
      playersNear(x, y, radiusM) {
        checkCircle(x, y, radiusM);
        const near: GamePlayer[] = [];
        for (const slot of zone.slotsWithin(x - zone.config.originXM, y - zone.config.originYM, radiusM)) {
          const entity = zone.world.bySlot[slot];
          if (entity && !entity.removed && 'sessionId' in entity) near.push(host.viewOf(entity as Player));
        }
        return near;
      },
      npcsNear(x, y, radiusM) {
        checkCircle(x, y, radiusM);
        return npcs.among(zone.slotsWithin(x - zone.config.originXM, y - zone.config.originYM, radiusM));
      },
    };
  }

  /** Tells each player whose stats the module changed its new ones, once. */
  private sendStats(): void {
    for (const player of this.statsChanged) {
      if (!player.removed) this.zone.send(player.sessionId, { stats: { hp: player.hp, level: player.level, exp: player.exp } });
    }
    this.statsChanged.clear();
  }

  /**
   * The player entered the zone: its join hook runs at the start of the next logic phase (a
   * player handed over between ticks comes in then), before any action of that tick.
   */
  join(player: Player): void {
    this.joining.push(player);
  }

  /** The start of a tick's logic: the start hook once, then the join hooks of the players who came in. */
  beginLogic(): void {
    this.start();
    if (this.joining.length === 0) return;
    const joining = this.joining.splice(0);
    const join = this.hooks.join;
    if (!join) return;
    for (const player of joining) {
      if (player.removed) continue;
      if (!this.run('join', player.playerId, () => join(this.context, this.viewOf(player)))) this.tellFailed(player, 0);
    }
  }

  /** The player is leaving the zone (still in it). One whose join the module has not seen yet leaves unseen. */
  leave(player: Player): void {
    const waiting = this.joining.indexOf(player);
    if (waiting >= 0) return void this.joining.splice(waiting, 1);
    const leave = this.hooks.leave;
    if (leave) this.run('leave', player.playerId, () => leave(this.context, this.viewOf(player)));
  }

  /** The end of the tick's logic: grants decided, the NPCs' behaviour, the tick hook, then each player whose stats changed is told them. */
  tick(): void {
    this.start();
    const granted = this.hooks.granted;
    if (this.grantsDecided.length > 0) {
      const decided = this.grantsDecided.splice(0);
      if (granted) this.runEach('granted', decided, (result) => granted(this.context, result), (result) => result.playerId);
    }
    const npc = this.hooks.npc;
    // An NPC removed earlier in the pass (killed by another's behaviour) is skipped.
    if (npc && this.npcs.count > 0) this.runEach('npc', this.npcs.list(), (each) => this.npcs.get(each.entityId) === each && npc(this.context, each));
    const tick = this.hooks.tick;
    if (tick) this.run('tick', 0, () => tick(this.context));
    this.sendStats();
  }

  /** The start hook, once, before any other. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    const start = this.hooks.start;
    if (start) this.run('start', 0, () => start(this.context));
  }

  /** A player's GAME job: decoded and given to the action hook, or refused with the reason. */
  action(player: Player, job: GameActionJob): void {
    const bound = this.game.actionsById.get(job.gameAction);
    if (!bound) return this.refuse(player, job.seq, GameActionRefusals.unknownAction);
    let message: Record<string, unknown>;
    try {
      message = bound.type.toObject(bound.type.decode(job.payload), { longs: Number, defaults: true, arrays: true });
    } catch {
      return this.refuse(player, job.seq, GameActionRefusals.badPayload);
    }
    const hook = this.hooks.action;
    if (!hook) return;
    const call: GameActionCall = { name: bound.name, message, seq: job.seq };
    if (!this.run('action', player.playerId, () => hook(this.context, this.viewOf(player), call))) this.tellFailed(player, job.seq);
  }

  /** Hands `observe` the time each hook took this tick (only hooks that ran), and starts the next tick's count. */
  endTick(observe: (hook: GameHookName, ms: number) => void): void {
    for (const hook of GAME_HOOK_NAMES) {
      const ms = this.tickMs[hook];
      if (ms === 0) continue;
      observe(hook, ms);
      this.tickMs[hook] = 0;
    }
  }

  /** Calls one hook for each of `items`, timed as one: one that throws is reported and counted, and the rest go on. */
  private runEach<T>(hook: GameHookName, items: readonly T[], call: (item: T) => unknown, playerIdOf: (item: T) => number = () => 0): void {
    const started = performance.now();
    for (const item of items) this.attempt(hook, playerIdOf(item), () => call(item));
    this.tickMs[hook] += performance.now() - started;
  }

  /** Runs one hook call, timed; false when it failed (reported and counted). */
  private run(hook: GameHookName, playerId: number, call: () => unknown): boolean {
    const started = performance.now();
    try {
      return this.attempt(hook, playerId, call);
    } finally {
      this.tickMs[hook] += performance.now() - started;
    }
  }

  /**
   * One hook call: false when it threw, or returned a promise. A hook runs inside the tick, so
   * one that awaits would go on outside it, touching the zone between ticks: it is a fault (the
   * loader refuses async hooks; this catches one that returns a promise all the same), and the
   * promise's own failure is caught so that it cannot end the worker.
   */
  private attempt(hook: GameHookName, playerId: number, call: () => unknown): boolean {
    let returned: unknown;
    try {
      returned = call();
    } catch (err) {
      this.fault(hook, playerId, err);
      return false;
    }
    if (!isThenable(returned)) return true;
    returned.then(undefined, () => {});
    this.fault(hook, playerId, new Error(`hook ${hook} returned a promise: hooks run inside the tick and must not wait`));
    return false;
  }

  private fault(hook: GameHookName, playerId: number, err: unknown): void {
    this.errors[hook]++;
    this.zone.failed(err, hook, playerId);
  }

  private refuse(player: Player, seq: number, reason: string): void {
    this.zone.send(player.sessionId, { error: { code: ErrorCode.ERROR_CODE_GAME_ACTION_REFUSED, seq, message: reason } });
  }

  private tellFailed(player: Player, seq: number): void {
    const { code, message } = RefusalMessages.gameRuleFailed;
    this.zone.send(player.sessionId, { error: { code, seq, message } });
  }

  /** A `GameEvent` frame; throws (into the hook that sends it) for an unknown event or a message that is not its type. */
  private eventFrame(event: string, message: Record<string, unknown>): Uint8Array {
    const bound = this.game.eventsByName.get(event);
    if (!bound) throw new Error(`game module ${this.name} declares no event ${event}`);
    const wrong = bound.type.verify(message);
    if (wrong) throw new Error(`event ${event}: ${wrong}`);
    const payload = bound.type.encode(bound.type.fromObject(message)).finish();
    return encodeServerMessage({ gameEvent: { kind: bound.id, payload } });
  }

  /** The zone's player behind a view, if it is still in the zone. */
  /**
   * The zone's player behind a view, while it is the same stay of that player here: a view kept
   * from before the player left (and came back, as a new player object) names nobody.
   */
  private playerOf(view: GamePlayer): Player | undefined {
    const player = this.playersOfViews.get(view);
    return player && !player.removed && this.zone.world.entities.get(player.id) === player ? player : undefined;
  }

  private viewOf(player: Player): GamePlayer {
    let view = this.views.get(player);
    if (!view) {
      view = playerView(player, this.zone);
      this.views.set(player, view);
      this.playersOfViews.set(view, player);
    }
    return view;
  }
}

function checkCircle(x: number, y: number, radiusM: number): void {
  if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(radiusM) && radiusM >= 0)) throw new RangeError(`a search around (${x}, ${y}) needs finite numbers and a radius from 0, got ${radiusM}`);
}

const MAX_STAT = 2_147_483_647;

/** `stats`, each value checked: whole numbers, hp and exp from 0, level from 1 (the columns' ranges). */
function checkedStats(stats: GameStats): GameStats {
  const check = (name: keyof GameStats, min: number, max: number): void => {
    const value = stats[name];
    if (value !== undefined && !(Number.isInteger(value) && value >= min && value <= max)) throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  };
  check('hp', 0, MAX_STAT);
  check('level', 1, MAX_STAT);
  check('exp', 0, Number.MAX_SAFE_INTEGER);
  return stats;
}

/** A count for each hook, from 0. */
function perHook(): Record<GameHookName, number> {
  return Object.fromEntries(GAME_HOOK_NAMES.map((hook) => [hook, 0])) as Record<GameHookName, number>;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function playerView(player: Player, zone: GameZone): GamePlayer {
  return {
    entityId: player.id,
    playerId: player.playerId,
    get x() {
      return player.x + zone.config.originXM;
    },
    get y() {
      return player.y + zone.config.originYM;
    },
    get heading() {
      return player.heading;
    },
    get hp() {
      return player.hp;
    },
    get level() {
      return player.level;
    },
    get exp() {
      return player.exp;
    },
  };
}
