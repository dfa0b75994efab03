/**
 * Ring benchmark (docs/architecture.md, R3 and R12): the SharedArrayBuffer ring against
 * postMessage, in the same run, as a gateway feeds a zone. A producer thread offers 32-byte jobs
 * at a target rate in one batch per ~1 ms; a consumer thread handles them on a 50 ms tick. Each
 * side comes in a per-job and a batched form: the ring with one tryWrite per job ("ring") or one
 * tryWriteBatch per batch ("ring-batch"), postMessage with one message per job ("postMessage") or
 * one transferred buffer of packed records per batch ("postMessage-batch"). "none" (jobs made
 * and discarded, consumer ticking idle) shows the loops' own cost. For each transport and rate it
 * measures each thread's CPU per job (process.threadCpuUsage, user + system), the rate delivered
 * and how late the consumer's ticks ran. Every transport runs once per repetition, in a rotating
 * order, and the report gives the range over the repetitions; ratios are taken within one.
 *
 *   npm run bench:ring [-- --json] [-- --reps 3] [-- --measure-ms 3000] [-- --warmup-ms 1000]
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import { RingBuffer } from '../src/ring/ring-buffer.ts';
import { printReport, type Row } from './lib/report.ts';
import {
  PHASE,
  PHASE_MEASURE,
  PHASE_STOP,
  type ConsumerConfig,
  type ConsumerResult,
  type ProducerConfig,
  type ProducerResult,
  type Transport,
  usesPort,
  usesRing,
} from './ring/shared.ts';

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

const config = {
  ratesPerSecond: [200_000, 1_000_000],
  jobBytes: 32,
  batchIntervalMs: 1,
  maxCatchUpMs: 10,
  tickMs: 50,
  warmupMs: numberArg('--warmup-ms', 1000),
  measureMs: numberArg('--measure-ms', 3000),
  repetitions: numberArg('--reps', 3),
  /** Room for four ticks of jobs at the highest rate (1M/s × 0.2 s × 40 B ≈ 8 MB). */
  ringCapacityBytes: 8 * 1024 * 1024,
  /** "ring-batch" staging: 1638 40-byte records, more than a 1 ms batch at 1M/s. */
  recordBatchBytes: 64 * 1024,
  /** How long to wait for the workers' results after STOP before giving up on a run. */
  resultTimeoutMs: 30_000,
};

const TRANSPORTS: readonly Transport[] = ['none', 'ring', 'ring-batch', 'postMessage', 'postMessage-batch'];

interface RunResult {
  readonly transport: Transport;
  readonly rate: number;
  readonly producer: ProducerResult;
  readonly consumer: ConsumerResult;
}

function startWorker(file: string, data: ProducerConfig | ConsumerConfig, transfer: MessagePort[]): Worker {
  return new Worker(new URL(file, import.meta.url), { workerData: data, transferList: transfer });
}

/** Next non-"ready" message from the worker, or a rejection on error / early exit / timeout. */
function resultOf<T>(worker: Worker, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no result within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    worker.on('message', (message: unknown) => {
      if (message === 'ready') return;
      clearTimeout(timer);
      resolve(message as T);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before its result`)));
  });
}

function readyOf(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    worker.on('message', (message: unknown) => {
      if (message === 'ready') resolve();
    });
    worker.once('error', reject);
  });
}

async function run(transport: Transport, rate: number): Promise<RunResult> {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const ring = usesRing(transport) ? RingBuffer.create(config.ringCapacityBytes) : null;
  const channel = usesPort(transport) ? new MessageChannel() : null;
  const shared = { transport, control: control.buffer as SharedArrayBuffer, ring: ring?.buffer ?? null };

  const consumerData: ConsumerConfig = { ...shared, port: channel?.port2 ?? null, tickMs: config.tickMs };
  const consumer = startWorker('./ring/consumer-worker.ts', consumerData, channel ? [channel.port2] : []);
  const producerData: ProducerConfig = {
    ...shared,
    port: channel?.port1 ?? null,
    rate,
    jobBytes: config.jobBytes,
    batchIntervalMs: config.batchIntervalMs,
    maxCatchUpMs: config.maxCatchUpMs,
    recordBatchBytes: config.recordBatchBytes,
  };
  const producer = startWorker('./ring/producer-worker.ts', producerData, channel ? [channel.port1] : []);
  try {
    const results = Promise.all([
      resultOf<ProducerResult>(producer, config.warmupMs + config.measureMs + config.resultTimeoutMs),
      resultOf<ConsumerResult>(consumer, config.warmupMs + config.measureMs + config.resultTimeoutMs),
    ]);
    results.catch(() => {}); // awaited below
    await Promise.all([readyOf(producer), readyOf(consumer)]);
    await sleep(config.warmupMs);
    // Seq-cst stores; workers poll the phase at their own batch/tick, which is all the
    // precision the window needs (each side measures its own wall time and CPU).
    Atomics.store(control, PHASE, PHASE_MEASURE);
    await sleep(config.measureMs);
    Atomics.store(control, PHASE, PHASE_STOP);
    const [p, c] = await results;
    return { transport, rate, producer: p, consumer: c };
  } finally {
    await Promise.all([producer.terminate(), consumer.terminate()]);
  }
}

const perJobNs = (cpuMicros: number, jobs: number): number | null => (jobs > 0 ? (cpuMicros * 1000) / jobs : null);

/** What one run gives, per job and per wall second. */
interface Measures {
  offeredPerS: number;
  deliveredPerS: number;
  rejected: number;
  producerNs: number | null;
  consumerNs: number | null;
  bothNs: number | null;
  producerCpuPct: number;
  consumerCpuPct: number;
  tickLateMaxMs: number;
  tickLateMeanMs: number;
}

function measuresOf({ producer: p, consumer: c }: RunResult): Measures {
  const producerNs = perJobNs(p.cpuMicros, p.jobs);
  const consumerNs = perJobNs(c.cpuMicros, c.jobs);
  return {
    offeredPerS: (p.jobs / p.wallMs) * 1000,
    deliveredPerS: (c.jobs / c.wallMs) * 1000,
    rejected: p.rejected,
    producerNs,
    consumerNs,
    bothNs: producerNs !== null && consumerNs !== null ? producerNs + consumerNs : null,
    producerCpuPct: p.cpuMicros / 10 / p.wallMs,
    consumerCpuPct: c.cpuMicros / 10 / c.wallMs,
    tickLateMaxMs: c.tickLateMaxMs,
    tickLateMeanMs: c.tickLateMeanMs,
  };
}

/** "lo–hi" over the repetitions (one number when they agree at this precision); "-" if any is missing. */
function range(values: readonly (number | null)[], digits: number, scale = 1): string {
  if (values.length === 0 || values.some((v) => v === null)) return '-';
  const numbers = values as number[];
  const lo = (Math.min(...numbers) / scale).toFixed(digits);
  const hi = (Math.max(...numbers) / scale).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

const rateName = (rate: number): string => (rate >= 1_000_000 ? `${rate / 1_000_000}M` : `${rate / 1000}k`);

/** Baseline ÷ ring pairs the summary reports, per rate and thread. */
const RATIOS: readonly (readonly [Transport, Transport])[] = [
  ['postMessage', 'ring'],
  ['postMessage', 'ring-batch'],
  ['postMessage-batch', 'ring-batch'],
  ['postMessage', 'postMessage-batch'],
];

async function main(): Promise<void> {
  const started = performance.now();
  // results[rate][transport] = one Measures per repetition, in repetition order.
  const results = new Map<number, Map<Transport, Measures[]>>(config.ratesPerSecond.map((rate) => [rate, new Map(TRANSPORTS.map((t) => [t, []]))]));
  for (let rep = 0; rep < config.repetitions; rep++) {
    // A rotating order, so that no transport always runs first or right after the same one.
    const order = [...TRANSPORTS.slice(rep % TRANSPORTS.length), ...TRANSPORTS.slice(0, rep % TRANSPORTS.length)];
    for (const rate of config.ratesPerSecond) {
      for (const transport of order) {
        process.stderr.write(`repetition ${rep + 1}/${config.repetitions}: ${transport} at ${rate}/s ...\n`);
        results.get(rate)?.get(transport)?.push(measuresOf(await run(transport, rate)));
      }
    }
  }

  process.stderr.write(`all runs done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);

  const rows: Row[] = [];
  const summary: Record<string, string> = {};
  for (const rate of config.ratesPerSecond) {
    const byTransport = results.get(rate) as Map<Transport, Measures[]>;
    for (const transport of TRANSPORTS) {
      const runs = byTransport.get(transport) as Measures[];
      const of = (key: keyof Measures): (number | null)[] => runs.map((m) => m[key]);
      rows.push({
        transport,
        targetPerS: rateName(rate),
        offeredPerS: range(of('offeredPerS'), 0, 1000) + 'k',
        deliveredPerS: transport === 'none' ? '-' : range(of('deliveredPerS'), 0, 1000) + 'k',
        rejected: range(of('rejected'), 0),
        producerNsPerJob: range(of('producerNs'), 0),
        consumerNsPerJob: transport === 'none' ? '-' : range(of('consumerNs'), 0),
        producerCpuPct: range(of('producerCpuPct'), 1),
        consumerCpuPct: range(of('consumerCpuPct'), 1),
        tickLateMaxMs: range(of('tickLateMaxMs'), 1),
        tickLateMeanMs: range(of('tickLateMeanMs'), 2),
      });
    }
    for (const [baseline, variant] of RATIOS) {
      const b = byTransport.get(baseline) as Measures[];
      const v = byTransport.get(variant) as Measures[];
      for (const [thread, key] of [['producer', 'producerNs'], ['consumer', 'consumerNs'], ['both threads', 'bothNs']] as const) {
        const ratios = b.map((m, rep) => {
          const ours = v[rep]?.[key] ?? null;
          const theirs = m[key];
          return ours !== null && theirs !== null && ours > 0 ? theirs / ours : null;
        });
        summary[`@${rateName(rate)}/s ${baseline} ÷ ${variant}, CPU per job, ${thread}`] = `${range(ratios, 1)}×`;
      }
    }
  }

  printReport({
    name: 'ring',
    description: 'SharedArrayBuffer ring vs postMessage, gateway-like producer thread to zone-like consumer thread',
    config: {
      ratesPerSecond: config.ratesPerSecond.join(', '),
      jobBytes: config.jobBytes,
      producerBatchEveryMs: config.batchIntervalMs,
      consumerTickMs: config.tickMs,
      warmupMs: config.warmupMs,
      measureMs: config.measureMs,
      repetitions: config.repetitions,
      ringCapacityBytes: config.ringCapacityBytes,
      recordBatchBytes: config.recordBatchBytes,
      ring: 'one tryWrite per job; consumer drainRaw',
      ringBatch: 'each 1 ms batch of jobs written in place into a RecordBatch (append), one tryWriteBatch per batch; consumer drainRaw',
      postMessage: 'one message per job (Uint8Array(32), structured clone), MessageChannel between the two workers',
      postMessageBatch: 'each 1 ms batch of jobs written in place into a fresh ArrayBuffer (ring record layout), transferred in one message',
      cpuMeasure: 'process.threadCpuUsage() per thread, user+system',
    },
    columns: [
      { key: 'transport' },
      { key: 'targetPerS', title: 'target/s' },
      { key: 'offeredPerS', title: 'offered/s' },
      { key: 'deliveredPerS', title: 'delivered/s' },
      { key: 'rejected', title: 'full' },
      { key: 'producerNsPerJob', title: 'prod ns/job' },
      { key: 'consumerNsPerJob', title: 'cons ns/job' },
      { key: 'producerCpuPct', title: 'prod cpu%' },
      { key: 'consumerCpuPct', title: 'cons cpu%' },
      { key: 'tickLateMaxMs', title: 'tick late max ms' },
      { key: 'tickLateMeanMs', title: 'mean ms' },
    ],
    rows,
    summary,
    notes: [
      `Each cell: lowest–highest over ${config.repetitions} repetitions; the transports run interleaved, each repetition in a rotating order.`,
      'ns/job: thread CPU time (user+system) over the measured window / jobs offered (producer) or handled (consumer).',
      'Ratios: baseline ÷ ring CPU per job, as measured, taken within each repetition; the range is over the repetitions.',
      'full: jobs the ring refused (backpressure). tick late: how far the 50 ms ticks started behind schedule.',
      'Offered below target means the producer thread could not keep up (it drops what is more than 10 ms behind).',
    ],
  });
}

await main();
