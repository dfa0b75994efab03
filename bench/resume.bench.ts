/**
 * Resume benchmark: how soon a client whose connection was lost sees the world again, against a
 * fresh log-in, the baseline a client without resume has, in the same run on the same server.
 *
 * The server runs as its own process on the default world; `--players` players stand in it (each
 * sees the others of its zone). Each round, every resumer's connection is cut without a close
 * frame (the server sees a lost connection), a new one sends `resume` with the token, and the time
 * from sending it to the first WorldUpdate of the fresh view is taken; every baseline player logs
 * out, then logs in again on a new connection, timed from the `login` to its first WorldUpdate.
 *
 *   npm run bench:resume [-- --players 200] [-- --rounds 5] [-- --json]
 *
 * Durability: the embedded SQLite database in a temporary directory, as `npm start` runs it (WAL,
 * synchronous=FULL).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { issueToken } from '../src/auth/token.ts';
import { ClientMessage, PROTOCOL_VERSION, ServerMessage } from '../src/protocol/messages.ts';
import { startServerProcess } from './e2e/server.ts';
import { printReport } from './lib/report.ts';
import { quantile } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    players: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const PLAYERS = Number(args.players);
const ROUNDS = Number(args.rounds);
const SECRET = 'bench-secret-0123456789abcdef';
/** Connections opened at once. */
const CONCURRENCY = 20;

/** One connection, read frame by frame. */
interface Connection {
  readonly socket: WebSocket;
  /** Resolves with the first frame whose body is `body`. */
  next(body: NonNullable<ServerMessage['body']>): Promise<ServerMessage>;
  resumeToken: string;
}

async function connect(url: string): Promise<Connection> {
  const socket = new WebSocket(url);
  const waiting: { body: string; resolve: (message: ServerMessage) => void }[] = [];
  const connection: Connection = {
    socket,
    resumeToken: '',
    next: (body) => new Promise((resolve) => waiting.push({ body, resolve })),
  };
  socket.on('message', (data: Buffer) => {
    const message = ServerMessage.decode(data);
    if (message.body === 'resumable') connection.resumeToken = message.resumable?.resumeToken ?? '';
    const index = waiting.findIndex((wait) => wait.body === message.body);
    if (index >= 0) waiting.splice(index, 1)[0]?.resolve(message);
  });
  await once(socket, 'open');
  return connection;
}

function send(connection: Connection, message: Parameters<typeof ClientMessage.create>[0]): void {
  connection.socket.send(ClientMessage.encode(ClientMessage.create(message)).finish());
}

/** Logs `playerId` in on a new connection; resolves with it and the ms from login to the first WorldUpdate. */
async function login(url: string, playerId: number): Promise<{ connection: Connection; ms: number }> {
  const connection = await connect(url);
  const firstUpdate = connection.next('update');
  const answered = connection.next('login');
  const startedAt = performance.now();
  send(connection, { seq: 1, login: { token: issueToken(SECRET, playerId, 3600), protocolVersion: PROTOCOL_VERSION } });
  const answer = await answered;
  if (answer.login?.error?.code === 21) {
    const created = connection.next('login');
    send(connection, { seq: 2, createCharacter: { name: `Bench${playerId}` } });
    await created;
  }
  await firstUpdate;
  return { connection, ms: performance.now() - startedAt };
}

/** Cuts `connection` without a close frame and resumes on a new one; the ms from resume to the first WorldUpdate. */
async function dropAndResume(url: string, dropped: Connection): Promise<{ connection: Connection; ms: number }> {
  const token = dropped.resumeToken;
  const closed = once(dropped.socket, 'close');
  dropped.socket.terminate();
  await closed;
  const connection = await connect(url);
  const firstUpdate = connection.next('update');
  const accepted = connection.next('login');
  const startedAt = performance.now();
  send(connection, { seq: 1, resume: { resumeToken: token, protocolVersion: PROTOCOL_VERSION } });
  const answer = await accepted;
  if (!answer.login?.accepted?.resumed) throw new Error(`resume refused: ${JSON.stringify(answer.login?.error)}`);
  await firstUpdate;
  return { connection, ms: performance.now() - startedAt };
}

async function inBatches<T>(items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let from = 0; from < items.length; from += CONCURRENCY) await Promise.all(items.slice(from, from + CONCURRENCY).map((item, i) => work(item, from + i)));
}


const dataDir = mkdtempSync(join(tmpdir(), 'bench-resume-'));
const server = await startServerProcess({ DATA_DIR: dataDir, TOKEN_SECRET: SECRET, MAX_SESSIONS_PER_IP: '0', MAX_PENDING_LOGINS: '10000' });
try {
  const resumerIds = Array.from({ length: PLAYERS }, (_, i) => i + 1);
  const baselineIds = Array.from({ length: PLAYERS }, (_, i) => PLAYERS + i + 1);
  const resumers: Connection[] = [];
  const baseline: Connection[] = [];
  await inBatches(resumerIds, async (id, i) => void (resumers[i] = (await login(server.url, id)).connection));
  await inBatches(baselineIds, async (id, i) => void (baseline[i] = (await login(server.url, id)).connection));
  const resumeMs: number[] = [];
  const loginMs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await inBatches(resumers, async (connection, i) => {
      const resumed = await dropAndResume(server.url, connection);
      resumers[i] = resumed.connection;
      resumeMs.push(resumed.ms);
    });
    await inBatches(baseline, async (connection, i) => {
      const loggedOut = connection.next('logout');
      send(connection, { seq: 99, logout: {} });
      await loggedOut;
      const again = await login(server.url, baselineIds[i] as number);
      baseline[i] = again.connection;
      loginMs.push(again.ms);
    });
  }
  for (const connection of [...resumers, ...baseline]) connection.socket.close();
  resumeMs.sort((a, b) => a - b);
  loginMs.sort((a, b) => a - b);
  const row = (kind: string, sorted: number[]) => ({ kind, samples: sorted.length, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: sorted[sorted.length - 1] ?? Number.NaN });
  printReport({
    name: 'resume',
    description: `${PLAYERS} players resuming after a lost connection, against ${PLAYERS} logging in afresh, ${ROUNDS} rounds, ${CONCURRENCY} at a time`,
    config: { players: PLAYERS, rounds: ROUNDS, concurrency: CONCURRENCY, tickHz: 20, database: 'SQLite (WAL, synchronous=FULL)' },
    columns: [{ key: 'kind' }, { key: 'samples' }, { key: 'p50Ms', title: 'to first frame p50 ms', digits: 1 }, { key: 'p99Ms', title: 'p99 ms', digits: 1 }, { key: 'maxMs', title: 'max ms', digits: 1 }],
    rows: [row('resume', resumeMs), row('fresh log-in (baseline)', loginMs)],
    summary: { resumeP50OverLogin: quantile(resumeMs, 0.5) / quantile(loginMs, 0.5), resumeP99OverLogin: quantile(resumeMs, 0.99) / quantile(loginMs, 0.99) },
    notes: ['times: from sending resume (or login) on a new connection to the first WorldUpdate of the view; a zone sends it on its next tick (50 ms at 20 Hz), so about half a tick is the floor'],
  });
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
