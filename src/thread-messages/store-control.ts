/**
 * Control messages between the main thread and the store worker (postMessage on the worker's
 * parentPort): the main thread hands the worker one end of a fresh MessageChannel per client
 * (`connect`), and asks it to `stop`. The worker says `ready` once its backend is open, or
 * `failed` with the reason (it then exits). Requests then travel on each client's own port
 * (storage/store-protocol.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../config/config.ts';
import type { Backend } from '../storage/character-store.ts';
import type { WireError } from '../storage/store-protocol.ts';

/** How the store worker groups economy operations into transactions (src/store/group-commit.ts). */
export interface GroupCommitSettings {
  /** Operations per group transaction (1: one transaction per operation, no grouping). */
  readonly maxOps: number;
  /** Group transactions committing at once, each on its own connection (SQLite: always 1). */
  readonly maxGroupsInFlight: number;
  /** Operations waiting for a group, past which new ones are refused with STORE_BUSY. */
  readonly maxQueued: number;
  /** Retries of a group after a deadlock or lock-wait timeout, before its operations fail. */
  readonly maxRetries: number;
}

export interface StoreWorkerData {
  readonly config: Config;
  /** Overrides of the group commit defaults (benchmarks compare against no grouping). */
  readonly groupCommit?: Partial<GroupCommitSettings>;
}

export type ToStoreWorker = { readonly type: 'connect'; readonly port: MessagePort } | { readonly type: 'stop' };

export type FromStoreWorker = { readonly type: 'ready'; readonly backend: Backend } | { readonly type: 'failed'; readonly error: WireError };
