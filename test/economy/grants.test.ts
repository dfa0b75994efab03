/**
 * Item grants through the admin API: authenticated, idempotent by key, committed before anyone
 * is told, and shown at once to a player who is online.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

describe('grants through the admin API', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  const post = (body: unknown, token?: string): ReturnType<TestServer['admin']> => server.admin('/admin/grants', body, token);

  async function inventoryOf(client: ZoneClient, gold: number): Promise<void> {
    await until(client, () => client.inventory?.gold === gold, `an inventory with ${gold} gold`);
  }

  it('grants to an online player, who sees it at once; the same key again grants nothing more', async () => {
    const client = await server.player(11);
    await inventoryOf(client, 0);
    const first = await post({ opId: 'shop-11-1', playerId: 11, gold: 250, items: [{ templateId: 7, count: 3 }] });
    assert.equal(first.status, 200);
    assert.equal(first.json.replayed, false);
    await until(client, () => client.inventory?.items.length === 1, 'the item');
    assert.equal(client.inventory?.gold, 250);
    assert.deepEqual(client.inventory?.items.map((item) => [item.templateId, item.count]), [[7, 3]]);

    const replay = await post({ opId: 'shop-11-1', playerId: 11, gold: 250, items: [{ templateId: 7, count: 3 }] });
    assert.equal(replay.status, 200);
    assert.equal(replay.json.replayed, true);
    assert.deepEqual(replay.json.items, first.json.items, 'the first result');
    const more = await post({ opId: 'shop-11-2', playerId: 11, gold: 1, items: [] });
    assert.equal(more.status, 200);
    await inventoryOf(client, 251); // 250 once, then 1: the replay added nothing
    await client.close();
  });

  it('tells an online player of one grant with one inventory update', async () => {
    const client = await server.player(17);
    const updates: number[] = [];
    client.on('inventory', (inventory) => updates.push(inventory.gold));
    // The first grant races the log-in's own inventory read (not awaited): both may read it. Each
    // grant's update comes before the next grant is made, and the last marks the end, so a copy
    // of an update would stand next to itself.
    for (const [key, gold, total] of [['1', 5, 5], ['2', 7, 12], ['3', 3, 15]] as const) {
      assert.equal((await post({ opId: `one-update-17-${key}`, playerId: 17, gold })).status, 200);
      await inventoryOf(client, total);
    }
    assert.deepEqual(updates.slice(-3), [5, 12, 15]);
    assert.deepEqual(updates.filter((gold, i) => gold === updates[i - 1]), [], `each inventory once: ${updates.join(', ')}`);
    await client.close();
  });

  it('grants to an offline player in the database, which the player finds at its next log-in', async () => {
    const client = await server.player(12);
    await client.logout();
    const granted = await post({ opId: 'support-12', playerId: 12, gold: 40, items: [] });
    assert.equal(granted.status, 200);
    const back = await server.player(12);
    await inventoryOf(back, 40);
    await back.close();
  });

  it('grants items alone (no gold field), with the scheme word in any case', async () => {
    const client = await server.player(14);
    await client.logout();
    const response = await server.adminCall('POST', '/admin/grants', { opId: 'items-only-14', playerId: 14, items: [{ templateId: 3, count: 2 }] }, { token: '', headers: { authorization: `bearer ${TEST_ADMIN_TOKEN}` } });
    assert.equal(response.status, 200, JSON.stringify(response.json));
    assert.deepEqual(server.inventoryInDatabase(14).itemIds.length, 1, 'the item is in the database');
  });

  it('applies a key sent ten times at once exactly once', async () => {
    const client = await server.player(13);
    const answers = await Promise.all(Array.from({ length: 10 }, () => post({ opId: 'race-13', playerId: 13, gold: 5, items: [] })));
    assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200));
    assert.equal(answers.filter((a) => a.json.replayed === false).length, 1, 'one applied, nine replayed');
    await inventoryOf(client, 5);
    await client.close();
  });

  it('refuses bad requests clearly and grants nothing', async () => {
    assert.equal((await post({ opId: 'x-1', playerId: 12, gold: 1, items: [] }, '')).status, 401);
    assert.equal((await post({ opId: 'x-1', playerId: 12, gold: 1, items: [] }, 'wrong-token-0123456789')).status, 401);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post({ opId: 'has spaces', playerId: 12, gold: 1, items: [] })).status, 400);
    assert.equal((await post({ opId: 'x-2', playerId: 12, gold: 1.5, items: [] })).status, 400);
    // Malformed bodies are the caller's fault (400 with a code), never a storage fault (503).
    for (const body of [{ opId: 'x-6', playerId: 12, items: [null] }, { opId: 'x-7', playerId: 12, items: 'sword' }, { opId: 'x-8', playerId: 12, items: [7] }]) {
      const answer = await post(body);
      assert.deepEqual([answer.status, answer.json.code], [400, 'INVALID_REQUEST'], JSON.stringify(body));
    }
    const mail = await server.admin('/admin/mail', { opId: 'x-9', to: 12, items: [null] });
    assert.deepEqual([mail.status, mail.json.code], [400, 'INVALID_REQUEST']);
    const negative = await post({ opId: 'x-3', playerId: 12, gold: -5, items: [] });
    assert.deepEqual([negative.status, negative.json.reason], [409, 'NEGATIVE_GOLD']);
    const nobody = await post({ opId: 'x-4', playerId: 999, gold: 5, items: [] });
    assert.deepEqual([nobody.status, nobody.json.reason], [409, 'UNKNOWN_PLAYER']);
    const badStack = await post({ opId: 'x-5', playerId: 12, gold: 0, items: [{ templateId: 0, count: 1 }] });
    assert.deepEqual([badStack.status, badStack.json.reason], [409, 'BAD_STACK']);
    const back = await server.player(12);
    await inventoryOf(back, 40); // unchanged
    await back.close();
  });

  it('is off without ADMIN_TOKEN', async () => {
    const plain = await startTestServer({ ADMIN_TOKEN: '' });
    try {
      const response = await fetch(`http://127.0.0.1:${plain.metricsPort}/admin/grants`, { method: 'POST', body: '{}' });
      assert.equal(response.status, 404);
      assert.match(await response.text(), /ADMIN_TOKEN/);
    } finally {
      await plain.stop();
    }
  });
});
