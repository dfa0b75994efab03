/**
 * A zone whose tick stops advancing is noticed by the watchdog, ended and restarted like a
 * crashed one: its players are told and released in the database, the other zones tick on.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { it } from 'node:test';
import { ErrorCode, type ServerError } from '../../src/protocol/messages.ts';
import type { ZoneHandle } from '../../src/supervisor/zone-handle.ts';
import { sampleValue, startTestServer } from '../helpers/server.ts';
import { eventually, until, within } from '../helpers/wait.ts';

const HANGING_ZONE_WORKER = new URL('./hanging-zone-worker.ts', import.meta.url);

it('ends and restarts a zone whose tick has stopped, releases its players, and keeps the other zones ticking', { timeout: 30_000 }, async () => {
  const server = await startTestServer({ ZONES: '2', ZONE_WATCHDOG_MS: '1000', ZONE_RESTART_DELAY_MS: '100' }, { zoneWorkerUrl: HANGING_ZONE_WORKER });
  try {
    const victim = await server.player(2); // zone 2
    const watcher = await server.player(1); // zone 1
    const mover = await server.player(3); // zone 1
    await until(watcher, () => watcher.entities.has(mover.self?.entityId as number), 'the watcher to see the mover');
    const [, zone2] = server.supervisor.zones as [ZoneHandle, ZoneHandle];
    const told = victim.next('error');
    const closed = victim.next('close');
    const down = once(server.supervisor, 'zone-down');
    const up = once(server.supervisor, 'zone-up');

    zone2.worker?.postMessage({ type: 'test-hang' });
    await within(down, 'the watchdog to end the hung zone');
    assert.equal(((await told) as ServerError).code, ErrorCode.ERROR_CODE_ZONE_RESTARTED);
    assert.equal((await closed).code, 4009);
    await eventually(async () => server.characterInDatabase(2)?.online === false, 'the hung zone\'s player to be released in the database');

    // Zone 1 never stopped serving.
    mover.move((mover.self?.x as number) + 1, mover.self?.y as number, 0);
    await until(watcher, () => watcher.entities.get(mover.self?.entityId as number)?.x === mover.self?.x, 'zone 1 to keep serving');

    await within(up, 'the zone to restart');
    const metrics = await server.metricsText();
    assert.equal(sampleValue(metrics, 'zone_watchdog_kills_total', { zone: '2' }), 1);
    assert.equal(sampleValue(metrics, 'zone_watchdog_kills_total', { zone: '1' }), 0);
    const back = await server.player(2);
    assert.equal(back.self?.zoneId, 2, 'the player returns to the restarted zone');
    await Promise.all([back.close(), watcher.close(), mover.close()]);
  } finally {
    await server.stop();
  }
});

it('leaves a zone that keeps ticking alone, however long it runs', { timeout: 30_000 }, async () => {
  const server = await startTestServer({ ZONES: '1', ZONE_WATCHDOG_MS: '200' });
  try {
    const player = await server.player(1);
    // Time itself is what is tested here: ten watchdog limits pass with the zone idle but ticking.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(player.closed, undefined, 'the player is still connected');
    assert.equal(sampleValue(await server.metricsText(), 'zone_watchdog_kills_total', { zone: '1' }), 0);
    await player.close();
  } finally {
    await server.stop();
  }
});
