/**
 * Encodes one viewer's news for one tick as a `ServerMessage { update: WorldUpdate }` frame,
 * by hand, straight into the memory the frame goes out from. The bytes are ordinary protobuf
 * for proto/zone/v1/zone.proto (any protobuf library decodes them; a test checks it against
 * the generated decoder), written the way a per-viewer encoder has to be to keep up with
 * thousands of viewers: moves are packed columns of varints (ids, masks, position deltas,
 * headings) rather than a sub-message each, and each entity's column entries and spawn are
 * encoded once per tick and copied to every viewer that needs them. bench/README.md ("Zone
 * tick") has the figures.
 *
 * Zero-valued scalars are left out, as proto3 allows; a decoder reads them as 0.
 *
 * Use: `beginTick` once per tick, after the view phase; then for each viewer i, `measure(i)`
 * returns the byte length of its frame and remembers the layout, and `write(target, offset)`
 * writes exactly that many bytes.
 */
import { MoveField } from '../../protocol/messages.ts';
import type { Entity } from '../world/world.ts';
import type { ViewSystem } from './view-system.ts';
import type { ViewResults } from './view-results.ts';

// Tags: (field number << 3) | wire type (0 varint, 2 length-delimited, 5 fixed32).
const TAG_SERVER_MESSAGE_UPDATE = (2 << 3) | 2;
const TAG_TICK = (1 << 3) | 0;
const TAG_SPAWNS = (2 << 3) | 2;
const TAG_DESPAWNS = (3 << 3) | 2;
const TAG_MOVE_IDS = (5 << 3) | 2;
const TAG_MOVE_MASKS = (6 << 3) | 2;
const TAG_MOVE_DX = (7 << 3) | 2;
const TAG_MOVE_DY = (8 << 3) | 2;
const TAG_MOVE_HEADING = (9 << 3) | 2;
const TAG_SPAWN_ENTITY_ID = (1 << 3) | 0;
const TAG_SPAWN_KIND = (2 << 3) | 0;
const TAG_SPAWN_PLAYER_ID = (3 << 3) | 0;
const TAG_SPAWN_X = (4 << 3) | 0;
const TAG_SPAWN_Y = (5 << 3) | 0;
const TAG_SPAWN_HEADING = (6 << 3) | 5;
const TAG_SPAWN_NPC_KIND = (7 << 3) | 0;
/** Upper bound of one encoded EntitySpawn: six tagged varints of up to 10 bytes and a float. */
const MAX_SPAWN_BYTES = 6 * 11 + 5;

export class WorldUpdateWriter {
  private readonly results: ViewResults;
  private readonly view: ViewSystem;
  private readonly bySlot: readonly (Entity | undefined)[];
  /**
   * This tick's move column entries of each moved entity, by slot: the unsigned value each
   * column holds for it (id, and the ZigZag of dx, dy and heading) and its varint length, 0 when
   * the entity has no entry in that column.
   */
  private idValue = new Uint32Array(0);
  private idLength = new Uint8Array(0);
  private dxValue = new Uint32Array(0);
  private dxLength = new Uint8Array(0);
  private dyValue = new Uint32Array(0);
  private dyLength = new Uint8Array(0);
  private headingValue = new Uint32Array(0);
  private headingLength = new Uint8Array(0);
  /** This tick's encoded spawns: slot → [spawnAt, spawnAt + spawnLength) in spawnPool. */
  private spawnPool = new Uint8Array(64 * 1024);
  private spawnPoolEnd = 0;
  private spawnAt = new Int32Array(0);
  private spawnLength = new Int32Array(0);
  private spawnTick = new Uint32Array(0);
  private readonly floatView = new DataView(new ArrayBuffer(4));
  private tick = 0;

  // Layout of the frame last measured.
  private viewer = 0;
  private bodyLength = 0;
  private despawnsLength = 0;
  private idsBytes = 0;
  private movesCount = 0;
  private dxBytes = 0;
  private dyBytes = 0;
  private headingBytes = 0;

  constructor(view: ViewSystem, bySlot: readonly (Entity | undefined)[]) {
    this.results = view.results;
    this.view = view;
    this.bySlot = bySlot;
  }

  /** Starts a tick: encodes every moved entity's column entries; last tick's spawns are forgotten. */
  beginTick(tick: number, slotCount: number): void {
    this.tick = tick;
    this.spawnPoolEnd = 0;
    if (slotCount > this.spawnTick.length) {
      const capacity = Math.max(64, slotCount * 2);
      this.spawnAt = new Int32Array(capacity);
      this.spawnLength = new Int32Array(capacity);
      this.spawnTick = new Uint32Array(capacity);
      this.idValue = new Uint32Array(capacity);
      this.idLength = new Uint8Array(capacity);
      this.dxValue = new Uint32Array(capacity);
      this.dxLength = new Uint8Array(capacity);
      this.dyValue = new Uint32Array(capacity);
      this.dyLength = new Uint8Array(capacity);
      this.headingValue = new Uint32Array(capacity);
      this.headingLength = new Uint8Array(capacity);
    }
    const { moveMask, dxCm, dyCm, headingMrad } = this.view.tables;
    for (const slot of this.view.movedSlots) {
      const mask = moveMask[slot] as number;
      const id = (this.bySlot[slot] as Entity).id;
      this.idValue[slot] = id;
      this.idLength[slot] = varintLength(id);
      const position = (mask & MoveField.MOVE_FIELD_POSITION) !== 0;
      const dx = position ? zigzag(dxCm[slot] as number) : 0;
      const dy = position ? zigzag(dyCm[slot] as number) : 0;
      this.dxValue[slot] = dx;
      this.dxLength[slot] = position ? varintLength(dx) : 0;
      this.dyValue[slot] = dy;
      this.dyLength[slot] = position ? varintLength(dy) : 0;
      const turned = (mask & MoveField.MOVE_FIELD_HEADING) !== 0;
      const heading = turned ? zigzag(headingMrad[slot] as number) : 0;
      this.headingValue[slot] = heading;
      this.headingLength[slot] = turned ? varintLength(heading) : 0;
    }
  }

  /** Byte length of viewer i's frame (i < results.count). */
  measure(i: number): number {
    const r = this.results;
    this.viewer = i;

    let spawns = 0;
    for (let k = r.spawnStart[i] as number, end = r.spawnStart[i + 1] as number; k < end; k++) {
      const length = this.encodeSpawn(r.spawnSlots[k] as number);
      spawns += 1 + varintLength(length) + length;
    }
    let despawns = 0;
    for (let k = r.despawnStart[i] as number, end = r.despawnStart[i + 1] as number; k < end; k++) {
      despawns += varintLength(r.despawnIds[k] as number);
    }
    let ids = 0;
    let dx = 0;
    let dy = 0;
    let heading = 0;
    const movesFrom = r.moveStart[i] as number;
    const movesTo = r.moveStart[i + 1] as number;
    const slots = r.moveSlots;
    for (let k = movesFrom; k < movesTo; k++) {
      const slot = slots[k] as number;
      ids += this.idLength[slot] as number;
      dx += this.dxLength[slot] as number;
      dy += this.dyLength[slot] as number;
      heading += this.headingLength[slot] as number;
    }
    this.idsBytes = ids;
    this.movesCount = movesTo - movesFrom;
    this.dxBytes = dx;
    this.dyBytes = dy;
    this.headingBytes = heading;
    this.despawnsLength = despawns;
    // Masks are below 128: one byte each.
    this.bodyLength =
      1 + varintLength(this.tick) + spawns + packedLength(despawns) + packedLength(ids) + packedLength(this.movesCount) + packedLength(dx) + packedLength(dy) + packedLength(heading);
    return 1 + varintLength(this.bodyLength) + this.bodyLength;
  }

  /** Writes the frame last measured into target[offset …]; returns the offset after it. */
  write(target: Uint8Array, offset: number): number {
    const r = this.results;
    const i = this.viewer;
    let at = offset;
    target[at++] = TAG_SERVER_MESSAGE_UPDATE;
    at = writeVarint(target, at, this.bodyLength);
    target[at++] = TAG_TICK;
    at = writeVarint(target, at, this.tick);

    for (let k = r.spawnStart[i] as number, end = r.spawnStart[i + 1] as number; k < end; k++) {
      const slot = r.spawnSlots[k] as number;
      const from = this.spawnAt[slot] as number;
      const length = this.spawnLength[slot] as number;
      target[at++] = TAG_SPAWNS;
      at = writeVarint(target, at, length);
      const pool = this.spawnPool;
      for (let b = 0; b < length; b++) target[at++] = pool[from + b] as number;
    }
    if (this.despawnsLength > 0) {
      target[at++] = TAG_DESPAWNS;
      at = writeVarint(target, at, this.despawnsLength);
      for (let k = r.despawnStart[i] as number, end = r.despawnStart[i + 1] as number; k < end; k++) {
        at = writeVarint(target, at, r.despawnIds[k] as number);
      }
    }
    if (this.movesCount > 0) {
      const from = r.moveStart[i] as number;
      const to = r.moveStart[i + 1] as number;
      const slots = r.moveSlots;
      const moveMask = this.view.tables.moveMask;
      target[at++] = TAG_MOVE_IDS;
      at = writeVarint(target, at, this.idsBytes);
      at = writeColumn(target, at, slots, from, to, this.idValue, this.idLength);
      target[at++] = TAG_MOVE_MASKS;
      at = writeVarint(target, at, this.movesCount);
      for (let k = from; k < to; k++) target[at++] = moveMask[slots[k] as number] as number;
      if (this.dxBytes > 0) {
        target[at++] = TAG_MOVE_DX;
        at = writeVarint(target, at, this.dxBytes);
        at = writeColumn(target, at, slots, from, to, this.dxValue, this.dxLength);
        target[at++] = TAG_MOVE_DY;
        at = writeVarint(target, at, this.dyBytes);
        at = writeColumn(target, at, slots, from, to, this.dyValue, this.dyLength);
      }
      if (this.headingBytes > 0) {
        target[at++] = TAG_MOVE_HEADING;
        at = writeVarint(target, at, this.headingBytes);
        at = writeColumn(target, at, slots, from, to, this.headingValue, this.headingLength);
      }
    }
    return at;
  }

  /** Encodes the spawn of the entity in `slot` once per tick into the pool; returns its length. */
  private encodeSpawn(slot: number): number {
    if (this.spawnTick[slot] === this.tick) return this.spawnLength[slot] as number;
    if (this.spawnPoolEnd + MAX_SPAWN_BYTES > this.spawnPool.length) {
      const grown = new Uint8Array(this.spawnPool.length * 2);
      grown.set(this.spawnPool);
      this.spawnPool = grown;
    }
    const entity = this.bySlot[slot] as Entity;
    const { knownXCm, knownYCm } = this.view.tables;
    const pool = this.spawnPool;
    const start = this.spawnPoolEnd;
    let at = start;
    pool[at++] = TAG_SPAWN_ENTITY_ID;
    at = writeVarint(pool, at, entity.id);
    if (entity.kind !== 0) {
      pool[at++] = TAG_SPAWN_KIND;
      at = writeVarint(pool, at, entity.kind);
    }
    if (entity.playerId !== 0) {
      pool[at++] = TAG_SPAWN_PLAYER_ID;
      at = writeVarint64(pool, at, entity.playerId);
    }
    const x = knownXCm[slot] as number;
    const y = knownYCm[slot] as number;
    if (x !== 0) {
      pool[at++] = TAG_SPAWN_X;
      at = writeVarint(pool, at, zigzag(x));
    }
    if (y !== 0) {
      pool[at++] = TAG_SPAWN_Y;
      at = writeVarint(pool, at, zigzag(y));
    }
    if (entity.heading !== 0) {
      pool[at++] = TAG_SPAWN_HEADING;
      this.floatView.setFloat32(0, entity.heading, true);
      for (let b = 0; b < 4; b++) pool[at++] = this.floatView.getUint8(b);
    }
    const npcKind = entity.npcKind ?? 0;
    if (npcKind !== 0) {
      pool[at++] = TAG_SPAWN_NPC_KIND;
      at = writeVarint(pool, at, npcKind);
    }
    this.spawnTick[slot] = this.tick;
    this.spawnAt[slot] = start;
    this.spawnLength[slot] = at - start;
    this.spawnPoolEnd = at;
    return at - start;
  }
}

/**
 * Writes the column entries of the entities in slots[from, to): value[slot] as a varint for each
 * one whose length[slot] is not 0 (0: no entry in this column).
 */
function writeColumn(target: Uint8Array, offset: number, slots: Int32Array, from: number, to: number, value: Uint32Array, length: Uint8Array): number {
  let at = offset;
  for (let k = from; k < to; k++) {
    const slot = slots[k] as number;
    const n = length[slot] as number;
    if (n === 0) continue;
    let v = value[slot] as number;
    // Most entries are one or two bytes.
    if (n === 1) {
      target[at++] = v;
      continue;
    }
    while (v > 0x7f) {
      target[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    target[at++] = v;
  }
  return at;
}

/** Bytes of a packed field holding `length` bytes of values: nothing when empty. */
function packedLength(length: number): number {
  return length === 0 ? 0 : 1 + varintLength(length) + length;
}

/** Bytes of a varint for a u32. */
function varintLength(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : value < 0x1000_0000 ? 4 : 5;
}

/** sint32's ZigZag: small magnitudes of either sign become small unsigned values. */
function zigzag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function writeVarint(target: Uint8Array, offset: number, value: number): number {
  let at = offset;
  let v = value >>> 0;
  while (v > 0x7f) {
    target[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  target[at++] = v;
  return at;
}

/** A varint for a non-negative integer up to 2^53 (player ids are uint64 on the wire). */
function writeVarint64(target: Uint8Array, offset: number, value: number): number {
  let at = offset;
  let v = value;
  while (v > 0x7f) {
    target[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  target[at++] = v;
  return at;
}
