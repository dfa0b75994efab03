/** A TCP socket that does the WebSocket handshake and then sends exactly what a test writes. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export async function handshakenSocket(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const [response] = (await once(socket, 'data')) as [Buffer];
  assert.match(response.toString(), /^HTTP\/1.1 101/);
  socket.on('data', () => undefined); // reads whatever comes, answers nothing
  socket.on('error', () => undefined); // the server may reset it
  return { socket, closed: once(socket, 'close').then(() => undefined) };
}
