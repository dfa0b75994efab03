/**
 * A client that sends its log-in and drops the connection a moment later, at any point of the
 * log-in, leaves its character offline: while the server runs, and after a clean stop.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { WebSocket } from 'ws';
import { ClientMessage, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

const PLAYERS = 40;
const ROUNDS = 3;

/**
 * Opens a socket and sends a log-in for `playerId`; resolves once it is sent, with the socket's
 * close, which comes when the connection is cut `afterMs` later.
 */
async function abandonLogin(server: TestServer, playerId: number, afterMs: number): Promise<{ closed: Promise<unknown> }> {
  const socket = new WebSocket(server.url);
  await once(socket, 'open');
  socket.send(ClientMessage.encode({ seq: 1, login: { token: server.token(playerId), protocolVersion: PROTOCOL_VERSION } }).finish());
  const closed = once(socket, 'close');
  setTimeout(() => socket.terminate(), afterMs);
  return { closed };
}

function onlineOf(server: TestServer, players: readonly number[]): number[] {
  return players.filter((playerId) => server.characterInDatabase(playerId)?.online);
}

async function withCharacters(server: TestServer, players: readonly number[]): Promise<void> {
  for (const playerId of players) {
    const client = await server.player(playerId);
    await client.logout();
  }
}

const players = Array.from({ length: PLAYERS }, (_, i) => i + 1);
/** The sockets are cut without a close frame: with a resume window, a player who got in would wait for its client. */
const NO_RESUME = { RESUME_WINDOW_MS: '0' };

it('abandoned log-ins end released while the server runs', { timeout: 120_000 }, async () => {
  const server = await startTestServer(NO_RESUME);
  try {
    await withCharacters(server, players);
    for (let round = 0; round < ROUNDS; round++) {
      const abandoned = await Promise.all(players.map((playerId, i) => abandonLogin(server, playerId, (i * 7 + round * 3) % 20)));
      await Promise.all(abandoned.map((login) => login.closed));
    }
    await eventually(async () => onlineOf(server, players).length === 0, `every abandoned log-in released (still online: ${onlineOf(server, players).join(', ')})`);
  } finally {
    await server.stop();
  }
});

it('log-ins abandoned while the server stops end released', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-abandon-'));
  try {
    const server = await startTestServer({ DATA_DIR: dataDir, ...NO_RESUME });
    await withCharacters(server, players);
    // The log-ins are sent, the server starts stopping, and the sockets are cut meanwhile.
    const abandoned = await Promise.all(players.map((playerId) => abandonLogin(server, playerId, playerId % 4)));
    await server.stop();
    await Promise.all(abandoned.map((login) => login.closed));
    assert.deepEqual(onlineOf(server, players), [], 'characters left online after a clean stop');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
