/**
 * The ring's threaded test scenarios, shared by the tryWrite and tryWriteBatch tests: producer
 * worker threads into a small ring with the consumer on the main thread, and a consumer worker
 * woken by the doorbell when the main thread writes.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Worker } from 'node:worker_threads';
import { RecordBatch } from '../../src/ring/record-batch.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { addRecord } from '../helpers/add-record.ts';
import { drainViews } from '../helpers/ring-drain.ts';
import type { ConsumerWorkerData, ConsumerWorkerMessage } from './consumer-worker.ts';
import { expectedPayload } from './doorbell-records.ts';
import type { ProducerWorkerData, ProducerWorkerResult } from './producer-worker.ts';
import { decodeRecord } from './records.ts';

export function startWorker<T>(file: string, workerData: T): Worker {
  return new Worker(new URL(file, import.meta.url), { workerData });
}

/**
 * Terminates the workers if the test is aborted (its timeout fired): a broken ring that wedges
 * leaves the awaits below pending for ever, and live workers would keep the test file running.
 */
function terminateOnAbort(t: TestContext, workers: readonly Worker[]): void {
  t.signal.addEventListener('abort', () => {
    for (const worker of workers) void worker.terminate();
  }, { once: true });
}

/** Rejects when the worker errors or exits with a non-zero code. */
export function failureOf(worker: Worker): Promise<never> {
  return new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`worker exited with code ${code}`));
    });
  });
}

export interface ProducersScenario {
  readonly producers: number;
  readonly perProducer: number;
  readonly capacityBytes: number;
  /** Largest payload, bytes. */
  readonly maxLength: number;
  /** 0: tryWrite only. Otherwise about half the records go in batches of 1 to this many. */
  readonly maxBatchRecords: number;
  readonly batchBytes: number;
}

/**
 * Producer threads write self-checking records (key = producer id, per-producer sequence numbers)
 * into a small ring, so it fills and wraps constantly; the main thread consumes with
 * waitForRecords + drainViews and fails at the first record lost, duplicated, reordered or damaged.
 */
export async function runProducers(t: TestContext, scenario: ProducersScenario): Promise<ProducerWorkerResult[]> {
  const { producers, perProducer } = scenario;
  const ring = RingBuffer.create(scenario.capacityBytes);
  const signals = new Int32Array(new SharedArrayBuffer(8));
  const workers = Array.from({ length: producers }, (_, producer) =>
    startWorker<ProducerWorkerData>('./producer-worker.ts', {
      ring: ring.buffer,
      signals: signals.buffer as SharedArrayBuffer,
      producer,
      count: perProducer,
      maxLength: scenario.maxLength,
      maxBatchRecords: scenario.maxBatchRecords,
      batchBytes: scenario.batchBytes,
      seed: 1000 + producer,
    }),
  );
  terminateOnAbort(t, workers);
  const failures = Promise.race(workers.map(failureOf));
  failures.catch(() => {}); // observed through the races below
  const results = workers.map(
    (w) => new Promise<ProducerWorkerResult>((resolve) => w.on('message', (m: unknown) => { if (m !== 'ready') resolve(m as ProducerWorkerResult); })),
  );
  try {
    await Promise.race([
      failures,
      Promise.all(workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve())))),
    ]);
    Atomics.store(signals, 0, 1); // open the start gate
    Atomics.notify(signals, 0);

    const nextSeq = new Array<number>(producers).fill(0);
    let received = 0;
    let drains = 0;
    // Fails at the first anomaly (the throw leaves drain and rejects consume()), so a broken
    // ring fails fast instead of waiting for records that will never come.
    const onRecord = (key: number, payload: Uint8Array): void => {
      const record = decodeRecord(payload);
      assert.ok(record.intact, `damaged payload (key ${key}, ${payload.length} bytes)`);
      assert.equal(record.producer, key, 'key does not match the producer in the payload');
      assert.equal(record.seq, nextSeq[key], `producer ${key}: lost, duplicated or reordered record`);
      nextSeq[key] = record.seq + 1;
      received++;
    };
    const consume = async (): Promise<void> => {
      while (received < producers * perProducer) {
        await ring.waitForRecords();
        drainViews(ring, onRecord);
        drains++;
        // Tell producers parked on a full ring that space was freed.
        Atomics.add(signals, 1, 1);
        Atomics.notify(signals, 1);
      }
    };
    await Promise.race([failures, consume()]);
    const stats = await Promise.race([failures, Promise.all(results)]);

    assert.equal(received, producers * perProducer);
    assert.deepEqual(nextSeq, new Array<number>(producers).fill(perProducer));
    assert.deepEqual(stats.map((s) => s.written), new Array<number>(producers).fill(perProducer));
    assert.equal(ring.drainRaw(() => {}), 0, 'nothing left over');
    assert.equal(ring.usedBytes(), 0);
    assert.ok(new Uint8Array(ring.buffer, 512).every((b) => b === 0), 'data area is zeroed after consumption');
    t.diagnostic(`drains: ${drains}; producer retries on a full ring: ${stats.map((s) => s.fullRetries).join(', ')}`);
    return stats;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * A consumer worker sleeps on the doorbell; the main thread writes a small burst only once the
 * worker has consumed everything and armed its wait, so only the doorbell can wake it. `batched`:
 * each burst goes in as one tryWriteBatch instead of one tryWrite per record.
 */
export async function runDoorbellConsumer(t: TestContext, batched: boolean): Promise<void> {
  const ring = RingBuffer.create(1024);
  const expected = 2_000;
  const batch = new RecordBatch(1024);
  const worker = startWorker<ConsumerWorkerData>('./consumer-worker.ts', { ring: ring.buffer, expected });
  terminateOnAbort(t, [worker]);
  const failure = failureOf(worker);
  failure.catch(() => {});
  try {
    let written = 0;
    let batches = 0;
    const done = new Promise<Extract<ConsumerWorkerMessage, { type: 'done' }>>((resolve) => {
      worker.on('message', (message: ConsumerWorkerMessage) => {
        if (message.type === 'done') {
          resolve(message);
          return;
        }
        // Write only when the worker has consumed everything written so far and armed its
        // wait: the ring is empty, so its waitForRecords call went to sleep in waitAsync and
        // only the doorbell can wake it. (A message from a spurious wake repeats an old count
        // and is ignored.)
        if (message.consumed !== written || written === expected) return;
        const size = Math.min(1 + (batches % 7), expected - written);
        if (batched) {
          batch.clear();
          for (let i = 0; i < size; i++) assert.ok(addRecord(batch, written + i, expectedPayload(written + i)));
          assert.equal(ring.tryWriteBatch(batch), size);
          written += size;
        } else {
          for (let i = 0; i < size; i++) {
            assert.ok(ring.tryWrite(written, expectedPayload(written)));
            written++;
          }
        }
        batches++;
      });
    });
    const result = await Promise.race([failure, done]);
    assert.equal(result.consumed, expected);
    assert.equal(result.bad, 0, 'records damaged or out of order');
    // Each wake follows a write (a polling consumer would wake without one); a burst can cause
    // at most one extra, empty wake (see waitForRecords: "may resolve with nothing to drain").
    assert.ok(result.wakes <= 2 * batches, `wakes ${result.wakes} for ${batches} bursts`);
    t.diagnostic(`bursts: ${batches}, wakes: ${result.wakes}, empty wakes: ${result.emptyWakes}`);
  } finally {
    await worker.terminate();
  }
}
