/**
 * The journal's files and their layout (little-endian). A zone's journal is a series of segment
 * files, `zone-<zone id>-<sequence>.journal`, each a run of batches, one batch per tick:
 *
 *   batch   [u32 magic 'JRN1'][u32 records][u32 CRC-32 of the records][u32 0]      16 bytes
 *   record  [f64 playerId][f64 epoch][f64 version][f64 zoneId][f64 x][f64 y][f64 heading]
 *           [f64 hp][f64 level][f64 exp][f64 playTimeS]                             88 bytes
 *
 * A record is a player's whole volatile state after a change (a CharacterSnapshot). A batch
 * torn by a crash (short, or its CRC wrong) ends the segment for the reader: it and what follows
 * were never made durable.
 */
import { crc32 } from 'node:zlib';
import type { CharacterSnapshot, CharacterState } from '../storage/character-store.ts';

export const BATCH_HEADER_BYTES = 16;
export const RECORD_BYTES = 88;
const MAGIC = 0x314e524a; // 'JRN1'

const SEGMENT_NAME = /^zone-(\d+)-(\d{10})\.journal$/;

export function segmentName(zoneId: number, sequence: number): string {
  return `zone-${zoneId}-${String(sequence).padStart(10, '0')}.journal`;
}

/** The zone and sequence of a segment file's name; undefined for any other file. */
export function parseSegmentName(name: string): { zoneId: number; sequence: number } | undefined {
  const match = SEGMENT_NAME.exec(name);
  return match ? { zoneId: Number(match[1]), sequence: Number(match[2]) } : undefined;
}

/** Writes a batch of `count` records, already in `bytes` after the header, and its header. */
export function sealBatch(bytes: Uint8Array, count: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = BATCH_HEADER_BYTES + count * RECORD_BYTES;
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, count, true);
  view.setUint32(8, crc32(bytes.subarray(BATCH_HEADER_BYTES, end)), true);
  view.setUint32(12, 0, true);
  return bytes.subarray(0, end);
}

/**
 * A record's fields, flat: a zone fills one of these again for each player it journals, where a
 * CharacterSnapshot would be two new objects per player per tick.
 */
export type JournalRecord = { -readonly [K in keyof CharacterState]: number } & { playerId: number; epoch: number; version: number };

export function emptyRecord(): JournalRecord {
  return { playerId: 0, epoch: 0, version: 0, zoneId: 0, x: 0, y: 0, heading: 0, hp: 0, level: 0, exp: 0, playTimeS: 0 };
}

export function writeRecord(view: DataView, at: number, record: JournalRecord): void {
  view.setFloat64(at, record.playerId, true);
  view.setFloat64(at + 8, record.epoch, true);
  view.setFloat64(at + 16, record.version, true);
  view.setFloat64(at + 24, record.zoneId, true);
  view.setFloat64(at + 32, record.x, true);
  view.setFloat64(at + 40, record.y, true);
  view.setFloat64(at + 48, record.heading, true);
  view.setFloat64(at + 56, record.hp, true);
  view.setFloat64(at + 64, record.level, true);
  view.setFloat64(at + 72, record.exp, true);
  view.setFloat64(at + 80, record.playTimeS, true);
}

/** Every record of a segment's intact batches, in order; reading stops at the first torn one. */
export function readSegment(bytes: Uint8Array): CharacterSnapshot[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: CharacterSnapshot[] = [];
  for (let at = 0; at + BATCH_HEADER_BYTES <= bytes.length; ) {
    const count = view.getUint32(at + 4, true);
    const end = at + BATCH_HEADER_BYTES + count * RECORD_BYTES;
    if (view.getUint32(at, true) !== MAGIC || end > bytes.length) break;
    if (crc32(bytes.subarray(at + BATCH_HEADER_BYTES, end)) !== view.getUint32(at + 8, true)) break;
    for (let r = at + BATCH_HEADER_BYTES; r < end; r += RECORD_BYTES) {
      const f = (i: number): number => view.getFloat64(r + 8 * i, true);
      records.push({
        playerId: f(0),
        epoch: f(1),
        version: f(2),
        state: { zoneId: f(3), x: f(4), y: f(5), heading: f(6), hp: f(7), level: f(8), exp: f(9), playTimeS: f(10) },
      });
    }
    at = end;
  }
  return records;
}
