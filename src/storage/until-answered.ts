/**
 * Sends an economy operation to the store until the store answers. The operation id makes every
 * attempt the same operation, which the store applies at most once, so a failure whose outcome is
 * unknown (the database went away mid-commit) is settled by asking again, with backoff.
 */
import { StoreRetryBackoff } from '../config/limits.ts';
import { Backoff } from '../retry/backoff.ts';
import { StoreError, StoreErrorCodes } from './store-error.ts';

/** Resolves after `ms`: a timer on the main thread, the tick's clock in a zone (zone/tick-timers.ts). */
export type Wait = (ms: number) => Promise<void>;

/** A wait on a real timer, for threads without a tick. */
export const timerWait: Wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves to the store's answer, or to undefined when the store worker is gone: the process is
 * stopping, and the database has the outcome. `failed` hears every other failure before its retry.
 */
export async function untilAnswered<T>(call: () => Promise<T>, failed: (err: unknown, retryInMs: number) => void, wait: Wait): Promise<T | undefined> {
  const backoff = new Backoff(StoreRetryBackoff);
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (err instanceof StoreError && err.code === StoreErrorCodes.workerGone) return undefined;
      const retryInMs = backoff.next();
      failed(err, retryInMs);
      await wait(retryInMs);
    }
  }
}
