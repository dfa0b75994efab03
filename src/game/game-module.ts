/**
 * The game module API: what a studio writes to put its own rules into the zones (README, "Writing
 * a game module"). A module is a file whose default export is a `GameModule`; `GAME_MODULE`
 * names it, and every zone worker loads its own instance.
 *
 * The core keeps what it owns: movement rules, who sees whom, write-back and the economy. A module
 * sees the zone through a `GameContext` and its players as `GamePlayer`s (read-only views), and
 * talks to clients in messages of its own `.proto` file, which the core carries as bytes
 * (`GameAction` in, `GameEvent` out) without knowing their types.
 *
 * Everything here is types, plus `defineGame`, which only gives a module its type, and the list
 * of hook names: a module imports nothing else from the server.
 */

/** An action or event: the number that names it on the wire, and its message type in the module's .proto file. */
export interface MessageBinding {
  /** A whole number from 1 to 2^32 − 1, unique among the module's actions (or events); never reuse one. */
  readonly id: number;
  /** The fully qualified message type, e.g. `arena.Attack`. */
  readonly message: string;
}

export interface GameModule {
  /** Names the module in logs and metrics. */
  readonly name: string;
  /** The module's .proto file: a path relative to the module's own file, or absolute. */
  readonly proto: string;
  /** What clients may ask for, by name. */
  readonly actions?: Readonly<Record<string, MessageBinding>>;
  /** What the module tells clients, by name. */
  readonly events?: Readonly<Record<string, MessageBinding>>;
  /** The kinds of non-player characters it spawns, by name: each with a stable number of its own (1 to 2^32 − 1). */
  readonly npcKinds?: Readonly<Record<string, { readonly id: number }>>;
  readonly hooks?: GameHooks;
}

/**
 * Called by the zone inside its tick, in this order: `start` (once), `join` for the players who
 * came in since the last tick (logged in, or walked in from another zone), each player's
 * `action`s and `leave` as its jobs come, then `granted`, `npc` and `tick`. A hook must not be
 * async: the zone does not wait for it. A hook that throws is logged with the module, the
 * hook and the player, counted (`zone_game_hook_errors_total`), and, when a player's action or
 * arrival was being handled, answered to that player with ERROR_CODE_GAME_ACTION_REFUSED
 * (`RULE_FAILED`); the zone goes on ticking.
 */
export interface GameHooks {
  /** Once per zone, before anything else of the module runs there: where a zone's monsters are spawned. */
  start?(game: GameContext): void;
  /** A player entered this zone: it logged in, or walked in from another zone. */
  join?(game: GameContext, player: GamePlayer): void;
  /** A player is leaving this zone: it logs out, or goes on into another zone. It is still here during the call. */
  leave?(game: GameContext, player: GamePlayer): void;
  /**
   * Once a tick for each NPC the module spawned, after the players' moves and actions of the
   * tick: its behaviour. An NPC whose call throws is counted and logged like any hook, and the
   * others still run.
   */
  npc?(game: GameContext, npc: GameNpc): void;
  /** Once a tick, after the NPCs. */
  tick?(game: GameContext): void;
  /**
   * A grant the module asked for (`grant`) was decided by the database: in the first tick after
   * the answer came, after that tick's actions and before its NPCs. Its player may have left the
   * zone by then.
   */
  granted?(game: GameContext, result: GameGrantResult): void;
  /** A player's action, its message decoded. */
  action?(game: GameContext, player: GamePlayer, action: GameActionCall): void;
}

/** Every hook, in the order a tick meets them (start once, before all). */
export const GAME_HOOK_NAMES = ['start', 'join', 'leave', 'action', 'granted', 'npc', 'tick'] as const satisfies readonly (keyof GameHooks)[];

export interface GameActionCall {
  /** The action's name, as the module declares it. */
  readonly name: string;
  /** Its message, decoded from the module's .proto file (protobufjs's plain object: numbers, strings, arrays). */
  readonly message: Record<string, unknown>;
  /** The client's request number: echo it in an event when the client needs to match the answer. */
  readonly seq: number;
}

/** A player of the zone, as the module sees it: read-only, and current whenever it is read. */
export interface GamePlayer {
  /** The player's entity, unique in the world (what clients see it as). */
  readonly entityId: number;
  readonly playerId: number;
  /** Metres, in world coordinates. */
  readonly x: number;
  readonly y: number;
  /** Radians. */
  readonly heading: number;
  readonly hp: number;
  readonly level: number;
  readonly exp: number;
}

/** A non-player character the module spawned: where it is (read-only), and the module's own memory of it. */
export interface GameNpc {
  readonly entityId: number;
  /** One of the module's npcKinds. */
  readonly kind: string;
  /** Metres, in world coordinates. */
  readonly x: number;
  readonly y: number;
  /** Radians. */
  readonly heading: number;
  /** Whatever the module keeps about this NPC (its target, its home, when it last struck); gone with it. */
  readonly state: Record<string, unknown>;
}

/** The zone, as a hook sees it. */
export interface GameContext {
  readonly zoneId: number;
  /** Where the zone puts new players and players whose saved place is gone, world coordinates. */
  readonly spawnPoint: { readonly x: number; readonly y: number };
  /** The zone's clock, ms: the time of the tick being run. */
  readonly nowMs: number;
  /** The zone's players. */
  players(): IterableIterator<GamePlayer>;
  /** The zone's player with this entity id, if there is one. */
  player(entityId: number): GamePlayer | undefined;
  /** The zone's player with this player id (the character's), if it is here. */
  playerById(playerId: number): GamePlayer | undefined;
  /** Sends one of the module's events to one player. */
  send(to: GamePlayer, event: string, message: Record<string, unknown>): void;
  /**
   * Sends one of the module's events to every player who sees `about` (a player or an NPC), to
   * `about` when it is a player, and to `also` (the attacker of a blow, say), each once.
   */
  sendToViewers(about: GamePlayer | GameNpc, event: string, message: Record<string, unknown>, also?: GamePlayer): void;
  /**
   * Changes the player's hp, level or exp: the character's own columns, written back and
   * journaled like its position, and carried along when it changes zones. The player is sent its
   * new stats once, at the end of the tick's logic, however often they changed. Throws a
   * RangeError for a value that is not a whole number in range (hp and exp from 0, level from 1).
   */
  setStats(player: GamePlayer, stats: GameStats): void;
  /**
   * Puts the player at (x, y) in this zone, world coordinates (a respawn, a knock-back). Its
   * client is told as after an operator's teleport (a correction with reason TELEPORTED), those
   * who see it see it move, and the new place is written back like a move. Throws a RangeError
   * for a point outside this zone.
   */
  placePlayer(player: GamePlayer, x: number, y: number, heading?: number): void;
  /**
   * Asks the economy to give the player gold and items; the module never changes them itself.
   * `key` is the grant's idempotency key (1 to 62 of A–Z a–z 0–9 . _ : -), made from what earns
   * it (the kill of monster 8812 by player 42: `kill.8812.42`): however often the same key is
   * sent, the database grants it once. The grant is sent until the database answers, and the
   * answer comes to the `granted` hook. The player may be anywhere (this zone, another, offline).
   */
  grant(player: GamePlayer | number, grant: GameGrant, key: string): void;
  /**
   * Spawns an NPC of one of the module's kinds at (x, y), world coordinates, kept inside the
   * zone (a point outside is moved to its edge). Players who see the spot see it appear.
   */
  spawnNpc(kind: string, x: number, y: number, heading?: number): GameNpc;
  /** Moves one of the module's NPCs (kept inside the zone, as spawnNpc); its viewers see it move. */
  moveNpc(npc: GameNpc, x: number, y: number, heading?: number): void;
  /** Removes one of the module's NPCs; its viewers see it go. */
  removeNpc(npc: GameNpc): void;
  /** The module's NPCs in this zone. */
  npcs(): IterableIterator<GameNpc>;
  /** The module's NPC with this entity id, if it is in this zone. */
  npc(entityId: number): GameNpc | undefined;
  /**
   * The zone's players within `radiusM` of (x, y), world coordinates, as of the last view update
   * (at most a tick old), and the module's NPCs likewise.
   */
  playersNear(x: number, y: number, radiusM: number): GamePlayer[];
  npcsNear(x: number, y: number, radiusM: number): GameNpc[];
}

export interface GameStats {
  readonly hp?: number;
  readonly level?: number;
  readonly exp?: number;
}

/** Gold and new items for a player, created by the economy (`grant`). */
export interface GameGrant {
  readonly gold?: number;
  /** Stacks to create: an item template and how many. */
  readonly items?: readonly { readonly templateId: number; readonly count: number }[];
}

/** How the database decided a grant: `key` is the module's, `replayed` says it was decided before (the same key sent again). */
export type GameGrantResult =
  | { readonly key: string; readonly playerId: number; readonly replayed: boolean; readonly ok: true; readonly gold: number; readonly items: readonly { readonly itemId: number; readonly templateId: number; readonly count: number }[] }
  | { readonly key: string; readonly playerId: number; readonly replayed: boolean; readonly ok: false; readonly reason: string };

/** Gives a module its type; returns it unchanged. */
export function defineGame(module: GameModule): GameModule {
  return module;
}
