/**
 * One character's write as a single fenced UPDATE: the flush benchmark's per-row baseline and
 * its write-through run both send this statement.
 */
import type { CharacterState } from '../../src/storage/character-store.ts';
import { stateValues } from '../../src/store/rows.ts';

export const PER_ROW_UPDATE =
  'UPDATE characters SET zone_id = ?, x = ?, y = ?, heading = ?, hp = ?, level = ?, exp = ?, play_time_s = ?, last_save_at = ? WHERE player_id = ? AND owner_epoch = ? AND online = 1';

/** PER_ROW_UPDATE's values, in order. */
export function perRowValues(playerId: number, epoch: number, state: CharacterState, nowMs: number): number[] {
  return [...stateValues(state), nowMs, playerId, epoch];
}
