/**
 * The admin side of the store (storage/admin-store.ts), on both backends through a real store
 * worker and StoreClient: an operator's changes to offline characters, isolation, and the audit
 * trail. The database is read directly, to check what was committed.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Backend } from '../../src/storage/character-store.ts';
import type { StoreClient } from '../../src/storage/store-client.ts';
import { AdminRefusals, type AuditAction, type AuditDraft } from '../../src/storage/admin-store.ts';
import { StoreErrorCodes } from '../../src/storage/store-error.ts';
import { startStore, stateFor, type RunningStore } from './running-store.ts';
import { queryTargets, type QueryTarget, type Row } from './store-targets.ts';

const targets = await queryTargets('zone-admin-');

for (const [backend, maybeTarget] of Object.entries(targets) as [Backend, QueryTarget | undefined][]) {
  describe(`${backend} admin store`, { skip: maybeTarget ? false : 'MySQL unavailable (see the warning above)' }, () => {
    if (!maybeTarget) return;
    const target = maybeTarget;
    let store: RunningStore;
    let client: StoreClient;

    before(async () => {
      store = await startStore(target.env);
      client = store.client;
      await client.migrate();
    });
    after(async () => {
      await store?.stop();
      await target.dispose();
    });

    const draft = (action: AuditAction, playerId: number | null, request: object = {}): AuditDraft => ({
      auditId: randomUUID(),
      at: Date.now(),
      credential: 'admin-token:0123abcd',
      requestId: `req-${randomUUID().slice(0, 8)}`,
      action,
      playerId,
      request: JSON.stringify(request),
    });

    async function character(playerId: number): Promise<Row> {
      const [row] = await target.query('SELECT zone_id, x, y, heading, hp, level, exp, online, isolated, owner_epoch FROM characters WHERE player_id = ?', [playerId]);
      assert.ok(row, `player ${playerId} has a row`);
      return row;
    }

    async function auditRows(auditId: string): Promise<Row[]> {
      return target.query('SELECT audit_id, credential, request_id, action, player_id, request, outcome, result FROM admin_audit WHERE audit_id = ?', [auditId]);
    }

    /** A character created offline, as a log-out leaves one. */
    async function offlinePlayer(playerId: number): Promise<void> {
      const owned = await client.acquire(playerId, 'node-a', stateFor(playerId));
      assert.equal(await client.release({ playerId, epoch: owned.epoch, version: 1, state: stateFor(playerId) }), true);
    }

    it('changes an offline character: the fields given and no others, with its audit row in the database', async () => {
      await offlinePlayer(101);
      const audit = draft('player.change', 101, { hp: 7, x: 12.5, y: 40 });
      const result = await client.changeCharacter(101, { hp: 7, place: { zoneId: 2, x: 12.5, y: 40 } }, audit);
      assert.deepEqual(result, { ok: true, playerId: 101, isolated: false });
      const row = await character(101);
      const before = stateFor(101);
      assert.deepEqual(
        { zone: Number(row.zone_id), x: Number(row.x), y: Number(row.y), hp: Number(row.hp), level: Number(row.level), exp: Number(row.exp), heading: Number(row.heading) },
        { zone: 2, x: 12.5, y: 40, hp: 7, level: before.level, exp: before.exp, heading: before.heading },
      );
      const [logged] = await auditRows(audit.auditId);
      assert.ok(logged, 'the audit row was committed');
      assert.equal(logged.outcome, 'ok');
      assert.equal(logged.action, 'player.change');
      assert.equal(Number(logged.player_id), 101);
      assert.equal(logged.credential, audit.credential);
      assert.equal(logged.request_id, audit.requestId);
      assert.deepEqual(JSON.parse(String(logged.request)), { hp: 7, x: 12.5, y: 40 });
    });

    it('refuses to change an online character, writing nothing but the refusal to the trail', async () => {
      const owned = await client.acquire(102, 'node-b', stateFor(102));
      const audit = draft('player.change', 102, { hp: 1 });
      const result = await client.changeCharacter(102, { hp: 1 }, audit);
      assert.deepEqual(result, { ok: false, playerId: 102, reason: AdminRefusals.playerOnline, ownerNode: 'node-b' });
      assert.equal(Number((await character(102)).hp), stateFor(102).hp);
      assert.equal(Number((await character(102)).owner_epoch), owned.epoch);
      const [logged] = await auditRows(audit.auditId);
      assert.equal(logged?.outcome, 'refused');
      assert.equal(JSON.parse(String(logged?.result)).reason, AdminRefusals.playerOnline);
    });

    it('refuses a change of a player who has no character', async () => {
      const result = await client.changeCharacter(9_999, { level: 3 }, draft('player.change', 9_999));
      assert.deepEqual(result, { ok: false, playerId: 9_999, reason: AdminRefusals.playerNotFound });
      assert.deepEqual(await target.query('SELECT player_id FROM characters WHERE player_id = ?', [9_999]), []);
    });

    it('answers a request it is sent twice (same audit id) with its first answer, acting once', async () => {
      await offlinePlayer(103);
      const audit = draft('player.change', 103, { level: 9 });
      assert.equal((await client.changeCharacter(103, { level: 9 }, audit)).ok, true);
      assert.deepEqual(await client.changeCharacter(103, { level: 50 }, audit), { ok: true, playerId: 103, isolated: false });
      assert.equal(Number((await character(103)).level), 9, 'the second call changed nothing');
      assert.equal((await auditRows(audit.auditId)).length, 1);
    });

    describe('isolation', () => {
      it('isolates an offline character: its epoch raised, no log-in loads it, no write of its last owner lands', async () => {
        const owned = await client.acquire(201, 'node-a', stateFor(201));
        await client.release({ playerId: 201, epoch: owned.epoch, version: 1, state: stateFor(201) });
        assert.deepEqual(await client.isolate(201, draft('player.isolate', 201)), { ok: true, playerId: 201, isolated: true });
        const row = await character(201);
        assert.equal(Number(row.isolated), 1);
        assert.equal(Number(row.online), 0);
        assert.equal(Number(row.owner_epoch), owned.epoch + 1);
        assert.deepEqual(await client.acquireExisting(201, 'node-a'), { isolated: true });
        await assert.rejects(client.acquire(201, 'node-a', stateFor(1)), (err: { code?: string }) => err.code === StoreErrorCodes.isolated);
        const after = await character(201);
        assert.equal(Number(after.online), 0, 'no log-in took it');
        assert.equal(Number(after.owner_epoch), owned.epoch + 1, 'no log-in raised its epoch');
        assert.deepEqual(await client.save([{ playerId: 201, epoch: owned.epoch, version: 2, state: stateFor(1) }]), { written: [], stale: [201] });
        assert.equal(await client.release({ playerId: 201, epoch: owned.epoch, version: 2, state: stateFor(1) }), false);
        assert.equal(Number((await character(201)).hp), stateFor(201).hp);
      });

      it('refuses to isolate an online character, and answers isolating an isolated one with no change', async () => {
        const owned = await client.acquire(202, 'node-c', stateFor(202));
        assert.deepEqual(await client.isolate(202, draft('player.isolate', 202)), { ok: false, playerId: 202, reason: AdminRefusals.playerOnline, ownerNode: 'node-c' });
        assert.equal(Number((await character(202)).isolated), 0);
        await client.release({ playerId: 202, epoch: owned.epoch, version: 1, state: stateFor(202) });
        assert.equal((await client.isolate(202, draft('player.isolate', 202))).ok, true);
        const epoch = Number((await character(202)).owner_epoch);
        assert.deepEqual(await client.isolate(202, draft('player.isolate', 202)), { ok: true, playerId: 202, isolated: true });
        assert.equal(Number((await character(202)).owner_epoch), epoch, 'isolating again raised nothing');
      });

      it('refuses an offline change while isolated, and after release the next log-in loads what a manual UPDATE wrote', async () => {
        await offlinePlayer(203);
        await client.isolate(203, draft('player.isolate', 203));
        assert.deepEqual(await client.changeCharacter(203, { hp: 1 }, draft('player.change', 203)), { ok: false, playerId: 203, reason: AdminRefusals.playerIsolated });
        await target.query('UPDATE characters SET hp = ?, level = ?, x = ? WHERE player_id = ?', [42, 77, 3.25, 203]);
        assert.deepEqual(await client.releaseIsolation(203, draft('player.release', 203)), { ok: true, playerId: 203, isolated: false });
        const owned = await client.acquireExisting(203, 'node-a');
        assert.ok(owned && !('isolated' in owned), 'released: it logs in');
        assert.deepEqual({ hp: owned.state.hp, level: owned.state.level, x: owned.state.x }, { hp: 42, level: 77, x: 3.25 });
        assert.equal((await client.load(203))?.isolated, false);
      });

      it('releases a character that is not isolated without a change, and refuses one that does not exist', async () => {
        await offlinePlayer(204);
        assert.deepEqual(await client.releaseIsolation(204, draft('player.release', 204)), { ok: true, playerId: 204, isolated: false });
        assert.deepEqual(await client.releaseIsolation(9_998, draft('player.release', 9_998)), { ok: false, playerId: 9_998, reason: AdminRefusals.playerNotFound });
      });
    });

    describe('audit trail', () => {
      it("commits an operator's grant and its audit row together, or neither", async () => {
        await client.createCharacter(301, 'Auditee', stateFor(301));
        const audit = draft('grant', 301, { opId: 'audited-grant-1' });
        const granted = await client.grant({ opId: 'audited-grant-1', playerId: 301, gold: 50, items: [{ templateId: 4, count: 2 }] }, audit);
        assert.ok(granted.ok);
        const [logged] = await auditRows(audit.auditId);
        assert.equal(logged?.outcome, 'ok');
        assert.deepEqual(JSON.parse(String(logged?.result)).items, granted.items);
        // Sent twice (a store worker restart): replayed, one audit row.
        assert.equal((await client.grant({ opId: 'audited-grant-1', playerId: 301, gold: 50, items: [{ templateId: 4, count: 2 }] }, audit)).replayed, true);
        assert.equal((await auditRows(audit.auditId)).length, 1);

        // The ledger row of this grant fails after everything else was written: the audit row goes with it.
        await target.query(target.refuseLedgerTrigger('audited-grant-2'));
        const refused = draft('grant', 301, { opId: 'audited-grant-2' });
        try {
          await client.grant({ opId: 'audited-grant-2', playerId: 301, gold: 5, items: [] }, refused).catch(() => undefined);
          assert.deepEqual(await auditRows(refused.auditId), [], 'no audit row for a grant that did not commit');
          assert.deepEqual(await target.query('SELECT op_id FROM ledger WHERE op_id = ?', ['audited-grant-2']), []);
        } finally {
          await target.query('DROP TRIGGER test_refuse_op');
        }
      });

      it('records a write the database had no part in once, however often it is sent', async () => {
        const record = { ...draft('player.kick', 301, { reason: 'spam' }), outcome: 'ok' as const, result: JSON.stringify({ ok: true }) };
        await client.recordAudit(record);
        await client.recordAudit(record);
        assert.equal((await auditRows(record.auditId)).length, 1);
      });

      it('pages newest first, by seq, and by player', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const record = { ...draft('chat', i % 2 === 0 ? 401 : null, { text: `notice ${i}` }), outcome: 'ok' as const, result: '{"ok":true}' };
          await client.recordAudit(record);
          ids.push(record.auditId);
        }
        const newest = await client.listAudit({ limit: 3 });
        assert.deepEqual(newest.map((entry) => entry.auditId), [ids[4], ids[3], ids[2]]);
        assert.ok(newest[0] && newest[1] && newest[0].seq > newest[1].seq);
        const older = await client.listAudit({ limit: 2, beforeSeq: newest[2]?.seq });
        assert.deepEqual(older.map((entry) => entry.auditId), [ids[1], ids[0]]);
        const mine = await client.listAudit({ limit: 10, playerId: 401 });
        assert.deepEqual(mine.map((entry) => entry.auditId), [ids[4], ids[2], ids[0]]);
        assert.deepEqual(JSON.parse(mine[0]?.request ?? '{}'), { text: 'notice 4' });
      });
    });
  });
}
