/**
 * The server under test as a child process (`node src/main.ts`, with npm start's Node flags) on
 * free ports. The caller chooses its database through `env` (DATA_DIR, or MYSQL_URL inherited
 * from the environment) and may profile it: `--cpu-prof` writes one .cpuprofile per thread into
 * `profileDir` when it stops.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { MAIN_THREAD_NODE_FLAGS } from '../../src/config/limits.ts';
import { parseExposition, type Sample } from './metrics.ts';

export interface ServerProcess {
  readonly url: string;
  /** The operations port: metrics, the admin API, the console. */
  readonly opsUrl: string;
  scrape(): Promise<Sample[]>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

/** Server log lines at or above this pino level are passed on to stderr (40 = warn). */
const SHOWN_LEVEL = 40;

/** `nodeFlags`: more Node flags for the server's main thread, after the ones it is deployed with. */
export async function startServerProcess(env: Record<string, string>, profileDir?: string, nodeFlags: readonly string[] = []): Promise<ServerProcess> {
  const args = [...MAIN_THREAD_NODE_FLAGS, ...nodeFlags, ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []), new URL('../../src/main.ts', import.meta.url).pathname];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const ports = await new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    // The log is read to its end (a full pipe would stall the server), and warnings shown.
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let entry: { msg?: string; level?: number; port?: number; metricsPort?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        process.stderr.write(`server: ${line}\n`);
        return;
      }
      if (entry.msg === 'server ready') resolve({ port: entry.port as number, metricsPort: entry.metricsPort as number });
      else if ((entry.level ?? 0) >= SHOWN_LEVEL) process.stderr.write(`server: ${line}\n`);
    });
    void exited.then((code) => reject(new Error(`the server exited with code ${code} before it was ready`)));
  });
  const opsUrl = `http://127.0.0.1:${ports.metricsPort}`;
  return {
    url: `ws://127.0.0.1:${ports.port}`,
    opsUrl,
    async scrape() {
      return parseExposition(await (await fetch(`${opsUrl}/metrics`)).text());
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The bare baseline (bare-server.ts) as a child process. */
export interface BareServerProcess {
  readonly url: string;
  /** Its CPU seconds so far (every thread), and the messages it received and sent. */
  stats(): Promise<{ cpuSeconds: number; received: number; sent: number }>;
  stop(): Promise<void>;
}

export async function startBareServer(frameBytes: number, tickHz: number): Promise<BareServerProcess> {
  const child = spawn(process.execPath, [...MAIN_THREAD_NODE_FLAGS, new URL('bare-server.ts', import.meta.url).pathname], {
    env: { ...process.env, PORT: '0', FRAME_BYTES: String(Math.round(frameBytes)), TICK_HZ: String(tickHz) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === 'bare server ready') resolve(entry.port as number);
    });
    void exited.then(([code]) => reject(new Error(`the bare server exited with code ${code} before it was ready`)));
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    stats() {
      return new Promise((resolve) => {
        child.once('message', (message: { cpuSeconds: number; received: number; sent: number }) => resolve(message));
        child.send({ type: 'stats' });
      });
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
