/**
 * What the SDK tells a game and is told by it: the player (Self), its inventory, a correction,
 * the events a ZoneClient emits with their values, and the options of a connection.
 */
import type { CloseInfo } from './client-errors.ts';
import type { KnownEntity } from './known-world.ts';
import type { WorldFrame } from './world-frame-reader.ts';
import type { ChatMessage, Mailbox, MailResult, MoveRejectReason, ServerError, TradeResult, TradeUpdate, ZoneChanged } from '../protocol/messages.ts';

/**
 * The client's own player after log-in; positions in world coordinates, metres. The zone fields
 * change when the player changes zones (the `zoneChanged` event).
 */
export interface Self {
  readonly playerId: number;
  /** The same in every zone. */
  readonly entityId: number;
  zoneId: number;
  zoneName: string;
  /** The zone's bounds: zoneX..zoneX + zoneWidth, zoneY..zoneY + zoneHeight. */
  zoneX: number;
  zoneY: number;
  zoneWidth: number;
  zoneHeight: number;
  readonly tickHz: number;
  x: number;
  y: number;
  heading: number;
}


/** The player's own hp, level and experience, as the server last said. */
export interface Stats {
  hp: number;
  level: number;
  exp: number;
}

/** The player's gold and items, as the server last said. */
export interface Inventory {
  gold: number;
  items: { itemId: number; templateId: number; count: number }[];
}

export interface ZoneClientEvents {
  login: Self;
  /** One per WorldUpdate frame, after its spawns, despawns and moves were applied; its columns are typed arrays. */
  update: WorldFrame;
  spawn: KnownEntity;
  despawn: KnownEntity;
  move: KnownEntity;
  correction: Correction;
  inventory: Inventory;
  /** After log-in and resume, and whenever the server changes them (an operator). */
  stats: Stats;
  /** The trade window changed (opened, an offer, a lock, an accept). */
  trade: TradeUpdate;
  /** A trade ended: committed (ok) or not, with the reason. */
  tradeResult: TradeResult;
  /** The unclaimed mail, answering mailList. */
  mailbox: Mailbox;
  /** How a mailSend or mailClaim ended; `seq` is the request's. */
  mailResult: MailResult;
  /** Something said where this player hears it. */
  chat: ChatMessage;
  /** An event of the server's game module: its number and its message, still encoded in the module's .proto. */
  gameEvent: GameEvent;
  /**
   * The player is in another zone now (`self` already says which). With `freshView` (a portal)
   * every known entity was forgotten first; the new zone's spawns follow.
   */
  zoneChanged: ZoneChanged;
  /** The connection dropped; the client tries to take its session back (attempt 1, 2, …). */
  reconnecting: { attempt: number; delayMs: number };
  /** The session is back on a new connection: every known entity was forgotten, and spawns follow. */
  resumed: Self;
  error: ServerError;
  close: CloseInfo;
}

export interface GameEvent {
  kind: number;
  payload: Uint8Array;
}

/** MOVE_REJECT_REASON_TOO_FAST → 'TOO_FAST'. */
export type CorrectionReason = 'TOO_FAST' | 'OUT_OF_BOUNDS' | 'OUT_OF_SEQUENCE' | 'INVALID_VALUE' | 'ZONE_CHANGE_PENDING' | 'TELEPORTED' | 'UNSPECIFIED';

/** A rejected move, or a teleport (TELEPORTED): the server's position for the player (world coordinates, metres), and why. */
export interface Correction {
  /** The rejected move's sequence number. */
  readonly seq: number;
  readonly reason: CorrectionReason;
  /** The same reason as the protocol's MoveRejectReason number. */
  readonly code: MoveRejectReason;
  readonly x: number;
  readonly y: number;
  readonly heading: number;
}

export interface ConnectOptions {
  /** A WebSocket constructor; defaults to the global one. */
  readonly WebSocket?: typeof WebSocket;
  /** Reconnect and resume after a dropped connection (default true). */
  readonly reconnect?: boolean;
}
