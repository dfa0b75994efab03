import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { drainExpecting, randomPayload, startCountersAt, type Expected } from './expect.ts';
import { prng } from './records.ts';
import { runDoorbellConsumer, runProducers } from './threads.ts';
import { within } from '../helpers/wait.ts';

function roundTrip(ring: RingBuffer, seed: number, minBytes: number): { records: number; bytes: number } {
  const random = prng(seed);
  const queue: Expected[] = [];
  let records = 0;
  let bytes = 0;
  // Sizes: mostly random, with the edges (0 and max) forced in regularly.
  const pickLength = (i: number): number => {
    if (i % 17 === 0) return 0;
    if (i % 23 === 0) return ring.maxPayloadBytes;
    return Math.floor(random() * (ring.maxPayloadBytes + 1));
  };
  let i = 0;
  while (bytes < minBytes) {
    // Write a random burst (stopping early on full), then drain a random number of records, so
    // head and tail land everywhere relative to the end of the data area.
    const burst = 1 + Math.floor(random() * 12);
    for (let b = 0; b < burst; b++) {
      const payload = randomPayload(random, pickLength(i));
      const key = (random() * 0x1_0000_0000) >>> 0;
      if (!ring.tryWrite(key, payload)) break;
      queue.push({ key, payload });
      i++;
      bytes += payload.length;
    }
    records += drainExpecting(ring, queue, 1 + Math.floor(random() * 8));
    if (queue.length === 0) assert.equal(ring.usedBytes(), 0, 'occupancy left after draining every record written');
  }
  records += drainExpecting(ring, queue);
  assert.equal(queue.length, 0);
  assert.equal(ring.usedBytes(), 0);
  return { records, bytes };
}

describe('RingBuffer, one thread', () => {
  it('round-trips records of random sizes (0 to max) with their keys, in order, across many wrap-arounds', () => {
    const ring = RingBuffer.create(1024);
    assert.equal(ring.capacityBytes, 1024);
    assert.equal(ring.maxPayloadBytes, 1024 / 4 - 8);
    const { records, bytes } = roundTrip(ring, 1, 500 * ring.capacityBytes);
    assert.ok(bytes >= 500 * ring.capacityBytes, 'wrapped at least 500 times');
    assert.ok(records > 1000);
  });

  it('keeps working when the u32 counters wrap past 2^32', () => {
    const ring = RingBuffer.create(4096);
    startCountersAt(ring, -3 * 1024); // 2^32 - 3 KiB: wraps within the first few laps
    roundTrip(ring, 2, 50 * ring.capacityBytes);
  });

  it('copies only payload[start, end) and defaults to the whole payload', () => {
    const ring = RingBuffer.create(1024);
    const source = Uint8Array.from({ length: 200 }, (_, i) => i);
    assert.ok(ring.tryWrite(1, source, 10, 20)); // small partial copy
    assert.ok(ring.tryWrite(2, source, 5, 150)); // large partial copy
    assert.ok(ring.tryWrite(3, source.subarray(190))); // whole view with an offset
    assert.ok(ring.tryWrite(4, source, 7, 7)); // empty
    const queue: Expected[] = [
      { key: 1, payload: source.slice(10, 20) },
      { key: 2, payload: source.slice(5, 150) },
      { key: 3, payload: source.slice(190) },
      { key: 4, payload: new Uint8Array(0) },
    ];
    assert.equal(drainExpecting(ring, queue), 4);
  });

  it('returns false when full, writing nothing, and accepts writes again after a drain', () => {
    const ring = RingBuffer.create(1024);
    const payload = new Uint8Array(100).fill(7); // record: 8 + 104 = 112 bytes
    let written = 0;
    while (ring.tryWrite(written, payload)) written++;
    assert.equal(written, Math.floor(1024 / 112));
    assert.equal(ring.usedBytes(), written * 112);

    const before = new Uint8Array(ring.buffer).slice();
    assert.equal(ring.tryWrite(99, payload), false);
    assert.equal(ring.tryWrite(99, new Uint8Array(1024 - written * 112)), false); // 16 free, needs 8 + 16
    assert.deepEqual(new Uint8Array(ring.buffer), before, 'a refused write changed the buffer');

    // A record that would need padding at the end and does not fit at 0 either: refused too.
    assert.equal(drainExpecting(ring, Array.from({ length: 2 }, (_, key) => ({ key, payload })), 2), 2);
    // Free: 1024 - 7 * 112 = 240 in total; 1024 - 9 * 112 = 16 at the end, 224 at the start.
    const big = new Uint8Array(230);
    const before2 = new Uint8Array(ring.buffer).slice();
    assert.equal(ring.tryWrite(5, big), false);
    assert.deepEqual(new Uint8Array(ring.buffer), before2, 'a refused wrapping write changed the buffer');
    // One that fits at 0 after 16 bytes of padding: accepted.
    assert.ok(ring.tryWrite(6, new Uint8Array(200)));
    assert.equal(ring.usedBytes(), 7 * 112 + 16 + 208);

    let drained = 0;
    ring.drainRaw(() => drained++);
    assert.equal(drained, written - 2 + 1);
    assert.equal(ring.usedBytes(), 0);
    assert.ok(new Uint8Array(ring.buffer, 512).every((b) => b === 0), 'data area is zeroed after consumption');
    assert.ok(ring.tryWrite(0, payload));
  });

  it('throws RangeError for programming errors, not backpressure', () => {
    const ring = RingBuffer.create(1024);
    assert.ok(ring.tryWrite(0, new Uint8Array(ring.maxPayloadBytes)));
    assert.throws(() => ring.tryWrite(0, new Uint8Array(ring.maxPayloadBytes + 1)), RangeError);
    assert.throws(() => ring.tryWrite(-1, new Uint8Array(1)), RangeError);
    assert.throws(() => ring.tryWrite(2 ** 32, new Uint8Array(1)), RangeError);
    assert.throws(() => ring.tryWrite(1.5, new Uint8Array(1)), RangeError);
    assert.throws(() => ring.tryWrite(0, new Uint8Array(4), 3, 2), RangeError);
    assert.throws(() => ring.tryWrite(0, new Uint8Array(4), 0, 5), RangeError);
    assert.throws(() => ring.tryWrite(0, new Uint8Array(4), -1), RangeError);
    for (const bad of [0, 512, 1000, 1536, 2 ** 31, Number.NaN]) {
      assert.throws(() => RingBuffer.create(bad), RangeError, `capacity ${bad}`);
    }
    assert.throws(() => RingBuffer.attach(new SharedArrayBuffer(2048)), TypeError);
    assert.equal(ring.usedBytes(), ring.maxPayloadBytes + 8, 'only the valid write took space');
  });

  it('attaches to an existing buffer and sees the same records', () => {
    const ring = RingBuffer.create(2048);
    const other = RingBuffer.attach(ring.buffer);
    assert.equal(other.capacityBytes, 2048);
    assert.equal(other.maxPayloadBytes, ring.maxPayloadBytes);
    assert.ok(other.tryWrite(42, Uint8Array.of(1, 2, 3)));
    assert.equal(ring.usedBytes(), 16);
    assert.equal(drainExpecting(ring, [{ key: 42, payload: Uint8Array.of(1, 2, 3) }]), 1);
  });

  it("two producer handles on one buffer: each one's tail guess is stale on every write", () => {
    const ring = RingBuffer.create(1024);
    const producers = [RingBuffer.attach(ring.buffer), RingBuffer.attach(ring.buffer)];
    const random = prng(3);
    const queue: Expected[] = [];
    for (let round = 0; round < 200; round++) {
      // Alternate handles until the ring refuses; both must agree that it is full.
      for (let i = 0; ; i++) {
        const payload = randomPayload(random, Math.floor(random() * 120));
        const key = round * 1000 + i;
        const producer = producers[i % 2] as RingBuffer;
        if (!producer.tryWrite(key, payload)) {
          assert.equal((producers[(i + 1) % 2] as RingBuffer).tryWrite(key, payload), false, 'handles disagree on full');
          break;
        }
        queue.push({ key, payload });
      }
      drainExpecting(ring, queue, 1 + Math.floor(random() * 10));
    }
    drainExpecting(ring, queue);
    assert.equal(ring.usedBytes(), 0);
  });

  it("drainRaw hands over the ring's data area itself, with the payload's offset and length", () => {
    const ring = RingBuffer.create(1024);
    ring.tryWrite(1, Uint8Array.of(1, 2, 3));
    ring.tryWrite(2, new Uint8Array(0));
    const seen: Array<{ key: number; data: Uint8Array; bytes: number[] }> = [];
    assert.equal(ring.drainRaw((key, data, offset, length) => seen.push({ key, data, bytes: [...data.subarray(offset, offset + length)] })), 2);
    assert.deepEqual(seen.map((s) => [s.key, s.bytes]), [[1, [1, 2, 3]], [2, []]]);
    assert.equal(seen[0]?.data, seen[1]?.data, 'same object for every record');
    assert.equal(seen[0]?.data.buffer, ring.buffer);
  });

  it('fails loudly on a header no producer could have written (overwritten memory)', () => {
    // White-box: the data area starts at byte 512 (see the layout in ring-buffer.ts).
    const ring = RingBuffer.create(1024);
    const data = new Int32Array(ring.buffer, 512);
    ring.tryWrite(1, new Uint8Array(4));
    data[0] = ring.maxPayloadBytes + 2; // a length above maxPayloadBytes
    assert.throws(() => ring.drainRaw(() => {}), /corrupt record header/);
    data[0] = -8; // padding that does not reach the end of the data area
    assert.throws(() => ring.drainRaw(() => {}), /corrupt record header/);
  });

  it('counts a record whose handler throws as consumed', () => {
    const ring = RingBuffer.create(1024);
    ring.tryWrite(1, Uint8Array.of(1));
    ring.tryWrite(2, Uint8Array.of(2));
    assert.throws(() => ring.drainRaw(() => { throw new Error('boom'); }), /boom/);
    assert.equal(drainExpecting(ring, [{ key: 2, payload: Uint8Array.of(2) }]), 1);
    assert.equal(ring.usedBytes(), 0);
  });

  it('doorbell: resolves at once when not empty, on a write when empty, and on its timeout', async () => {
    const ring = RingBuffer.create(1024);
    ring.tryWrite(1, new Uint8Array(0));
    await within(ring.waitForRecords(), 'the doorbell of a ring that is not empty'); // resolves without any write

    ring.drainRaw(() => {});
    let woke = false;
    const waiting = ring.waitForRecords().then(() => { woke = true; });
    // A full turn of the event loop with no write: the doorbell must not have rung.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(woke, false);
    assert.ok(ring.tryWrite(2, Uint8Array.of(9)));
    await within(waiting, 'the doorbell after a write to the empty ring');
    assert.equal(drainExpecting(ring, [{ key: 2, payload: Uint8Array.of(9) }]), 1);

    await within(ring.waitForRecords(1), 'the doorbell’s own 1 ms timeout'); // empty, nobody writes
  });
});

describe('RingBuffer, across threads', () => {
  it('4 producer threads into a small ring, consumer on the main thread: nothing lost, duplicated, reordered or damaged', { timeout: 30_000 }, async (t) => {
    await runProducers(t, { producers: 4, perProducer: 20_000, capacityBytes: 4096, maxLength: 200, maxBatchRecords: 0, batchBytes: 0 });
  });

  it('consumer in a worker is woken by the doorbell when the main thread writes', { timeout: 30_000 }, async (t) => {
    await runDoorbellConsumer(t, false);
  });
});
