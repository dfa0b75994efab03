/** GET /admin/zones and /admin/zones/{id}/players: each zone's state, players and recent tick p99. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, it } from 'node:test';
import type { ZoneHandle } from '../../src/supervisor/zone-handle.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

let server: TestServer;
before(async () => {
  // Odd player ids go to zone 1, even ones to zone 2; a dead zone stays down long enough to look at.
  server = await startTestServer({ ZONES: '2', ZONE_RESTART_DELAY_MS: '5000' });
});
after(() => server.stop());

function get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return server.adminCall('GET', path);
}

interface Summary {
  id: number;
  name: string;
  state: string;
  players: number | null;
  tickP99Ms: number | null;
}

it('lists every zone with its players and tick p99, and a zone’s players where they stand', async () => {
  const [a, b, c] = await Promise.all([server.player(61), server.player(63), server.player(62)]);
  let zones: Summary[] = [];
  await eventually(async () => {
    zones = (await get('/admin/zones')).json.zones as Summary[];
    return zones.every((zone) => (zone.tickP99Ms ?? 0) > 0);
  }, 'both zones to have ticked');
  assert.deepEqual(
    zones.map((zone) => [zone.id, zone.name, zone.state, zone.players]),
    server.config.zones.map((zone) => [zone.id, zone.name, 'running', zone.id === 1 ? 2 : 1]),
  );
  const roster = (await get('/admin/zones/1/players')).json as { zoneId: number; players: { playerId: number; name: string; x: number; y: number }[] };
  assert.equal(roster.zoneId, 1);
  const shown = roster.players.sort((p, q) => p.playerId - q.playerId);
  assert.deepEqual(
    shown.map((p) => [p.playerId, p.name, p.x, p.y]),
    [a, b].map((client) => [client.self?.playerId, `Player${client.self?.playerId}`, client.self?.x, client.self?.y]),
  );
  assert.deepEqual(((await get('/admin/zones/2/players')).json.players as { playerId: number }[]).map((p) => p.playerId), [62]);
  await Promise.all([a.close(), b.close(), c.close()]);
});

it('shows a zone that is down as such, and refuses its roster until it is back', async () => {
  const zone2 = server.supervisor.zones.find((zone) => zone.id === 2) as ZoneHandle;
  const down = once(server.supervisor, 'zone-down');
  await zone2.worker?.terminate();
  await down;
  const zones = (await get('/admin/zones')).json.zones as Summary[];
  assert.deepEqual(zones.find((zone) => zone.id === 2), { id: 2, name: zone2.config.name, state: 'restarting', players: null, tickP99Ms: null });
  const roster = await get('/admin/zones/2/players');
  assert.deepEqual([roster.status, roster.json.code], [503, 'ZONE_UNAVAILABLE']);
});

it('answers 404 for a zone that does not exist and 400 for a bad id', async () => {
  const missing = await get('/admin/zones/9/players');
  assert.deepEqual([missing.status, missing.json.code], [404, 'ZONE_NOT_FOUND']);
  const bad = await get('/admin/zones/one/players');
  assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST']);
});

it('answers no admin route on the game port, and nothing but 401 without the credential', async () => {
  for (const path of ['/admin/zones', '/admin/players/61', '/admin/openapi.json']) {
    const onGamePort = await fetch(`http://127.0.0.1:${server.port}${path}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    assert.equal(onGamePort.status, 426, `${path} on the WebSocket port`);
    assert.doesNotMatch(await onGamePort.text(), /zones|players|ok/);
  }
  for (const authorization of [undefined, 'Bearer wrong-token', `Basic ${TEST_ADMIN_TOKEN}`, TEST_ADMIN_TOKEN]) {
    const response = await fetch(`http://127.0.0.1:${server.metricsPort}/admin/zones`, { headers: authorization ? { authorization } : {} });
    assert.equal(response.status, 401, String(authorization));
    assert.deepEqual(await response.json(), { ok: false, code: 'UNAUTHORIZED', error: 'missing or wrong bearer token' }, 'the refusal says nothing of the zones');
  }
});
