/**
 * Ring benchmark, producer thread (plays the gateway): offers 32-byte jobs at a target rate, in one
 * batch per ~1 ms timer, through the ring (tryWrite per job, or for "ring-batch" the batch's jobs
 * written in place into a RecordBatch, as the gateway does, and then into the ring with one
 * tryWriteBatch), or postMessage (one message per
 * job), or nowhere (baseline). Measures its own thread CPU over the window the driver marks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RecordBatch } from '../../src/ring/record-batch.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { PHASE, PHASE_MEASURE, PHASE_STOP, threadCpuMicros, usesRing, type ProducerConfig, type ProducerResult } from './shared.ts';

const config = workerData as ProducerConfig;
const control = new Int32Array(config.control);
const ring = usesRing(config.transport) && config.ring !== null ? RingBuffer.attach(config.ring) : null;
const port = config.transport === 'postMessage' ? config.port : null;
const staging = config.transport === 'ring-batch' ? new RecordBatch(config.recordBatchBytes) : null;
const job = new Uint8Array(config.jobBytes);
const jobView = new DataView(job.buffer);
const stagingView = staging === null ? null : new DataView(staging.bytes.buffer, staging.bytes.byteOffset, staging.bytes.byteLength);
const maxBatch = Math.ceil((config.rate * config.maxCatchUpMs) / 1000);

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
  for (let i = 0; i < n; i++) {
    const key = seq & 0xffff; // session-like key
    if (staging !== null && stagingView !== null) {
      let at = staging.append(key, config.jobBytes);
      if (at < 0) {
        flush(); // staging full (a catch-up batch): write what it holds, then stage this job
        at = staging.append(key, config.jobBytes);
      }
      // The same job bytes as the other transports send (seq, then zeros), written in place:
      // every payload word, as append's contract asks.
      stagingView.setUint32(at, seq, true);
      for (let word = 4; word < config.jobBytes; word += 4) stagingView.setUint32(at + word, 0, true);
      seq = (seq + 1) >>> 0;
      continue;
    }
    jobView.setUint32(0, seq, true);
    seq = (seq + 1) >>> 0;
    if (ring !== null) {
      if (!ring.tryWrite(key, job)) rejected++;
    } else if (port !== null) {
      port.postMessage(job);
    }
  }
  flush();
  offered += n;
  setTimeout(batch, config.batchIntervalMs);
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
