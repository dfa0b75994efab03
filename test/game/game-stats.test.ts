/**
 * Stats a game module changes persist like the rest of the character: across a log-out and a
 * restart, on both backends, read back from the database and by a new log-in.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadGame } from '../../src/game/load-game.ts';
import { mysql, sqlite } from '../helpers/backends.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

const ECHO_GAME = new URL('./fixtures/echo-game.ts', import.meta.url).pathname;

for (const backend of [sqlite(), mysql()]) {
  describe(`a game module's stats (${backend.name})`, () => {
    after(() => backend.cleanUp());

    it('are in the database after a log-out, and a new server logs the player in with them', { timeout: 60_000 }, async (t) => {
      const env = await backend.env();
      if (!env) return t.skip('no MySQL available (see the message above)');
      const game = await loadGame(ECHO_GAME);
      const hurt = [...game.actionsById.values()].find((action) => action.name === 'hurt');
      assert.ok(hurt);
      const common = { ...env, GAME_MODULE: ECHO_GAME, ZONES: '1' };
      let server: TestServer | undefined = await startTestServer(common);
      try {
        const ann = await server.player(901);
        assert.equal(ann.stats?.hp, 100, 'a new character starts with 100 hp');
        ann.send({ gameAction: { kind: hurt.id, payload: hurt.type.encode({ damage: 7, times: 2 }).finish() } });
        await until(ann, () => ann.stats?.hp === 86, 'the new hp told to the player');
        await ann.logout(); // confirmed only once written
        const [row] = await server.sql('SELECT hp FROM characters WHERE player_id = ?', [901]);
        assert.equal(Number(row?.hp), 86, 'the database has it');
        await server.stop();
        server = undefined;

        server = await startTestServer(common);
        const back = await server.player(901);
        assert.equal(back.stats?.hp, 86, 'logged in again with it');
        await back.close();
      } finally {
        await server?.stop();
      }
    });
  });
}
