/**
 * Shared by the ring tests and their worker threads: a seeded PRNG and a self-checking record
 * payload (producer id, sequence number, checksum of random bytes).
 */

export { mulberry32 as prng } from '../../src/zone/random.ts';

/** FNV-1a over bytes[start, end). */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Bytes before the random part: u8 producer id, u32 sequence, u32 checksum (little-endian). */
export const RECORD_PREFIX_BYTES = 9;

/** Writes a record of `length` bytes (>= RECORD_PREFIX_BYTES) into out[0, length). */
export function fillRecord(out: Uint8Array, length: number, producer: number, seq: number, random: () => number): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = RECORD_PREFIX_BYTES; i < length; i++) out[i] = (random() * 256) | 0;
  view.setUint8(0, producer);
  view.setUint32(1, seq, true);
  view.setUint32(5, fnv1a(out, RECORD_PREFIX_BYTES, length), true);
}

export interface DecodedRecord {
  readonly producer: number;
  readonly seq: number;
  readonly intact: boolean;
}

export function decodeRecord(payload: Uint8Array): DecodedRecord {
  if (payload.length < RECORD_PREFIX_BYTES) return { producer: -1, seq: -1, intact: false };
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return {
    producer: view.getUint8(0),
    seq: view.getUint32(1, true),
    intact: view.getUint32(5, true) === fnv1a(payload, RECORD_PREFIX_BYTES, payload.length),
  };
}
