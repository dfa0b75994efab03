/**
 * PATCH /admin/players/{id} on both backends: an online player is changed by its zone in its next
 * tick and sees it at once (its stats, a correction for a teleport, a zone change for a teleport
 * into another zone), and those who see it see it move; an offline player is changed in the
 * database, unless another node owns the row.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServerOn, type TestServer } from '../helpers/server.ts';
import { eventually, until, within } from '../helpers/wait.ts';

for (const backend of ['SQLite', 'MySQL'] as const) {
  describe(`admin changes to a player (${backend})`, () => {
    let server: TestServer | undefined;
    before(async () => {
      // Two zones side by side, 1000 m each: zone 1 from x 0, zone 2 from x 1000.
      server = await startTestServerOn(backend, { ZONES: '2' });
    });
    after(() => server?.stop());

    const patch = (playerId: number, body: unknown) => (server as TestServer).adminCall('PATCH', `/admin/players/${playerId}`, body);

    /** The character's row, straight from the database. */
    async function row(playerId: number): Promise<Record<string, unknown>> {
      const [found] = await (server as TestServer).sql('SELECT zone_id, x, y, hp, level, exp, online, owner_node, owner_epoch FROM characters WHERE player_id = ?', [playerId]);
      assert.ok(found, `player ${playerId} has a row`);
      return found;
    }

    async function loggedOut(client: ZoneClient, playerId: number): Promise<void> {
      await client.logout();
      await eventually(async () => Number((await row(playerId)).online) === 0, `player ${playerId} to be released`);
    }

    it("changes an online player's stats in its zone: the player is told at once, and they are written back", async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const client = await server.player(1);
      await until(client, () => client.stats !== undefined, 'the stats sent at log-in');
      assert.deepEqual(client.stats, { hp: 100, level: 1, exp: 0 });
      const told = client.next('stats');
      const answer = await patch(1, { hp: 37, level: 4, exp: 1234 });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.equal(answer.json.source, 'live');
      const player = answer.json.player as Record<string, unknown>;
      assert.deepEqual([player.hp, player.level, player.exp, player.source], [37, 4, 1234, 'live'], 'the zone holds the change');
      assert.deepEqual(await within(told, 'the stats message'), { hp: 37, level: 4, exp: 1234 });
      await loggedOut(client, 1);
      const saved = await row(1);
      assert.deepEqual([Number(saved.hp), Number(saved.level), Number(saved.exp)], [37, 4, 1234], 'the write-back saved the change');
    });

    it('teleports an online player within its zone: it is corrected to the new place, and a watcher sees it move there', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const moved = await server.player(3);
      const watcher = await server.player(5);
      await until(watcher, () => [...watcher.entities.values()].some((e) => e.playerId === 3), 'the watcher to see player 3');
      const corrected = moved.next('correction');
      const answer = await patch(3, { x: 520.25, y: 480.5, heading: 1 });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const correction = await within(corrected, 'the teleport correction');
      assert.deepEqual([correction.reason, correction.x, correction.y, correction.heading], ['TELEPORTED', 520.25, 480.5, 1]);
      assert.deepEqual([moved.self?.x, moved.self?.y], [520.25, 480.5], 'the SDK took the new place');
      await until(watcher, () => {
        const seen = [...watcher.entities.values()].find((e) => e.playerId === 3);
        return seen?.x === 520.25 && seen.y === 480.5;
      }, 'the watcher to see the teleport');
      // Moves from the new place are accepted: the zone's rules start from there.
      moved.move(521, 480.5, 1);
      await eventually(async () => Math.abs(((await (server as TestServer).adminCall('GET', '/admin/players/3')).json.x as number) - 521) < 1e-3, 'the next move to be applied');
      await Promise.all([loggedOut(moved, 3), loggedOut(watcher, 5)]);
      assert.equal(Number((await row(3)).x), 521);
    });

    it('teleports an online player into another zone, which takes it over as through a portal', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const client = await server.player(7);
      assert.equal(client.self?.zoneId, 1);
      const changed = client.next('zoneChanged');
      const answer = await patch(7, { x: 1600, y: 250 });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      const change = await within(changed, 'the zone change');
      assert.deepEqual([change.zoneId, change.freshView, client.self?.x, client.self?.y], [2, true, 1600, 250]);
      const view = await server.adminCall('GET', '/admin/players/7');
      assert.deepEqual([view.json.zoneId, view.json.x, view.json.y, view.json.source], [2, 1600, 250, 'live']);
      await loggedOut(client, 7);
      const saved = await row(7);
      assert.deepEqual([Number(saved.zone_id), Number(saved.x), Number(saved.y)], [2, 600, 250], 'saved in zone 2, in its own coordinates');
    });

    it('changes an offline player in the database, and its next log-in starts from there', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const first = await server.player(9);
      await loggedOut(first, 9);
      const answer = await patch(9, { x: 1250.5, y: 100, hp: 12 });
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.equal(answer.json.source, 'database');
      const stored = await row(9);
      assert.deepEqual([Number(stored.zone_id), Number(stored.x), Number(stored.y), Number(stored.hp)], [2, 250.5, 100, 12]);
      const again = await server.player(9);
      await until(again, () => again.stats !== undefined, 'the stats at log-in');
      assert.deepEqual([again.self?.zoneId, again.self?.x, again.self?.y, again.stats?.hp], [2, 1250.5, 100, 12]);
      await loggedOut(again, 9);
    });

    it('refuses an offline change while another node owns the row, and changes nothing', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const client = await server.player(11);
      await loggedOut(client, 11);
      await server.sql("UPDATE characters SET online = 1, owner_node = 'node-elsewhere' WHERE player_id = ?", [11]);
      const before = await row(11);
      const answer = await patch(11, { hp: 1 });
      assert.deepEqual([answer.status, answer.json.code, answer.json.ownerNode], [409, 'PLAYER_ONLINE', 'node-elsewhere']);
      assert.deepEqual(await row(11), before);
      await server.sql('UPDATE characters SET online = 0 WHERE player_id = ?', [11]);
    });

    it('refuses malformed changes, a point outside the world, and a player with no character', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const client = await server.player(13);
      for (const body of [{}, { x: 5 }, { hp: -1 }, { level: 0 }, { exp: 1.5 }, { hp: 'full' }, { gold: 5 }, { x: 1e400, y: 0 }]) {
        const answer = await patch(13, body);
        assert.deepEqual([answer.status, answer.json.code], [400, 'INVALID_REQUEST'], JSON.stringify(body));
      }
      const outside = await patch(13, { x: 2500, y: 10 });
      assert.deepEqual([outside.status, outside.json.code], [400, 'INVALID_REQUEST']);
      assert.match(String(outside.json.error), /no zone/);
      assert.deepEqual([client.self?.x, client.self?.y], [500, 500], 'nothing moved');
      const missing = await patch(999_999, { hp: 5 });
      assert.deepEqual([missing.status, missing.json.code], [404, 'PLAYER_NOT_FOUND']);
      await loggedOut(client, 13);
    });
  });
}
