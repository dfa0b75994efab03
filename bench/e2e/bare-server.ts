/**
 * The bare baseline of bench:e2e: a process that does the socket work of the zone server and no
 * game. It accepts the same clients on `ws` with the server's socket settings, decodes every
 * message they send (protobufjs, as the gateway does), answers a log-in at once, pings and
 * log-outs, and every tick sends every logged-in client one frame of FRAME_BYTES bytes: a
 * WorldUpdate moving entities nobody knows, encoded once for everyone (no view, no per-client
 * encoding). Moves are decoded and dropped. What it costs per message is the floor under what
 * the real server costs.
 *
 * Run as a child process: PORT (0 for any), FRAME_BYTES, TICK_HZ from the environment; prints
 * `{"msg":"bare server ready","port":N}`; answers {type:"stats"} over IPC with its CPU seconds
 * and the messages it received and sent.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientMessage, encodeServerMessage, MoveField, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';

const FRAME_BYTES = Number(process.env.FRAME_BYTES ?? 300);
const TICK_HZ = Number(process.env.TICK_HZ ?? 20);
/** Entity ids no client is shown a spawn of. */
const UNKNOWN_IDS = 4_000_000_000;

/** One tick's frame: moves of unknown entities, as many as make it FRAME_BYTES long (to the byte where it can be). */
function frameOfSize(bytes: number): Uint8Array {
  let frame = encodeServerMessage({ update: { tick: 1 } });
  for (let moves = 1; frame.length < bytes; moves++) {
    const ids = Array.from({ length: moves }, (_, i) => UNKNOWN_IDS + i);
    frame = encodeServerMessage({
      update: { tick: 1, moveEntityIds: ids, moveMasks: ids.map(() => MoveField.MOVE_FIELD_POSITION), moveDxCm: ids.map(() => 17), moveDyCm: ids.map(() => -9) },
    });
  }
  return frame;
}

const frame = frameOfSize(FRAME_BYTES);
const counts = { received: 0, sent: 0 };
const inWorld = new Set<WebSocket>();
let nextEntityId = 1;

// The server's own socket settings (src/gateway/gateway.ts): no compression, no client tracking.
const server = new WebSocketServer({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1', perMessageDeflate: false, clientTracking: false });
server.on('connection', (socket) => {
  socket.on('message', (data: Buffer) => {
    counts.received++;
    const message = ClientMessage.decode(data);
    const reply = (body: Parameters<typeof encodeServerMessage>[0]): void => {
      counts.sent++;
      socket.send(encodeServerMessage(body));
    };
    if (message.login) {
      const entityId = nextEntityId++;
      inWorld.add(socket);
      reply({
        login: {
          accepted: { playerId: entityId, entityId, zoneId: 1, xCm: 50_000, yCm: 50_000, heading: 0, zoneWidth: 1000, zoneHeight: 1000, tickHz: TICK_HZ, zoneX: 0, zoneY: 0, zoneName: 'bare' },
        },
      });
    } else if (message.ping) {
      reply({ pong: { clientTimeMs: message.ping.clientTimeMs } });
    } else if (message.logout) {
      inWorld.delete(socket);
      reply({ logout: {} });
      socket.close(1000, 'logged out');
    } else if (message.resume) {
      socket.close(4000, `resume is not served here (protocol ${PROTOCOL_VERSION})`);
    }
  });
  socket.on('close', () => inWorld.delete(socket));
  socket.on('error', () => {});
});

setInterval(() => {
  for (const socket of inWorld) {
    counts.sent++;
    socket.send(frame);
  }
}, 1000 / TICK_HZ);

process.on('message', (message: { type: string }) => {
  if (message.type !== 'stats') return;
  const cpu = process.cpuUsage();
  process.send?.({ type: 'stats', cpuSeconds: (cpu.user + cpu.system) / 1e6, ...counts });
});
process.on('disconnect', () => process.exit(0));

server.on('listening', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'bare server ready', port, frameBytes: frame.length })}\n`);
});
