/**
 * Ring benchmark, producer thread (plays the gateway): offers 32-byte jobs at a target rate, in
 * one batch per ~1 ms timer, through the ring ("ring": tryWrite per job; "ring-batch": the
 * batch's jobs written in place into a RecordBatch, as the gateway does, then into the ring with
 * one tryWriteBatch), through postMessage ("postMessage": one message per job;
 * "postMessage-batch": the batch's jobs written in place into a fresh ArrayBuffer, transferred in
 * one message), or nowhere ("none"). Measures its own thread CPU over the window the driver marks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RecordBatch } from '../../src/ring/record-batch.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { PHASE, PHASE_MEASURE, PHASE_STOP, recordBytes, threadCpuMicros, usesPort, usesRing, writeJob, type ProducerConfig, type ProducerResult } from './shared.ts';

const config = workerData as ProducerConfig;
const control = new Int32Array(config.control);
const ring = usesRing(config.transport) && config.ring !== null ? RingBuffer.attach(config.ring) : null;
const port = usesPort(config.transport) ? config.port : null;
const staging = config.transport === 'ring-batch' ? new RecordBatch(config.recordBatchBytes) : null;
const packs = config.transport === 'postMessage-batch';
const job = new Uint8Array(config.jobBytes);
const jobView = new DataView(job.buffer);
const stagingView = staging === null ? null : new DataView(staging.bytes.buffer, staging.bytes.byteOffset, staging.bytes.byteLength);
const maxBatch = Math.ceil((config.rate * config.maxCatchUpMs) / 1000);
const packedRecordBytes = recordBytes(config.jobBytes);

let seq = 0;
let offered = 0;
let rejected = 0;
let behind = 0;
let owed = 0;
let last = performance.now();
let measuring = false;
let start = { wall: 0, cpu: 0, offered: 0, rejected: 0, behind: 0 };

function batch(): void {
  // Seq-cst load; the phase only moves forward and a batch late to notice costs nothing.
  const phase = Atomics.load(control, PHASE);
  if (phase === PHASE_STOP) {
    finish();
    return;
  }
  if (phase === PHASE_MEASURE && !measuring) {
    measuring = true;
    start = { wall: performance.now(), cpu: threadCpuMicros(), offered, rejected, behind };
  }
  const now = performance.now();
  owed += ((now - last) * config.rate) / 1000;
  last = now;
  let n = Math.floor(owed);
  if (n > maxBatch) {
    behind += n - maxBatch;
    n = maxBatch;
    owed = 0;
  } else {
    owed -= n;
  }
  if (packs) {
    if (n > 0) postPacked(n);
  } else {
    for (let i = 0; i < n; i++) {
      const key = seq & 0xffff; // session-like key
      if (staging !== null && stagingView !== null) {
        let at = staging.append(key, config.jobBytes);
        if (at < 0) {
          flush(); // staging full (a catch-up batch): write what it holds, then stage this job
          at = staging.append(key, config.jobBytes);
        }
        // Written in place: every payload word, as append's contract asks.
        writeJob(stagingView, at, seq, config.jobBytes);
      } else {
        writeJob(jobView, 0, seq, config.jobBytes);
        if (ring !== null) {
          if (!ring.tryWrite(key, job)) rejected++;
        } else if (port !== null) {
          port.postMessage(job);
        }
      }
      seq = (seq + 1) >>> 0;
    }
    flush();
  }
  offered += n;
  setTimeout(batch, config.batchIntervalMs);
}

/**
 * "postMessage-batch": the batch's n jobs written in place, in the ring's record layout (header
 * word = payload length + 1, key, payload), into a buffer of their own that is transferred, not
 * copied: no staging copy, which the ring needs.
 */
function postPacked(n: number): void {
  const buffer = new ArrayBuffer(n * packedRecordBytes);
  const words = new Int32Array(buffer);
  const view = new DataView(buffer);
  for (let i = 0, at = 0; i < n; i++, at += packedRecordBytes) {
    words[at >> 2] = config.jobBytes + 1;
    words[(at >> 2) + 1] = seq & 0xffff;
    writeJob(view, at + 8, seq, config.jobBytes);
    seq = (seq + 1) >>> 0;
  }
  port?.postMessage(buffer, [buffer]);
}

/** "ring-batch": writes the staged jobs with one tryWriteBatch; what the ring refuses counts as rejected. */
function flush(): void {
  if (staging === null || ring === null || staging.count === 0) return;
  rejected += staging.count - ring.tryWriteBatch(staging);
  staging.clear();
}

function finish(): void {
  const result: ProducerResult = {
    role: 'producer',
    wallMs: performance.now() - start.wall,
    cpuMicros: threadCpuMicros() - start.cpu,
    jobs: offered - start.offered,
    rejected: rejected - start.rejected,
    behind: behind - start.behind,
  };
  parentPort?.postMessage(result);
  port?.close();
}

parentPort?.postMessage('ready');
setTimeout(batch, config.batchIntervalMs);
