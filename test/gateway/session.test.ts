/**
 * End to end through real sockets and real zone workers: log-in, seeing each other, moving,
 * corrections, and every way a client can misbehave. Players 1, 3, 5 … land in zone 1 and
 * players 2, 4 … in zone 2 (the gateway routes by player id).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { issueToken } from '../../src/auth/token.ts';
import { ClientClosedError, LoginRefusedError, ZoneClient } from '../../src/client/zone-client.ts';
import { ClientMessage, ErrorCode, MoveRejectReason, PROTOCOL_VERSION, ServerMessage, type ServerError } from '../../src/protocol/messages.ts';
import { handshakenSocket } from '../helpers/raw-socket.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { until, within } from '../helpers/wait.ts';

/** A raw `ws` client, for sending what the SDK never would. */
function rawClient(url: string): Promise<{ socket: WebSocket; messages: ServerMessage[]; closed: Promise<{ code: number; reason: string }> }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const messages: ServerMessage[] = [];
    const closed = new Promise<{ code: number; reason: string }>((done) => socket.on('close', (code, reason) => done({ code, reason: reason.toString() })));
    socket.on('message', (data) => messages.push(ServerMessage.decode(data as Buffer)));
    socket.once('open', () => resolve({ socket, messages, closed }));
    socket.once('error', reject);
  });
}

describe('sessions end to end', { timeout: 30_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ ZONES: '2', MAX_PAYLOAD_BYTES: '4096' });
  });
  after(async () => {
    await server.stop();
  });

  it('two players in one zone see each other log in and move; a player in another zone sees neither', async () => {
    const a = await server.player(1);
    const other = await server.player(2);
    const b = await server.player(3);
    const witness = await server.player(4);
    assert.equal(a.self?.zoneId, 1);
    assert.equal(b.self?.zoneId, 1);
    assert.equal(other.self?.zoneId, 2);

    const bId = b.self?.entityId as number;
    const aId = a.self?.entityId as number;
    await until(a, () => a.entities.get(bId)?.playerId === 3, 'a to see b spawn');
    await until(b, () => b.entities.get(aId)?.playerId === 1, 'b to see a (already there) spawn');

    a.move(501, 500, 0.5);
    b.move(499, 500, 1);
    await until(b, () => b.entities.get(aId)?.x === 501 && b.entities.get(aId)?.heading === 0.5, 'b to see a move');
    await until(a, () => a.entities.get(bId)?.x === 499 && a.entities.get(bId)?.heading === 1, 'a to see b move');

    // `other` hears about its own zone (the witness) and nothing from zone 1.
    await until(other, () => [...other.entities.values()].some((e) => e.playerId === 4), 'other to see the witness');
    // Zone 2 lies beside zone 1: its spawn is at (1500, 500) in world coordinates.
    witness.move(1505, 505, 0);
    await until(other, () => other.entities.get(witness.self?.entityId as number)?.x === 1505, 'other to see the witness move');
    assert.deepEqual([...other.entities.values()].map((e) => e.playerId), [4]);
    assert.ok(!a.entities.has(other.self?.entityId as number) || a.entities.get(other.self?.entityId as number)?.playerId !== 2);
    assert.deepEqual([...a.entities.values()].map((e) => e.playerId), [3]);

    // Leaving shows as a despawn.
    await b.close();
    await until(a, () => !a.entities.has(bId), 'a to see b despawn');
    await Promise.all([a.close(), other.close(), witness.close()]);
  });

  it('corrects a move that is too fast or out of bounds, with the authoritative position', async () => {
    const client = await server.player(5);
    const start = { x: client.self?.x as number, y: client.self?.y as number };
    const fast = client.move(start.x + 200, start.y, 0);
    const correction = await client.next('correction', (c) => c.seq === fast);
    assert.deepEqual([correction.reason, correction.code], ['TOO_FAST', MoveRejectReason.MOVE_REJECT_REASON_TOO_FAST], 'a name, and the protocol number');
    assert.deepEqual({ x: correction.x, y: correction.y }, start);
    assert.deepEqual({ x: client.self?.x, y: client.self?.y }, start, 'the SDK snaps back');

    const outside = client.move(-1, start.y, 0);
    const second = await client.next('correction', (c) => c.seq === outside);
    assert.equal(second.reason, 'OUT_OF_BOUNDS');
    await client.close();
    // A closed client says so rather than dropping what it is asked to send.
    assert.throws(() => client.move(start.x, start.y, 0), ClientClosedError);
    await assert.rejects(client.tradeCancel(), ClientClosedError);
    await assert.rejects(client.mailSend(2, 1), ClientClosedError);
    await assert.rejects(client.ping(), ClientClosedError);
  });

  it('refuses everything but login and ping before log-in', async () => {
    const client = await ZoneClient.connect(server.url);
    const errors: ServerError[] = [];
    client.on('error', (error) => errors.push(error));
    const moveSeq = client.move(1, 1, 0);
    const logoutSeq = client.send({ logout: {} });
    // Answered, not refused: the pong settles the ping (a refusal would leave it pending).
    await within(client.ping(), 'the pong to a ping sent before log-in');
    await until(client, () => errors.length === 2, 'two refusals');
    assert.deepEqual(
      errors.map((e) => [e.code, e.seq]),
      [
        [ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, moveSeq],
        [ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, logoutSeq],
      ],
    );
    assert.equal(client.closed, undefined, 'a refusal does not close the session');
    const self = await client.enter(server.token(7), 'Player7');
    assert.equal(self.playerId, 7);
    await client.close();
  });

  it('refuses forged and expired tokens and a wrong protocol version, and closes the session', async () => {
    const tokens: [string, string, number, number][] = [
      ['signed with another secret', issueToken('some-other-secret-0123456', 9, 3600), ErrorCode.ERROR_CODE_INVALID_TOKEN, 4004],
      ['signature altered', `${server.token(9).slice(0, -4)}AAAA`, ErrorCode.ERROR_CODE_INVALID_TOKEN, 4004],
      ['claims altered', `${Buffer.from('{"pid":1,"exp":99999999999}').toString('base64url')}.${server.token(9).split('.')[1]}`, ErrorCode.ERROR_CODE_INVALID_TOKEN, 4004],
      ['not a token', 'not-a-token', ErrorCode.ERROR_CODE_INVALID_TOKEN, 4004],
      ['expired', server.token(9, -10), ErrorCode.ERROR_CODE_TOKEN_EXPIRED, 4005],
    ];
    for (const [what, token, code, closeCode] of tokens) {
      const client = await ZoneClient.connect(server.url);
      const closed = client.next('close');
      await assert.rejects(client.login(token), (err: unknown) => err instanceof LoginRefusedError && err.code === code, what);
      assert.equal((await closed).code, closeCode, what);
    }

    const raw = await rawClient(server.url);
    raw.socket.send(ClientMessage.encode({ seq: 1, login: { token: server.token(9), protocolVersion: PROTOCOL_VERSION + 1 } }).finish());
    assert.equal((await raw.closed).code, 4006);
    assert.equal(raw.messages[0]?.login?.error?.code, ErrorCode.ERROR_CODE_UNSUPPORTED_PROTOCOL_VERSION);
    assert.equal(raw.messages[0]?.login?.error?.seq, 1);
  });

  it('closes only the sender of a malformed, oversize, unknown or text frame; others keep receiving', async () => {
    const watcher = await server.player(11);
    const mover = await server.player(13);
    const moverId = mover.self?.entityId as number;
    await until(watcher, () => watcher.entities.has(moverId), 'watcher to see the mover');
    let x = mover.self?.x as number;
    const stillFlowing = async (what: string): Promise<void> => {
      x += 1;
      mover.move(x, mover.self?.y as number, 0);
      await until(watcher, () => watcher.entities.get(moverId)?.x === x, `watcher to keep receiving after ${what}`);
    };
    const before = await server.metricsText();

    const attacks: [string, (socket: WebSocket) => void, number][] = [
      ['malformed frame', (socket) => socket.send(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff])), 4000],
      ['oversize frame', (socket) => socket.send(Buffer.alloc(server.config.maxPayloadBytes + 1)), 1009],
      ['unknown message type', (socket) => socket.send(Buffer.from([15 << 3, 1])), 4001],
      ['text frame', (socket) => socket.send('{"login":{}}'), 4000],
    ];
    for (const [what, attack, closeCode] of attacks) {
      const attacker = await rawClient(server.url);
      attacker.socket.send(ClientMessage.encode({ seq: 1, login: { token: server.token(15), protocolVersion: PROTOCOL_VERSION } }).finish());
      await new Promise<void>((resolve) => attacker.socket.once('message', () => resolve()));
      attack(attacker.socket);
      assert.equal((await attacker.closed).code, closeCode, what);
      await stillFlowing(what);
    }
    assert.equal(watcher.closed, undefined);
    assert.equal(mover.closed, undefined);

    const afterText = await server.metricsText();
    for (const kind of ['malformed_frame', 'frame_too_large', 'unknown_message']) {
      const grew = (sampleValue(afterText, 'gateway_protocol_errors_total', { kind }) ?? 0) - (sampleValue(before, 'gateway_protocol_errors_total', { kind }) ?? 0);
      assert.ok(grew >= 1, `${kind} counted`);
    }
    await Promise.all([watcher.close(), mover.close()]);
  });

  it('hints at the cause: frames are binary protobuf, and a refused token may be signed with another secret', async () => {
    const texter = await rawClient(server.url);
    texter.socket.send('{"login":{}}');
    const closed = await texter.closed;
    assert.equal(closed.code, 4000);
    assert.match(String(closed.reason), /binary/);

    const stranger = await rawClient(server.url);
    stranger.socket.send(ClientMessage.encode({ seq: 1, login: { token: issueToken('another-secret-0123456789', 15, 60), protocolVersion: PROTOCOL_VERSION } }).finish());
    assert.equal((await stranger.closed).code, 4004);
    const refused = stranger.messages.find((m) => m.login?.error)?.login?.error;
    assert.equal(refused?.code, ErrorCode.ERROR_CODE_INVALID_TOKEN);
    assert.match(String(refused?.message), /TOKEN_SECRET/);
  });

  it('closes a session that floods past its message rate', async () => {
    const flooder = await rawClient(server.url);
    const ping = ClientMessage.encode({ seq: 1, ping: { clientTimeMs: 0 } }).finish();
    for (let i = 0; i < server.config.msgBurst + 50; i++) flooder.socket.send(ping);
    assert.equal((await flooder.closed).code, 4002);
    assert.ok(flooder.messages.some((m) => m.error?.code === ErrorCode.ERROR_CODE_RATE_LIMITED));
  });

  it('a new log-in of the same player replaces the old session', async () => {
    const first = await server.player(17);
    const closed = first.next('close');
    const second = await server.player(17);
    assert.equal((await closed).code, 4008);
    assert.equal(second.self?.playerId, 17);
    const watcher = await server.player(19);
    await until(watcher, () => [...watcher.entities.values()].filter((e) => e.playerId === 17).length === 1, 'exactly one entity of player 17');
    await Promise.all([second.close(), watcher.close()]);
  });

  it('logs out on request, confirming before it closes', async () => {
    const client = await server.player(21);
    const closed = client.next('close');
    await client.logout();
    assert.equal((await closed).code, 1000);
  });
});

describe('session limits', { timeout: 30_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ ZONES: '1', MAX_SESSIONS: '2', LOGIN_TIMEOUT_MS: '200' });
  });
  after(async () => {
    await server.stop();
  });

  it('closes a session that does not log in in time', async () => {
    const idle = await rawClient(server.url);
    assert.equal((await idle.closed).code, 4003);
    assert.equal(idle.messages[0]?.error?.code, ErrorCode.ERROR_CODE_LOGIN_TIMEOUT);
  });

  it('refuses sessions past MAX_SESSIONS', async () => {
    const a = await server.player(1);
    const b = await server.player(2);
    const third = await rawClient(server.url);
    assert.equal((await third.closed).code, 1013);
    assert.equal(third.messages[0]?.error?.code, ErrorCode.ERROR_CODE_SERVER_FULL);
    // A refused connection that then sends garbage (an unmasked frame) harms nobody.
    const rude = await handshakenSocket(server.port);
    rude.socket.write(Buffer.from([0x82, 0x01, 0x00]));
    await rude.closed;
    assert.ok((await a.ping()) >= 0, 'the server still serves');
    assert.equal(a.closed, undefined);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('sessions per address and pending log-ins', { timeout: 30_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ ZONES: '1', MAX_SESSIONS_PER_IP: '2', MAX_PENDING_LOGINS: '1' });
  });
  after(async () => {
    await server.stop();
  });

  it('refuses a second connection that has not logged in while one is pending, but not players', async () => {
    const idle = await rawClient(server.url);
    const second = await rawClient(server.url);
    assert.equal((await second.closed).code, 1013);
    assert.equal(second.messages[0]?.error?.code, ErrorCode.ERROR_CODE_SERVER_FULL);
    idle.socket.send(ClientMessage.encode({ seq: 1, login: { token: server.token(5), protocolVersion: PROTOCOL_VERSION } }).finish());
    await new Promise<void>((resolve) => idle.socket.once('message', () => resolve()));
    const player = await server.player(7); // the pending slot is free again once `idle` logged in
    assert.equal(player.self?.playerId, 7);
    // Logouts, so that the server has let both go before the next test counts addresses.
    idle.socket.send(ClientMessage.encode({ seq: 2, logout: {} }).finish());
    const playerClosed = player.next('close');
    await player.logout();
    await Promise.all([idle.closed, playerClosed]);
  });

  it('frees the pending slot of a connection whose log-in was refused', async () => {
    const refused = await ZoneClient.connect(server.url);
    await assert.rejects(refused.login('not-a-token'), LoginRefusedError);
    await assert.rejects(refused.ping(), ClientClosedError, 'a closed client refuses at once');
    const next = await server.player(11); // would get SERVER_FULL if the slot were still held
    assert.equal(next.self?.playerId, 11);
    const closed = next.next('close');
    await next.logout();
    await closed;
  });

  it('refuses a third session from one address, and takes one again once a session has gone', async () => {
    const a = await server.player(1);
    const b = await server.player(3);
    const third = await rawClient(server.url);
    assert.equal((await third.closed).code, 4011);
    assert.equal(third.messages[0]?.error?.code, ErrorCode.ERROR_CODE_TOO_MANY_SESSIONS_FROM_ADDRESS);
    // A logout frees the slot before the server closes the socket (a client-side close would
    // race the server noticing it).
    const closed = a.next('close');
    await a.logout();
    await closed;
    const again = await server.player(9);
    assert.equal(again.self?.playerId, 9);
    await Promise.all([b.close(), again.close()]);
  });
});

describe('a full inbound ring', { timeout: 30_000 }, () => {
  let server: TestServer;
  before(async () => {
    // A 4 KiB ring holds about a hundred moves; at one tick a second a burst of 400 overflows it.
    server = await startTestServer({ ZONES: '1', TICK_HZ: '1', INBOUND_RING_BYTES: '4096', MSG_BURST: '2000', MSG_RATE_PER_SEC: '2000' });
  });
  after(async () => {
    await server.stop();
  });

  it('refuses the moves that do not fit with SERVER_BUSY and their seq, keeps the session, and counts them', async () => {
    const client = await server.player(1);
    const busy: ServerError[] = [];
    client.on('error', (error) => busy.push(error));
    const seqs = new Set<number>();
    const here = { x: client.self?.x as number, y: client.self?.y as number };
    for (let i = 0; i < 400; i++) seqs.add(client.move(here.x, here.y, 0));
    await client.ping(); // the server has read the whole burst once this is answered
    // A scrape runs in a later turn of the server's event loop than the burst's last batch.
    const rejected = sampleValue(await server.metricsText(), 'gateway_jobs_rejected_total', { zone: '1' }) ?? 0;
    assert.ok(rejected >= 100, `${rejected} moves refused`);
    await until(client, () => busy.length === rejected, 'a refusal for every refused move');
    for (const error of busy) {
      assert.equal(error.code, ErrorCode.ERROR_CODE_SERVER_BUSY);
      assert.ok(seqs.has(error.seq), 'each refusal names the move it refuses');
    }
    assert.equal(client.closed, undefined, 'the session stays open');
    await client.close();
  });
});
