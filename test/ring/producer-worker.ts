/**
 * Test producer thread: writes `count` self-checking records of random sizes into the ring, with
 * tryWrite, or (when maxBatchRecords > 0) about half of them in batches of 1 to maxBatchRecords
 * records with tryWriteBatch, taking prefix writes as they come.
 * On a full ring it waits (Atomics.wait, allowed in a worker) on the `space` word, which the
 * consumer bumps after every drain; the timeout is only a safety net, not the synchronisation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RecordBatch } from '../../src/ring/record-batch.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { addRecord } from '../helpers/add-record.ts';
import { fillRecord, prng, RECORD_PREFIX_BYTES } from './records.ts';

export interface ProducerWorkerData {
  readonly ring: SharedArrayBuffer;
  /** Int32 [0]: start gate (0 = wait), [1]: space-freed counter bumped by the consumer. */
  readonly signals: SharedArrayBuffer;
  readonly producer: number;
  readonly count: number;
  readonly maxLength: number;
  /** 0: tryWrite only. */
  readonly maxBatchRecords: number;
  /** Staging size of the batch, bytes. */
  readonly batchBytes: number;
  readonly seed: number;
}

export interface ProducerWorkerResult {
  readonly producer: number;
  readonly written: number;
  readonly fullRetries: number;
  /** tryWriteBatch calls that wrote some but not all of the records asked for. */
  readonly prefixWrites: number;
  readonly batches: number;
}

const data = workerData as ProducerWorkerData;
const ring = RingBuffer.attach(data.ring);
const signals = new Int32Array(data.signals);
const random = prng(data.seed);
const scratch = new Uint8Array(data.maxLength);
const batch = data.maxBatchRecords > 0 ? new RecordBatch(data.batchBytes) : null;

parentPort?.postMessage('ready');
// Start gate so that all producers contend from the first record.
Atomics.wait(signals, 0, 0, 10_000);

function randomLength(): number {
  return RECORD_PREFIX_BYTES + Math.floor(random() * (data.maxLength - RECORD_PREFIX_BYTES + 1));
}

let fullRetries = 0;
let prefixWrites = 0;
let batches = 0;
let seq = 0;
while (seq < data.count) {
  if (batch !== null && random() < 0.5) {
    batch.clear();
    const wanted = Math.min(1 + Math.floor(random() * data.maxBatchRecords), data.count - seq);
    while (batch.count < wanted) {
      const length = randomLength();
      fillRecord(scratch, length, data.producer, seq + batch.count, random);
      if (!addRecord(batch, data.producer, scratch, 0, length)) break; // staging full: send what we have
    }
    for (let from = 0; from < batch.count;) {
      // Read the counter before trying (see below).
      const freed = Atomics.load(signals, 1);
      const written = ring.tryWriteBatch(batch, from);
      from += written;
      if (written === 0) {
        fullRetries++;
        Atomics.wait(signals, 1, freed, 1000);
      } else if (from < batch.count) {
        prefixWrites++;
      }
    }
    seq += batch.count;
    batches++;
    continue;
  }
  const length = randomLength();
  fillRecord(scratch, length, data.producer, seq, random);
  for (;;) {
    // Read the counter before trying, so a drain that lands after the failed try changes it
    // and the wait below returns at once (no lost wake-up).
    const freed = Atomics.load(signals, 1);
    if (ring.tryWrite(data.producer, scratch, 0, length)) break;
    fullRetries++;
    Atomics.wait(signals, 1, freed, 1000);
  }
  seq++;
}

const result: ProducerWorkerResult = { producer: data.producer, written: seq, fullRetries, prefixWrites, batches };
parentPort?.postMessage(result);
