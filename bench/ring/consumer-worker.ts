/**
 * Ring benchmark, consumer thread (plays a zone): a drift-free 50 ms tick that handles the jobs
 * that arrived since the last one. With the ring it drains at the tick (drainRaw, as the zone
 * does); with postMessage the event loop receives each message as it comes (a job, or for
 * "postMessage-batch" a buffer of packed records) and queues it, and the tick handles the queue
 * (as a zone would). Either way each job is touched (a few of its bytes summed). Measures its own
 * thread CPU and how late its ticks run over the window the driver marks.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { PHASE, PHASE_MEASURE, PHASE_STOP, recordBytes, threadCpuMicros, usesPort, usesRing, type ConsumerConfig, type ConsumerResult } from './shared.ts';

const config = workerData as ConsumerConfig;
const control = new Int32Array(config.control);
const ring = usesRing(config.transport) && config.ring !== null ? RingBuffer.attach(config.ring) : null;
const port = usesPort(config.transport) ? config.port : null;
const packed = config.transport === 'postMessage-batch';

let handled = 0;
let checksum = 0;
/** Messages received since the last tick: jobs, or ("postMessage-batch") buffers of packed records. */
const inbox: (Uint8Array | ArrayBuffer)[] = [];

function onRingJob(key: number, data: Uint8Array, offset: number, length: number): void {
  checksum = (checksum + key + (data[offset] as number) + (data[offset + length - 1] as number)) | 0;
}

if (port !== null) {
  port.on('message', (message: Uint8Array | ArrayBuffer) => {
    inbox.push(message);
  });
}

/** One "postMessage-batch" buffer: walks its records as drainRaw walks the ring's. */
function handlePacked(buffer: ArrayBuffer): number {
  const words = new Int32Array(buffer);
  const bytes = new Uint8Array(buffer);
  let records = 0;
  for (let at = 0; at < buffer.byteLength; records++) {
    const length = (words[at >> 2] as number) - 1;
    const key = (words[(at >> 2) + 1] as number) >>> 0;
    checksum = (checksum + key + (bytes[at + 8] as number) + (bytes[at + 8 + length - 1] as number)) | 0;
    at += recordBytes(length);
  }
  return records;
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
    // Timers keep whole milliseconds, so a tick may fire a fraction early: that counts as on time.
    const late = Math.max(0, began - planned);
    lateSum += late;
    if (late > lateMax) lateMax = late;
  }
  ticks++;

  if (ring !== null) {
    handled += ring.drainRaw(onRingJob);
  } else if (packed) {
    for (let i = 0; i < inbox.length; i++) handled += handlePacked(inbox[i] as ArrayBuffer);
    inbox.length = 0;
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
