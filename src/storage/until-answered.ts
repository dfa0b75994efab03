import { StoreError, StoreErrorCodes } from './store-error.ts';
/**
 * Sends an economy operation to the store until the store answers. The operation id makes every
 * attempt the same operation, which the store applies at most once, so a failure whose outcome is
 * unknown (the database went away mid-commit) is settled by asking again, with backoff.
 */

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

/**
 * Resolves to the store's answer, or to undefined when the store worker is gone: the process is
 * stopping, and the database has the outcome. `failed` hears every other failure before its retry.
 */
export async function untilAnswered<T>(call: () => Promise<T>, failed: (err: unknown, retryInMs: number) => void): Promise<T | undefined> {
  let retryMs = FIRST_RETRY_MS;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (err instanceof StoreError && err.code === StoreErrorCodes.workerGone) return undefined;
      failed(err, retryMs);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
    }
  }
}
