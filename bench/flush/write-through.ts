/**
 * Write-through, for the flush benchmark's statement count: a thread that writes every change
 * it is sent as one UPDATE (PER_ROW_UPDATE, autocommit, so each is its own durable
 * transaction), over `connections` MySQL connections. It stands where the store worker would:
 * off the zone's thread.
 *
 * Changes the database has not caught up with wait in a queue, in the order sent; none is
 * dropped or merged. What is still queued at the end is the backlog.
 */
import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { createConnection, type Connection } from 'mysql2/promise';
import { PER_ROW_UPDATE, perRowValues } from './per-row-update.ts';

/** A row is playerId, epoch, x, y, heading, hp, level, exp, playTimeS. */
export const WRITE_THROUGH_FIELDS = 9;

type ToWriter = { type: 'rows'; rows: Float64Array<ArrayBuffer> } | { type: 'stop' };
type FromWriter = { type: 'ready' } | { type: 'stopped'; written: number; failed: number };

interface WriterData {
  readonly writeThrough: { readonly url: string; readonly connections: number };
}

export interface WriteThrough {
  /** Queues rows of WRITE_THROUGH_FIELDS numbers each; the buffer is handed over. */
  send(rows: Float64Array<ArrayBuffer>): void;
  /** Stops once the UPDATEs under way are answered: what is still queued stays unwritten. */
  stop(): Promise<{ written: number; failed: number }>;
}

export async function startWriteThrough(url: string, connections: number): Promise<WriteThrough> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { writeThrough: { url, connections } } satisfies WriterData });
  const exited = once(worker, 'exit');
  const [ready] = (await once(worker, 'message')) as [FromWriter];
  if (ready.type !== 'ready') throw new Error('the write-through thread did not start');
  return {
    send(rows) {
      worker.postMessage({ type: 'rows', rows } satisfies ToWriter, [rows.buffer]);
    },
    async stop() {
      worker.postMessage({ type: 'stop' } satisfies ToWriter);
      const [stopped] = (await once(worker, 'message')) as [FromWriter];
      await exited;
      if (stopped.type !== 'stopped') throw new Error('the write-through thread did not stop');
      return { written: stopped.written, failed: stopped.failed };
    },
  };
}

async function runWriter(url: string, connections: number): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const conns = await Promise.all(Array.from({ length: connections }, () => createConnection({ uri: url })));
  const queue: Float64Array[] = [];
  let head = 0; // offset of the next row in queue[0]
  let running = true;
  const idle: (() => void)[] = [];
  let written = 0;
  let failed = 0;

  const nextRow = (): Float64Array | undefined => {
    while (queue[0] && head >= queue[0].length) {
      queue.shift();
      head = 0;
    }
    if (!queue[0]) return undefined;
    head += WRITE_THROUGH_FIELDS;
    return queue[0].subarray(head - WRITE_THROUGH_FIELDS, head);
  };

  const writeLoop = async (conn: Connection): Promise<void> => {
    while (running) {
      const row = nextRow();
      if (!row) {
        await new Promise<void>((resolve) => idle.push(resolve));
        continue;
      }
      const f = (i: number): number => row[i] ?? NaN;
      const state = { zoneId: 1, x: f(2), y: f(3), heading: f(4), hp: f(5), level: f(6), exp: f(7), playTimeS: f(8) };
      try {
        await conn.query(PER_ROW_UPDATE, perRowValues(f(0), f(1), state, Date.now()));
        written++;
      } catch {
        failed++;
      }
    }
  };

  port.on('message', (message: ToWriter) => {
    if (message.type === 'rows') queue.push(message.rows);
    else running = false;
    for (const wake of idle.splice(0)) wake();
  });
  const loops = conns.map(writeLoop);
  port.postMessage({ type: 'ready' } satisfies FromWriter);
  await Promise.all(loops);
  await Promise.all(conns.map((conn) => conn.end()));
  port.postMessage({ type: 'stopped', written, failed } satisfies FromWriter);
  port.close();
}

// Started by startWriteThrough: this file is also the thread's code.
const data = workerData as Partial<WriterData> | undefined;
if (!isMainThread && data?.writeThrough) await runWriter(data.writeThrough.url, data.writeThrough.connections);
