/** Waiting on conditions, not on time. */
import type { ZoneClient } from '../../src/client/zone-client.ts';

/** Every client event that follows a frame from the server, and the close. */
const FRAME_EVENTS = ['update', 'inventory', 'correction', 'error', 'trade', 'tradeResult', 'mailbox', 'mailResult', 'chat', 'gameEvent', 'stats', 'zoneChanged', 'resumed', 'close'] as const;

/** How long a wait in a test may take before it fails, naming what it waited for. */
export const WAIT_TIMEOUT_MS = 15_000;

/**
 * Resolves once `condition()` holds, checking now and after every frame the client handles
 * (FRAME_EVENTS). Rejects naming `what` if the client closes
 * first (unless the condition is about the close), or after `timeoutMs`.
 */
export function until(client: ZoneClient, condition: () => boolean, what: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const stop = (): void => {
      clearTimeout(timer);
      for (const off of offs) off();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const check = (): void => {
      if (condition()) {
        stop();
        resolve();
      } else if (client.closed) {
        stop();
        reject(new Error(`client closed (${client.closed.code} ${client.closed.reason}) while waiting for ${what}`));
      }
    };
    for (const event of FRAME_EVENTS) offs.push(client.on(event, check));
  });
}

/** `promise`, or a rejection naming `what` after `timeoutMs`: for waits on a single event. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = WAIT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * For conditions nothing signals (a database row, a metric): checks `condition` every
 * `everyMs` until it holds, and rejects naming `what` after `timeoutMs`.
 */
export async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = WAIT_TIMEOUT_MS, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
