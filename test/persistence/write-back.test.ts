/**
 * Persistence through the whole server (real sockets, zone workers, store worker, a real
 * database): write-back round trips on both backends, log-out and shutdown saves, exclusive
 * ownership and hand-over, stale owners, and no statement per move.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { mysql, sqlite } from '../helpers/backends.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';
import { startStore, type RunningStore } from '../store/running-store.ts';

/** Walks in steps the speed check accepts; resolves once the zone has taken the last one. */
async function walkTo(client: ZoneClient, x: number, y: number): Promise<void> {
  const self = client.self;
  assert.ok(self);
  const steps = Math.max(1, Math.ceil(Math.hypot(x - self.x, y - self.y) / 5));
  const [fromX, fromY] = [self.x, self.y];
  for (let i = 1; i <= steps; i++) client.move(fromX + ((x - fromX) * i) / steps, fromY + ((y - fromY) * i) / steps, 0.25);
  // A ping's answer comes from the gateway, after it has staged every move before it.
  await client.ping();
}

async function storeOf(env: Record<string, string>): Promise<RunningStore> {
  return startStore(env);
}

for (const backend of [sqlite(), mysql()]) {
  describe(`write-back (${backend.name})`, () => {
    after(() => backend.cleanUp());

    it('restores where a player was after a log-out, and after a clean shutdown, on a new server', { timeout: 60_000 }, async (t) => {
      const env = await backend.env();
      if (!env) return t.skip('no MySQL available (see the message above)');
      const common = { ...env, ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000' };
      let server: TestServer | undefined = await startTestServer(common);
      try {
        const leaver = await server.player(1);
        const stayer = await server.player(2);
        await walkTo(leaver, 520, 530);
        await walkTo(stayer, 490, 510); // within view of the leaver
        // Seen by the other: the zone has applied the moves.
        await until(stayer, () => stayer.entities.get(leaver.self?.entityId as number)?.x === 520, 'the leaver to arrive');
        await until(leaver, () => leaver.entities.get(stayer.self?.entityId as number)?.y === 510, 'the stayer to arrive');
        await leaver.logout(); // confirmed only once written
        await server.stop(); // writes back everyone still in
        server = undefined;

        server = await startTestServer(common);
        const back1 = await server.player(1);
        const back2 = await server.player(2);
        assert.deepEqual([back1.self?.x, back1.self?.y], [520, 530], 'the logged-out player');
        assert.deepEqual([back2.self?.x, back2.self?.y], [490, 510], 'the player still in at shutdown');
        assert.equal(back1.self?.heading, Math.fround(0.25));
        await Promise.all([back1.close(), back2.close()]);
      } finally {
        await server?.stop();
      }
      const store = await storeOf(env);
      try {
        const [one, two] = await Promise.all([store.client.load(1), store.client.load(2)]);
        assert.equal(one?.online, false, 'released at log-out');
        assert.equal(two?.online, false, 'released at shutdown');
        assert.equal(one?.epoch, 2, 'loaded twice, once per log-in');
      } finally {
        await store.stop();
      }
    });

    it('writes dirty players in the background, in batches, with no statement per move', { timeout: 60_000 }, async (t) => {
      const env = await backend.env();
      if (!env) return t.skip('no MySQL available (see the message above)');
      const server = await startTestServer({ ...env, ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '200', MSG_RATE_PER_SEC: '1000', MSG_BURST: '1000' });
      try {
        const players = await Promise.all(Array.from({ length: 20 }, (_, i) => server.player(100 + i)));
        const statementsBefore = sampleValue(await server.metricsText(), 'store_statements_total') ?? 0;
        let moves = 0;
        for (let round = 1; round <= 25; round++) {
          for (const [i, client] of players.entries()) {
            client.move(500 + round * 0.5, 500 + i, 0);
            moves++;
          }
          await Promise.all(players.map((client) => client.ping()));
        }
        // Everyone's last position reaches the database without anyone logging out.
        const store = await storeOf(env);
        try {
          await eventually(async () => {
            const rows = await Promise.all(players.map((_, i) => store.client.load(100 + i)));
            return rows.every((row, i) => row?.state.x === 512.5 && row.state.y === 500 + i && row.online);
          }, 'every player’s last position in the database');
        } finally {
          await store.stop();
        }
        const exposition = await server.metricsText();
        const statements = (sampleValue(exposition, 'store_statements_total') ?? 0) - statementsBefore;
        assert.ok(statements > 0, 'something was written');
        assert.ok(statements * 20 < moves, `${statements} statements for ${moves} moves`);
        // The zone counts a batch when the store's answer reaches it, and reports its counters a
        // moment later: the rows can be in the database before the count is in the exposition.
        await eventually(async () => (sampleValue(await server.metricsText(), 'zone_flush_batches_total', { zone: '1' }) ?? 0) > 0, 'the zone to count its batches');
        await Promise.all(players.map((client) => client.close()));
      } finally {
        await server.stop();
      }
    });

    it('hands a character over to a second log-in only after the first session’s state is written', { timeout: 60_000 }, async (t) => {
      const env = await backend.env();
      if (!env) return t.skip('no MySQL available (see the message above)');
      const server = await startTestServer({ ...env, ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '3600000' });
      try {
        const first = await server.player(7);
        await walkTo(first, 543, 521);
        const replaced = first.next('close');
        const second = await server.player(7);
        assert.equal((await replaced).code, 4008);
        assert.deepEqual([second.self?.x, second.self?.y], [543, 521], 'the new session starts where the old one stopped, though no flush was due');
        assert.equal(sampleValue(await server.metricsText(), 'zone_players', { zone: '1' }), 1, 'one copy of the player');
        await second.close();
      } finally {
        await server.stop();
      }
    });

    it('drops a player whose character another owner took, without writing over it', { timeout: 60_000 }, async (t) => {
      const env = await backend.env();
      if (!env) return t.skip('no MySQL available (see the message above)');
      const server = await startTestServer({ ...env, ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '200' });
      const store = await storeOf(env);
      try {
        const client = await server.player(9);
        // Another node takes the character over behind this server's back.
        const taken = await store.client.acquire(9, 'node-2', { zoneId: 1, x: 1, y: 2, heading: 0, hp: 1, level: 1, exp: 0, playTimeS: 0 });
        assert.deepEqual([taken.state.x, taken.state.y], [500, 500], 'the character as this server created it');
        const closed = client.next('close');
        const told = client.next('error');
        await walkTo(client, 505, 505); // dirty: the next flush carries the old epoch
        assert.equal((await told).code, ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN);
        assert.equal((await closed).code, 4008);
        const row = await store.client.load(9);
        assert.equal(row?.epoch, taken.epoch);
        assert.equal(row?.ownerNode, 'node-2');
        assert.deepEqual([row?.state.x, row?.state.y], [500, 500], 'the stale owner wrote nothing');
        // The player can come back to this server at once: nothing waits for a release that will not come.
        const back = await server.player(9);
        assert.deepEqual([back.self?.x, back.self?.y], [500, 500]);
        await back.close();
        assert.ok((sampleValue(await server.metricsText(), 'store_stale_epoch_rejects_total') ?? 0) >= 1, 'counted');
      } finally {
        await store.stop();
        await server.stop();
      }
    });
  });
}
