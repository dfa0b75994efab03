/**
 * What a zone is given and what it tells (zone.ts): its settings, the store it writes back to,
 * the hooks through which it reports to its host, and the counters and phase times it keeps.
 */
import type { ZoneConfig } from '../config/world.ts';
import type { LoadedGame } from '../game/load-game.ts';
import type { ZoneJournal } from '../journal/zone-journal.ts';
import type { ArriveJob } from '../thread-messages/jobs.ts';
import type { DropReason } from '../thread-messages/zone-control.ts';
import type { ZoneHeartbeat } from '../thread-messages/zone-heartbeat.ts';
import type { BorderSight } from './borders/border-sight.ts';
import type { Crossings } from './crossings.ts';
import type { GameHookName } from './game/game-host.ts';
import type { ZoneEconomyStore } from './economy/zone-economy.ts';
import type { FrameCounters } from './frame-outbox.ts';
import type { WriteBackStore } from './write-back.ts';
import type { EntityIdSource } from './world/entity-ids.ts';

/** What a zone needs of the store: write-back, and reading and changing inventories. */
export type ZoneStore = WriteBackStore & ZoneEconomyStore;

export interface ZoneSettings {
  readonly zone: ZoneConfig;
  readonly tickHz: number;
  /** Views are worked out and sent every this many ticks (1 when absent); the world changes every tick. */
  readonly viewSendTicks?: number;
  readonly maxSpeedMps: number;
  readonly speedTolerance: number;
  readonly npcs: number;
  /** Seed of the NPCs' walks. */
  readonly npcSeed: number;
  /** Where entity ids come from; a zone of its own counts them itself (tests, benchmarks). */
  readonly entityIds?: EntityIdSource;
  readonly flushIntervalMs: number;
  readonly flushBatchRows: number;
  /** The zone's borders and portals (crossings.ts); none when absent. */
  readonly crossings?: Crossings;
  /** Sight across the zone's borders (borders/border-sight.ts); none when absent. */
  readonly borderSight?: BorderSight;
  /** Where the zone says which phase it is in, for the main thread's watchdog; none when absent. */
  readonly heartbeat?: ZoneHeartbeat;
  /** Where each tick's changes of volatile state are journaled; none when absent. */
  readonly journal?: ZoneJournal;
  /** The game module whose rules the zone runs (game/); none when absent. */
  readonly game?: LoadedGame;
}

/** Counters the worker folds into its metrics; they only grow. */
export interface ZoneCounters extends FrameCounters {
  jobs: number;
  movesRejected: number;
  /** Players handed to another zone, by border and by portal, and players taken over. */
  handoversByBorder: number;
  handoversByPortal: number;
  arrivals: number;
  /** Jobs that came for a player handed over already, sent on to its new zone. */
  jobsForwarded: number;
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
  storeFailed?(err: unknown, what: 'save' | 'release' | 'load inventory' | 'trade' | 'mail' | 'grant', retryInMs: number): void;
  /** The zone removed this session's player and hands it to zone `toZone`: `player` is all of its state. */
  handedOver?(sessionId: number, toZone: number, player: ArriveJob): void;
  /** The FENCE of a session handed over came: the jobs that arrived for it before, oldest first. */
  forwarded?(sessionId: number, jobs: Uint8Array[]): void;
  /** A player handed over by another zone is here now. */
  arrived?(sessionId: number, playerId: number): void;
  /** The game module's `hook` threw, handling player `playerId` (0: none); the zone went on. */
  gameFailed?(err: unknown, hook: GameHookName, playerId: number): void;
}

/** How long each phase of the last tick took, ms. */
export interface PhaseTimes {
  jobs: number;
  logic: number;
  view: number;
  encode: number;
}
