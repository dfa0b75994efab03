/**
 * Test producer thread: writes `count` self-checking records of random sizes into the ring.
 * On a full ring it waits (Atomics.wait, allowed in a worker) on the `space` word, which the
 * consumer bumps after every drain; the timeout is only a safety net, not the synchronisation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { fillRecord, prng, RECORD_PREFIX_BYTES } from './records.ts';

export interface ProducerWorkerData {
  readonly ring: SharedArrayBuffer;
  /** Int32 [0]: start gate (0 = wait), [1]: space-freed counter bumped by the consumer. */
  readonly signals: SharedArrayBuffer;
  readonly producer: number;
  readonly count: number;
  readonly maxLength: number;
  readonly seed: number;
}

export interface ProducerWorkerResult {
  readonly producer: number;
  readonly written: number;
  readonly fullRetries: number;
}

const data = workerData as ProducerWorkerData;
const ring = RingBuffer.attach(data.ring);
const signals = new Int32Array(data.signals);
const random = prng(data.seed);
const scratch = new Uint8Array(data.maxLength);

parentPort?.postMessage('ready');
// Start gate so that all producers contend from the first record.
Atomics.wait(signals, 0, 0, 10_000);

let fullRetries = 0;
for (let seq = 0; seq < data.count; seq++) {
  const length = RECORD_PREFIX_BYTES + Math.floor(random() * (data.maxLength - RECORD_PREFIX_BYTES + 1));
  fillRecord(scratch, length, data.producer, seq, random);
  for (;;) {
    // Read the counter before trying, so a drain that lands after the failed try changes it
    // and the wait below returns at once (no lost wake-up).
    const freed = Atomics.load(signals, 1);
    if (ring.tryWrite(data.producer, scratch, 0, length)) break;
    fullRetries++;
    Atomics.wait(signals, 1, freed, 1000);
  }
}

const result: ProducerWorkerResult = { producer: data.producer, written: data.count, fullRetries };
parentPort?.postMessage(result);
