/**
 * One-thread helpers shared by the ring tests: expected-record queues, draining against them,
 * and white-box access to the ring's memory (offsets from the layout in ring-buffer.ts's module
 * comment: tail at byte 128, head at byte 256, data area from byte 512).
 */
import assert from 'node:assert/strict';
import type { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { drainViews } from '../helpers/ring-drain.ts';

export interface Expected {
  readonly key: number;
  readonly payload: Uint8Array;
}

export const DATA_OFFSET = 512;

export function randomPayload(random: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (random() * 256) | 0;
  return out;
}

/**
 * Drains up to `maxRecords` (default: one more than expected, so a phantom record fails rather
 * than loops), checking each record against the front of `queue`; returns the count.
 */
export function drainExpecting(ring: RingBuffer, queue: Expected[], maxRecords = queue.length + 1): number {
  let index = 0;
  const check = (key: number, payload: Uint8Array): void => {
    const want = queue[index++];
    assert.ok(want, 'drained a record that was never written');
    assert.equal(key, want.key);
    assert.deepEqual(payload, want.payload);
  };
  const n = drainViews(ring, check, maxRecords);
  assert.equal(n, index);
  // One thread: every written record is committed, so a drain must make progress.
  assert.ok(queue.length === 0 || maxRecords === 0 || n > 0, 'written records are not drainable');
  queue.splice(0, n);
  return n;
}

/** White-box: the reservation tail and the head, as u32 counters. */
export function countersOf(ring: RingBuffer): { tail: number; head: number } {
  const control = new Int32Array(ring.buffer, 0, 128);
  return { tail: (control[128 >> 2] as number) >>> 0, head: (control[256 >> 2] as number) >>> 0 };
}

/**
 * White-box: puts both counters of a fresh, empty ring at `value`, which is a valid state (head ==
 * tail, data area all zero).
 */
export function startCountersAt(ring: RingBuffer, value: number): void {
  const control = new Int32Array(ring.buffer, 0, 128);
  control[128 >> 2] = value | 0; // tail
  control[256 >> 2] = value | 0; // head
}

/**
 * White-box check of the ring invariant, on a quiescent ring: every byte of the data area
 * outside [head, tail) is zero.
 */
export function assertZeroOutsideUsed(ring: RingBuffer, context = ''): void {
  const data = new Uint8Array(ring.buffer, DATA_OFFSET, ring.capacityBytes);
  const { tail, head } = countersOf(ring);
  const used = (tail - head) >>> 0;
  assert.ok(used <= ring.capacityBytes, `occupancy ${used} above capacity ${context}`);
  const mask = ring.capacityBytes - 1;
  // Free bytes run from the tail's position for capacity - used bytes (wrapping).
  for (let i = 0, at = tail & mask; i < ring.capacityBytes - used; i++, at = (at + 1) & mask) {
    if (data[at] !== 0) assert.fail(`non-zero byte at free data offset ${at} (head ${head}, tail ${tail}) ${context}`);
  }
}
