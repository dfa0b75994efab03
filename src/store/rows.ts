/**
 * How characters map to the rows of `characters`, shared by both backends: the column lists, the
 * placeholder text of multi-row statements, and reading a row back.
 */
import type { CharacterSnapshot, CharacterState, StoredCharacter } from '../storage/character-store.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';

export const STATE_COLUMNS = 'zone_id, x, y, heading, hp, level, exp, play_time_s';
export const ROW_COLUMNS = `player_id, name, ${STATE_COLUMNS}, owner_node, owner_epoch, online, isolated, last_login_at, last_save_at, created_at`;
/** Values per row of the write-back upsert: player_id, the 8 state columns, state_version, last_save_at, created_at. */
export const SAVE_COLUMNS = 12;

/** The state in STATE_COLUMNS order. */
export function stateValues(state: CharacterState): number[] {
  return [state.zoneId, state.x, state.y, state.heading, state.hp, state.level, state.exp, state.playTimeS];
}

/** The VALUES of a write-back upsert row, SAVE_COLUMNS of them. */
export function saveValues(playerId: number, state: CharacterState, version: number, nowMs: number): number[] {
  return [playerId, ...stateValues(state), version, nowMs, nowMs];
}

/** `(?, ?), (?, ?)`: placeholders for `rows` rows of `columns` values. */
export function rowPlaceholders(rows: number, columns: number): string {
  const row = `(${listPlaceholders(columns)})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/** `?, ?, ?`: placeholders for an IN list of `count` values. */
export function listPlaceholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** A characters row (ROW_COLUMNS, as both backends return them) as a StoredCharacter. */
export function toStoredCharacter(row: Readonly<Record<string, unknown>>): StoredCharacter {
  return {
    playerId: Number(row.player_id),
    name: (row.name as string | null) ?? null,
    state: {
      zoneId: Number(row.zone_id),
      x: Number(row.x),
      y: Number(row.y),
      heading: Number(row.heading),
      hp: Number(row.hp),
      level: Number(row.level),
      exp: Number(row.exp),
      playTimeS: Number(row.play_time_s),
    },
    ownerNode: (row.owner_node as string | null) ?? null,
    epoch: Number(row.owner_epoch),
    online: Number(row.online) === 1,
    isolated: Number(row.isolated) === 1,
    lastLoginAt: row.last_login_at === null ? null : Number(row.last_login_at),
    lastSaveAt: row.last_save_at === null ? null : Number(row.last_save_at),
    createdAt: Number(row.created_at),
  };
}

/** Sorts snapshots by player id (so concurrent writers lock rows in one order) and refuses duplicates. */
export function sortedSnapshots(snapshots: readonly CharacterSnapshot[]): CharacterSnapshot[] {
  const sorted = [...snapshots].sort((a, b) => a.playerId - b.playerId);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.playerId === sorted[i - 1]?.playerId) {
      throw new StoreError(`player ${sorted[i]?.playerId} appears twice in one save`, StoreErrorCodes.badRequest);
    }
  }
  return sorted;
}

/** Splits `items` into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
