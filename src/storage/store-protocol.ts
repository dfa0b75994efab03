/**
 * The store's wire protocol: what a StoreClient and the store worker say to each other.
 *
 * Requests, on a client's own port (thread-messages/store-control.ts has how the main thread
 * hands the worker such a port): `{ id, op, args }` answered by `{ id, ok, value | error }`, in
 * any order. Any thread holding such a port can be a client (store-client.ts). A message may also
 * carry an array of requests, or of responses: the economy calls a client makes in one turn travel
 * together, so they reach the store's group committer together, and a committed group's answers
 * travel back together.
 */
import type { AdminStore } from './admin-store.ts';
import type { CharacterStore } from './character-store.ts';
import { StoreError } from './store-error.ts';
import type { EconomyStore } from './economy-store.ts';
import type { MetricsSnapshot } from '../metrics/metrics-hub.ts';

/** Everything a client may ask: the store's operations, and the worker's metrics. */
export interface StoreOps extends Omit<CharacterStore, 'close'>, EconomyStore, AdminStore {
  collectMetrics(): Promise<MetricsSnapshot>;
}
export type StoreOp = keyof StoreOps;
export type StoreArgs<K extends StoreOp> = Parameters<StoreOps[K]>;
export type StoreResult<K extends StoreOp> = Awaited<ReturnType<StoreOps[K]>>;

export interface StoreRequest {
  readonly id: number;
  readonly op: StoreOp;
  readonly args: readonly unknown[];
}

/** An error as it crosses threads (an Error's own fields do not survive structured cloning whole). */
export interface WireError {
  readonly message: string;
  readonly code: string | undefined;
  readonly errno: number | undefined;
}

/**
 * The store worker's last message on each port when it stops for good: calls then fail at once
 * (STORE_WORKER_GONE). A port that closes without it belongs to a worker that died; its client
 * waits for a new port.
 */
export const STORE_STOPPED = 'store-stopped';

export type StoreResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/**
 * The message and the database's code and number: mysql2 sets `code` and `errno`, node:sqlite sets
 * `code` and SQLite's result code as `errcode`, Node's system errors `code` and `errno`.
 */
export function toWireError(err: unknown): WireError {
  const fields = (typeof err === 'object' && err !== null ? err : {}) as { message?: unknown; code?: unknown; errno?: unknown; errcode?: unknown };
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const errno = typeof fields.errno === 'number' ? fields.errno : typeof fields.errcode === 'number' ? fields.errcode : undefined;
  // A refused connection to a host with several addresses is an AggregateError with no message.
  const message = typeof fields.message === 'string' && fields.message !== '' ? fields.message : (code ?? String(err));
  return { message, code, errno };
}

export function fromWireError(wire: WireError): StoreError {
  return new StoreError(wire.message, wire.code, wire.errno);
}
