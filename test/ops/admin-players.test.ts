/** GET /admin/players/{id}: the live state from the owning zone when online, the database's otherwise. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';

describe('the admin API: a player', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ ZONES: '2' });
  });
  after(() => server.stop());

  async function get(path: string, method = 'GET', token = TEST_ADMIN_TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`http://127.0.0.1:${server.metricsPort}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('shows an online player as its zone holds it now, and an offline one as the database has it', async () => {
    // Player 44 is in zone 2, whose origin is not the world's: positions are shown in the world.
    const client = await server.player(44);
    await server.grant('admin-view-44', 44, 30, [{ templateId: 6, count: 2 }]);
    await until(client, () => client.inventory?.gold === 30, 'the granted gold');
    const x = (client.self?.x as number) + 1.5;
    const y = client.self?.y as number;
    client.move(x, y, 0.25);
    let live: Record<string, unknown> = {};
    await eventually(async () => {
      live = (await get('/admin/players/44')).json;
      return Math.abs((live.x as number) - x) < 1e-3;
    }, 'the view to show the move');
    assert.equal(live.source, 'live');
    assert.equal(live.online, true);
    assert.equal(live.zoneId, client.self?.zoneId);
    assert.ok(Math.abs((live.y as number) - y) < 1e-3);
    assert.equal(live.name, 'Player44');
    assert.deepEqual([live.hp, live.level, live.exp], [100, 1, 0]);
    const inventory = live.inventory as { gold: number; items: { templateId: number; count: number }[] };
    assert.deepEqual([inventory.gold, inventory.items.map((item) => [item.templateId, item.count])], [30, [[6, 2]]]);
    const session = live.session as { since: string; address: string };
    assert.equal(session.address, '127.0.0.1');
    assert.ok(Math.abs(Date.parse(session.since) - Date.now()) < 60_000, `logged in a moment ago: ${session.since}`);

    await client.logout();
    const stored = (await get('/admin/players/44')).json;
    assert.equal(stored.source, 'database');
    assert.equal(stored.online, false);
    assert.equal(stored.session, null);
    // The log-out wrote where it stood: the same place, in world coordinates.
    assert.ok(Math.abs((stored.x as number) - x) < 1e-3 && Math.abs((stored.y as number) - y) < 1e-3, JSON.stringify(stored));
    const row = server.characterInDatabase(44);
    const zone = server.config.zones.find((z) => z.id === row?.zoneId);
    assert.equal(stored.x, (row?.x as number) + (zone?.originXM as number), 'the database’s row, moved into the world');
    assert.equal((stored.inventory as { gold: number }).gold, 30);
  });

  it('answers 404 for a player with no character, 400 for a bad id, 405 for another method, 401 without the token', async () => {
    const missing = await get('/admin/players/999999');
    assert.deepEqual([missing.status, missing.json.code], [404, 'PLAYER_NOT_FOUND']);
    for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999']) {
      const bad = await get(`/admin/players/${id}`);
      assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST'], id);
    }
    assert.equal((await get('/admin/players/44', 'DELETE')).status, 405);
    assert.equal((await get('/admin/players/44', 'GET', '')).status, 401);
  });
});
