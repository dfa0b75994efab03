/** What the ring benchmark's driver and its two worker threads exchange. */
import type { MessagePort } from 'node:worker_threads';

/**
 * Which way jobs go. "ring" writes each job with tryWrite, "ring-batch" stages each producer
 * batch's jobs in a RecordBatch and writes them with one tryWriteBatch; both consume with
 * drainRaw, as the zone does. "postMessage" posts each job as its own message;
 * "postMessage-batch" packs each producer batch's jobs into a fresh ArrayBuffer, in the ring's
 * record layout, and transfers it in one message. "none" makes and discards jobs, to show the
 * loops' own cost.
 */
export type Transport = 'none' | 'ring' | 'ring-batch' | 'postMessage' | 'postMessage-batch';

export function usesRing(transport: Transport): boolean {
  return transport === 'ring' || transport === 'ring-batch';
}

export function usesPort(transport: Transport): boolean {
  return transport === 'postMessage' || transport === 'postMessage-batch';
}

/** Bytes a record takes in the ring's layout (src/ring/ring-buffer.ts): 8-byte header, payload, padding to 8. */
export function recordBytes(payloadBytes: number): number {
  return (8 + payloadBytes + 7) & ~7;
}

/** A job's payload, the same for every transport: its sequence number, then zeros, every word written. */
export function writeJob(view: DataView, at: number, seq: number, jobBytes: number): void {
  view.setUint32(at, seq, true);
  for (let word = 4; word < jobBytes; word += 4) view.setUint32(at + word, 0, true);
}

/** Int32 word [PHASE] of the control buffer: the driver moves it forward, workers watch it. */
export const PHASE = 0;
export const PHASE_WARMUP = 0;
export const PHASE_MEASURE = 1;
export const PHASE_STOP = 2;

export interface WorkerConfig {
  readonly transport: Transport;
  /** Control buffer: Int32Array, word PHASE. */
  readonly control: SharedArrayBuffer;
  /** The ring's buffer (the ring transports). */
  readonly ring: SharedArrayBuffer | null;
  /** One end of a MessageChannel (the postMessage transports). */
  readonly port: MessagePort | null;
}

export interface ProducerConfig extends WorkerConfig {
  /** Target jobs per second. */
  readonly rate: number;
  readonly jobBytes: number;
  /** Pause between batches (setTimeout), ms. */
  readonly batchIntervalMs: number;
  /** At most this many ms worth of jobs in one batch; a producer further behind drops the rest. */
  readonly maxCatchUpMs: number;
  /** Staging size of the RecordBatch ("ring-batch"), bytes; a full one is flushed early. */
  readonly recordBatchBytes: number;
}

export interface ConsumerConfig extends WorkerConfig {
  readonly tickMs: number;
}

/** Counters over the measured window (between the first batch/tick in MEASURE and the first in STOP). */
export interface WindowResult {
  readonly wallMs: number;
  /** process.threadCpuUsage() of this thread over the window, user + system, µs. */
  readonly cpuMicros: number;
  readonly jobs: number;
}

export interface ProducerResult extends WindowResult {
  readonly role: 'producer';
  /** Jobs the ring refused (full) in the window; they count in `jobs` (offered). */
  readonly rejected: number;
  /** Jobs dropped because the producer fell more than maxCatchUpMs behind. */
  readonly behind: number;
}

export interface ConsumerResult extends WindowResult {
  readonly role: 'consumer';
  readonly ticks: number;
  /** How late ticks started against their drift-free schedule, ms. */
  readonly tickLateMaxMs: number;
  readonly tickLateMeanMs: number;
  /** Sum over the jobs' bytes, so that the work cannot be optimised away. */
  readonly checksum: number;
}

export function threadCpuMicros(): number {
  const usage = process.threadCpuUsage();
  return usage.user + usage.system;
}
