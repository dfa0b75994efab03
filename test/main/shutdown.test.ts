/** `npm start`'s entry point as a real process: it starts, serves, and drains on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { handshakenSocket } from '../helpers/raw-socket.ts';
import { TEST_SECRET } from '../helpers/server.ts';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

function startProcess(env: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-main-'));
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', METRICS_PORT: '0', ZONES: '2', LOG_FORMAT: 'json', LOG_LEVEL: 'info', TOKEN_SECRET: TEST_SECRET, DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const lines: Record<string, unknown>[] = [];
  const ready = new Promise<{ port: number; metricsPort: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.msg === 'server ready') resolve({ port: entry.port as number, metricsPort: entry.metricsPort as number });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
  ready.catch(() => undefined); // tests that expect a failed start await the exit instead
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, ready, lines, stderr: () => stderr };
}

it('drains on SIGTERM: clients are told, a silent client is cut off, zones stop, exit code 0', { timeout: 20_000 }, async () => {
  const server = startProcess({ SHUTDOWN_DEADLINE_MS: '2000' });
  const { port } = await server.ready;
  const silent = await handshakenSocket(port); // never answers the close frame
  const client = await ZoneClient.connect(`ws://127.0.0.1:${port}`);
  await client.enter(issueToken(TEST_SECRET, 1, 60), 'Player1');
  const told = client.next('error');
  const closed = client.next('close');
  const exited = once(server.child, 'exit');
  server.child.kill('SIGTERM');
  assert.equal((await told).code, ErrorCode.ERROR_CODE_SHUTTING_DOWN);
  assert.equal((await closed).code, 1001);
  const [code] = await exited;
  assert.equal(code, 0, server.stderr());
  await silent.closed;
  const messages = server.lines.map((line) => line.msg);
  assert.ok(messages.includes('clients did not close in time: cutting them'), 'the silent client was cut off');
  assert.ok(messages.includes('stopped: everything written back'));
  assert.equal(messages.filter((msg) => msg === 'zone stopped, everything written back').length, 2);
});

it('refuses to start on bad configuration, naming the variable, with exit code 2', { timeout: 20_000 }, async () => {
  const server = startProcess({ TICK_HZ: 'fast' });
  const [code] = await once(server.child, 'exit');
  assert.equal(code, 2);
  assert.match(server.stderr(), /TICK_HZ must be a whole number/);
});

it('refuses to start in production without TOKEN_SECRET', { timeout: 20_000 }, async () => {
  const server = startProcess({ NODE_ENV: 'production', TOKEN_SECRET: '' });
  const [code] = await once(server.child, 'exit');
  assert.equal(code, 2);
  assert.match(server.stderr(), /TOKEN_SECRET must be set/);
});
