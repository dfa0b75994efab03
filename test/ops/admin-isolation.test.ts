/**
 * Isolation through the admin API, on both backends: isolating an online player ends its session
 * with its own code once its last state is written, every log-in is then refused, a hand edit of
 * the row made meanwhile is what the player gets after the release, and nothing the player did
 * before is lost.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LoginRefusedError, ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode, type ServerError } from '../../src/protocol/messages.ts';
import { startTestServerOn, type TestServer } from '../helpers/server.ts';
import { eventually, until, within } from '../helpers/wait.ts';

for (const backend of ['SQLite', 'MySQL'] as const) {
  describe(`isolating a player (${backend})`, () => {
    let server: TestServer | undefined;
    before(async () => {
      // A long flush interval: only the final write of the kicked session can have saved the moves.
      server = await startTestServerOn(backend, { ZONES: '1', FLUSH_INTERVAL_MS: '600000' });
    });
    after(() => server?.stop());

    async function row(playerId: number): Promise<Record<string, unknown>> {
      const [found] = await (server as TestServer).sql('SELECT x, y, hp, online, isolated, owner_epoch FROM characters WHERE player_id = ?', [playerId]);
      assert.ok(found, `player ${playerId} has a row`);
      return found;
    }

    it('ends an online session once its last state is written, then refuses every log-in', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const client = await server.player(21);
      client.move(501, 500, 0.5);
      client.move(502, 500.5, 0.5);
      await eventually(async () => (await server!.adminCall('GET', '/admin/players/21')).json.x === 502, 'the moves to be applied');
      const told = client.next('error');
      const closed = client.next('close');
      const answer = await server.adminCall('POST', '/admin/players/21/isolate', { reason: 'fixing a stuck quest' });
      assert.deepEqual(answer.json, { ok: true, playerId: 21, isolated: true, wasOnline: true });
      assert.equal(((await within(told, 'the error')) as ServerError).code, ErrorCode.ERROR_CODE_CHARACTER_ISOLATED);
      assert.equal((await within(closed, 'the close')).code, 4014);
      const isolated = await row(21);
      assert.deepEqual([Number(isolated.x), Number(isolated.y), Number(isolated.online), Number(isolated.isolated)], [502, 500.5, 0, 1], 'the last moves were written before the lock');

      const again = await ZoneClient.connect(server.url);
      await assert.rejects(again.login(server.token(21)), (err: unknown) => err instanceof LoginRefusedError && err.code === ErrorCode.ERROR_CODE_CHARACTER_ISOLATED);
      assert.equal(Number((await row(21)).owner_epoch), Number(isolated.owner_epoch), 'the refused log-in took no ownership');
      const view = await server.adminCall('GET', '/admin/players/21');
      assert.deepEqual([view.json.isolated, view.json.online, view.json.source], [true, false, 'database']);
      const change = await server.adminCall('PATCH', '/admin/players/21', { hp: 1 });
      assert.deepEqual([change.status, change.json.code], [409, 'PLAYER_ISOLATED']);
    });

    it('after a release, the next log-in loads exactly what a manual UPDATE wrote meanwhile', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      await server.sql('UPDATE characters SET x = ?, y = ?, hp = ? WHERE player_id = ?', [123.5, 456, 9, 21]);
      const released = await server.adminCall('DELETE', '/admin/players/21/isolate');
      assert.deepEqual(released.json, { ok: true, playerId: 21, isolated: false });
      const client = await server.player(21);
      await until(client, () => client.stats !== undefined, 'the stats at log-in');
      assert.deepEqual([client.self?.x, client.self?.y, client.stats?.hp], [123.5, 456, 9]);
      await client.logout();
    });

    it('isolates an offline player at once, and answers a player with no character with 404', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const client = await server.player(22);
      await client.logout();
      await eventually(async () => Number((await row(22)).online) === 0, 'player 22 to be released');
      const answer = await server.adminCall('POST', '/admin/players/22/isolate');
      assert.deepEqual(answer.json, { ok: true, playerId: 22, isolated: true, wasOnline: false });
      assert.equal(Number((await row(22)).isolated), 1);
      const missing = await server.adminCall('POST', '/admin/players/999999/isolate');
      assert.deepEqual([missing.status, missing.json.code], [404, 'PLAYER_NOT_FOUND']);
      const releaseMissing = await server.adminCall('DELETE', '/admin/players/999999/isolate');
      assert.deepEqual([releaseMissing.status, releaseMissing.json.code], [404, 'PLAYER_NOT_FOUND']);
    });
  });
}
