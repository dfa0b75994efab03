/**
 * Replaying journals after a crash (zone-journal.ts writes them): every player's latest journaled
 * state, by owner epoch and then version, goes to the store's `replay`, which writes it only over
 * an older state of the same log-in while the character is still online; then the segments go.
 * Runs at start-up before anyone can log in, and for a zone that died, before its players are
 * released.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { CharacterSnapshot, CharacterStore } from '../storage/character-store.ts';
import { parseSegmentName, readSegment } from './journal-format.ts';

export interface ReplayReport {
  readonly segments: number;
  /** Players with a journaled state. */
  readonly players: number;
  /** Rows the store wrote: states newer than what the database had. */
  readonly replayed: number;
}

/**
 * Replays the segments in `dir` now (of one zone when `zoneId` is given, of every zone otherwise;
 * segments a restarted zone writes later are not among them) and deletes them once the store has
 * answered.
 */
export async function replayJournals(dir: string, store: Pick<CharacterStore, 'replay'>, zoneId?: number): Promise<ReplayReport> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { segments: 0, players: 0, replayed: 0 };
  }
  const segments = names
    .map((name) => ({ name, parsed: parseSegmentName(name) }))
    .filter(({ parsed }) => parsed !== undefined && (zoneId === undefined || parsed.zoneId === zoneId))
    .map(({ name }) => join(dir, name));
  const latest = new Map<number, CharacterSnapshot>();
  for (const path of segments) {
    for (const record of readSegment(readFileSync(path))) {
      const known = latest.get(record.playerId);
      if (!known || record.epoch > known.epoch || (record.epoch === known.epoch && record.version > known.version)) latest.set(record.playerId, record);
    }
  }
  const replayed = latest.size > 0 ? await store.replay([...latest.values()]) : 0;
  for (const path of segments) rmSync(path, { force: true });
  return { segments: segments.length, players: latest.size, replayed };
}
