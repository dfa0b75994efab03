/**
 * Ring benchmark, consumer thread (plays a zone): a drift-free 50 ms tick that handles the jobs
 * that arrived since the last one. With the ring it drains at the tick (drainViews, a view per
 * record, or drainRaw for "ring-raw" and "ring-batch"); with postMessage the event loop
 * receives each message as it comes and queues it, and the tick handles the queue (as a zone
 * would). Either way each job is touched (key and first bytes summed). Measures its own thread
 * CPU and how late its ticks run over the window the driver marks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { drainViews } from '../../test/helpers/ring-drain.ts';
import { drainsRaw, PHASE, PHASE_MEASURE, PHASE_STOP, threadCpuMicros, usesRing, type ConsumerConfig, type ConsumerResult } from './shared.ts';

const config = workerData as ConsumerConfig;
const control = new Int32Array(config.control);
const ring = usesRing(config.transport) && config.ring !== null ? RingBuffer.attach(config.ring) : null;
const port = config.transport === 'postMessage' ? config.port : null;
const raw = drainsRaw(config.transport);

let handled = 0;
let checksum = 0;
const inbox: Uint8Array[] = [];

function onRingJob(key: number, payload: Uint8Array): void {
  checksum = (checksum + key + (payload[0] as number) + (payload[31] as number)) | 0;
}

function onRingJobRaw(key: number, data: Uint8Array, offset: number, length: number): void {
  checksum = (checksum + key + (data[offset] as number) + (data[offset + length - 1] as number)) | 0;
}

if (port !== null) {
  port.on('message', (job: Uint8Array) => {
    inbox.push(job);
  });
}

let measuring = false;
let ticks = 0;
let lateMax = 0;
let lateSum = 0;
let start = { wall: 0, cpu: 0, handled: 0, ticks: 0 };
let planned = performance.now() + config.tickMs;

function tick(): void {
  const began = performance.now();
  const phase = Atomics.load(control, PHASE); // seq-cst; the phase only moves forward
  if (phase === PHASE_STOP) {
    finish();
    return;
  }
  if (phase === PHASE_MEASURE && !measuring) {
    measuring = true;
    start = { wall: began, cpu: threadCpuMicros(), handled, ticks };
  }
  if (measuring) {
    const late = began - planned;
    lateSum += late;
    if (late > lateMax) lateMax = late;
  }
  ticks++;

  if (ring !== null) {
    handled += raw ? ring.drainRaw(onRingJobRaw) : drainViews(ring, onRingJob);
  } else if (inbox.length > 0) {
    for (let i = 0; i < inbox.length; i++) {
      const job = inbox[i] as Uint8Array;
      checksum = (checksum + (job[0] as number) + (job[1] as number) + (job[31] as number)) | 0;
    }
    handled += inbox.length;
    inbox.length = 0;
  }

  // Drift-free: the next tick is due one period after this one was due, not after it ran.
  planned += config.tickMs;
  setTimeout(tick, Math.max(0, planned - performance.now()));
}

function finish(): void {
  const measuredTicks = ticks - start.ticks;
  const result: ConsumerResult = {
    role: 'consumer',
    wallMs: performance.now() - start.wall,
    cpuMicros: threadCpuMicros() - start.cpu,
    jobs: handled - start.handled,
    ticks: measuredTicks,
    tickLateMaxMs: lateMax,
    tickLateMeanMs: measuredTicks > 0 ? lateSum / measuredTicks : 0,
    checksum,
  };
  parentPort?.postMessage(result);
  port?.close();
}

parentPort?.postMessage('ready');
setTimeout(tick, config.tickMs);
