/** A zone worker that dies is restarted; its players are told and can return; other zones tick on. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import { SupervisorLimits } from '../../src/config/limits.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import type { ServerError } from '../../src/protocol/messages.ts';
import type { ZoneHandle } from '../../src/supervisor/zone-handle.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '3', ZONE_RESTART_DELAY_MS: '300' });
});
after(async () => {
  await server.stop();
});

function ticks(exposition: string, zone: number): number {
  return sampleValue(exposition, 'zone_ticks_total', { zone: String(zone) }) ?? Number.NaN;
}

it('restarts a killed zone worker while the other zones keep ticking and serving', { timeout: 20_000 }, async () => {
  // Players 1 and 4 are in zone 1, 2 in zone 2, 3 in zone 3.
  const watcher = await server.player(1);
  const mover = await server.player(4);
  const victim = await server.player(2);
  const bystander = await server.player(3);
  await until(watcher, () => watcher.entities.has(mover.self?.entityId as number), 'watcher to see mover');
  const [zone1, zone2, zone3] = server.supervisor.zones as [ZoneHandle, ZoneHandle, ZoneHandle];
  const workersBefore = [zone1.worker, zone3.worker];
  const before = await server.metricsText();

  const victimError = victim.next('error');
  const victimClosed = victim.next('close');
  const down = once(server.supervisor, 'zone-down');
  const up = once(server.supervisor, 'zone-up');
  await zone2.worker?.terminate();
  await down;
  assert.equal(((await victimError) as ServerError).code, ErrorCode.ERROR_CODE_ZONE_RESTARTED);
  assert.equal((await victimClosed).code, 4009);
  assert.equal(zone2.state, 'restarting');
  // Its character is offline in the database, under the same epoch, with its last write-back.
  const victimId = victim.self?.playerId as number;
  await eventually(async () => server.characterInDatabase(victimId)?.online === false, 'the victim to be marked offline');
  assert.equal(server.characterInDatabase(3)?.online, true, 'a player of another zone is still online');

  // While zone 2 is down, zone 1 still delivers moves.
  mover.move((mover.self?.x as number) + 1, mover.self?.y as number, 0);
  await until(watcher, () => watcher.entities.get(mover.self?.entityId as number)?.x === mover.self?.x, 'zone 1 to keep serving');

  const [upZone] = (await up) as [ZoneHandle];
  assert.equal(upZone, zone2);
  const afterText = await server.metricsText();
  assert.ok(ticks(afterText, 1) > ticks(before, 1), 'zone 1 ticked through the restart');
  assert.ok(ticks(afterText, 3) > ticks(before, 3), 'zone 3 ticked through the restart');
  assert.ok(ticks(afterText, 2) < ticks(before, 2), 'zone 2 is a new worker with fresh counters');
  assert.equal(sampleValue(afterText, 'zone_restarts_total', { zone: '2' }), 1);
  assert.equal(sampleValue(afterText, 'zone_restarts_total', { zone: '1' }), 0);
  assert.deepEqual([zone1.worker, zone3.worker], workersBefore, 'zones 1 and 3 kept their workers');
  assert.equal(watcher.closed, undefined);
  assert.equal(bystander.closed, undefined);

  const back = await server.player(2);
  assert.equal(back.self?.zoneId, 2);
  await Promise.all([watcher.close(), mover.close(), bystander.close(), back.close()]);
});

it('restarts a zone whose tick throws, and tells its players', { timeout: 20_000 }, async () => {
  const victim = await server.player(3); // zone 3
  const zone3 = server.supervisor.zones[2] as ZoneHandle;
  const closed = victim.next('close');
  const down = once(server.supervisor, 'zone-down');
  const up = once(server.supervisor, 'zone-up');
  // A job no gateway would write: the zone's drain phase throws on it, inside the tick.
  assert.ok(zone3.inbound.tryWrite(victim.self?.entityId ?? 1, Uint8Array.of(99)));
  await down;
  assert.equal((await closed).code, 4009);
  const [upZone] = (await up) as [ZoneHandle];
  assert.equal(upZone, zone3);
  const back = await server.player(3);
  assert.equal(back.self?.zoneId, 3);
  await back.close();
});

it('runs every worker, a restarted one too, with its young generation capped', () => {
  // Uncapped, V8 lets each thread's young generation grow to 192 MiB, and the process's memory climb.
  const workers = [...server.supervisor.zones.map((zone) => zone.worker), server.store.thread];
  assert.equal(workers.length, 4);
  for (const worker of workers) {
    assert.equal(worker?.resourceLimits?.maxYoungGenerationSizeMb, SupervisorLimits.workerYoungGenerationMb, `${worker?.threadId}`);
  }
});
