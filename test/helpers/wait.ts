/** Waiting on conditions, not on time. */
import type { ZoneClient } from '../../src/client/zone-client.ts';

/**
 * Resolves once `condition()` holds, checking now and after every frame the client handles
 * (updates, corrections, errors, close). Rejects with `what` if the client closes first
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
    offs.push(client.on('update', check), client.on('correction', check), client.on('error', check), client.on('close', check));
  });
}
