/**
 * Reads `ServerMessage { update: WorldUpdate }` frames straight from their bytes. A client gets
 * one every tick, carrying dozens of moves as packed columns of varints, and protobufjs's
 * generated decoder builds a message object for it and calls a reader method or two per number.
 * This reader walks the bytes once, reading the short varints nearly every number is inline, into
 * plain arrays new for each frame (so a frame kept by its receiver stays as it was).
 *
 * It reads what the protobuf encoding allows, not only what this server writes: fields in any
 * order and repeated, repeated numbers packed or not, unknown fields skipped. Spawns (a few a
 * frame at most) are decoded by protobufjs. A frame that is anything else, or holds more than
 * the update, is left to protobufjs: `read` answers undefined. A test compares both
 * readers on generated frames (test/client/world-frame-reader.test.ts).
 */
import { EntitySpawn, type WorldUpdate } from '../protocol/messages.ts';

/** A WorldUpdate as the SDK hands it out; the columns are those of proto/zone/v1/zone.proto. */
export interface WorldFrame {
  readonly tick: number;
  readonly spawns: readonly EntitySpawn[];
  readonly despawns: readonly number[];
  readonly moveEntityIds: readonly number[];
  readonly moveMasks: readonly number[];
  readonly moveDxCm: readonly number[];
  readonly moveDyCm: readonly number[];
  readonly moveHeadingMrad: readonly number[];
}

// Wire types.
const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** ServerMessage.update: field 2, length-delimited. */
const TAG_UPDATE = (2 << 3) | LENGTH_DELIMITED;

const FIELD_TICK = 1;
const FIELD_SPAWNS = 2;
const FIELD_DESPAWNS = 3;
const FIELD_MOVE_IDS = 5;
const FIELD_MOVE_MASKS = 6;
const FIELD_MOVE_DX = 7;
const FIELD_MOVE_DY = 8;
const FIELD_MOVE_HEADING = 9;

export class FrameFormatError extends Error {}

/** Where the reader is in a frame. */
class Cursor {
  bytes: Uint8Array = new Uint8Array(0);
  at = 0;

  /** A varint's low 32 bits, unsigned, as protobuf's uint32 reads it. */
  varint(): number {
    const { bytes } = this;
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.at >= bytes.length) throw new FrameFormatError('frame ends inside a varint');
      const byte = bytes[this.at++] as number;
      if (shift < 32) value |= (byte & 0x7f) << shift;
      if (byte < 0x80) return value >>> 0;
    }
    throw new FrameFormatError('varint longer than 10 bytes');
  }

  /**
   * The varints from here to `end` onto `values`, ZigZag-decoded if `zigZag`: the loop every
   * move goes through, so it keeps to locals and reads one- and two-byte varints (nearly all of
   * them) without a call.
   */
  packed(end: number, values: number[], zigZag: boolean): void {
    const { bytes } = this;
    let at = this.at;
    while (at < end) {
      let value = bytes[at] as number;
      if (value < 0x80) at++;
      else if (at + 1 < end && (bytes[at + 1] as number) < 0x80) {
        value = (value & 0x7f) | ((bytes[at + 1] as number) << 7);
        at += 2;
      } else {
        this.at = at;
        value = this.varint();
        at = this.at;
      }
      values.push(zigZag ? zigZagDecode(value) : value);
    }
    this.at = at;
  }

  /** The end of a length-delimited field that starts here (its length read). */
  delimitedEnd(limit: number): number {
    const length = this.varint();
    if (length > limit - this.at) throw new FrameFormatError('field runs past the end of its message');
    return this.at + length;
  }

  skip(wireType: number, limit: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.at += 8;
        break;
      case LENGTH_DELIMITED:
        this.at = this.delimitedEnd(limit);
        return;
      case FIXED32:
        this.at += 4;
        break;
      default:
        throw new FrameFormatError(`wire type ${wireType} cannot be skipped`);
    }
    if (this.at > limit) throw new FrameFormatError('field runs past the end of its message');
  }
}

function zigZagDecode(value: number): number {
  return (value >>> 1) ^ -(value & 1);
}

/** Fields 7 to 9, the position and heading columns, are sint32: ZigZag-encoded. */
function isZigZag(field: number): boolean {
  return field >= FIELD_MOVE_DX;
}

export class WorldFrameReader {
  private readonly cursor = new Cursor();

  /** The frame's update, or undefined when the frame is not a ServerMessage holding a WorldUpdate alone. Throws FrameFormatError on bytes that are no protobuf. */
  read(bytes: Uint8Array): WorldFrame | undefined {
    const cursor = this.cursor;
    cursor.bytes = bytes;
    cursor.at = 0;
    if (bytes.length === 0 || bytes[0] !== TAG_UPDATE) return undefined;
    cursor.at = 1;
    const end = cursor.delimitedEnd(bytes.length);
    // More after the update (a second field, or the update again to be merged): protobufjs's job.
    if (end !== bytes.length) return undefined;
    const frame: FrameBeingRead = { tick: 0, spawns: [], despawns: [], moveEntityIds: [], moveMasks: [], moveDxCm: [], moveDyCm: [], moveHeadingMrad: [] };
    while (cursor.at < end) {
      const tag = cursor.varint();
      const field = tag >>> 3;
      const wireType = tag & 7;
      // Groups (wire types 3 and 4, a proto2 relic) are left to protobufjs.
      if (wireType === 3 || wireType === 4) return undefined;
      const column = columnOf(frame, field);
      if (field === FIELD_TICK && wireType === VARINT) frame.tick = cursor.varint();
      else if (field === FIELD_SPAWNS && wireType === LENGTH_DELIMITED) {
        const spawnEnd = cursor.delimitedEnd(end);
        frame.spawns.push(EntitySpawn.decode(bytes.subarray(cursor.at, spawnEnd)));
        cursor.at = spawnEnd;
      } else if (column && wireType === LENGTH_DELIMITED) {
        const packedEnd = cursor.delimitedEnd(end);
        cursor.packed(packedEnd, column, isZigZag(field));
        if (cursor.at !== packedEnd) throw new FrameFormatError('packed column ends inside a varint');
      } else if (column && wireType === VARINT) {
        const value = cursor.varint();
        column.push(isZigZag(field) ? zigZagDecode(value) : value);
      } else cursor.skip(wireType, end);
    }
    return frame;
  }
}

/** A frame as the reader fills it. */
interface FrameBeingRead extends WorldFrame {
  tick: number;
  spawns: EntitySpawn[];
  despawns: number[];
  moveEntityIds: number[];
  moveMasks: number[];
  moveDxCm: number[];
  moveDyCm: number[];
  moveHeadingMrad: number[];
}

function columnOf(frame: FrameBeingRead, field: number): number[] | undefined {
  switch (field) {
    case FIELD_DESPAWNS:
      return frame.despawns;
    case FIELD_MOVE_IDS:
      return frame.moveEntityIds;
    case FIELD_MOVE_MASKS:
      return frame.moveMasks;
    case FIELD_MOVE_DX:
      return frame.moveDxCm;
    case FIELD_MOVE_DY:
      return frame.moveDyCm;
    case FIELD_MOVE_HEADING:
      return frame.moveHeadingMrad;
    default:
      return undefined;
  }
}

/** A WorldUpdate protobufjs decoded, as the SDK hands frames out. */
export function worldFrameOf(update: WorldUpdate): WorldFrame {
  const { tick, despawns, moveEntityIds, moveMasks, moveDxCm, moveDyCm, moveHeadingMrad } = update;
  return { tick, spawns: update.spawns as EntitySpawn[], despawns, moveEntityIds, moveMasks, moveDxCm, moveDyCm, moveHeadingMrad };
}
