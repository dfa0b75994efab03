/**
 * A TCP proxy on loopback in front of a server's port, whose connections a test can cut as a
 * network would: both sides' sockets destroyed, no WebSocket close frame, so the client sees 1006
 * and the server a socket that just ended.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface CuttableProxy {
  /** ws://127.0.0.1:PORT of the proxy. */
  readonly url: string;
  /** Destroys every connection through the proxy now; new ones are let through. */
  cut(): void;
  /** Cuts every connection and resets each new one at once, as a network gone down, until up(). */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

export async function cuttableProxy(targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let isDown = false;
  const server = createServer((client) => {
    if (isDown) return void client.resetAndDestroy();
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const cut = (): void => {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
    pairs.clear();
  };
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cut,
    down() {
      isDown = true;
      cut();
    },
    up() {
      isDown = false;
    },
    async close() {
      cut();
      server.close();
      await once(server, 'close');
    },
  };
}
