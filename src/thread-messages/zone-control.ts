/**
 * Control-plane messages between the main thread and a zone worker (postMessage). The hot path
 * (jobs in, frames out) goes through the rings; these are rare: start-up, metrics scrapes,
 * dropping a session the zone could not serve, a leaver's character released, and stopping.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config/config.ts';
import type { TradeReason } from '../protocol/reasons.ts';
import type { MetricsSnapshot } from '../metrics/metrics-hub.ts';
import type { CharacterState } from '../storage/character-store.ts';
import type { GrantRequest, GrantResult, Inventory } from '../storage/economy-store.ts';
import type { ZoneConfig } from '../config/world.ts';
import type { ArriveJob } from './jobs.ts';
import type { AuditDraft } from '../storage/admin-store.ts';

/** Bytes of the entity id counter every zone shares: one 32-bit word. */
export const ENTITY_ID_COUNTER_BYTES = 4;

export interface ZoneWorkerData {
  readonly config: Config;
  readonly zone: ZoneConfig;
  /** Jobs from the gateway (key: session id, payload: thread-messages/jobs.ts layouts). */
  readonly inbound: SharedArrayBuffer;
  /** Ready-to-send frames for the gateway (key: session id, payload: one ServerMessage). */
  readonly outbound: SharedArrayBuffer;
  /** The server's entity id counter, shared by every zone (zone/world/entity-ids.ts). */
  readonly entityIds: SharedArrayBuffer;
  /**
   * The boards shared with each zone across a border (zone/borders/border-board.ts): `outgoing`
   * is written by this zone and read by the neighbour, `incoming` the other way round.
   */
  readonly borderBoards: readonly { readonly neighbour: number; readonly outgoing: SharedArrayBuffer; readonly incoming: SharedArrayBuffer }[];
  /** Where the zone says which phase it is in (zone-heartbeat.ts), kept across restarts. */
  readonly heartbeat: SharedArrayBuffer;
  /** This zone's own channel to the store worker (transferred with the worker's start). */
  readonly storePort: MessagePort;
}

/**
 * A player as its zone holds it now, for an operator (the admin API): the character's state, x
 * and y in world coordinates (metres) rather than the zone's.
 */
export interface LivePlayer extends Omit<CharacterState, 'playTimeS'> {
  /** Gold and items as the zone last read them; undefined until the first read after log-in. */
  readonly inventory: Pick<Inventory, 'gold' | 'items'> | undefined;
}

/**
 * An operator's change to a player its zone holds (the admin API's PATCH). x and y are world
 * coordinates, metres, and come together: a teleport, within the zone or into another one.
 */
export interface PlayerChange {
  readonly x?: number | undefined;
  readonly y?: number | undefined;
  readonly heading?: number | undefined;
  readonly hp?: number | undefined;
  readonly level?: number | undefined;
  readonly exp?: number | undefined;
}

/**
 * How a zone took an operator's change: the player after it, or why nothing changed. A teleport
 * into another zone is answered with the player as it arrives there.
 */
export type ChangeOutcome =
  | { readonly player: LivePlayer }
  /**
   * PLAYER_NOT_ONLINE: the zone does not hold the player (it left, or went on to another zone);
   * PLAYER_BUSY: the zone is finishing something for it (a save, a trade) and it cannot leave yet;
   * OUTSIDE_WORLD: the point lies in no zone.
   */
  | { readonly refusal: 'PLAYER_NOT_ONLINE' | 'PLAYER_BUSY' | 'OUTSIDE_WORLD' };

/** A zone as an operator sees it: its players (world coordinates, metres) and its recent tick p99. */
export interface ZoneStatus {
  readonly tickP99Ms: number;
  readonly players: readonly { readonly playerId: number; readonly x: number; readonly y: number }[];
}

/**
 * Every entity a zone simulates at one tick, for an operator's live map: parallel columns, one
 * row per entity, x and y in world coordinates (metres); playerIds is 0 for an NPC.
 */
export interface EntitySample {
  readonly tick: number;
  readonly ids: Uint32Array;
  readonly playerIds: Float64Array;
  readonly kinds: Uint8Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** Why a zone dropped a session on its own: its frames did not fit, or another log-in owns the character now. */
export type DropReason = 'zone_overloaded' | 'stale_owner';

export type ToZone =
  | { readonly type: 'collect-metrics'; readonly requestId: number }
  /** A grant for a player this zone holds: committed through the store, then applied and shown. */
  | { readonly type: 'grant'; readonly requestId: number; readonly request: GrantRequest; readonly audit: AuditDraft | undefined }
  /**
   * A trade across zones, run by the gateway: escrow this player's offer here (answered by
   * 'escrow-held'), and later release it, reading the inventory back when the trade committed.
   */
  | { readonly type: 'escrow-hold'; readonly requestId: number; readonly playerId: number; readonly gold: number; readonly itemIds: readonly number[] }
  | { readonly type: 'escrow-release'; readonly holdId: number; readonly committed: boolean }
  /** The zone's players and recent tick time, for an operator (answered by zone-status). */
  | { readonly type: 'zone-status'; readonly requestId: number }
  /** Where each of the zone's entities is now, for an operator's map (answered by entities-sampled). */
  | { readonly type: 'sample-entities'; readonly requestId: number }
  /** What the zone holds of a player now (answered by player-inspected). */
  | { readonly type: 'inspect-player'; readonly requestId: number; readonly playerId: number }
  /** An operator's change to a player, applied in the zone's next tick (answered by player-changed). */
  | { readonly type: 'change-player'; readonly requestId: number; readonly playerId: number; readonly change: PlayerChange }
  /** The store worker was restarted: the zone's store calls go through this port from now on. */
  | { readonly type: 'store-port'; readonly port: MessagePort }
  /** A hand-over waits on a job just written (a FENCE, an ARRIVE): take the ring's jobs now, not at the next tick. */
  | { readonly type: 'take-jobs' }
  /** Take the last jobs, release every player, write back everything; give up at deadlineMs (wall clock). */
  | { readonly type: 'stop'; readonly deadlineMs: number };

export type FromZone =
  | { readonly type: 'ready' }
  | { readonly type: 'metrics'; readonly requestId: number; readonly metrics: MetricsSnapshot }
  /** The zone removed this session's player and will send it nothing more; the gateway closes it. */
  | { readonly type: 'drop-session'; readonly sessionId: number; readonly reason: DropReason }
  /** A leaver's final state is written (`saved`; false: refused as stale) and its character released. */
  | { readonly type: 'released'; readonly playerId: number; readonly sessionId: number; readonly saved: boolean }
  /** A grant's outcome, or the store's error (message and code) when it failed. */
  | { readonly type: 'grant-result'; readonly requestId: number; readonly result?: GrantResult; readonly error?: { readonly message: string; readonly code?: string | undefined } }
  /** The escrow is held (holdId), or refused with the reason (nothing held). */
  | { readonly type: 'escrow-held'; readonly requestId: number; readonly holdId?: number; readonly reason?: TradeReason }
  | { readonly type: 'zone-status'; readonly requestId: number; readonly status: ZoneStatus }
  | { readonly type: 'entities-sampled'; readonly requestId: number; readonly sample: EntitySample }
  /** undefined: the zone holds no such player (it left, or never was here). */
  | { readonly type: 'player-inspected'; readonly requestId: number; readonly player: LivePlayer | undefined }
  | { readonly type: 'player-changed'; readonly requestId: number; readonly outcome: ChangeOutcome }
  /**
   * The zone removed this session's player and hands it to zone `toZone` with all its state; the
   * gateway answers with a FENCE job behind the session's last job here.
   */
  | { readonly type: 'hand-over'; readonly sessionId: number; readonly toZone: number; readonly player: ArriveJob }
  /** The FENCE of a session handed over came: the session's jobs that arrived before it, oldest first. */
  | { readonly type: 'forwarded'; readonly sessionId: number; readonly jobs: Uint8Array[] }
  /** A player handed over by another zone is here now (its ARRIVE job was taken). */
  | { readonly type: 'arrived'; readonly sessionId: number; readonly playerId: number }
  /** The zone has stopped; `unsaved` lists players whose last state did not reach the database. */
  | { readonly type: 'stopped'; readonly unsaved: readonly number[] };
