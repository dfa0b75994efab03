/** `npm start`'s entry point as a real process: it starts, serves, and drains on SIGTERM. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { handshakenSocket } from '../helpers/raw-socket.ts';
import { TEST_SECRET } from '../helpers/server.ts';
import { eventually, within } from '../helpers/wait.ts';

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

it('refuses to start with a game module that does not load, naming it, with exit code 2', { timeout: 20_000 }, async () => {
  const server = startProcess({ GAME_MODULE: '/nowhere/game.ts' });
  const [code] = await once(server.child, 'exit');
  assert.equal(code, 2);
  assert.ok(server.lines.some((line) => /configuration error: GAME_MODULE \/nowhere\/game\.ts: no such file/.test(String(line.msg))), server.stderr());
});

it('refuses to start in production without TOKEN_SECRET', { timeout: 20_000 }, async () => {
  const server = startProcess({ NODE_ENV: 'production', TOKEN_SECRET: '' });
  const [code] = await once(server.child, 'exit');
  assert.equal(code, 2);
  assert.match(server.stderr(), /TOKEN_SECRET must be set/);
});

it('stops with a message naming PORT and HOST when the port is taken, exit 1, and leaves the data directory free', { timeout: 30_000 }, async () => {
  const taken = createNetServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-main-port-'));
  try {
    const refused = startProcess({ PORT: String(port), DATA_DIR: dataDir });
    const [code] = await once(refused.child, 'exit');
    assert.equal(code, 1);
    const fatal = refused.lines.find((line) => line.level === 60);
    assert.equal(fatal?.msg, `server failed to start: PORT=${port} on HOST=127.0.0.1 cannot be bound: the port is in use (is another server running?) (EADDRINUSE)`);
    assert.doesNotMatch(refused.stderr(), /Unhandled 'error' event/);
    // Its lock on the data directory went with it: the next start on it comes up.
    const next = startProcess({ DATA_DIR: dataDir });
    await next.ready;
    const exited = once(next.child, 'exit');
    next.child.kill('SIGTERM');
    assert.equal((await exited)[0], 0);
  } finally {
    taken.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('a second server on the same DATA_DIR stops with exit code 3 and one line saying why; the first serves on', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-main-twice-'));
  try {
    const first = startProcess({ DATA_DIR: dataDir });
    const { port } = await first.ready;
    const second = startProcess({ DATA_DIR: dataDir });
    const [code] = await once(second.child, 'exit');
    assert.equal(code, 3);
    const fatal = second.lines.find((line) => line.level === 60);
    assert.match(String(fatal?.msg), /^server failed to start: another server is running on DATA_DIR /);
    const client = await ZoneClient.connect(`ws://127.0.0.1:${port}`);
    assert.ok((await client.enter(issueToken(TEST_SECRET, 1, 60), 'Player1')).entityId > 0, 'the first server still lets players in');
    await client.close();
    const exited = once(first.child, 'exit');
    first.child.kill('SIGTERM');
    assert.equal((await exited)[0], 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('refuses PORT equal to METRICS_PORT before binding either, exit 2', { timeout: 20_000 }, async () => {
  const server = startProcess({ PORT: '7795', METRICS_PORT: '7795' });
  const [code] = await once(server.child, 'exit');
  assert.equal(code, 2);
  assert.match(server.stderr(), /PORT and METRICS_PORT are both 7795/);
});

it('drains when SIGTERM goes to `npm start` rather than to the server itself', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-npm-start-'));
  try {
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, PORT: '0', METRICS_PORT: '0', ZONES: '1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', TOKEN_SECRET: TEST_SECRET, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const serverPid = await within(
      new Promise<number>((resolve) => {
        createInterface({ input: npm.stdout }).on('line', (line) => {
          if (!line.startsWith('{')) return;
          const entry = JSON.parse(line) as Record<string, unknown>;
          if (entry.msg === 'server ready') resolve(entry.pid as number);
        });
      }),
      'the server under npm to be ready',
    );
    const exited = once(npm, 'exit');
    npm.kill('SIGTERM');
    await within(exited, 'npm to exit');
    await eventually(async () => !alive(serverPid), `the server process ${serverPid} to be gone`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('drains on a Ctrl-C at the terminal, which reaches npm and the server alike (npm passes its copy on)', { timeout: 30_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'zone-npm-ctrl-c-'));
  try {
    // Its own process group, as a terminal's foreground job: the signal goes to the whole group.
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, PORT: '0', METRICS_PORT: '0', ZONES: '1', LOG_FORMAT: 'json', LOG_LEVEL: 'info', TOKEN_SECRET: TEST_SECRET, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const messages: string[] = [];
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: npm.stdout }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        const entry = JSON.parse(line) as Record<string, unknown>;
        messages.push(entry.msg as string);
        if (entry.msg === 'server ready') resolve();
      });
    });
    await within(ready, 'the server under npm to be ready');
    const exited = once(npm, 'exit');
    process.kill(-(npm.pid as number), 'SIGINT');
    await within(exited, 'npm to exit');
    assert.ok(messages.includes('stopped: everything written back'), `it drained: ${messages.join(' | ')}`);
    assert.ok(!messages.includes('second signal: exiting now'), 'the copy npm passed on was not taken for a second request');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
