/**
 * The storage interface zones and the gateway see (docs/architecture.md, R7 and R8): characters are loaded with
 * exclusive ownership, written back in batches fenced by their owner epoch, and released. Two
 * backends implement it inside the store worker (store/mysql-store.ts, store/sqlite-store.ts); every other
 * thread uses it through a StoreClient (store-client.ts). No SQL crosses this interface.
 *
 * Ownership: `acquire` raises the character's owner epoch and marks it online in one transaction.
 * Every later write carries that epoch and is applied only while the row still has it and is
 * online, so once another log-in (on any node) has raised the epoch, or the character has been
 * released, the old owner's writes are rejected as stale and never applied.
 */
import { StoreError, StoreErrorCodes } from './store-error.ts';

export type Backend = 'mysql' | 'sqlite';

/** The volatile state the write-back saves. hp, level, exp and playTimeS are whole numbers. */
export interface CharacterState {
  readonly zoneId: number;
  /** Metres. */
  readonly x: number;
  readonly y: number;
  /** Radians. */
  readonly heading: number;
  readonly hp: number;
  readonly level: number;
  readonly exp: number;
  readonly playTimeS: number;
}

export interface OwnedCharacter {
  readonly playerId: number;
  /** The character's name; null for one made by `acquire` without a name (tests, tools). */
  readonly name: string | null;
  /** The fencing token every write of this log-in must carry. */
  readonly epoch: number;
  /** True when this acquire created the character (from `initial`). */
  readonly created: boolean;
  readonly state: CharacterState;
}

/** A character's state as its owner saw it, to be written back. */
export interface CharacterSnapshot {
  readonly playerId: number;
  readonly epoch: number;
  /** Which change of this log-in the state is (the zone's counter; 0 for the state as loaded). */
  readonly version: number;
  readonly state: CharacterState;
}

/** Player ids, ascending: the rows written, and the rows refused because the epoch was stale. */
export interface SaveResult {
  readonly written: number[];
  readonly stale: number[];
}

/** A whole row, for tests and the admin side; times are Unix milliseconds. */
export interface StoredCharacter {
  readonly playerId: number;
  readonly name: string | null;
  readonly state: CharacterState;
  readonly ownerNode: string | null;
  readonly epoch: number;
  readonly online: boolean;
  /** Locked by an operator (admin-store.ts): no log-in loads it and no server writes it. */
  readonly isolated: boolean;
  readonly lastLoginAt: number | null;
  readonly lastSaveAt: number | null;
  readonly createdAt: number;
}

/** acquireExisting's answer for an isolated character (admin-store.ts): nothing was changed. */
export interface Isolated {
  readonly isolated: true;
}
export const ISOLATED: Isolated = Object.freeze({ isolated: true });

/** What `acquire` throws for an isolated character. */
export function isolatedError(playerId: number): StoreError {
  return new StoreError(`player ${playerId} is isolated by an operator: it cannot be loaded until released`, StoreErrorCodes.isolated);
}

export interface CharacterStore {
  /** Applies the migrations this database lacks, in order; resolves to the names applied now. */
  migrate(): Promise<string[]>;
  /**
   * Log-in: in one transaction, creates the character from `initial` if it does not exist, raises
   * its owner epoch, marks it online and owned by `nodeId`, and reads it back. An isolated
   * character is refused (StoreError STORE_CHARACTER_ISOLATED).
   */
  acquire(playerId: number, nodeId: string, initial: CharacterState): Promise<OwnedCharacter>;
  /**
   * Log-in of a character that must exist already (made by `createCharacter`): like `acquire`,
   * but resolves to undefined, changing nothing, when the player has no character yet, and to
   * ISOLATED, changing nothing, while an operator has it isolated.
   */
  acquireExisting(playerId: number, nodeId: string): Promise<OwnedCharacter | Isolated | undefined>;
  /**
   * Write-back: in ONE transaction, writes every snapshot whose epoch is still current, with
   * multi-row statements of at most `flushBatchRows` rows (never a statement per row). Stale
   * snapshots are left out and reported. A player may appear at most once per call.
   */
  save(snapshots: readonly CharacterSnapshot[]): Promise<SaveResult>;
  /**
   * Log-out: writes the final state and marks the character offline, in one statement, if the
   * epoch is still current. False (nothing written) when it is stale.
   */
  release(snapshot: CharacterSnapshot): Promise<boolean>;
  /**
   * Start-up, after a crash: writes each journaled state whose log-in is still the character's
   * (same epoch, online) and which is newer than what the row holds (a higher version), in one
   * transaction. Resolves to how many rows it wrote.
   */
  replay(snapshots: readonly CharacterSnapshot[]): Promise<number>;
  /** Start-up recovery: marks offline every character left online by `nodeId`; resolves to how many. */
  releaseNode(nodeId: string): Promise<number>;
  /**
   * A zone died with these characters: marks each offline, writing nothing else (the database
   * keeps its last write-back), but only while it still has the given epoch, so a log-in that
   * has taken it since is not touched. Resolves to how many were marked.
   */
  releaseOwned(owners: readonly { readonly playerId: number; readonly epoch: number }[]): Promise<number>;
  /** Reads one character without taking ownership; undefined when there is none. */
  load(playerId: number): Promise<StoredCharacter | undefined>;
  close(): Promise<void>;
}
