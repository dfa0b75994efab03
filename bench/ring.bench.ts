/**
 * Ring benchmark (docs/architecture.md, R3 and R12): the SharedArrayBuffer ring against postMessage, in the same
 * run, as a gateway feeds a zone. A producer thread offers 32-byte jobs at a target rate in one
 * batch per ~1 ms (through the ring one tryWrite per job, or one tryWriteBatch per batch for
 * "ring-batch"); a consumer thread handles them on a 50 ms tick. For each transport and rate it
 * measures each thread's CPU per job (process.threadCpuUsage, user + system), the rate delivered
 * and how late the consumer's ticks ran. A "none" transport (jobs made and discarded, consumer
 * ticking idle) measures the loops' own cost, which the "net" columns subtract.
 *
 *   npm run bench:ring [-- --json] [-- --measure-ms 3000]
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
  /** Room for four ticks of jobs at the highest rate (1M/s × 0.2 s × 40 B ≈ 8 MB). */
  ringCapacityBytes: 8 * 1024 * 1024,
  /** "ring-batch" staging: 1638 40-byte records, more than a 1 ms batch at 1M/s. */
  recordBatchBytes: 64 * 1024,
  /** How long to wait for the workers' results after STOP before giving up on a run. */
  resultTimeoutMs: 30_000,
};

const TRANSPORTS: readonly Transport[] = ['none', 'ring', 'ring-raw', 'ring-batch', 'postMessage'];

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
  const channel = transport === 'postMessage' ? new MessageChannel() : null;
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
const ratio = (a: number | null, b: number | null): number | null => (a !== null && b !== null && b > 0 ? a / b : null);
const round = (x: number | null, digits: number): number | null => (x === null ? null : Number(x.toFixed(digits)));

async function main(): Promise<void> {
  const results: RunResult[] = [];
  for (const rate of config.ratesPerSecond) {
    for (const transport of TRANSPORTS) {
      process.stderr.write(`running ${transport} at ${rate}/s ...\n`);
      results.push(await run(transport, rate));
    }
  }

  const rows: Row[] = [];
  const summary: Record<string, number | null> = {};
  for (const rate of config.ratesPerSecond) {
    const baseline = results.find((r) => r.rate === rate && r.transport === 'none');
    // The loops' own CPU per wall ms (timers, making jobs), subtracted pro rata for "net".
    const producerIdle = baseline ? baseline.producer.cpuMicros / baseline.producer.wallMs : 0;
    const consumerIdle = baseline ? baseline.consumer.cpuMicros / baseline.consumer.wallMs : 0;
    const costs = new Map<Transport, { producer: number | null; consumer: number | null; netProducer: number | null; netConsumer: number | null }>();
    for (const r of results.filter((x) => x.rate === rate)) {
      const { producer: p, consumer: c } = r;
      const producerNs = perJobNs(p.cpuMicros, p.jobs);
      const consumerNs = perJobNs(c.cpuMicros, c.jobs);
      const netProducerNs = perJobNs(Math.max(0, p.cpuMicros - producerIdle * p.wallMs), p.jobs);
      const netConsumerNs = perJobNs(Math.max(0, c.cpuMicros - consumerIdle * c.wallMs), c.jobs);
      costs.set(r.transport, { producer: producerNs, consumer: consumerNs, netProducer: netProducerNs, netConsumer: netConsumerNs });
      rows.push({
        transport: r.transport,
        targetPerS: rate,
        offeredPerS: Math.round((p.jobs / p.wallMs) * 1000),
        deliveredPerS: r.transport === 'none' ? 0 : Math.round((c.jobs / c.wallMs) * 1000),
        rejected: p.rejected,
        behind: p.behind,
        producerNsPerJob: r.transport === 'none' ? null : round(producerNs, 1),
        consumerNsPerJob: r.transport === 'none' ? null : round(consumerNs, 1),
        netProducerNsPerJob: r.transport === 'none' ? null : round(netProducerNs, 1),
        netConsumerNsPerJob: r.transport === 'none' ? null : round(netConsumerNs, 1),
        producerCpuPct: round((p.cpuMicros / 10 / p.wallMs), 1),
        consumerCpuPct: round((c.cpuMicros / 10 / c.wallMs), 1),
        tickLateMaxMs: round(c.tickLateMaxMs, 1),
        tickLateMeanMs: round(c.tickLateMeanMs, 2),
      });
    }
    const pm = costs.get('postMessage');
    const sum = (a: number | null, b: number | null): number | null => (a !== null && b !== null ? a + b : null);
    const k = rate >= 1_000_000 ? `${rate / 1_000_000}M` : `${rate / 1000}k`;
    for (const variant of ['ring', 'ring-raw', 'ring-batch'] as const) {
      const ring = costs.get(variant);
      if (!ring || !pm) continue;
      const label = `@${k}/s postMessage/${variant} per job`;
      summary[`${label}, producer`] = round(ratio(pm.producer, ring.producer), 1);
      summary[`${label}, consumer`] = round(ratio(pm.consumer, ring.consumer), 1);
      summary[`${label}, both threads`] = round(ratio(sum(pm.producer, pm.consumer), sum(ring.producer, ring.consumer)), 1);
      summary[`${label}, producer net`] = round(ratio(pm.netProducer, ring.netProducer), 1);
      summary[`${label}, consumer net`] = round(ratio(pm.netConsumer, ring.netConsumer), 1);
      summary[`${label}, both threads net`] = round(
        ratio(sum(pm.netProducer, pm.netConsumer), sum(ring.netProducer, ring.netConsumer)),
        1,
      );
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
      ringCapacityBytes: config.ringCapacityBytes,
      recordBatchBytes: config.recordBatchBytes,
      ringBatch: 'each 1 ms batch of jobs written in place into a RecordBatch (append), one tryWriteBatch per batch; consumer drainRaw',
      cpuMeasure: 'process.threadCpuUsage() per thread, user+system',
      postMessage: 'one message per job (Uint8Array(32), structured clone), MessageChannel between the two workers',
    },
    columns: [
      { key: 'transport' },
      { key: 'targetPerS', title: 'target/s' },
      { key: 'offeredPerS', title: 'offered/s' },
      { key: 'deliveredPerS', title: 'delivered/s' },
      { key: 'rejected', title: 'full' },
      { key: 'producerNsPerJob', title: 'prod ns/job' },
      { key: 'consumerNsPerJob', title: 'cons ns/job' },
      { key: 'netProducerNsPerJob', title: 'net prod' },
      { key: 'netConsumerNsPerJob', title: 'net cons' },
      { key: 'producerCpuPct', title: 'prod cpu%' },
      { key: 'consumerCpuPct', title: 'cons cpu%' },
      { key: 'tickLateMaxMs', title: 'tick late max ms' },
      { key: 'tickLateMeanMs', title: 'mean ms' },
    ],
    rows,
    summary,
    notes: [
      'ns/job: thread CPU time (user+system) over the measured window / jobs offered (producer) or handled (consumer).',
      'net: the same after subtracting the "none" run\'s CPU per wall second (timers, making jobs, idle ticks).',
      'full: jobs the ring refused (backpressure). tick late: how far the 50 ms ticks started behind schedule.',
      'Offered below target means the producer thread could not keep up (it drops what is more than 10 ms behind).',
    ],
  });
}

await main();
