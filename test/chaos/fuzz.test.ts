/**
 * Chaos: many clients send malformed and fuzzed frames (random bytes, valid messages with bytes
 * flipped, text frames, messages in the wrong state, oversize frames) while two honest players
 * walk and watch each other. Whatever the fuzzers do ends their own sessions only: the honest
 * players see every move, no zone restarts, the server stays ready.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { it } from 'node:test';
import { WebSocket } from 'ws';
import { ClientMessage, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { mulberry32 } from '../../src/zone/random.ts';
import { chaosScale } from '../helpers/chaos.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

const FUZZERS = chaosScale(20, 200);
const FRAMES_PER_FUZZER = chaosScale(100, 1000);

/** Valid messages of every kind, for the fuzzer to send as they are or with bytes flipped. */
function validMessages(server: TestServer, playerId: number): Uint8Array[] {
  const bodies: Parameters<typeof ClientMessage.create>[0][] = [
    { seq: 1, login: { token: server.token(playerId), protocolVersion: PROTOCOL_VERSION } },
    { seq: 2, move: { x: 500, y: 500, heading: 0 } },
    { seq: 3, ping: { clientTimeMs: 1 } },
    { seq: 4, tradeOpen: { partnerEntityId: 1 } },
    { seq: 5, tradeOffer: { gold: 1, itemIds: [1, 2, 3] } },
    { seq: 6, mailSend: { toPlayerId: 1, gold: 1 } },
    { seq: 7, chat: { channel: 1, text: new TextEncoder().encode('hello') } },
    { seq: 8, createCharacter: { name: 'Fuzzy' } },
    { seq: 9, resume: { resumeToken: '1.aaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', protocolVersion: PROTOCOL_VERSION } },
    { seq: 10, logout: {} },
  ];
  return bodies.map((body) => ClientMessage.encode(ClientMessage.create(body)).finish());
}

/**
 * One fuzzer: sends `frames` frames of garbage, on a new connection each time the server closes
 * the last one (a bad frame ends its session); resolves with the connections it used.
 */
async function fuzz(server: TestServer, seed: number, frames: number): Promise<number> {
  const random = mulberry32(seed);
  const valid = validMessages(server, 100 + seed);
  let sent = 0;
  let connections = 0;
  while (sent < frames) {
    connections++;
    const socket = new WebSocket(server.url);
    socket.on('error', () => undefined);
    const closed = once(socket, 'close');
    await once(socket, 'open');
    for (; sent < frames && socket.readyState === WebSocket.OPEN; sent++) {
      const kind = random();
      if (kind < 0.3) {
        socket.send(Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))));
      } else if (kind < 0.7) {
        const bytes = Buffer.from(valid[Math.floor(random() * valid.length)] as Uint8Array);
        for (let flips = 1 + Math.floor(random() * 3); flips > 0 && bytes.length > 0; flips--) {
          const at = Math.floor(random() * bytes.length);
          bytes[at] = (bytes[at] as number) ^ (1 << Math.floor(random() * 8));
        }
        socket.send(bytes);
      } else if (kind < 0.9) {
        socket.send(valid[Math.floor(random() * valid.length)] as Uint8Array);
      } else if (kind < 0.97) {
        socket.send('{"login": "text frames are not the protocol"}');
      } else {
        socket.send(Buffer.alloc(server.config.maxPayloadBytes + 1));
      }
      // Let the server answer now and then, so that fuzzers interleave.
      if (sent % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    socket.close();
    await closed;
  }
  return connections;
}

it('fuzzed and malformed frames from many clients harm nobody else', { timeout: 300_000 }, async (t) => {
  const server = await startTestServer({ ZONES: '1', MAX_SESSIONS_PER_IP: '0', MAX_PENDING_LOGINS: '1000', MAX_SESSIONS: '2000', MSG_RATE_PER_SEC: '1000', MSG_BURST: '1000', MAX_SPEED_MPS: '1000' });
  try {
    const walker = await server.player(1);
    const watcher = await server.player(2);
    const walkerId = walker.self?.entityId as number;
    await until(watcher, () => watcher.entities.has(walkerId), 'the watcher to see the walker');
    let walking = true;
    let steps = 0;
    const walk = (async () => {
      while (walking) {
        // Back and forth a metre at a time: never a jump a speed check would refuse.
        const phase = steps++ % 40;
        const x = 500 + (phase < 20 ? phase : 40 - phase);
        walker.move(x, 500, 0);
        await until(watcher, () => watcher.entities.get(walkerId)?.x === x, `the watcher to see step ${steps} while the fuzzers run`);
      }
    })();
    const connections = await Promise.all(Array.from({ length: FUZZERS }, (_, i) => fuzz(server, i + 1, FRAMES_PER_FUZZER)));
    walking = false;
    await walk;
    const metrics = await server.metricsText();
    assert.equal(sampleValue(metrics, 'zone_restarts_total', { zone: '1' }), 0, 'no zone restarted');
    const ready = await fetch(`http://127.0.0.1:${server.metricsPort}/readyz`);
    assert.equal(ready.status, 200, 'the server is still ready');
    assert.equal(walker.closed ?? watcher.closed, undefined, 'the honest players are still connected');
    const errors = (kind: string): number => sampleValue(metrics, 'gateway_protocol_errors_total', { kind }) ?? 0;
    t.diagnostic(
      `chaos: ${FUZZERS} fuzzers sent ${FUZZERS * FRAMES_PER_FUZZER} frames over ${connections.reduce((sum, n) => sum + n, 0)} connections; ` +
        `the honest walker took ${steps} steps meanwhile, each seen; sessions ended for malformed frames ${errors('malformed_frame')}, unknown messages ${errors('unknown_message')}, oversize ${errors('frame_too_large')}`,
    );
    await Promise.all([walker.close(), watcher.close()]);
  } finally {
    await server.stop();
  }
});
