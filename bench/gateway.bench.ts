/**
 * Gateway routing benchmark (docs/architecture.md: R2, R3, R12): how many client frames per second flow
 * from N WebSocket connections through the gateway (decode, session and rate checks, job
 * encoding) into the zone inbound rings, on this machine.
 *
 * The server runs as its own process (`src/main.ts`, four zones). N logged-in clients in this
 * process send moves as fast as the loopback takes them; each move keeps the player where it is,
 * so the zones accept it without producing any outbound traffic and the figure is the inbound
 * path alone. The server's counters (`/metrics`) give frames received, jobs enqueued and
 * rejected, and process CPU.
 *
 * Baseline, same run, same clients: a bare `ws` server with the same socket options that only
 * counts frames (bench/gateway/bare-ws-server.ts).
 *
 *   npm run bench:gateway [-- --json] [-- --measure-ms 4000] [-- --clients 100,500,1000]
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { issueToken } from '../src/auth/token.ts';
import { ClientMessage, ErrorCode, PROTOCOL_VERSION, ServerMessage } from '../src/protocol/messages.ts';
import { printReport, type Row } from './lib/report.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const config = {
  clients: (arg('--clients') ?? '100,500,1000').split(',').map(Number),
  zones: 4,
  warmupMs: Number(arg('--warmup-ms') ?? 1000),
  measureMs: Number(arg('--measure-ms') ?? 4000),
  /** Frames each client sends per round; rounds run back to back on setImmediate. */
  framesPerRound: 4,
  /** Keeps each socket's unsent bytes bounded so the load generator measures the server, not its own queue. */
  maxClientBufferedBytes: 64 * 1024,
};
const SECRET = 'gateway-bench-secret-0123456789';

interface Sample {
  readonly frames: number;
  readonly jobs: number;
  readonly rejected: number;
  readonly cpuSeconds: number;
}

interface Target {
  readonly name: string;
  readonly port: number;
  readonly login: boolean;
  sample(): Promise<Sample>;
  stop(): Promise<void>;
}

function sum(exposition: string, name: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function startZoneServer(): Promise<Target> {
  // A database of its own: the benchmark's characters stay out of ./data.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-gateway-'));
  const child = spawn(process.execPath, [new URL('../src/main.ts', import.meta.url).pathname], {
    env: {
      ...process.env,
      PORT: '0',
      METRICS_PORT: '0',
      ZONES: String(config.zones),
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      TOKEN_SECRET: SECRET,
      DATA_DIR: dataDir,
      MSG_RATE_PER_SEC: '10000',
      MSG_BURST: '10000',
      MAX_SESSIONS: '100000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ports = await readyPorts(child);
  const metricsUrl = `http://127.0.0.1:${ports.metricsPort}/metrics`;
  return {
    name: 'zone server',
    port: ports.port,
    login: true,
    async sample() {
      const text = await (await fetch(metricsUrl)).text();
      return {
        frames: sum(text, 'gateway_frames_received_total'),
        jobs: sum(text, 'gateway_jobs_enqueued_total'),
        rejected: sum(text, 'gateway_jobs_rejected_total'),
        cpuSeconds: sum(text, 'process_cpu_seconds_total'),
      };
    },
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function readyPorts(child: ChildProcess): Promise<{ port: number; metricsPort: number }> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
      if (entry.msg === 'server ready') resolve({ port: entry.port as number, metricsPort: entry.metricsPort as number });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function startBareServer(): Promise<Target> {
  const child = fork(new URL('./gateway/bare-ws-server.ts', import.meta.url).pathname, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return {
    name: 'bare ws (baseline)',
    port: ready.port,
    login: false,
    async sample() {
      child.send({ type: 'sample' });
      const [reply] = (await once(child, 'message')) as [{ frames: number; cpuSeconds: number }];
      return { frames: reply.frames, jobs: Number.NaN, rejected: Number.NaN, cpuSeconds: reply.cpuSeconds };
    },
    async stop() {
      const exited = once(child, 'exit');
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

/** Opens `count` sockets (logged in when the target needs it) and keeps them sending moves. */
async function load(target: Target, count: number): Promise<{ stop: () => Promise<void> }> {
  const sockets: WebSocket[] = [];
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) {
    const socket = new WebSocket(`ws://127.0.0.1:${target.port}`, { perMessageDeflate: false });
    await once(socket, 'open');
    if (target.login) {
      socket.send(ClientMessage.encode({ seq: 1, login: { token: issueToken(SECRET, i + 1, 3600), protocolVersion: PROTOCOL_VERSION } }).finish());
      let [data] = (await once(socket, 'message')) as [Buffer];
      // A player without a character creates one first, as the SDK's enter() does.
      if (ServerMessage.decode(data).login?.error?.code === ErrorCode.ERROR_CODE_CHARACTER_REQUIRED) {
        socket.send(ClientMessage.encode({ seq: 2, createCharacter: { name: `Gateway${i + 1}` } }).finish());
        [data] = (await once(socket, 'message')) as [Buffer];
      }
      const login = ServerMessage.decode(data).login;
      if (!login?.accepted) throw new Error(`client ${i + 1} could not log in: ${login?.error?.message ?? 'no log-in answer'}`);
    }
    sockets.push(socket);
    seqs.push(2);
  }
  let running = true;
  // Every player starts at its zone's centre (500, 500) facing 0: moving there changes nothing.
  const round = (): void => {
    if (!running) return;
    for (let i = 0; i < sockets.length; i++) {
      const socket = sockets[i] as WebSocket;
      if (socket.bufferedAmount > config.maxClientBufferedBytes) continue;
      for (let k = 0; k < config.framesPerRound; k++) {
        const seq = ((seqs[i] as number) += 1);
        socket.send(ClientMessage.encode({ seq, move: { x: 500, y: 500, heading: 0, clientTimeMs: 0 } }).finish());
      }
    }
    setImmediate(round);
  };
  setImmediate(round);
  return {
    async stop() {
      running = false;
      await Promise.all(sockets.map((socket) => {
        const closed = once(socket, 'close');
        socket.close();
        return closed;
      }));
    },
  };
}

const rows: Row[] = [];
const baselineFps = new Map<number, number>();
for (const start of [startBareServer, startZoneServer]) {
  for (const clients of config.clients) {
    const target = await start();
    const traffic = await load(target, clients);
    await sleep(config.warmupMs);
    const before = await target.sample();
    const startedAt = performance.now();
    await sleep(config.measureMs);
    const after = await target.sample();
    const seconds = (performance.now() - startedAt) / 1000;
    await traffic.stop();
    await target.stop();
    const frames = after.frames - before.frames;
    const fps = frames / seconds;
    const cpuPerSecond = (after.cpuSeconds - before.cpuSeconds) / seconds;
    if (!target.login) baselineFps.set(clients, fps);
    rows.push({
      server: target.name,
      clients,
      framesPerSec: Math.round(fps),
      jobsPerSec: Number.isNaN(after.jobs) ? null : Math.round((after.jobs - before.jobs) / seconds),
      rejected: Number.isNaN(after.rejected) ? null : after.rejected - before.rejected,
      serverCores: cpuPerSecond,
      cpuUsPerFrame: frames > 0 ? ((after.cpuSeconds - before.cpuSeconds) * 1e6) / frames : null,
      vsBaseline: target.login ? fps / (baselineFps.get(clients) ?? Number.NaN) : 1,
    });
  }
}

printReport({
  name: 'gateway',
  description: 'client frames per second from N WebSocket connections into the zone inbound rings',
  config: {
    clients: config.clients.join(','),
    zones: config.zones,
    warmupMs: config.warmupMs,
    measureMs: config.measureMs,
    framesPerRound: config.framesPerRound,
    maxClientBufferedBytes: config.maxClientBufferedBytes,
  },
  columns: [
    { key: 'server' },
    { key: 'clients' },
    { key: 'framesPerSec', title: 'frames/s' },
    { key: 'jobsPerSec', title: 'jobs/s into rings' },
    { key: 'rejected', title: 'rejected (ring full)' },
    { key: 'serverCores', title: 'server CPU (cores)', digits: 2 },
    { key: 'cpuUsPerFrame', title: 'server CPU µs/frame', digits: 1 },
    { key: 'vsBaseline', title: 'frames/s vs bare ws', digits: 2 },
  ],
  rows,
  notes: [
    'Clients and server share this machine: the load generator takes CPU from the server, so these are floors.',
    'server CPU is the whole server process (gateway thread and zone workers); for bare ws it is its single thread.',
  ],
});
