import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBatch } from '../../src/ring/record-batch.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { addRecord } from '../helpers/add-record.ts';
import { assertZeroOutsideUsed, countersOf, DATA_OFFSET, drainExpecting, randomPayload, startCountersAt, type Expected } from './expect.ts';
import { prng } from './records.ts';
import { runDoorbellConsumer, runProducers } from './threads.ts';

/** The ring's record layout (ring-buffer.ts), built by hand: what a batch must hold. */
function layoutOf(records: readonly Expected[]): Uint8Array {
  const size = records.reduce((sum, r) => sum + ((8 + r.payload.length + 7) & ~7), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { key, payload } of records) {
    view.setInt32(at, payload.length + 1, true);
    view.setUint32(at + 4, key, true);
    out.set(payload, at + 8);
    at += (8 + payload.length + 7) & ~7;
  }
  return out;
}

function stagedBytes(batch: RecordBatch): Uint8Array {
  const staged = batch.offsetOf(batch.count);
  const out = new Uint8Array(staged);
  batch.copyTo(out, 0, 0, staged);
  return out;
}

function snapshot(ring: RingBuffer): Uint8Array {
  return new Uint8Array(ring.buffer).slice();
}

function fillBatch(batch: RecordBatch, records: readonly Expected[]): void {
  batch.clear();
  for (const { key, payload } of records) assert.ok(addRecord(batch, key, payload), 'batch too small for the test');
}

describe('RecordBatch', () => {
  it('stages records in the ring layout: header, key, payload, zero padding to 8', () => {
    const source = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 1) & 0xff);
    const batch = new RecordBatch(1024);
    const records: Expected[] = [];
    const add = (key: number, start: number, end: number): void => {
      assert.ok(addRecord(batch, key, source, start, end));
      records.push({ key, payload: source.slice(start, end) });
    };
    add(1, 0, 0); // empty
    add(0xffff_ffff, 3, 16); // 13 bytes, 3 of padding
    add(2, 10, 42); // 32 bytes, none
    add(3, 5, 66); // 61 bytes
    add(4, 1, 200); // 199 bytes
    add(5, 299, 300); // 1 byte, 7 of padding
    assert.equal(batch.count, 6);
    assert.deepEqual(stagedBytes(batch), layoutOf(records));
    assert.equal(batch.maxPayloadLength, 199);
    let at = 0;
    for (let i = 0; i < records.length; i++) {
      assert.equal(batch.offsetOf(i), at);
      assert.equal(batch.headerOf(i), (records[i]?.payload.length ?? 0) + 1);
      at += (8 + (records[i]?.payload.length ?? 0) + 7) & ~7;
    }
    assert.equal(batch.offsetOf(batch.count), at);
    // fitting: records [from, j) within a byte budget.
    assert.equal(batch.fitting(0, 0), 0);
    assert.equal(batch.fitting(0, 8), 1);
    assert.equal(batch.fitting(0, 8 + 24 - 1), 1);
    assert.equal(batch.fitting(0, 8 + 24), 2);
    assert.equal(batch.fitting(2, at), 6);
    assert.equal(batch.fitting(6, 1000), 6);
  });

  it('after clear(), old bytes never show through (alignment padding is zeroed on reuse)', () => {
    const batch = new RecordBatch(512);
    const dirty = new Uint8Array(250).fill(0xff);
    while (addRecord(batch, 0xffff_ffff, dirty, 0, 7 + 8 * (batch.count % 20))); // lengths 7 mod 8
    assert.ok(batch.count > 3);
    batch.clear();
    assert.equal(batch.count, 0);
    assert.equal(batch.maxPayloadLength, 0);
    const records: Expected[] = [];
    for (let i = 0; i < 30; i++) {
      const payload = Uint8Array.from({ length: i % 9 }, () => 1);
      records.push({ key: i, payload });
      assert.ok(addRecord(batch, i, payload));
    }
    assert.deepEqual(stagedBytes(batch), layoutOf(records));
  });

  it('append returns -1 when the next record does not fit, staging nothing; the offset table grows', () => {
    const batch = new RecordBatch(64);
    assert.equal(batch.append(1, 20), 8); // 32 bytes
    assert.equal(batch.append(2, 9), 40); // 24 bytes
    assert.equal(batch.append(3, 1), -1); // 16 bytes, 8 left
    assert.equal(batch.count, 2);
    assert.equal(batch.offsetOf(batch.count), 56);
    assert.equal(batch.append(4, 0), 64); // exactly the last 8 bytes
    assert.equal(batch.append(5, 0), -1);
    assert.equal(batch.offsetOf(batch.count), 64);

    const many = new RecordBatch(8192);
    for (let i = 0; i < 1024; i++) assert.ok(many.append(i, 0) >= 0);
    assert.equal(many.append(0, 0), -1);
    assert.equal(many.count, 1024);
    for (let i = 0; i <= 1024; i++) assert.equal(many.offsetOf(i), 8 * i);
  });

  it('append hands out payload room to fill in place, in the ring layout', () => {
    const records: Expected[] = [
      { key: 7, payload: Uint8Array.from([1, 2, 3, 4, 5]) },
      { key: 0xffff_ffff, payload: new Uint8Array(0) },
      { key: 42, payload: Uint8Array.from({ length: 32 }, (_, i) => 200 - i) },
    ];
    const appended = new RecordBatch(128);
    // Dirty the staging memory first: append must still produce clean padding.
    assert.ok(addRecord(appended, 1, new Uint8Array(100).fill(0xee)));
    appended.clear();
    for (const { key, payload } of records) {
      const at = appended.append(key, payload.length);
      assert.ok(at >= 0);
      appended.bytes.set(payload, at);
    }
    assert.deepEqual(stagedBytes(appended), layoutOf(records));
    assert.equal(appended.maxPayloadLength, 32);
    const before = appended.count;
    assert.equal(appended.append(9, 64), -1, 'no room: -1, nothing staged');
    assert.equal(appended.count, before);
    assert.throws(() => appended.append(9, 121), RangeError);
    assert.throws(() => appended.append(-1, 4), RangeError);
    assert.throws(() => appended.append(9, 1.5), RangeError);

    const ring = RingBuffer.create(1024);
    assert.equal(ring.tryWriteBatch(appended), records.length);
    drainExpecting(ring, records);
  });

  it('throws RangeError for programming errors', () => {
    for (const bad of [0, 4, 12, 1.5, Number.NaN, 2 ** 31]) {
      assert.throws(() => new RecordBatch(bad), RangeError, `capacity ${bad}`);
    }
    const batch = new RecordBatch(64);
    assert.equal(batch.maxPayloadBytes, 56);
    assert.equal(batch.append(0, 56), 8);
    batch.clear();
    assert.throws(() => batch.append(0, 57), RangeError, 'could never fit');
    assert.throws(() => batch.append(-1, 1), RangeError);
    assert.throws(() => batch.append(2 ** 32, 1), RangeError);
    assert.throws(() => batch.append(0, -1), RangeError);
    assert.throws(() => batch.offsetOf(1), RangeError);
    assert.equal(batch.count, 0);
  });
});

/** How a tryWriteBatch call laid its records out, worked out from the counters before and after. */
type Shape = 'none' | 'contiguous' | 'split' | 'wrapped exactly at the end' | 'padding first';

function shapeOf(ring: RingBuffer, batch: RecordBatch, from: number, written: number, tailBefore: number): Shape {
  if (written === 0) return 'none';
  const position = tailBefore & (ring.capacityBytes - 1);
  const recordBytes = batch.offsetOf(from + written) - batch.offsetOf(from);
  const reserved = (countersOf(ring).tail - tailBefore) >>> 0;
  if (reserved === recordBytes) return position + recordBytes <= ring.capacityBytes ? 'contiguous' : 'wrapped exactly at the end';
  assert.ok(reserved > recordBytes && reserved - recordBytes <= ring.capacityBytes - position, 'reservation is not records + padding to the end');
  return batch.offsetOf(from + 1) - batch.offsetOf(from) > ring.capacityBytes - position ? 'padding first' : 'split';
}

/**
 * Differential test: `batched` takes random batches with tryWriteBatch (prefix writes resumed
 * with `from` after a drain; two producer handles in turn), `single` takes the same records one
 * by one with tryWrite, stopping at the first refusal. Both rings must hold the same bytes,
 * counters included, after every step, and the batched one must hand back every record in order.
 * Returns how often each shape of write occurred.
 */
function differential(capacityBytes: number, seed: number, minBytes: number, startAt = 0): Map<Shape | 'prefix', number> {
  const batched = RingBuffer.create(capacityBytes);
  const single = RingBuffer.create(capacityBytes);
  // Two producer handles on the batched ring, used in turn: each one's tail guess is stale on
  // every write, so "full" must come from a fresh tail, never from the guess.
  const producers = [batched, RingBuffer.attach(batched.buffer)];
  startCountersAt(batched, startAt);
  startCountersAt(single, startAt);
  const random = prng(seed);
  const batch = new RecordBatch(4 * capacityBytes);
  const queue: Expected[] = [];
  const shapes = new Map<Shape | 'prefix', number>();
  const count = (shape: Shape | 'prefix'): void => void shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  const pickLength = (): number => {
    const r = random();
    if (r < 0.05) return 0;
    if (r < 0.1) return batched.maxPayloadBytes;
    if (r < 0.7) return Math.floor(random() * 48); // small, like jobs
    return Math.floor(random() * (batched.maxPayloadBytes + 1));
  };
  let pending: Expected[] = []; // staged in `batch`, from `from` on, not yet written
  let from = 0;
  let bytes = 0;
  let steps = 0;
  while (bytes < minBytes) {
    if (from === batch.count) {
      pending = Array.from({ length: 1 + Math.floor(random() * 12) }, () => ({
        key: (random() * 0x1_0000_0000) >>> 0,
        payload: randomPayload(random, pickLength()),
      }));
      fillBatch(batch, pending);
      from = 0;
    }
    const tailBefore = countersOf(batched).tail;
    const written = (producers[steps++ % 2] as RingBuffer).tryWriteBatch(batch, from);
    count(shapeOf(batched, batch, from, written, tailBefore));
    let one = 0;
    while (from + one < batch.count) {
      const record = pending[from + one] as Expected;
      if (!single.tryWrite(record.key, record.payload)) break;
      one++;
    }
    assert.equal(written, one, 'tryWriteBatch wrote a different prefix than tryWrite one by one');
    assert.deepEqual(new Uint8Array(batched.buffer), new Uint8Array(single.buffer), 'batched and one-by-one rings differ');
    for (let i = 0; i < written; i++) {
      const record = pending[from + i] as Expected;
      queue.push(record);
      bytes += record.payload.length;
    }
    from += written;
    if (written > 0 && from < batch.count) count('prefix');
    assertZeroOutsideUsed(batched);

    // Drain a random number of records from both, so the head lands everywhere.
    const maxRecords = written === 0 ? queue.length : Math.floor(random() * 10);
    const drained = drainExpecting(batched, queue, maxRecords);
    assert.equal(single.drainRaw(() => {}, drained), drained);
    assert.deepEqual(new Uint8Array(batched.buffer), new Uint8Array(single.buffer), 'rings differ after draining');
    assertZeroOutsideUsed(batched);
  }
  drainExpecting(batched, queue);
  assert.equal(batched.usedBytes(), 0);
  assert.ok(new Uint8Array(batched.buffer, DATA_OFFSET).every((b) => b === 0), 'data area is zeroed after consumption');
  return shapes;
}

describe('RingBuffer.tryWriteBatch, one thread', () => {
  it('writes the bytes tryWrite would, record by record, and round-trips them in order across many wrap-arounds and split batches', (t) => {
    const shapes = differential(1024, 11, 400 * 1024);
    for (const [shape, n] of differential(4096, 12, 200 * 4096)) shapes.set(shape, (shapes.get(shape) ?? 0) + n);
    t.diagnostic(JSON.stringify(Object.fromEntries(shapes)));
    for (const shape of ['contiguous', 'split', 'wrapped exactly at the end', 'padding first', 'prefix', 'none'] as const) {
      assert.ok((shapes.get(shape) ?? 0) >= 10, `too few writes of shape "${shape}" to mean anything`);
    }
  });

  it('keeps working when the u32 counters wrap past 2^32', () => {
    differential(1024, 13, 50 * 1024, -3 * 1024 + 8);
  });

  it('writes a prefix when the ring is nearly full; the rest goes in after a drain with `from`', () => {
    const ring = RingBuffer.create(1024);
    const queue: Expected[] = [];
    const big = new Uint8Array(104).fill(3); // 112-byte records
    for (let i = 0; i < 7; i++) {
      assert.ok(ring.tryWrite(100 + i, big));
      queue.push({ key: 100 + i, payload: big });
    }
    // 784 used, 240 free, all of it before the end: room for six 40-byte records of ten.
    const records = Array.from({ length: 10 }, (_, i) => ({ key: i, payload: new Uint8Array(32).fill(i + 1) }));
    const batch = new RecordBatch(1024);
    fillBatch(batch, records);
    assert.equal(ring.tryWriteBatch(batch), 6);
    assert.equal(ring.usedBytes(), 1024);
    assert.equal(ring.tryWriteBatch(batch, 6), 0, 'full');
    queue.push(...records.slice(0, 6));
    assert.equal(drainExpecting(ring, queue), 13, 'exactly the first six records of the batch appear');
    assert.equal(ring.tryWriteBatch(batch, 6), 4);
    queue.push(...records.slice(6));
    assert.equal(drainExpecting(ring, queue), 4);

    // Split and prefix at once: 664 bytes used and the tail `untilEnd` bytes before the end, so
    // 360 free. Two 40-byte records go before the end (then padding, if any), the rest at 0.
    for (const untilEnd of [80, 96]) {
      startCountersAt(ring, 1024 - untilEnd - 664);
      for (let i = 0; i < 83; i++) assert.ok(ring.tryWrite(200 + i, new Uint8Array(0))); // 664 bytes
      const fitAtZero = Math.floor((360 - untilEnd) / 40);
      const many = Array.from({ length: 12 }, (_, i) => ({ key: i, payload: new Uint8Array(32).fill(i + 1) }));
      fillBatch(batch, many);
      assert.equal(ring.tryWriteBatch(batch), 2 + fitAtZero);
      assert.equal(ring.usedBytes(), 664 + untilEnd + 40 * fitAtZero);
      queue.push(...Array.from({ length: 83 }, (_, i) => ({ key: 200 + i, payload: new Uint8Array(0) })), ...many.slice(0, 2 + fitAtZero));
      assert.equal(drainExpecting(ring, queue), 83 + 2 + fitAtZero);
      assert.equal(ring.tryWriteBatch(batch, 2 + fitAtZero), 10 - fitAtZero);
      queue.push(...many.slice(2 + fitAtZero));
      assert.equal(drainExpecting(ring, queue), 10 - fitAtZero);
      assertZeroOutsideUsed(ring);
    }
  });

  it('returns 0 and leaves the whole buffer unchanged when not even the first record fits', () => {
    const ring = RingBuffer.create(1024);
    const batch = new RecordBatch(2048);
    const fill = new Uint8Array(104).fill(9);
    for (let i = 0; i < 9; i++) assert.ok(ring.tryWrite(i, fill)); // 1008 used, 16 free at the end
    const queue: Expected[] = Array.from({ length: 9 }, (_, key) => ({ key, payload: fill }));

    const refuses = (records: Expected[], message: string): void => {
      fillBatch(batch, records);
      const before = snapshot(ring);
      assert.equal(ring.tryWriteBatch(batch), 0, message);
      assert.deepEqual(new Uint8Array(ring.buffer), before, `${message}: a refused batch changed the buffer`);
    };
    refuses([{ key: 1, payload: new Uint8Array(9) }], '24 bytes into 16');
    refuses([{ key: 1, payload: new Uint8Array(9) }, { key: 2, payload: new Uint8Array(0) }], 'the first does not fit, a later one would');

    // Free: 16 at the end, 224 at the start. A first record that fits neither before the end
    // nor at 0: refused without padding. One that fits only at 0 goes in after padding.
    assert.equal(drainExpecting(ring, queue, 2), 2);
    refuses([{ key: 3, payload: new Uint8Array(230) }, { key: 4, payload: new Uint8Array(0) }], 'needs padding, no room at 0');
    fillBatch(batch, [{ key: 5, payload: new Uint8Array(200) }, { key: 6, payload: new Uint8Array(200) }]);
    assert.equal(ring.tryWriteBatch(batch), 1);
    assert.equal(ring.usedBytes(), 7 * 112 + 16 + 208);

    // A part before the end that fits, and nothing that fits at 0: only that part, no padding.
    queue.push({ key: 5, payload: new Uint8Array(200) });
    assert.equal(drainExpecting(ring, queue), 8);
    startCountersAt(ring, 0);
    for (let i = 0; i < 122; i++) assert.ok(ring.tryWrite(i, new Uint8Array(0))); // [0, 976) used
    fillBatch(batch, [{ key: 7, payload: new Uint8Array(8) }, { key: 8, payload: new Uint8Array(8) }, { key: 9, payload: new Uint8Array(40) }]);
    const before = snapshot(ring);
    assert.equal(ring.tryWriteBatch(batch), 2);
    assert.equal(countersOf(ring).tail, 976 + 32, 'reserved only the two records, no padding');
    const after = new Uint8Array(ring.buffer);
    assert.deepEqual(after.subarray(DATA_OFFSET, DATA_OFFSET + 976), before.subarray(DATA_OFFSET, DATA_OFFSET + 976));
    assert.ok(after.subarray(DATA_OFFSET + 976 + 32).every((b) => b === 0), 'wrote past the records (padding?)');
  });

  it('writes nothing for an empty batch or `from` at the end, and throws RangeError for programming errors', () => {
    const ring = RingBuffer.create(1024);
    const batch = new RecordBatch(1024);
    const before = snapshot(ring);
    assert.equal(ring.tryWriteBatch(batch), 0);
    fillBatch(batch, [{ key: 1, payload: new Uint8Array(ring.maxPayloadBytes + 1) }, { key: 2, payload: Uint8Array.of(2) }]);
    assert.equal(ring.tryWriteBatch(batch, 2), 0);
    for (const bad of [-1, 3, 0.5, Number.NaN]) assert.throws(() => ring.tryWriteBatch(batch, bad), RangeError, `from ${bad}`);
    assert.throws(() => ring.tryWriteBatch(batch), /exceeds maxPayloadBytes/, 'a record above maxPayloadBytes');
    assert.deepEqual(new Uint8Array(ring.buffer), before, 'a refused batch changed the buffer');
    // The oversized record is not among those asked for: fine.
    assert.equal(ring.tryWriteBatch(batch, 1), 1);
    assert.equal(drainExpecting(ring, [{ key: 2, payload: Uint8Array.of(2) }]), 1);
  });

  it('fails loudly on impossible counters instead of retrying for ever', () => {
    // White-box: counters no producer or consumer of a healthy ring could produce.
    const ring = RingBuffer.create(1024);
    const batch = new RecordBatch(64);
    fillBatch(batch, [{ key: 1, payload: Uint8Array.of(1) }]);
    const head = new Int32Array(ring.buffer, 256, 1);
    head[0] = 64; // the head ahead of the tail (0), which does not move
    assert.throws(() => ring.tryWriteBatch(batch), /corrupt indices/);
    head[0] = -2048; // the tail (0) more than a capacity ahead of the head
    assert.throws(() => ring.tryWriteBatch(batch), /corrupt indices/);
  });

  it("commits with one Atomics.store, of the reservation's first header word, after every other write", () => {
    // White-box: watch the data area's Atomics.store calls. Before each, snapshot the data
    // area; afterwards the call must have changed nothing but that one word, which must have
    // been 0 until then (the consumer stops there, so nothing else is visible before it).
    const ring = RingBuffer.create(1024);
    const data = new Uint8Array(ring.buffer, DATA_OFFSET, ring.capacityBytes);
    const stores: Array<{ index: number; value: number; before: Uint8Array }> = [];
    const original = Atomics.store;
    const watched = ((array: Int32Array, index: number, value: number): number => {
      if (array.buffer === ring.buffer && array.byteOffset === DATA_OFFSET) stores.push({ index, value, before: data.slice() });
      return original(array, index, value);
    }) as typeof Atomics.store;
    const random = prng(21);
    const batch = new RecordBatch(2048);
    const queue: Expected[] = [];
    const shapes = new Set<Shape>();
    Atomics.store = watched;
    try {
      for (let round = 0; round < 3000; round++) {
        const records = Array.from({ length: 1 + Math.floor(random() * 6) }, () => ({
          key: round,
          payload: randomPayload(random, Math.floor(random() * (random() < 0.2 ? ring.maxPayloadBytes + 1 : 40))),
        }));
        fillBatch(batch, records);
        const tailBefore = countersOf(ring).tail;
        stores.length = 0;
        const written = ring.tryWriteBatch(batch);
        shapes.add(shapeOf(ring, batch, 0, written, tailBefore));
        queue.push(...records.slice(0, written));
        if (written === 0) {
          assert.equal(stores.length, 0, 'a refused batch stored to the data area');
        } else {
          assert.equal(stores.length, 1, 'one commit store per batch');
          const { index, value, before } = stores[0] as (typeof stores)[number];
          assert.equal(index, (tailBefore & (ring.capacityBytes - 1)) >> 2, 'the commit is the first word of the reservation');
          assert.equal(new Int32Array(before.buffer)[index], 0, 'the commit word was written before the commit');
          const expected = before.slice();
          new Int32Array(expected.buffer)[index] = value;
          assert.deepEqual(data, expected, 'something was written after the commit store');
        }
        Atomics.store = original; // the consumer's stores are not under test
        drainExpecting(ring, queue, written === 0 ? queue.length : Math.floor(random() * 8));
        Atomics.store = watched;
      }
    } finally {
      Atomics.store = original;
    }
    assert.deepEqual([...shapes].sort(), ['contiguous', 'none', 'padding first', 'split', 'wrapped exactly at the end']);
  });

  it('doorbell: a batch write wakes a waiting consumer', { timeout: 10_000 }, async () => {
    const ring = RingBuffer.create(1024);
    const batch = new RecordBatch(256);
    let woke = false;
    const waiting = ring.waitForRecords().then(() => { woke = true; });
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(woke, false);
    fillBatch(batch, [{ key: 1, payload: Uint8Array.of(1) }, { key: 2, payload: Uint8Array.of(2, 2) }]);
    assert.equal(ring.tryWriteBatch(batch), 2);
    await waiting;
    assert.equal(drainExpecting(ring, [{ key: 1, payload: Uint8Array.of(1) }, { key: 2, payload: Uint8Array.of(2, 2) }]), 2);
  });
});

describe('RingBuffer.tryWriteBatch, across threads', () => {
  it('4 producer threads mixing tryWrite and tryWriteBatch into a small ring: nothing lost, duplicated, reordered or damaged', { timeout: 30_000 }, async (t) => {
    const stats = await runProducers(t, { producers: 4, perProducer: 20_000, capacityBytes: 4096, maxLength: 200, maxBatchRecords: 32, batchBytes: 8192 });
    const batches = stats.reduce((sum, s) => sum + s.batches, 0);
    const prefixWrites = stats.reduce((sum, s) => sum + s.prefixWrites, 0);
    t.diagnostic(`batches: ${batches}, prefix writes: ${prefixWrites}`);
    assert.ok(batches > 1000);
    // Batches of up to 32 records of up to 208 bytes: many exceed the 4 KiB ring and can only
    // ever go in as prefixes.
    assert.ok(prefixWrites > 0);
  });

  it('consumer in a worker is woken by the doorbell when the main thread writes batches', { timeout: 30_000 }, async (t) => {
    await runDoorbellConsumer(t, true);
  });
});
