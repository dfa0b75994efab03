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
import { within } from '../helpers/wait.ts';

const CLI = new URL('../../bench/bots.ts', import.meta.url).pathname;
/** A run of a few seconds: logging in, the window, the grace after it and logging out. */
const RUN_LIMIT_MS = 30_000;

/** Runs the bots' CLI to its end (killed after RUN_LIMIT_MS): exit code and everything it printed. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    const [code] = (await within(once(child, 'exit'), `the bots' CLI (${args.join(' ')}) to exit`, RUN_LIMIT_MS)) as [number | null];
    return { code, stdout, stderr };
  } finally {
    child.kill();
  }
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

describe('fighting bots (--fight)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ GAME_MODULE: new URL('../../examples/skirmish/game.ts', import.meta.url).pathname, ZONES: '1' });
  });
  after(() => server.stop());

  it('attack what is within reach through the sample game, and count what their blows come to', async () => {
    // Four bots within a metre of one cluster centre: each has the others within reach.
    const args = ['--url', server.url, '--count', '4', '--zones', '1', '--ramp', '0', '--secret', TEST_SECRET, '--cluster-radius', '1', '--duration', '3', '--fight'];
    const result = await within(runFleet(parseBotArgs(args)), 'a run of four fighting bots', RUN_LIMIT_MS);
    assert.equal(result.loggedIn, 4);
    assert.ok((result.fights.attacks ?? 0) >= 4, `they attacked: ${JSON.stringify(result.fights)}`);
    assert.ok((result.fights.hits ?? 0) > 0, `blows landed: ${JSON.stringify(result.fights)}`);
    // A bot that dies is put back at the spawn point: its correction is the only error allowed.
    assert.deepEqual(Object.keys(result.errors).filter((kind) => kind !== 'correction:TELEPORTED'), []);
  });
});

describe('load-test bots', () => {
  let server: TestServer;
  before(async () => {
    // Every viewer's view recomputed every tick: each bot sees a newcomer in the tick it enters,
    // so any move sent after every log-in was answered reaches each bot of its zone as a move.
    server = await startTestServer({ VIEW_REFRESH_TICKS: '1' });
  });
  after(() => server.stop());

  /** Bots for the test server (two zones), all logged in at once; each zone's bots form one cluster at its centre. */
  const botArgs = (count: number, extra: string[] = []): string[] =>
    ['--url', server.url, '--count', String(count), '--zones', '2', '--ramp', '0', '--secret', TEST_SECRET, ...extra];

  /** A whole run of the fleet (the two zones hold ids 1, 3, 5 … and 2, 4, 6 …). */
  const fleet = (count: number, extra: string[]): ReturnType<typeof runFleet> =>
    within(runFleet(parseBotArgs(botArgs(count, extra))), `a run of ${count} bots (${extra.join(' ')})`, RUN_LIMIT_MS);

  it('times every move sent in the window once for each other bot of its zone, also the moves a tick took together', async () => {
    // 40 moves a second against 20 ticks: most ticks take two moves of each bot and show one.
    const result = await fleet(20, ['--duration', '2', '--rate', '40']);
    assert.equal(result.loggedIn, 20);
    assert.deepEqual(result.errors, {});
    assert.equal(result.disconnects, 0);
    assert.ok(result.movesSent > 0);
    // 10 bots a zone: each move sent in the window is shown to the 9 others.
    assert.equal(result.moveToSeenMs.count, result.movesSent * 9);
    assert.ok(result.seen.superseded > 0, 'moves a tick took together were timed');
    // Every move seen matched its send: the bots predict the server's centimetres exactly.
    assert.deepEqual({ late: result.seen.late, unmatched: result.seen.unmatched, foreign: result.seen.foreign }, { late: 0, unmatched: 0, foreign: 0 });
    assert.ok(result.rttMs.count > 0, 'pings were answered');
    assert.ok(result.framesIn > 0 && result.bytesIn > result.framesIn);
    assert.ok(result.framesPerBotSecond.count > 0);
  });

  it('spreads bots over processes, times moves within each process and merges the results', async () => {
    const result = await fleet(20, ['--duration', '2', '--processes', '2']);
    assert.equal(result.processes, 2);
    assert.equal(result.loggedIn, 20);
    assert.deepEqual(result.errors, {});
    // Ids 1–10 and 11–20: each process has 5 bots a zone, so each move is timed by 4 viewers.
    assert.equal(result.moveToSeenMs.count, result.movesSent * 4);
    // The other 5 of each zone are in the other process: seen, not timed.
    assert.ok(result.seen.foreign > 0, 'bots saw moves of bots in the other process');
    assert.deepEqual({ late: result.seen.late, unmatched: result.seen.unmatched }, { late: 0, unmatched: 0 });
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
