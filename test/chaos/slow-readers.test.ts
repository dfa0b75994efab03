/**
 * Chaos: clients that never read what they are sent, and a flooder past the message rate, in a
 * zone full of moving players and wandering NPCs. The flooder is cut off at its rate; the slow
 * readers are sent everything they see, which piles up first in the kernel's socket buffers and
 * then in the server's, where MAX_BUFFERED_BYTES caps each (test/gateway/session.test.ts has the
 * cut-off itself). The server's memory stays bounded, and the honest players see each other
 * move throughout.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { it } from 'node:test';
import { ClientMessage, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { chaosScale } from '../helpers/chaos.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { until, within } from '../helpers/wait.ts';

const SLOW_READERS = chaosScale(10, 50);
const MOVERS = chaosScale(20, 60);
const ROUNDS = chaosScale(40, 300);

/** A client that logs in over a raw socket and then never reads: its frames pile up in the server. */
async function slowReader(server: TestServer, playerId: number): Promise<{ socket: Socket; closed: Promise<unknown> }> {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await once(socket, 'data');
  // One masked binary frame with the log-in, as a client must send it.
  const payload = ClientMessage.encode({ seq: 1, login: { token: server.token(playerId), protocolVersion: PROTOCOL_VERSION } }).finish();
  const header = payload.length < 126 ? Buffer.from([0x82, 0x80 | payload.length]) : Buffer.from([0x82, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const mask = Buffer.from([1, 2, 3, 4]);
  socket.write(Buffer.concat([header, mask, Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)))]));
  socket.pause(); // reads nothing more
  return { socket, closed: once(socket, 'close') };
}

it('a flooder is cut off at its rate; slow readers and the flood leave memory bounded and the honest players playing', { timeout: 300_000 }, async (t) => {
  // A small send buffer cap, so the slow readers reach it within the test.
  const server = await startTestServer({ ZONES: '1:200x200', NPCS_PER_ZONE: '200', MAX_SESSIONS_PER_IP: '0', MAX_BUFFERED_BYTES: '262144', MAX_SPEED_MPS: '1000' });
  try {
    const movers = await Promise.all(Array.from({ length: MOVERS }, (_, i) => server.player(i + 1)));
    const rssAtStart = sampleValue(await server.metricsText(), 'process_resident_memory_bytes') ?? 0;
    const readers = await Promise.all(Array.from({ length: SLOW_READERS }, (_, i) => slowReader(server, 1000 + i)));
    // The flooder: a logged-in player sending far past MSG_RATE_PER_SEC.
    const flooder = await server.player(2000);
    const flooded = flooder.next('close');
    let rssPeak = rssAtStart;
    for (let round = 0; round < ROUNDS && !flooder.closed; round++) for (let i = 0; i < 50 && !flooder.closed; i++) flooder.ping().catch(() => undefined);
    assert.equal((await within(flooded, 'the flooder to be cut off')).code, 4002);

    // Everyone moves every round: each slow reader is sent every move it sees, and never reads.
    const [watcher, walker] = movers as [NonNullable<(typeof movers)[0]>, NonNullable<(typeof movers)[0]>];
    const walkerId = walker.self?.entityId as number;
    for (let round = 0; round < ROUNDS; round++) {
      // Back and forth a metre a round: never a jump a speed check would refuse.
      const phase = round % 100;
      for (const [i, mover] of movers.entries()) mover.move(50 + (phase < 50 ? phase : 100 - phase), 50 + i, 0);
      await until(watcher, () => watcher.entities.get(walkerId)?.x === walker.self?.x, `round ${round}: the watcher to see the walker's move`);
      if (round % 10 === 0) rssPeak = Math.max(rssPeak, sampleValue(await server.metricsText(), 'process_resident_memory_bytes') ?? 0);
    }
    const metrics = await server.metricsText();
    const slowCut = sampleValue(metrics, 'gateway_session_closes_total', { kind: 'slow_consumer' }) ?? 0;
    const growthMiB = (rssPeak - rssAtStart) / 2 ** 20;
    // Bounded: the slow readers hold at most their cap each in the server, far below this.
    assert.ok(growthMiB < 200, `memory grew ${growthMiB.toFixed(1)} MiB`);
    assert.ok(movers.every((mover) => mover.closed === undefined), 'the honest players are all still connected');
    t.diagnostic(
      `chaos: ${SLOW_READERS} slow readers (${slowCut} cut off at MAX_BUFFERED_BYTES 256 KiB so far), a flooder cut off at its rate, ${MOVERS} players moved ${ROUNDS} rounds among 200 NPCs; ` +
        `RSS of the process (server and clients) ${(rssAtStart / 2 ** 20).toFixed(0)} MiB at the start, peak ${(rssPeak / 2 ** 20).toFixed(0)} MiB`,
    );
    for (const reader of readers) reader.socket.destroy();
    await Promise.all(movers.map((mover) => mover.close()));
  } finally {
    await server.stop();
  }
});
