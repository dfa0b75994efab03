/**
 * The economy's contract (docs/architecture.md: R9, invariants 2–4), run against both backends through a real
 * store worker and StoreClient: SQLite in a temporary directory, and MySQL in a fresh database on
 * MYSQL_URL's server or a throwaway MariaDB (test/helpers/mysql.ts). The database is also read
 * directly, to check what was committed rather than what the store says.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import type { Backend } from '../../src/storage/character-store.ts';
import type { StoreClient } from '../../src/storage/store-client.ts';
import { eventually } from '../helpers/wait.ts';
import { startStore, stateFor, type RunningStore } from './running-store.ts';
import { queryTargets, type QueryTarget, type Row } from './store-targets.ts';
import type { EconomyResult, Inventory, Item, TradeRequest } from '../../src/storage/economy-store.ts';
import { EconomyRefusals, NameRefusals } from '../../src/protocol/reasons.ts';
import { EconomyLimits } from '../../src/config/limits.ts';
import { checkCharacterName } from '../../src/economy/character-names.ts';

const targets = await queryTargets('zone-economy-');

it('checks character names with one rule per refusal', () => {
  for (const ok of ['Bob', 'bob', 'Zed42', 'A'.repeat(16), 'Modest', 'Gmork']) assert.equal(checkCharacterName(ok), undefined, ok);
  const refused: [string, string][] = [
    ['', NameRefusals.tooShort],
    ['Al', NameRefusals.tooShort],
    ['A'.repeat(17), NameRefusals.tooLong],
    ['Bob Smith', NameRefusals.badCharacter],
    ['Bob_1', NameRefusals.badCharacter],
    ['Zoë', NameRefusals.badCharacter],
    ['42Bob', NameRefusals.mustStartWithLetter],
    ['Admin', NameRefusals.reserved],
    ['GAMEMASTER', NameRefusals.reserved],
    ['mod', NameRefusals.reserved],
    ['SystemNotice', NameRefusals.reserved],
    ['AdminBob', NameRefusals.reserved],
  ];
  for (const [name, reason] of refused) assert.equal(checkCharacterName(name), reason, name);
});

for (const [backend, maybeTarget] of Object.entries(targets) as [Backend, QueryTarget | undefined][]) {
  describe(`${backend} economy`, { skip: maybeTarget ? false : 'MySQL unavailable (see the warning above)' }, () => {
    if (!maybeTarget) return;
    const target = maybeTarget;
    let store: RunningStore;
    let client: StoreClient;
    let nextOp = 0;
    const opId = (what: string): string => `${what}-${++nextOp}`;

    before(async () => {
      store = await startStore(target.env);
      client = store.client;
      await client.migrate();
    });
    after(async () => {
      await store?.stop();
      await target.dispose();
    });

    /** Creates player `id` (named P<id>) with `gold` and one item of each template; resolves to the item ids. */
    async function newPlayer(id: number, gold: number, templates: readonly number[] = []): Promise<number[]> {
      const created = await client.createCharacter(id, `P${id}`, stateFor(id));
      assert.equal(created.ok, true, `create P${id}`);
      if (gold === 0 && templates.length === 0) return [];
      const granted = await client.grant({ opId: `seed-${id}`, playerId: id, gold, items: templates.map((templateId) => ({ templateId, count: 1 })) });
      assert.ok(granted.ok && !granted.replayed);
      return granted.items.map((item) => item.itemId);
    }

    async function inventory(playerId: number): Promise<Inventory> {
      const found = await client.loadInventory(playerId);
      assert.ok(found, `player ${playerId} has an inventory`);
      return found;
    }

    const itemIds = (inv: Inventory): number[] => inv.items.map((item) => item.itemId);

    /** Gold in wallets and unclaimed mail, and item counts by template, straight from the database. */
    async function totals(): Promise<{ gold: number; items: Map<number, number> }> {
      const [wallets] = await target.query('SELECT COALESCE(SUM(gold), 0) AS gold FROM wallets');
      const [mail] = await target.query("SELECT COALESCE(SUM(gold), 0) AS gold FROM mail WHERE status = 'unclaimed'");
      const items = await target.query('SELECT template_id, SUM(count) AS count FROM items GROUP BY template_id');
      return { gold: Number(wallets?.gold) + Number(mail?.gold), items: new Map(items.map((r) => [Number(r.template_id), Number(r.count)])) };
    }

    async function ledgerRow(id: string): Promise<Row | undefined> {
      return (await target.query('SELECT op_id, kind, outcome, reason, player_a, player_b, gold_from_a, gold_from_b FROM ledger WHERE op_id = ?', [id]))[0];
    }

    describe('characters', () => {
      it('creates a named character, offline with an empty wallet, that only acquireExisting then logs in', async () => {
        assert.equal(await client.acquireExisting(10, 'node-a'), undefined);
        assert.equal(await client.load(10), undefined, 'acquireExisting creates nothing');
        const created = await client.createCharacter(10, 'Alice', stateFor(10));
        assert.ok(created.ok && !created.replayed);
        assert.equal(created.character.name, 'Alice');
        assert.deepEqual(await client.load(10), created.character);
        assert.equal(created.character.online, false);
        assert.deepEqual(await client.loadInventory(10), { playerId: 10, gold: 0, items: [] });
        assert.deepEqual(await client.acquireExisting(10, 'node-a'), { playerId: 10, name: 'Alice', epoch: 1, created: false, state: stateFor(10) });
        assert.equal((await client.load(10))?.online, true);
        // The old log-in path still works on it and does not take it for new.
        assert.deepEqual(await client.acquire(10, 'node-b', stateFor(99)), { playerId: 10, name: 'Alice', epoch: 2, created: false, state: stateFor(10) });
      });

      it("refuses a taken name case-insensitively ('Bob' then 'bob'), and a second character, and replays a retried creation", async () => {
        const bob = await client.createCharacter(11, 'Bob', stateFor(11));
        assert.ok(bob.ok);
        assert.deepEqual(await client.createCharacter(12, 'bob', stateFor(12)), { ok: false, reason: 'NAME_TAKEN' });
        assert.deepEqual(await client.createCharacter(12, 'BOB', stateFor(12)), { ok: false, reason: 'NAME_TAKEN' });
        assert.equal(await client.load(12), undefined);
        assert.deepEqual(await client.createCharacter(11, 'Robert', stateFor(11)), { ok: false, reason: 'HAS_CHARACTER' });
        assert.deepEqual(await client.createCharacter(11, 'Bob', stateFor(11)), { ok: true, replayed: true, character: bob.character });
        // Two creations of one name in one group: the first wins.
        const [first, second] = await Promise.all([client.createCharacter(13, 'Carol', stateFor(13)), client.createCharacter(14, 'CAROL', stateFor(14))]);
        assert.equal(first.ok, true);
        assert.deepEqual(second, { ok: false, reason: 'NAME_TAKEN' });
      });

      it('refuses names that break the rules, each with its reason, before the database', async () => {
        for (const [name, reason] of [
          ['Al', 'NAME_TOO_SHORT'],
          ['Bob Smith', 'NAME_BAD_CHARACTER'],
          ['9Lives', 'NAME_MUST_START_WITH_LETTER'],
          ['Moderator', 'NAME_RESERVED'],
          ['X'.repeat(17), 'NAME_TOO_LONG'],
        ]) {
          assert.deepEqual(await client.createCharacter(15, name as string, stateFor(15)), { ok: false, reason }, name);
        }
        assert.equal(await client.load(15), undefined);
      });

      it('gives a character made by the old acquire path a wallet', async () => {
        await client.acquire(16, 'node-a', stateFor(16));
        assert.deepEqual(await client.loadInventory(16), { playerId: 16, gold: 0, items: [] });
        assert.equal(await client.loadInventory(17), undefined);
      });
    });

    describe('trades', () => {
      it('moves gold and items both ways in one transaction, writes the ledger, and conserves everything', async () => {
        const itemsA = await newPlayer(100, 1000, [1, 2]);
        const itemsB = await newPlayer(101, 500, [3]);
        const before = await totals();
        const request: TradeRequest = { opId: opId('trade'), a: 100, b: 101, goldFromA: 300, goldFromB: 20, itemsFromA: [itemsA[1] as number], itemsFromB: itemsB };
        const result = await client.trade(request);
        assert.deepEqual(result, {
          ok: true,
          opId: request.opId,
          replayed: false,
          a: 100,
          b: 101,
          goldFromA: 300,
          goldFromB: 20,
          itemsFromA: [{ itemId: itemsA[1], templateId: 2, count: 1 }],
          itemsFromB: [{ itemId: itemsB[0], templateId: 3, count: 1 }],
        });
        const a = await inventory(100);
        const b = await inventory(101);
        assert.equal(a.gold, 720);
        assert.equal(b.gold, 780);
        assert.deepEqual(itemIds(a), [itemsA[0], itemsB[0]].sort((x, y) => (x as number) - (y as number)));
        assert.deepEqual(itemIds(b), [itemsA[1]]);
        assert.deepEqual(await totals(), before);
        const row = await ledgerRow(request.opId);
        assert.deepEqual(
          { ...row, player_a: Number(row?.player_a), player_b: Number(row?.player_b), gold_from_a: Number(row?.gold_from_a), gold_from_b: Number(row?.gold_from_b) },
          { op_id: request.opId, kind: 'trade', outcome: 'committed', reason: null, player_a: 100, player_b: 101, gold_from_a: 300, gold_from_b: 20 },
        );
      });

      it('replays a retried trade: the first result, nothing applied again; the same opId for another trade is refused', async () => {
        const [item] = await newPlayer(110, 100, [1]);
        await newPlayer(111, 100);
        const request: TradeRequest = { opId: opId('trade'), a: 110, b: 111, goldFromA: 10, goldFromB: 0, itemsFromA: [item as number], itemsFromB: [] };
        const first = await client.trade(request);
        assert.ok(first.ok);
        const after = [await inventory(110), await inventory(111)];
        const replayed = await client.trade({ ...request });
        assert.deepEqual(replayed, { ...first, replayed: true });
        assert.deepEqual([await inventory(110), await inventory(111)], after);
        const reused = await client.trade({ ...request, goldFromA: 11, itemsFromA: [] });
        assert.deepEqual(reused, { ok: false, opId: request.opId, replayed: false, reason: 'OP_ID_REUSED' });
        assert.deepEqual([await inventory(110), await inventory(111)], after);
        assert.equal((await target.query('SELECT COUNT(*) AS n FROM ledger WHERE op_id = ?', [request.opId]))[0]?.n, 1);
        const counted = await store.metric('store_economy_ops_total', { op: 'trade', outcome: 'replayed' });
        assert.ok(counted >= 1);
      });

      it("refuses, changing nothing, what the database's rows forbid, and replays the refusal", async () => {
        const [itemA] = await newPlayer(120, 50, [1]);
        const [itemC] = await newPlayer(122, 50, [1]);
        await newPlayer(121, 50);
        const before = await Promise.all([120, 121, 122].map(inventory));
        const base = { a: 120, b: 121, goldFromA: 0, goldFromB: 0, itemsFromA: [] as number[], itemsFromB: [] as number[] };
        const cases: [Omit<TradeRequest, 'opId'>, string][] = [
          [{ ...base, goldFromA: 51 }, 'INSUFFICIENT_GOLD'],
          [{ ...base, goldFromA: 10, goldFromB: 51, itemsFromA: [itemA as number] }, 'INSUFFICIENT_GOLD'],
          [{ ...base, itemsFromA: [itemC as number] }, 'ITEM_NOT_OWNED'],
          [{ ...base, itemsFromB: [itemA as number] }, 'ITEM_NOT_OWNED'],
          [{ ...base, itemsFromA: [999_999] }, 'ITEM_NOT_OWNED'],
          [{ ...base, b: 129, goldFromA: 1 }, 'UNKNOWN_PLAYER'],
        ];
        const ids: string[] = [];
        for (const [request, reason] of cases) {
          const id = opId('refused');
          ids.push(id);
          assert.deepEqual(await client.trade({ opId: id, ...request }), { ok: false, opId: id, replayed: false, reason }, reason);
          assert.equal((await ledgerRow(id))?.outcome, 'refused');
        }
        assert.deepEqual(await Promise.all([120, 121, 122].map(inventory)), before);
        // A retry gets the first answer even once it would now succeed.
        await client.grant({ opId: opId('grant'), playerId: 120, gold: 100, items: [] });
        assert.deepEqual(await client.trade({ opId: ids[0] as string, ...(cases[0] as [Omit<TradeRequest, 'opId'>, string])[0] }), {
          ok: false,
          opId: ids[0],
          replayed: true,
          reason: 'INSUFFICIENT_GOLD',
        });
        assert.equal((await inventory(120)).gold, 150);
      });

      it('refuses bad requests before the database: itself, negative, over the limit, duplicates, too many, nothing', async () => {
        const [item] = await newPlayer(130, 100, [1]);
        await newPlayer(131, 100);
        const base = { a: 130, b: 131, goldFromA: 1, goldFromB: 0, itemsFromA: [] as number[], itemsFromB: [] as number[] };
        const refusedBefore = await store.metric('store_economy_ops_total', { op: 'trade', outcome: 'refused' });
        const cases: [Omit<TradeRequest, 'opId'>, string][] = [
          [{ ...base, b: 130 }, EconomyRefusals.samePlayer],
          [{ ...base, goldFromA: -5 }, EconomyRefusals.negativeGold],
          [{ ...base, goldFromB: EconomyLimits.maxGoldPerOp + 1 }, EconomyRefusals.goldOverLimit],
          [{ ...base, itemsFromA: [item as number, item as number] }, EconomyRefusals.duplicateItem],
          [{ ...base, itemsFromA: [item as number], itemsFromB: [item as number] }, EconomyRefusals.duplicateItem],
          [{ ...base, itemsFromA: Array.from({ length: EconomyLimits.maxItemsPerOp + 1 }, (_, i) => i + 1) }, EconomyRefusals.tooManyItems],
          [{ ...base, goldFromA: 0 }, EconomyRefusals.nothingToDo],
        ];
        for (const [request, reason] of cases) {
          const id = opId('bad');
          assert.deepEqual(await client.trade({ opId: id, ...request }), { ok: false, opId: id, replayed: false, reason }, reason);
          assert.equal(await ledgerRow(id), undefined, 'never reached the database');
        }
        assert.equal(await store.metric('store_economy_ops_total', { op: 'trade', outcome: 'refused' }), refusedBefore + cases.length);
        await assert.rejects(client.trade({ opId: opId('bad'), ...base, goldFromA: 1.5 }), { name: 'StoreError', code: 'STORE_BAD_REQUEST' });
        await assert.rejects(client.trade({ opId: 'has space', ...base }), { name: 'StoreError', code: 'STORE_BAD_REQUEST' });
        assert.equal((await inventory(130)).gold, 100);
      });

      it('lets only one of two trades racing for the same item win', async () => {
        const [item] = await newPlayer(140, 0, [7]);
        await newPlayer(141, 0);
        await newPlayer(142, 0);
        const results = await Promise.all([141, 142].map((b) => client.trade({ opId: opId('race'), a: 140, b, goldFromA: 0, goldFromB: 0, itemsFromA: [item as number], itemsFromB: [] })));
        assert.deepEqual(results.map((r) => r.ok).sort(), [false, true]);
        const loser = results.find((r) => !r.ok);
        assert.equal(loser && !loser.ok && loser.reason, 'ITEM_NOT_OWNED');
        const winner = results.findIndex((r) => r.ok) === 0 ? 141 : 142;
        assert.deepEqual(itemIds(await inventory(winner)), [item]);
        assert.deepEqual(itemIds(await inventory(winner === 141 ? 142 : 141)), []);
        assert.deepEqual(itemIds(await inventory(140)), []);
      });

      it('applies two concurrent trades of the same player against each other, refusing what would overdraw', async () => {
        await newPlayer(150, 100);
        await newPlayer(151, 0);
        await newPlayer(152, 0);
        const trade = (b: number, gold: number): Promise<EconomyResult> => client.trade({ opId: opId('same'), a: 150, b, goldFromA: gold, goldFromB: 0, itemsFromA: [], itemsFromB: [] });
        const both = await Promise.all([trade(151, 40), trade(152, 50)]);
        assert.ok(both.every((r) => r.ok));
        const racing = await Promise.all([trade(151, 8), trade(152, 8)]);
        assert.deepEqual(racing.map((r) => r.ok).sort(), [false, true]);
        assert.deepEqual([(await inventory(150)).gold, (await inventory(151)).gold + (await inventory(152)).gold], [2, 98]);
      });
    });

    describe('grants', () => {
      it('applies 10 concurrent grants with one key once, and answers all 10 with the first result', async () => {
        await newPlayer(200, 0);
        const other = store.handle.connect();
        try {
          const before = await totals();
          const request = { opId: opId('grant'), playerId: 200, gold: 25, items: [{ templateId: 9, count: 3 }] };
          // From two clients, so they arrive in separate messages as well as in one.
          const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? client : other).grant({ ...request })));
          const first = results.find((r) => r.ok && !r.replayed);
          assert.ok(first && first.ok);
          assert.equal(results.filter((r) => !r.replayed).length, 1);
          for (const r of results) assert.deepEqual(r, { ...first, replayed: r.replayed });
          const inv = await inventory(200);
          assert.equal(inv.gold, 25);
          assert.deepEqual(inv.items, first.items);
          const after = await totals();
          assert.equal(after.gold, before.gold + 25);
          assert.equal(after.items.get(9), (before.items.get(9) ?? 0) + 3);
          assert.equal((await target.query('SELECT COUNT(*) AS n FROM ledger WHERE op_id = ?', [request.opId]))[0]?.n, 1);
        } finally {
          await other.close();
        }
      });

      it('refuses a grant to nobody and one past the wallet limit, and bad stacks before the database', async () => {
        await newPlayer(210, 0);
        const refuse = async (request: Parameters<StoreClient['grant']>[0], reason: string): Promise<void> => {
          assert.deepEqual(await client.grant(request), { ok: false, opId: request.opId, replayed: false, reason });
        };
        await refuse({ opId: opId('g'), playerId: 219, gold: 1, items: [] }, 'UNKNOWN_PLAYER');
        await refuse({ opId: opId('g'), playerId: 210, gold: 0, items: [{ templateId: 1, count: 0 }] }, 'BAD_STACK');
        await refuse({ opId: opId('g'), playerId: 210, gold: 0, items: [{ templateId: 0, count: 1 }] }, 'BAD_STACK');
        await refuse({ opId: opId('g'), playerId: 210, gold: 0, items: [] }, 'NOTHING_TO_DO');
        // Near the limit (set directly: it would take a million grants of the most one may move).
        await target.query('UPDATE wallets SET gold = ? WHERE player_id = ?', [EconomyLimits.maxGoldBalance - 10, 210]);
        await refuse({ opId: opId('g'), playerId: 210, gold: 11, items: [] }, 'WALLET_FULL');
        assert.equal((await inventory(210)).gold, EconomyLimits.maxGoldBalance - 10);
      });
    });

    describe('mail', () => {
      it('moves gold and items into a mail, lets only its recipient claim it, once, and replays the claim', async () => {
        const items = await newPlayer(300, 100, [4, 5]);
        await newPlayer(301, 0);
        await newPlayer(302, 0);
        const before = await totals();
        const sent = await client.sendMail({ opId: opId('send'), from: 300, to: 301, gold: 30, itemIds: [items[0] as number] });
        assert.ok(sent.ok);
        assert.deepEqual(sent.mail.items, [{ itemId: items[0], templateId: 4, count: 1 }]);
        assert.deepEqual(await client.listMail(301), [sent.mail]);
        assert.deepEqual(await client.listMail(300), []);
        const sender = await inventory(300);
        assert.equal(sender.gold, 70);
        assert.deepEqual(itemIds(sender), [items[1]]);
        assert.deepEqual(await totals(), before, 'gold and items in the mail still count');

        const byOther = await client.claimMail({ opId: opId('claim'), mailId: sent.mail.mailId, playerId: 302 });
        assert.equal(!byOther.ok && byOther.reason, 'MAIL_NOT_YOURS');
        const claimId = opId('claim');
        const claimed = await client.claimMail({ opId: claimId, mailId: sent.mail.mailId, playerId: 301 });
        assert.deepEqual(claimed, { ok: true, opId: claimId, replayed: false, mailId: sent.mail.mailId, playerId: 301, gold: 30, items: sent.mail.items });
        assert.deepEqual(await client.claimMail({ opId: claimId, mailId: sent.mail.mailId, playerId: 301 }), { ...claimed, replayed: true });
        const again = await client.claimMail({ opId: opId('claim'), mailId: sent.mail.mailId, playerId: 301 });
        assert.equal(!again.ok && again.reason, 'MAIL_CLAIMED');
        const recipient = await inventory(301);
        assert.equal(recipient.gold, 30);
        assert.deepEqual(recipient.items, sent.mail.items);
        assert.deepEqual(await inventory(302), { playerId: 302, gold: 0, items: [] });
        assert.deepEqual(await client.listMail(301), []);
        assert.deepEqual(await totals(), before);
      });

      it('creates system mail attachments on send and hands them over on claim', async () => {
        await newPlayer(310, 0);
        const before = await totals();
        const sent = await client.sendMail({ opId: opId('system'), to: 310, gold: 500, newItems: [{ templateId: 8, count: 20 }] });
        assert.ok(sent.ok);
        assert.equal(sent.mail.from, null);
        const afterSend = await totals();
        assert.equal(afterSend.gold, before.gold + 500);
        assert.equal(afterSend.items.get(8), (before.items.get(8) ?? 0) + 20);
        assert.deepEqual(await inventory(310), { playerId: 310, gold: 0, items: [] });
        const claimed = await client.claimMail({ opId: opId('claim'), mailId: sent.mail.mailId, playerId: 310 });
        assert.ok(claimed.ok);
        assert.deepEqual(await inventory(310), { playerId: 310, gold: 500, items: sent.mail.items });
        assert.deepEqual(await totals(), afterSend);
      });

      it('refuses mail it cannot deliver or take, changing nothing', async () => {
        const [item] = await newPlayer(320, 10, [1]);
        await newPlayer(321, 0);
        const before = await inventory(320);
        const refused = async (result: Promise<EconomyResult>, reason: string): Promise<void> => {
          const r = await result;
          assert.equal(!r.ok && r.reason, reason);
        };
        await refused(client.sendMail({ opId: opId('m'), from: 320, to: 329, gold: 1 }), 'UNKNOWN_PLAYER');
        await refused(client.sendMail({ opId: opId('m'), from: 320, to: 321, gold: 11 }), 'INSUFFICIENT_GOLD');
        await refused(client.sendMail({ opId: opId('m'), from: 321, to: 320, gold: 0, itemIds: [item as number] }), 'ITEM_NOT_OWNED');
        await refused(client.sendMail({ opId: opId('m'), from: 320, to: 320, gold: 1 }), 'SAME_PLAYER');
        await refused(client.claimMail({ opId: opId('m'), mailId: 987_654, playerId: 320 }), 'UNKNOWN_MAIL');
        await assert.rejects(client.sendMail({ opId: opId('m'), from: 320, to: 321, gold: 0, newItems: [{ templateId: 1, count: 1 }] }), { code: 'STORE_BAD_REQUEST' });
        await assert.rejects(client.sendMail({ opId: opId('m'), to: 321, gold: 0, itemIds: [item as number] }), { code: 'STORE_BAD_REQUEST' });
        assert.deepEqual(await inventory(320), before);
        assert.deepEqual(await client.listMail(321), []);
      });
    });

    describe('group commit', () => {
      it('commits the operations of one turn in one transaction, rolling back alone (to its savepoint) the one the database refuses', async () => {
        const [item] = await newPlayer(400, 100, [1]);
        await newPlayer(401, 100);
        await newPlayer(402, 100);
        const groupsBefore = await store.metric('store_group_commit_size_count');
        const opsBefore = await store.metric('store_group_commit_size_sum');
        const savepointGroupsBefore = await store.metric('store_group_commit_duration_seconds_count', { mode: 'savepoints' });
        const failedBefore = await store.metric('store_economy_ops_total', { op: 'grant', outcome: 'failed' });
        const doomed = { opId: opId('doomed'), playerId: 402, gold: 5, items: [{ templateId: 2, count: 1 }] };
        await target.query(target.refuseLedgerTrigger(doomed.opId));
        try {
          const [trade, doomedGrant, grant, mail] = await Promise.allSettled([
            client.trade({ opId: opId('g'), a: 400, b: 401, goldFromA: 10, goldFromB: 0, itemsFromA: [item as number], itemsFromB: [] }),
            client.grant(doomed),
            client.grant({ opId: opId('g'), playerId: 401, gold: 7, items: [] }),
            client.sendMail({ opId: opId('g'), to: 400, gold: 3 }),
          ]);
          assert.equal(trade.status === 'fulfilled' && trade.value.ok, true);
          assert.equal(grant.status === 'fulfilled' && grant.value.ok, true);
          assert.equal(mail.status === 'fulfilled' && mail.value.ok, true);
          assert.equal(doomedGrant.status, 'rejected');
          assert.match(String((doomedGrant as PromiseRejectedResult).reason.message), /refused by test trigger/);
        } finally {
          await target.query('DROP TRIGGER test_refuse_op');
        }
        assert.equal((await store.metric('store_group_commit_size_count')) - groupsBefore, 1, 'one group');
        assert.equal((await store.metric('store_group_commit_size_sum')) - opsBefore, 4, 'of all four');
        assert.equal((await store.metric('store_group_commit_duration_seconds_count', { mode: 'savepoints' })) - savepointGroupsBefore, 1);
        assert.equal(await store.metric('store_economy_ops_total', { op: 'grant', outcome: 'failed' }), failedBefore + 1);
        assert.deepEqual([(await inventory(400)).gold, (await inventory(401)).gold, (await inventory(402)).gold], [90, 117, 100]);
        assert.deepEqual(itemIds(await inventory(401)), [item]);
        assert.deepEqual((await inventory(402)).items, [], 'its gold and item, written before its ledger row, were rolled back');
        assert.equal(await ledgerRow(doomed.opId), undefined);
        // It failed, so it is not recorded: a retry applies it.
        const retried = await client.grant(doomed);
        assert.ok(retried.ok && !retried.replayed);
        assert.equal((await inventory(402)).gold, 105);
      });

      it('conserves gold and every template through a randomized run of concurrent trades, grants and mail', async () => {
        const players = Array.from({ length: 24 }, (_, i) => 500 + i);
        const owned = new Map<number, number[]>();
        for (const p of players) owned.set(p, await newPlayer(p, 1000, [11, 12, 13]));
        const before = await totals();
        let seed = 12345;
        const random = (n: number): number => {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          return seed % n;
        };
        const pick = <T>(list: readonly T[]): T => list[random(list.length)] as T;
        const granted = { gold: 0, items: new Map<number, number>() };
        const grantKeys: { opId: string; playerId: number; gold: number; items: { templateId: number; count: number }[] }[] = [];
        const mails: { mailId: number; to: number }[] = [];
        /** Operations the ledger must hold once each: every one committed or refused by the database. */
        const recorded = new Set<string>();
        // Refusals of the request itself are decided before any database work and never recorded.
        const beforeTheDatabase = new Set<string>([
          EconomyRefusals.samePlayer,
          EconomyRefusals.negativeGold,
          EconomyRefusals.goldOverLimit,
          EconomyRefusals.tooManyItems,
          EconomyRefusals.duplicateItem,
          EconomyRefusals.badStack,
          EconomyRefusals.nothingToDo,
        ]);
        const count = (items: readonly Item[]): void => {
          for (const item of items) granted.items.set(item.templateId, (granted.items.get(item.templateId) ?? 0) + item.count);
        };
        const other = store.handle.connect();
        try {
          for (let round = 0; round < 12; round++) {
            const calls: Promise<EconomyResult>[] = [];
            for (let i = 0; i < 40; i++) {
              const via = random(2) === 0 ? client : other;
              const a = pick(players);
              const b = pick(players.filter((p) => p !== a));
              const roll = random(10);
              const id = opId('rnd');
              if (roll < 5) {
                // Ownership as last seen: stale guesses get ITEM_NOT_OWNED, which is fine.
                const give = (owned.get(a) ?? []).slice(0, random(3));
                calls.push(via.trade({ opId: id, a, b, goldFromA: random(120), goldFromB: random(2) * random(50), itemsFromA: give, itemsFromB: [] }));
              } else if (roll < 7) {
                const reuse = grantKeys.length > 0 && random(3) === 0;
                const request = reuse ? pick(grantKeys) : { opId: id, playerId: a, gold: random(30), items: [{ templateId: 11 + random(3), count: 1 + random(4) }] };
                if (!reuse) grantKeys.push(request);
                calls.push(via.grant({ ...request }));
              } else if (roll < 9) {
                const system = random(2) === 0;
                calls.push(
                  system
                    ? via.sendMail({ opId: id, to: b, gold: random(40), newItems: [{ templateId: 13, count: 2 }] })
                    : via.sendMail({ opId: id, from: a, to: b, gold: random(40), itemIds: (owned.get(a) ?? []).slice(-1) }),
                );
              } else if (mails.length > 0) {
                const mail = mails.splice(random(mails.length), 1)[0] as { mailId: number; to: number };
                calls.push(via.claimMail({ opId: id, mailId: mail.mailId, playerId: random(4) === 0 ? a : mail.to }));
              }
            }
            for (const result of await Promise.all(calls)) {
              if (result.ok || !beforeTheDatabase.has(result.reason)) recorded.add(result.opId);
              if (!result.ok || result.replayed) continue;
              if ('playerId' in result && 'items' in result && !('mailId' in result)) {
                granted.gold += result.gold;
                count(result.items);
              } else if ('mail' in result) {
                mails.push({ mailId: result.mail.mailId, to: result.mail.to });
                if (result.mail.from === null) {
                  granted.gold += result.mail.gold;
                  count(result.mail.items);
                }
              }
            }
            for (const p of players) owned.set(p, itemIds(await inventory(p)));
          }
        } finally {
          await other.close();
        }
        const after = await totals();
        assert.equal(after.gold, before.gold + granted.gold, 'gold: before + granted');
        for (const template of [11, 12, 13]) assert.equal(after.items.get(template), (before.items.get(template) ?? 0) + (granted.items.get(template) ?? 0), `template ${template}`);
        const duplicated = await target.query('SELECT op_id FROM ledger GROUP BY op_id HAVING COUNT(*) > 1');
        assert.deepEqual(duplicated, []);
        const owners = await target.query('SELECT COUNT(*) AS n FROM items WHERE (owner_id IS NULL) = (mail_id IS NULL)');
        assert.equal(Number(owners[0]?.n), 0, 'every item has exactly one holder');
        const negative = await target.query('SELECT COUNT(*) AS n FROM wallets WHERE gold < 0');
        assert.equal(Number(negative[0]?.n), 0);
        const ledger = await target.query("SELECT op_id FROM ledger WHERE op_id LIKE 'rnd-%'");
        assert.deepEqual(new Set(ledger.map((row) => String(row.op_id))), recorded, 'the ledger holds every operation the database decided, and no other');
      });
    });

    if (backend === 'mysql') {
      describe('MySQL only', () => {
        it('lets two store workers (two nodes) race trades and grants on one database: row locks and the ledger key decide', async () => {
          const [item] = await newPlayer(600, 100, [1]);
          await newPlayer(601, 0);
          await newPlayer(602, 0);
          const node2 = await startStore(target.env);
          const holder = await createConnection({ uri: target.env.MYSQL_URL as string });
          try {
            // Hold the giver's wallet so that both nodes' transactions are under way and waiting at once.
            await holder.query('START TRANSACTION');
            await holder.query('SELECT gold FROM wallets WHERE player_id = 600 FOR UPDATE');
            const racing = Promise.all([
              client.trade({ opId: opId('n'), a: 600, b: 601, goldFromA: 60, goldFromB: 0, itemsFromA: [item as number], itemsFromB: [] }),
              node2.client.trade({ opId: opId('n'), a: 600, b: 602, goldFromA: 60, goldFromB: 0, itemsFromA: [item as number], itemsFromB: [] }),
            ]);
            await eventually(async () => {
              const [waiting] = await target.query(
                "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE COMMAND = 'Query' AND INFO LIKE '%wallets%' AND INFO NOT LIKE '%PROCESSLIST%'",
              );
              return Number(waiting?.n) === 2;
            }, 'both nodes waiting for the wallet');
            await holder.query('COMMIT');
            const [t1, t2] = await racing;
            assert.deepEqual([t1.ok, t2.ok].sort(), [false, true]);
            assert.equal((await inventory(600)).gold, 40);
            assert.equal((await inventory(601)).items.length + (await inventory(602)).items.length, 1);
            const grant = { opId: opId('n'), playerId: 600, gold: 1, items: [{ templateId: 2, count: 1 }] };
            const grants = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? client : node2.client).grant({ ...grant })));
            assert.equal(grants.filter((r) => r.ok && !r.replayed).length, 1);
            assert.equal((await inventory(600)).gold, 41);
          } finally {
            await holder.end();
            await node2.stop();
          }
        });

        it('retries a group that loses a deadlock, and both sides succeed', async () => {
          await newPlayer(700, 100);
          await newPlayer(701, 100);
          const retriesBefore = await store.metric('store_deadlock_retries_total');
          await target.query('CREATE TABLE IF NOT EXISTS test_ballast (id INT NOT NULL PRIMARY KEY)');
          const other = await createConnection({ uri: target.env.MYSQL_URL as string });
          const probe = await createConnection({ uri: target.env.MYSQL_URL as string });
          try {
            await other.query('START TRANSACTION');
            // Many changed rows make this the heavier transaction, so InnoDB picks the store's as the victim.
            await other.query(`INSERT INTO test_ballast (id) VALUES ${Array.from({ length: 200 }, (_, i) => `(${i})`).join(', ')}`);
            await other.query('SELECT gold FROM wallets WHERE player_id = 701 FOR UPDATE');
            const trade = client.trade({ opId: opId('dl'), a: 700, b: 701, goldFromA: 10, goldFromB: 0, itemsFromA: [], itemsFromB: [] });
            // The store's group locks 700, then waits for 701: wait until 700 is taken (a probe's
            // NOWAIT fails), so that asking for it now closes the cycle.
            await eventually(async () => {
              await probe.query('START TRANSACTION');
              try {
                await probe.query('SELECT gold FROM wallets WHERE player_id = 700 FOR UPDATE NOWAIT');
                return false;
              } catch {
                return true;
              } finally {
                await probe.query('ROLLBACK');
              }
            }, 'the store holding the wallet of 700');
            await other.query('SELECT gold FROM wallets WHERE player_id = 700 FOR UPDATE');
            await other.query('UPDATE wallets SET gold = gold + 1 WHERE player_id IN (700, 701)');
            await other.query('COMMIT');
            const result = await trade;
            assert.ok(result.ok);
            assert.equal(await store.metric('store_deadlock_retries_total'), retriesBefore + 1);
            assert.deepEqual([(await inventory(700)).gold, (await inventory(701)).gold], [91, 111]);
          } finally {
            await other.end();
            await probe.end();
          }
        });
      });
    }
  });
}
