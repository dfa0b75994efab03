/**
 * A store worker that dies is started again: zones tick on meanwhile, /readyz says not ready until
 * it is back, requests in flight are sent again under their operation ids and applied once, and
 * nothing a player was told is lost.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until, within } from '../helpers/wait.ts';

const LANES = 10;
const GRANTS_PER_LANE = 20;
const TOTAL = LANES * GRANTS_PER_LANE;

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '2', FLUSH_INTERVAL_MS: '200', MAX_SPEED_MPS: '1000' });
});
after(async () => {
  await server.stop();
});

async function readiness(): Promise<{ status: number; body: { ready: boolean; store: string } }> {
  const response = await fetch(`http://127.0.0.1:${server.metricsPort}/readyz`);
  return { status: response.status, body: (await response.json()) as { ready: boolean; store: string } };
}

it('restarts a killed store worker; grants in flight are applied exactly once, moves meanwhile are written, log-ins wait for it', { timeout: 60_000 }, async () => {
  const player = await server.player(1);
  const watcher = await server.player(3); // zone 1 too
  await until(watcher, () => watcher.entities.has(player.self?.entityId as number), 'the watcher to see the player');
  const startGold = player.inventory?.gold ?? 0;

  // Grants to the online player go through its zone to the store, ten at a time; the worker dies
  // once some are committed, with others on their way to it or in its transaction.
  const answers: { status: number; json: Record<string, unknown> }[] = [];
  const lanes = Array.from({ length: LANES }, async (_, lane) => {
    for (let i = 0; i < GRANTS_PER_LANE; i++) answers.push(await server.admin('/admin/grants', { opId: `restart-${lane}-${i}`, playerId: 1, gold: 10 }));
  });
  await until(player, () => (player.inventory?.gold ?? 0) >= startGold + 300, 'some grants to be shown');
  const down = once(server.store, 'down');
  const up = once(server.store, 'up');
  await server.store.thread.terminate();
  await within(down, 'the store worker to be reported down');
  const whileDown = await readiness();
  assert.deepEqual([whileDown.status, whileDown.body.ready, whileDown.body.store], [503, false, 'restarting'], 'not ready while the store is down');

  // The zone ticks on: moves are seen while the store is down, and a log-in waits for the store.
  player.move(520, 505, 0);
  await until(watcher, () => watcher.entities.get(player.self?.entityId as number)?.x === 520, 'the watcher to see the move made while the store is down');
  const newcomer = server.player(5);

  await within(up, 'the store worker to be started again');
  await within(Promise.all(lanes), 'every grant to be answered');
  assert.deepEqual(answers.map((answer) => answer.status), Array(TOTAL).fill(200), JSON.stringify(answers.find((answer) => answer.status !== 200)?.json));
  await until(player, () => player.inventory?.gold === startGold + TOTAL * 10, 'the player to be shown every grant');
  const late = await within(newcomer, 'the log-in made while the store was down');
  assert.ok(late.self, 'logged in');

  const afterRestart = await readiness();
  assert.deepEqual([afterRestart.status, afterRestart.body.store], [200, 'running']);
  assert.equal(sampleValue(await server.metricsText(), 'store_worker_restarts_total'), 1);
  assert.equal(sampleValue(await server.metricsText(), 'store_worker_up'), 1);

  await player.logout();
  assert.equal(server.inventoryInDatabase(1).gold, startGold + TOTAL * 10, 'each grant applied once in the database');
  assert.deepEqual([server.characterInDatabase(1)?.x, server.characterInDatabase(1)?.online], [520, false], 'the move made while the store was down is written');
  await eventually(async () => {
    const replays = await server.admin('/admin/grants', { opId: 'restart-0-0', playerId: 1, gold: 10 });
    return replays.status === 200 && replays.json.replayed === true;
  }, 'a grant sent again after the restart to be a replay');
  await watcher.close();
  await late.close();
});
