/** Waiting on conditions, not on time. */
import type { ZoneClient } from '../../src/client/zone-client.ts';

/**
 * Resolves once `condition()` holds, checking now and after every frame the client handles
 * (updates, inventories, corrections, errors, close). Rejects with `what` if the client closes first
 * (unless the condition is about the close).
 */
export function until(client: ZoneClient, condition: () => boolean, what = 'condition'): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    const check = (): void => {
      if (condition()) {
        for (const off of offs) off();
        resolve();
      } else if (client.closed) {
        for (const off of offs) off();
        reject(new Error(`client closed (${client.closed.code} ${client.closed.reason}) while waiting for ${what}`));
      }
    };
    offs.push(client.on('update', check), client.on('inventory', check), client.on('correction', check), client.on('error', check), client.on('close', check));
  });
}

/**
 * For conditions nothing signals (a database row, a metric): checks `condition` every
 * `everyMs` until it holds, and rejects naming `what` after `timeoutMs`.
 */
export async function eventually(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000, everyMs = 25): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
