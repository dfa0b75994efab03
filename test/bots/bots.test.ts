/**
 * The load-test bots against a real server: a short run measures what it should, and the CLI
 * fails the way it says it does (unreachable server, too many errors, bad arguments).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runFleet } from '../../bench/bots/fleet.ts';
import { parseBotArgs } from '../../bench/bots/options.ts';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server.ts';

const CLI = new URL('../../bench/bots.ts', import.meta.url).pathname;

/** Runs the bots' CLI to its end: exit code and everything it printed. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('load-test bots', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  /** Bots for the test server (two zones), all logged in at once; each zone's bots form one cluster at its centre. */
  const botArgs = (count: number, extra: string[] = []): string[] =>
    ['--url', server.url, '--count', String(count), '--zones', '2', '--ramp', '0', '--secret', TEST_SECRET, ...extra];

  it('logs 20 bots in, sees their moves with latencies, pings, and counts no errors', async () => {
    const result = await runFleet(parseBotArgs(botArgs(20, ['--duration', '2'])));
    assert.equal(result.loggedIn, 20);
    assert.deepEqual(result.errors, {});
    assert.equal(result.disconnects, 0);
    assert.ok(result.seen.matched > 0, 'bots saw each other move');
    assert.equal(result.moveToSeenMs.count, result.seen.matched);
    // Every move of a bot of this process that another one saw was found in the send log: the
    // bots predict the server's centimetres exactly.
    assert.equal(result.seen.unmatched, 0);
    assert.equal(result.seen.foreign, 0);
    const { p50, p99, max } = result.moveToSeenMs;
    assert.ok(p50 !== null && p99 !== null && max !== null && p50 >= 0 && p50 <= p99 && p99 <= max);
    assert.ok(result.rttMs.count > 0, 'pings were answered');
    assert.ok(result.framesIn > 0 && result.bytesIn > result.framesIn);
    assert.ok(result.movesSent > 0);
    assert.ok(result.framesPerBotSecond.count > 0);
  });

  it('spreads bots over processes and merges their results', async () => {
    const result = await runFleet(parseBotArgs(botArgs(20, ['--duration', '2', '--processes', '2'])));
    assert.equal(result.processes, 2);
    assert.equal(result.loggedIn, 20);
    assert.deepEqual(result.errors, {});
    assert.ok(result.seen.matched > 0, 'bots saw moves of bots in their own process');
    // Both processes' bots share the zones' clusters, so each also sees bots it cannot time.
    assert.ok(result.seen.foreign > 0, 'bots saw moves of bots in the other process');
    assert.equal(result.seen.unmatched, 0);
  });

  it('exits 1 when the server cannot be reached', async () => {
    const port = await closedPort();
    const run = await cli(['--url', `ws://127.0.0.1:${port}`, '--count', '5', '--duration', '1']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`cannot reach the server at ws://127.0.0.1:${port}`));
  });

  it('stops early and exits 1 once the errors pass --max-errors, with the errors by kind in the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bots-test-'));
    try {
      const file = join(dir, 'result.json');
      // Four times the server's speed limit: moves are refused with corrections.
      const run = await cli(botArgs(4, ['--speed', '40', '--max-errors', '3', '--duration', '600', '--json', file]));
      assert.equal(run.code, 1);
      assert.match(run.stderr, /more than --max-errors 3 \(the run was stopped early\)/);
      const json = JSON.parse(readFileSync(file, 'utf8')) as { summary: Record<string, number>; fleet: { stoppedEarly: boolean } };
      assert.equal(json.fleet.stoppedEarly, true);
      assert.ok((json.summary['errors.correction:TOO_FAST'] ?? 0) > 3, JSON.stringify(json.summary));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with a message naming the option for bad arguments', async () => {
    const badCount = await cli(['--count', 'many']);
    assert.equal(badCount.code, 2);
    assert.match(badCount.stderr, /--count must be a number, got "many"/);
    const unknown = await cli(['--cout', '5']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--cout/);
  });
});
