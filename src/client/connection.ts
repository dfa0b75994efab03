/** Opening a client's WebSocket, and the random keys that make its requests idempotent. */
import type { ConnectOptions } from './client-types.ts';

/** An open WebSocket to `url`, or a rejection if it cannot be opened. */
export function open(url: string, options: ConnectOptions): Promise<WebSocket> {
  const Ctor = options.WebSocket ?? globalThis.WebSocket;
  return new Promise((resolve, reject) => {
    const socket = new Ctor(url);
    const onError = (): void => reject(new Error(`cannot connect to ${url}`));
    socket.addEventListener('error', onError, { once: true });
    socket.addEventListener(
      'open',
      () => {
        socket.removeEventListener('error', onError);
        resolve(socket);
      },
      { once: true },
    );
  });
}

/** A random idempotency key for a request: a whole number in 1 … 2^53 − 1. */
export function clientKey(): number {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return ((words[0] as number) & 0x1fffff) * 2 ** 32 + (words[1] as number) || 1;
}
