/**
 * Test consumer thread: sleeps on the ring's doorbell (waitForRecords; no timers, no polling),
 * drains, checks each record against what the main thread writes (key = index, payload derived
 * from the index), and tells the main thread each time it is about to wait.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { drainViews } from '../helpers/ring-drain.ts';
import { expectedPayload } from './doorbell-records.ts';

export interface ConsumerWorkerData {
  readonly ring: SharedArrayBuffer;
  readonly expected: number;
}

export type ConsumerWorkerMessage =
  | { readonly type: 'waiting'; readonly consumed: number }
  | { readonly type: 'done'; readonly consumed: number; readonly wakes: number; readonly emptyWakes: number; readonly bad: number };

const data = workerData as ConsumerWorkerData;
const ring = RingBuffer.attach(data.ring);
const port = parentPort;
if (port === null) throw new Error('consumer-worker must run in a worker thread');

// A pending Atomics.waitAsync does not keep a worker alive (a real zone has its tick timer);
// listening on the parent port does, until the end.
const keepAlive = (): void => {};
port.on('message', keepAlive);

let consumed = 0;
let bad = 0;
let wakes = 0;
let emptyWakes = 0;

function check(key: number, payload: Uint8Array): void {
  const want = expectedPayload(consumed);
  if (key !== consumed || payload.length !== want.length || !payload.every((b, i) => b === want[i])) bad++;
  consumed++;
}

while (consumed < data.expected) {
  // The wait is armed (flag set, waitAsync queued) synchronously inside this call, before the
  // message below leaves, so a write the main thread makes after reading it must ring.
  const doorbell = ring.waitForRecords();
  const message: ConsumerWorkerMessage = { type: 'waiting', consumed };
  port.postMessage(message);
  await doorbell;
  wakes++;
  if (drainViews(ring, check) === 0) emptyWakes++;
}
const done: ConsumerWorkerMessage = { type: 'done', consumed, wakes, emptyWakes, bad };
port.postMessage(done);
port.off('message', keepAlive);
