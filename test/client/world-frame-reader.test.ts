/**
 * The SDK's hand-written WorldUpdate reader against protobufjs's generated decoder, over
 * thousands of generated frames written every way the protobuf encoding allows: columns packed,
 * unpacked or split in chunks, fields in any order, unknown fields of every wire type, numbers
 * at the ends of their ranges and varints longer than they need be. Both must read the same
 * update, and refuse the same broken frames.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FrameFormatError, WorldFrameReader, worldFrameOf, type WorldFrame } from '../../src/client/world-frame-reader.ts';
import { EntityKind, ServerMessage, encodeServerMessage, type WorldUpdate } from '../../src/protocol/messages.ts';
import { zone } from '../../src/protocol/generated/zone.js';

let seed = 5;
const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = (n: number): number => Math.floor(random() * n);

/** A number of a column, often small (as frames carry), now and then at the ends of the range. */
function unsigned(): number {
  const r = random();
  return r < 0.7 ? pick(300) : r < 0.9 ? pick(2 ** 32) : [0, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1][pick(4)] as number;
}
function signed(): number {
  const r = random();
  return r < 0.7 ? pick(2001) - 1000 : r < 0.9 ? pick(2 ** 32) - 2 ** 31 : [0, -1, 2 ** 31 - 1, -(2 ** 31)][pick(4)] as number;
}

interface Column {
  field: number;
  values: number[];
  zigZag: boolean;
}

/** Protobuf's wire format, byte by byte, so that a frame can be written every way a decoder must accept. */
class WireWriter {
  readonly bytes: number[] = [];

  /**
   * A varint; sometimes padded with continuation bytes over zeros to 5 bytes or, up to
   * `longest`, 10, as the encoding allows (protobufjs reads those two lengths; an int32 written
   * as a 64-bit varint is 10; tags and lengths are at most 5).
   */
  varint(value: number, longest = 10): this {
    const out: number[] = [];
    let v = value >>> 0;
    do {
      out.push(v & 0x7f);
      v >>>= 7;
    } while (v !== 0);
    if (random() < 0.1) while (out.length < (random() < 0.5 || longest < 10 ? 5 : 10)) out.push(0);
    out.forEach((byte, i) => this.bytes.push(i < out.length - 1 ? byte | 0x80 : byte));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(((field << 3) | wireType) >>> 0, 5);
  }

  delimited(body: ArrayLike<number>): this {
    this.varint(body.length, 5);
    for (let i = 0; i < body.length; i++) this.bytes.push(body[i] as number);
    return this;
  }

  raw(count: number): this {
    for (let i = 0; i < count; i++) this.bytes.push(pick(256));
    return this;
  }
}

interface Column {
  field: number;
  values: number[];
  zigZag: boolean;
}

function zigZag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function writeColumn(w: WireWriter, { field, values, zigZag: zz }: Column): void {
  const encoded = values.map((v) => (zz ? zigZag(v) : v >>> 0));
  if (random() < 0.6) {
    // Packed, in one chunk or two.
    const cut = random() < 0.3 ? pick(encoded.length + 1) : encoded.length;
    for (const chunk of [encoded.slice(0, cut), encoded.slice(cut)]) {
      if (chunk.length === 0) continue;
      const body = new WireWriter();
      for (const v of chunk) body.varint(v);
      w.tag(field, 2).delimited(body.bytes);
    }
  } else {
    for (const v of encoded) w.tag(field, 0).varint(v);
  }
}

/** An unknown field: each wire type proto3 uses, under a field number WorldUpdate does not (4 is reserved). */
function writeUnknown(w: WireWriter): void {
  const field = [4, 10, 11, 99, 536870911][pick(5)] as number;
  switch (pick(4)) {
    case 0:
      w.tag(field, 0).varint(pick(2 ** 32));
      break;
    case 1:
      w.tag(field, 1).raw(8);
      break;
    case 2:
      w.tag(field, 2).delimited(Array.from({ length: pick(20) }, () => pick(256)));
      break;
    default:
      w.tag(field, 5).raw(4);
  }
}

function randomFrame(): Uint8Array {
  const count = pick(80);
  const masks = Array.from({ length: count }, () => (random() < 0.05 ? unsigned() : 1 + pick(3)));
  const positions = masks.filter((m) => m & 1).length;
  const headings = masks.filter((m) => m & 2).length;
  const columns: Column[] = [
    { field: 3, values: Array.from({ length: pick(5) }, unsigned), zigZag: false },
    { field: 5, values: Array.from({ length: count }, unsigned), zigZag: false },
    { field: 6, values: masks, zigZag: false },
    { field: 7, values: Array.from({ length: positions }, signed), zigZag: true },
    { field: 8, values: Array.from({ length: positions }, signed), zigZag: true },
    { field: 9, values: Array.from({ length: headings }, signed), zigZag: true },
  ];
  const parts: ((w: WireWriter) => void)[] = columns.filter((c) => c.values.length > 0).map((c) => (w) => writeColumn(w, c));
  if (random() < 0.9) {
    const tick = unsigned();
    parts.push((w) => w.tag(1, 0).varint(tick));
  }
  for (let i = pick(3); i > 0; i--) {
    const spawn = zone.v1.EntitySpawn.encode({ entityId: unsigned(), kind: EntityKind.ENTITY_KIND_NPC, playerId: pick(2 ** 40), xCm: signed(), yCm: signed(), heading: random() * 6 - 3, npcKind: pick(2 ** 32) }).finish();
    parts.push((w) => w.tag(2, 2).delimited(spawn));
  }
  for (let i = random() < 0.3 ? 1 + pick(3) : 0; i > 0; i--) parts.push(writeUnknown);
  // Any order: a decoder must not rely on the order this server writes.
  if (random() < 0.5) parts.sort(() => random() - 0.5);
  const update = new WireWriter();
  for (const part of parts) part(update);
  // The ServerMessage's tag as this server writes it, one byte: the reader leaves a padded one to protobufjs.
  const frame = new WireWriter();
  frame.bytes.push((2 << 3) | 2);
  return Uint8Array.from(frame.delimited(update.bytes).bytes);
}

function protobufjsFrame(bytes: Uint8Array): WorldFrame {
  return worldFrameOf(ServerMessage.decode(bytes).update as WorldUpdate);
}

it('reads 5,000 generated frames as protobufjs does', () => {
  const reader = new WorldFrameReader();
  for (let n = 0; n < 5000; n++) {
    const bytes = randomFrame();
    const frame = reader.read(bytes);
    assert.ok(frame, `frame ${n} is read as a WorldUpdate`);
    assert.deepEqual(frame, protobufjsFrame(bytes), `frame ${n}`);
  }
});

it('hands out a new frame each time: one kept is not changed by the next', () => {
  const reader = new WorldFrameReader();
  const first = reader.read(encodeServerMessage({ update: { tick: 1, moveEntityIds: [7, 8], moveMasks: [1, 1], moveDxCm: [5, -5], moveDyCm: [1, 2] } }));
  reader.read(encodeServerMessage({ update: { tick: 2, moveEntityIds: [9, 10], moveMasks: [1, 1], moveDxCm: [50, -50], moveDyCm: [3, 4] } }));
  assert.deepEqual(first && [...first.moveEntityIds, ...first.moveDxCm, ...first.moveDyCm], [7, 8, 5, -5, 1, 2]);
  assert.equal(first?.tick, 1);
});

it('leaves other messages, and an update with more after it, to protobufjs', () => {
  const reader = new WorldFrameReader();
  assert.equal(reader.read(encodeServerMessage({ pong: { clientTimeMs: 5 } })), undefined);
  assert.equal(reader.read(new Uint8Array(0)), undefined);
  const update = encodeServerMessage({ update: { tick: 3 } });
  const withMore = new Uint8Array([...update, ...encodeServerMessage({ pong: { clientTimeMs: 5 } })]);
  assert.equal(reader.read(withMore), undefined);
  // An empty update (a tick with nothing in it) is still one.
  assert.deepEqual(reader.read(encodeServerMessage({ update: {} })), protobufjsFrame(encodeServerMessage({ update: {} })));
});

it('refuses truncated frames, as protobufjs does', () => {
  const reader = new WorldFrameReader();
  for (let n = 0; n < 500; n++) {
    const whole = randomFrame();
    const cut = whole.subarray(0, 1 + pick(whole.length - 1));
    // The length of the update now runs past the end: a shorter frame must not be read instead.
    assert.throws(() => ServerMessage.decode(cut), `protobufjs, cut frame ${n}`);
    assert.throws(() => reader.read(cut), FrameFormatError, `cut frame ${n}`);
  }
});
