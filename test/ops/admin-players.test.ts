/**
 * The admin API's players: GET /admin/players/{id}, the live state from the owning zone when
 * online and the database's otherwise; POST /admin/players/{id}/kick, with a reason the client sees.
 * On both backends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServerError } from '../../src/protocol/messages.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { startTestServerOn, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';

for (const backend of ['SQLite', 'MySQL'] as const) describe(`the admin API: a player (${backend})`, () => {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServerOn(backend, { ZONES: '2' });
  });
  after(() => server?.stop());

  /** The character's row as the database has it now. */
  async function row(playerId: number): Promise<{ zone_id: number; x: number; y: number; online: number }> {
    const [stored] = await (server as TestServer).sql('SELECT zone_id, x, y, online FROM characters WHERE player_id = ?', [playerId]);
    assert.ok(stored, `player ${playerId} has a row`);
    return { zone_id: Number(stored.zone_id), x: Number(stored.x), y: Number(stored.y), online: Number(stored.online) };
  }

  const get = (path: string, method = 'GET', token = TEST_ADMIN_TOKEN): Promise<{ status: number; json: Record<string, unknown> }> => (server as TestServer).adminCall(method, path, undefined, { token });

  it('shows an online player as its zone holds it now, and an offline one as the database has it', async (t) => {
    if (!server) return t.skip('no MySQL available (see the message above)');
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
    const saved = await row(44);
    const zone = server.config.zones.find((z) => z.id === saved.zone_id);
    assert.ok(Math.abs((stored.x as number) - (saved.x + (zone?.originXM as number))) < 1e-9, 'the database’s row, moved into the world');
    assert.equal((stored.inventory as { gold: number }).gold, 30);
  });

  it('answers 404 for a player with no character, 400 for a bad id, 405 for another method, 401 without the token', async (t) => {
    if (!server) return t.skip('no MySQL available (see the message above)');
    const missing = await get('/admin/players/999999');
    assert.deepEqual([missing.status, missing.json.code], [404, 'PLAYER_NOT_FOUND']);
    for (const id of ['0', '-1', 'abc', '1.5', '99999999999999999999']) {
      const bad = await get(`/admin/players/${id}`);
      assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST'], id);
    }
    assert.equal((await get('/admin/players/44', 'DELETE')).status, 405);
    assert.equal((await get('/admin/players/44', 'GET', '')).status, 401);
  });

  it('kicks a player: the client is told why and closed, its state written, and it may come back', async (t) => {
    if (!server) return t.skip('no MySQL available (see the message above)');
    const client = await server.player(45);
    const told = client.next('error');
    const closed = client.next('close');
    const kick = await server.admin('/admin/players/45/kick', { reason: 'spamming the market' });
    assert.deepEqual([kick.status, kick.json.ok], [200, true]);
    const error = (await told) as ServerError;
    assert.deepEqual([error.code, error.message], [ErrorCode.ERROR_CODE_KICKED, 'kicked: spamming the market']);
    assert.deepEqual(await closed, { code: 4013, reason: 'kicked: spamming the market' });
    await eventually(async () => (await row(45)).online === 0, 'the kicked player to be released');
    const again = await server.player(45);
    assert.equal(again.self?.playerId, 45, 'a kick is no ban');

    // A reason longer than a close frame holds is cut there, on a whole character.
    const cut = again.next('close');
    assert.equal((await server.admin('/admin/players/45/kick', { reason: 'é'.repeat(150) })).status, 200);
    const { reason } = await cut;
    assert.ok(Buffer.byteLength(reason) <= 123 && reason.startsWith('kicked: éé') && !reason.includes('\ufffd'), reason);
  });

  it('refuses a kick without a session to end, without a reason, or by GET', async (t) => {
    if (!server) return t.skip('no MySQL available (see the message above)');
    const offline = await server.admin('/admin/players/44/kick', { reason: 'gone already' });
    assert.deepEqual([offline.status, offline.json.code], [409, 'PLAYER_NOT_ONLINE']);
    for (const body of [{}, { reason: '' }, { reason: '   ' }, { reason: 7 }, { reason: 'x'.repeat(201) }]) {
      const bad = await server.admin('/admin/players/44/kick', body);
      assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST'], JSON.stringify(body));
    }
    assert.equal((await get('/admin/players/44/kick')).status, 405);
  });
});
