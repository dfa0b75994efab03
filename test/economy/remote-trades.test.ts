/**
 * Trades between players of different zones: the gateway runs the window, both zones escrow,
 * the database decides. Gold and items move once; a refusal or a zone going down moves nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until, within } from '../helpers/wait.ts';

describe('trades across zones', () => {
  let server: TestServer;
  before(async () => {
    // Two zones: odd player ids in zone 1, even ones in zone 2.
    server = await startTestServer({ ZONES: '2', ZONE_RESTART_DELAY_MS: '0' });
  });
  after(() => server.stop());

  let grants = 0;
  const grant = (playerId: number, gold: number, items: { templateId: number; count: number }[] = []): Promise<void> => server.grant(`remote-grant-${++grants}`, playerId, gold, items);


  async function lockAndAccept(a: ZoneClient, b: ZoneClient): Promise<void> {
    const bothLocked = a.next('trade', (t) => t.mine?.locked === true && t.theirs?.locked === true);
    a.tradeLock();
    b.tradeLock();
    await bothLocked;
    const accepted = b.next('trade', (t) => t.theirs?.accepted === true);
    a.tradeAccept();
    await accepted;
    b.tradeAccept();
  }

  it('answers each step of a trade across zones through its promise', async () => {
    const a = await server.player(51);
    const b = await server.player(52);
    await grant(51, 30);
    await until(a, () => a.inventory?.gold === 30, 'a’s gold');
    const opened = await a.tradeOpenWith(52);
    assert.notEqual(opened.seq, 0);
    assert.equal((await a.tradeOffer(12)).mine?.gold, 12);
    assert.deepEqual([(await a.tradeLock()).mine?.locked, (await b.tradeLock()).theirs?.locked], [true, true]);
    assert.equal((await a.tradeAccept()).mine?.accepted, true);
    const ended = b.tradeEnded(opened.tradeId);
    assert.equal((await b.tradeAccept()).mine?.accepted, true);
    const result = await within(ended, 'the trade’s result');
    assert.deepEqual([result.ok, result.reason], [true, 'COMMITTED']);
    await eventually(async () => server.inventoryInDatabase(52).gold === 12, 'the database to hold b’s gold');
    await assert.rejects(a.tradeAccept(), (err: Error & { reason?: string }) => err.reason === 'NO_TRADE');
    await Promise.all([a.close(), b.close()]);
  });

  it('moves gold and items between zones once both accepted', async () => {
    const a = await server.player(41);
    const b = await server.player(42);
    assert.notEqual(a.self?.zoneId, b.self?.zoneId);
    await grant(41, 100, [{ templateId: 5, count: 1 }]);
    await grant(42, 20);
    await until(a, () => a.inventory?.gold === 100 && a.inventory.items.length === 1, 'a’s goods');
    await until(b, () => b.inventory?.gold === 20, 'b’s gold');
    const shield = a.inventory?.items[0]?.itemId as number;

    const opened = b.next('trade');
    a.tradeOpenWith(42);
    assert.equal((await opened).partnerPlayerId, 41);
    const offered = b.next('trade', (t) => t.theirs?.gold === 30);
    a.tradeOffer(30, [shield]);
    await offered;
    const countered = a.next('trade', (t) => t.theirs?.gold === 5);
    b.tradeOffer(5);
    await countered;
    const results = Promise.all([a.next('tradeResult'), b.next('tradeResult')]);
    await lockAndAccept(a, b);
    for (const result of await results) assert.deepEqual([result.ok, result.reason], [true, 'COMMITTED']);
    await until(a, () => a.inventory?.gold === 75 && a.inventory.items.length === 0, 'a: 100 - 30 + 5, without the shield');
    await until(b, () => b.inventory?.gold === 45 && b.inventory.items[0]?.itemId === shield, 'b: 20 - 5 + 30, with the shield');
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses a partner in the same zone or nowhere, and an offer the zone cannot escrow', async () => {
    const a = await server.player(43);
    const b = await server.player(44);
    const sameZone = a.next('error');
    a.tradeOpenWith(45); // not logged in
    assert.deepEqual([(await sameZone).code, (await sameZone).message], [ErrorCode.ERROR_CODE_TRADE_REFUSED, 'NO_SUCH_PLAYER']);
    const c = await server.player(45); // zone 1, like a
    const refused = a.next('error');
    a.tradeOpenWith(45);
    assert.equal((await refused).message, 'SAME_ZONE');

    // More gold than a holds: the gateway does not know, a's zone refuses to escrow it.
    await until(a, () => a.inventory !== undefined, 'a’s inventory');
    const opened = b.next('trade');
    a.tradeOpenWith(44);
    await opened;
    const offered = b.next('trade', (t) => t.theirs?.gold === 1000);
    a.tradeOffer(1000);
    await offered;
    const results = Promise.all([a.next('tradeResult'), b.next('tradeResult')]);
    await lockAndAccept(a, b);
    for (const result of await results) assert.deepEqual([result.ok, result.reason], [false, 'INSUFFICIENT_GOLD']);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('cancels the trade, moving nothing, when one player’s zone goes down', async () => {
    const a = await server.player(47);
    const b = await server.player(48);
    await grant(47, 10);
    await until(a, () => a.inventory?.gold === 10, 'a’s gold');
    const opened = b.next('trade');
    a.tradeOpenWith(48);
    await opened;
    a.tradeOffer(10);
    const cancelled = a.next('tradeResult');
    const zoneOfB = server.supervisor.zones.find((zone) => zone.id === b.self?.zoneId);
    await zoneOfB?.worker?.terminate();
    assert.deepEqual([(await cancelled).ok, (await cancelled).reason], [false, 'PARTNER_LEFT']);
    assert.deepEqual([server.inventoryInDatabase(47).gold, server.inventoryInDatabase(48).gold], [10, 0], 'nothing moved in the database');
    await a.close();
  });

  it('tells the truth when a zone goes down while the trade is being decided: committed and moved, or refused and nothing moved', async () => {
    // The zone the test before took down has to be back first.
    await eventually(async () => server.supervisor.zones.every((zone) => zone.state === 'running'), 'both zones running');
    const a = await server.player(49);
    const b = await server.player(50);
    await grant(49, 10, [{ templateId: 6, count: 1 }]);
    await until(a, () => a.inventory?.gold === 10 && a.inventory.items.length === 1, 'a’s goods');
    await until(b, () => b.inventory !== undefined, 'b’s inventory');
    const ring = a.inventory?.items[0]?.itemId as number;
    const opened = b.next('trade');
    a.tradeOpenWith(50);
    await opened;
    const offered = b.next('trade', (t) => t.theirs?.gold === 10);
    a.tradeOffer(10, [ring]);
    await offered;
    const result = within(a.next('tradeResult'), 'a’s trade result');
    // b's accept, the last step, starts the commit; b's zone dies at about the same moment, before
    // or after the decision: either outcome is right, as long as a is told the one the database has.
    await lockAndAccept(a, b);
    const zoneOfB = server.supervisor.zones.find((zone) => zone.id === b.self?.zoneId);
    await zoneOfB?.worker?.terminate();
    const told = await result;
    const [inA, inB] = [server.inventoryInDatabase(49), server.inventoryInDatabase(50)];
    if (told.ok) {
      assert.equal(told.reason, 'COMMITTED');
      assert.deepEqual([inA, inB], [{ gold: 0, itemIds: [] }, { gold: 10, itemIds: [ring] }], 'committed: moved once');
    } else {
      assert.ok(['ZONE_RESTARTED', 'PARTNER_LEFT'].includes(told.reason), `refused because b's zone went down, not ${told.reason}`);
      assert.deepEqual([inA, inB], [{ gold: 10, itemIds: [ring] }, { gold: 0, itemIds: [] }], 'refused: nothing moved');
    }
    await a.close();
  });
});
