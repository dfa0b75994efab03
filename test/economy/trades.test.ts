/**
 * Trades through the protocol: a real server, SDK clients, the database deciding. Gold and items
 * move only when both players accepted, exactly once, and are conserved; bad requests are
 * refused with a reason and change nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RequestRefusedError, type ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

describe('trades', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ ZONES: '1:1000x1000', MAX_SPEED_MPS: '1000' });
  });
  after(() => server.stop());

  let grants = 0;
  const grant = (playerId: number, gold: number, items: { templateId: number; count: number }[] = []): Promise<void> => server.grant(`test-grant-${++grants}`, playerId, gold, items);


  /** Two players next to each other, with what the grants gave them. */
  async function pair(aId: number, bId: number, aGold: number, bGold: number, aItems: { templateId: number; count: number }[] = []): Promise<[ZoneClient, ZoneClient]> {
    const a = await server.player(aId);
    const b = await server.player(bId);
    await grant(aId, aGold, aItems);
    if (bGold > 0) await grant(bId, bGold);
    await until(a, () => a.inventory?.gold === aGold && a.inventory.items.length === aItems.length, 'a’s inventory');
    await until(b, () => b.inventory?.gold === bGold, 'b’s inventory');
    return [a, b];
  }

  /** The reason a trade step was refused, from the rejection of its promise. */
  function refusal(request: Promise<unknown>): Promise<string> {
    return request.then(
      () => assert.fail('the request was answered, not refused'),
      (err: unknown) => {
        assert.ok(err instanceof RequestRefusedError, String(err));
        assert.equal(err.code, ErrorCode.ERROR_CODE_TRADE_REFUSED);
        return err.reason;
      },
    );
  }

  it('answers each trade step through its promise: the window it changed, or the result', async () => {
    const [a, b] = await pair(29, 30, 40, 0);
    const partnerSaw = b.next('trade');
    const opened = await a.tradeOpen(b.self?.entityId as number);
    assert.notEqual(opened.seq, 0, 'the window answers the open');
    assert.equal((await partnerSaw).seq, 0, 'the partner’s copy answers none of its requests');
    assert.equal((await a.tradeOffer(15)).mine?.gold, 15);
    assert.deepEqual([(await a.tradeLock()).mine?.locked, (await b.tradeLock()).theirs?.locked], [true, true]);
    const first = await a.tradeAccept();
    assert.deepEqual([first.mine?.accepted, first.committing], [true, false]);
    const ended = a.tradeEnded(opened.tradeId);
    assert.equal((await b.tradeAccept()).committing, true, 'the second accept starts the commit');
    const result = await ended;
    assert.deepEqual([result.ok, result.reason], [true, 'COMMITTED']);
    await until(b, () => b.inventory?.gold === 15, 'b with the gold');
    assert.deepEqual(server.inventoryInDatabase(30), { gold: 15, itemIds: [] });

    const again = await b.tradeOpen(a.self?.entityId as number);
    const cancelled = await a.tradeCancel();
    assert.deepEqual([cancelled.tradeId, cancelled.ok, cancelled.reason], [again.tradeId, false, 'CANCELLED']);
    await Promise.all([a.close(), b.close()]);
  });

  it('moves gold and items once both accepted, and conserves them', async () => {
    const [a, b] = await pair(21, 22, 100, 50, [{ templateId: 1, count: 1 }, { templateId: 2, count: 5 }]);
    const sword = a.inventory?.items.find((item) => item.templateId === 1)?.itemId as number;
    a.tradeOpen(b.self?.entityId as number);
    await b.next('trade');
    a.tradeOffer(30, [sword]);
    await b.next('trade', (t) => t.theirs?.gold === 30);
    b.tradeOffer(10);
    await a.next('trade', (t) => t.theirs?.gold === 10);
    // Two sessions' requests reach the zone in no fixed order: accept once both locks are in.
    const bothLocked = a.next('trade', (t) => t.mine?.locked === true && t.theirs?.locked === true);
    a.tradeLock();
    b.tradeLock();
    await bothLocked;
    a.tradeAccept();
    await b.next('trade', (t) => t.theirs?.accepted === true);
    const results = Promise.all([a.next('tradeResult'), b.next('tradeResult')]);
    b.tradeAccept();
    for (const result of await results) assert.deepEqual([result.ok, result.reason], [true, 'COMMITTED']);
    await until(a, () => a.inventory?.gold === 80, 'a: 100 - 30 + 10');
    await until(b, () => b.inventory?.gold === 70 && b.inventory.items.length === 1, 'b: 50 - 10 + 30, and the sword');
    assert.equal(b.inventory?.items[0]?.itemId, sword);
    assert.deepEqual(a.inventory?.items.map((item) => item.templateId), [2]);
    await Promise.all([a.close(), b.close()]);
  });

  it('unlocks both when an offer changes after locking, and accepts only locked offers', async () => {
    const [a, b] = await pair(23, 24, 10, 10);
    a.tradeOpen(b.self?.entityId as number);
    await b.next('trade');
    a.tradeOffer(5);
    // Locks only after the offer: a lock that overtook it would be undone by it.
    await b.next('trade', (t) => t.theirs?.gold === 5);
    const bothLocked = a.next('trade', (t) => t.mine?.locked === true && t.theirs?.locked === true);
    a.tradeLock();
    b.tradeLock();
    await bothLocked;
    a.tradeOffer(6);
    const unlocked = await b.next('trade', (t) => t.theirs?.gold === 6);
    assert.deepEqual([unlocked.mine?.locked, unlocked.theirs?.locked], [false, false]);
    assert.equal(await refusal(a.tradeAccept()), 'NOT_LOCKED');
    const cancelled = b.next('tradeResult');
    a.tradeCancel();
    assert.deepEqual([(await cancelled).ok, (await cancelled).reason], [false, 'CANCELLED']);
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses what a player does not have, trading with itself, and amounts past the limits', async () => {
    const [a, b] = await pair(25, 26, 20, 0, [{ templateId: 3, count: 1 }]);
    const gem = a.inventory?.items[0]?.itemId as number;
    assert.equal(await refusal(a.tradeOpen(a.self?.entityId as number)), 'SAME_PLAYER');
    assert.equal(await refusal(a.tradeOffer(1)), 'NO_TRADE');
    a.tradeOpen(b.self?.entityId as number);
    await b.next('trade');
    assert.equal(await refusal(a.tradeOffer(21)), 'INSUFFICIENT_GOLD');
    assert.equal(await refusal(b.tradeOffer(0, [gem])), 'ITEM_NOT_OWNED', 'not yours');
    assert.equal(await refusal(a.tradeOffer(2_000_000_000)), 'GOLD_OVER_LIMIT');
    assert.equal(await refusal(a.tradeOffer(1, [gem, gem])), 'DUPLICATE_ITEM');
    assert.equal(await refusal(a.tradeOffer(0, Array.from({ length: 33 }, (_, i) => i + 1))), 'TOO_MANY_ITEMS');
    assert.equal(await refusal(b.tradeOpen(a.self?.entityId as number)), 'BUSY');
    const cancelled = Promise.all([a.next('tradeResult'), b.next('tradeResult')]);
    a.tradeCancel();
    await cancelled;
    assert.deepEqual(server.inventoryInDatabase(25), { gold: 20, itemIds: [gem] }, 'nothing changed in the database');
    assert.deepEqual(server.inventoryInDatabase(26), { gold: 0, itemIds: [] });
    await Promise.all([a.close(), b.close()]);
  });

  it('cancels an open trade when the players walk apart or one disconnects', async () => {
    const [a, b] = await pair(27, 28, 5, 5);
    a.tradeOpen(b.self?.entityId as number);
    await b.next('trade');
    const apart = Promise.all([a.next('tradeResult'), b.next('tradeResult')]);
    a.move((a.self?.x ?? 0) + 20, a.self?.y ?? 0, 0);
    for (const result of await apart) assert.deepEqual([result.ok, result.reason], [false, 'OUT_OF_RANGE']);

    a.move((a.self?.x ?? 0) - 20, a.self?.y ?? 0, 0);
    await until(b, () => b.entities.get(a.self?.entityId as number)?.x === a.self?.x, 'a back next to b');
    b.tradeOpen(a.self?.entityId as number);
    await a.next('trade');
    const left = a.next('tradeResult');
    await b.close();
    assert.deepEqual([(await left).ok, (await left).reason], [false, 'PARTNER_LEFT']);
    assert.deepEqual([server.inventoryInDatabase(27).gold, server.inventoryInDatabase(28).gold], [5, 5], 'nothing moved in the database');
    await a.close();
  });
});
