/**
 * One storage contract, run against both backends (docs/architecture.md, R8): SQLite in a temporary directory,
 * and MySQL in a fresh database on MYSQL_URL's server or on a throwaway MariaDB
 * (test/helpers/mysql.ts). Every call goes through a real store worker thread and a StoreClient,
 * as the zones use it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { createConnection } from 'mysql2/promise';
import type { Backend, CharacterSnapshot } from '../../src/storage/character-store.ts';
import { migrationsFor } from '../../src/store/migrations.ts';
import { SQLITE_FILE_NAME } from '../../src/store/sqlite-store.ts';
import { openTestDatabase } from '../helpers/mysql.ts';
import { startStore, stateFor, type RunningStore } from './running-store.ts';
import { StoreError } from '../../src/storage/store-error.ts';
import { within } from '../helpers/wait.ts';

const BATCH_ROWS = 50;

interface Target {
  /** DATA_DIR or MYSQL_URL for the store under test. */
  readonly env: Record<string, string>;
  /** Runs one statement straight on the database, bypassing the store. */
  run(sql: string, params: readonly SQLInputValue[]): Promise<void>;
  isDuplicateKey(err: unknown): boolean;
  /** Settings that point at a database that cannot be reached, and the error code that says so. */
  unreachable(): Promise<{ env: Record<string, string>; code: string }>;
  dispose(): Promise<void>;
}

function sqliteTarget(): Target {
  const dir = mkdtempSync(join(tmpdir(), 'zone-sqlite-'));
  return {
    env: { DATA_DIR: dir },
    async run(sql, params) {
      const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME), { timeout: 5000 });
      try {
        db.prepare(sql).run(...params);
      } finally {
        db.close();
      }
    },
    isDuplicateKey: (err) => (err as { errcode?: number }).errcode === 2067, // SQLITE_CONSTRAINT_UNIQUE
    async unreachable() {
      // A database file that cannot be opened: a directory stands where it should be.
      const dataDir = join(dir, 'unopenable');
      mkdirSync(join(dataDir, SQLITE_FILE_NAME), { recursive: true });
      return { env: { DATA_DIR: dataDir }, code: 'ERR_SQLITE_ERROR' };
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function unusedPort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function mysqlTarget(): Promise<Target | undefined> {
  const database = await openTestDatabase();
  if (!database) return undefined;
  return {
    env: { MYSQL_URL: database.url },
    async run(sql, params) {
      const conn = await createConnection({ uri: database.url });
      try {
        await conn.query(sql, [...params]);
      } finally {
        await conn.end();
      }
    },
    isDuplicateKey: (err) => (err as { errno?: number }).errno === 1062,
    async unreachable() {
      return { env: { MYSQL_URL: `mysql://root@127.0.0.1:${await unusedPort()}/zone` }, code: 'ECONNREFUSED' };
    },
    dispose: () => database.dispose(),
  };
}

const targets: Record<Backend, Target | undefined> = { sqlite: sqliteTarget(), mysql: await mysqlTarget() };

for (const [backend, target] of Object.entries(targets) as [Backend, Target | undefined][]) {
  describe(`${backend} store`, { skip: target ? false : 'MySQL unavailable (see the warning above)' }, () => {
    if (!target) return;
    let store: RunningStore;
    let firstMigration: string[];

    before(async () => {
      store = await startStore({ ...target.env, FLUSH_BATCH_ROWS: String(BATCH_ROWS) });
      firstMigration = await store.client.migrate();
    });
    after(async () => {
      await store?.stop();
      await target.dispose();
    });

    const snapshot = (playerId: number, epoch: number, seed = playerId): CharacterSnapshot => ({ playerId, epoch, version: seed, state: stateFor(seed) });

    it('applies every migration once; running them again applies none', async () => {
      assert.deepEqual(firstMigration, migrationsFor(backend).map((m) => m.name));
      assert.deepEqual(await store.client.migrate(), []);
    });

    it('reports its backend in the metrics', async () => {
      assert.equal(await store.metric('store_backend_info', { backend }), 1);
      assert.equal(await store.metric('store_pool_connections_in_use'), 0);
    });

    it('creates a missing character on acquire, owned and online at epoch 1', async () => {
      assert.equal(await store.client.load(100), undefined);
      const owned = await store.client.acquire(100, 'node-a', stateFor(100));
      assert.deepEqual(owned, { playerId: 100, name: null, epoch: 1, created: true, state: stateFor(100) });
      const row = await store.client.load(100);
      assert.equal(row?.ownerNode, 'node-a');
      assert.equal(row?.online, true);
      assert.equal(row?.name, null);
      assert.ok(row?.lastLoginAt !== null && row?.createdAt !== undefined && row.lastLoginAt >= row.createdAt);
      assert.equal(row?.lastSaveAt, null);
    });

    it('raises the epoch on every acquire and keeps the stored state, not the initial one', async () => {
      await store.client.acquire(110, 'node-a', stateFor(110));
      const again = await store.client.acquire(110, 'node-b', stateFor(999));
      assert.deepEqual(again, { playerId: 110, name: null, epoch: 2, created: false, state: stateFor(110) });
      assert.equal((await store.client.load(110))?.ownerNode, 'node-b');
      assert.equal((await store.client.acquire(110, 'node-b', stateFor(999))).epoch, 3);
    });

    it('round-trips a save of every state field, and stamps last_save_at', async () => {
      const { epoch } = await store.client.acquire(120, 'node-a', stateFor(120));
      const before = await store.client.load(120);
      assert.deepEqual(await store.client.save([snapshot(120, epoch, 7)]), { written: [120], stale: [] });
      const row = await store.client.load(120);
      assert.deepEqual(row?.state, stateFor(7));
      assert.equal(row?.epoch, epoch);
      assert.equal(row?.online, true);
      assert.ok(row?.lastSaveAt !== null && row?.lastSaveAt !== undefined && row.lastSaveAt >= (before?.lastLoginAt ?? Infinity));
    });

    it('rejects, counts and leaves untouched a save from an owner whose epoch was superseded', async () => {
      const old = await store.client.acquire(130, 'node-a', stateFor(130));
      const current = await store.client.acquire(130, 'node-b', stateFor(130));
      assert.ok(current.epoch > old.epoch);
      const rowBefore = await store.client.load(130);
      const rejectsBefore = await store.metric('store_stale_epoch_rejects_total');

      assert.deepEqual(await store.client.save([snapshot(130, old.epoch, 1)]), { written: [], stale: [130] });
      assert.deepEqual(await store.client.load(130), rowBefore);
      assert.equal(await store.metric('store_stale_epoch_rejects_total'), rejectsBefore + 1);

      assert.deepEqual(await store.client.save([snapshot(130, current.epoch, 2)]), { written: [130], stale: [] });
      assert.deepEqual((await store.client.load(130))?.state, stateFor(2));
    });

    it('writes the fresh rows of a mixed batch and nothing of the stale or unknown ones', async () => {
      const fresh = await store.client.acquire(140, 'node-a', stateFor(140));
      const superseded = await store.client.acquire(141, 'node-a', stateFor(141));
      await store.client.acquire(141, 'node-b', stateFor(141));
      const staleBefore = await store.client.load(141);

      const result = await store.client.save([snapshot(149, 1, 5), snapshot(141, superseded.epoch, 5), snapshot(140, fresh.epoch, 5)]);
      assert.deepEqual(result, { written: [140], stale: [141, 149] });
      assert.deepEqual((await store.client.load(140))?.state, stateFor(5));
      assert.deepEqual(await store.client.load(141), staleBefore);
      assert.equal(await store.client.load(149), undefined, 'a save never creates a character');
    });

    it(`writes a batch larger than FLUSH_BATCH_ROWS (${BATCH_ROWS}) in one transaction of multi-row statements`, async () => {
      const ids = Array.from({ length: 175 }, (_, i) => 1000 + i);
      const owned = await Promise.all(ids.map((id) => store.client.acquire(id, 'node-a', stateFor(id))));
      const statementsBefore = await store.metric('store_statements_total');
      const rowsBefore = await store.metric('store_batch_rows_sum');
      const flushesBefore = await store.metric('store_flush_duration_seconds_count');

      const result = await store.client.save(owned.map((o) => snapshot(o.playerId, o.epoch, o.playerId + 1)));
      assert.deepEqual(result, { written: ids, stale: [] });
      // BEGIN + COMMIT, and for each of the 4 chunks one epoch check and one upsert: not one per row.
      assert.equal((await store.metric('store_statements_total')) - statementsBefore, 2 + 4 * 2);
      assert.equal((await store.metric('store_batch_rows_sum')) - rowsBefore, 175);
      assert.equal((await store.metric('store_flush_duration_seconds_count')) - flushesBefore, 1);
      for (const id of [1000, 1049, 1050, 1174]) assert.deepEqual((await store.client.load(id))?.state, stateFor(id + 1));
    });

    it('sends nothing for an empty save', async () => {
      const statementsBefore = await store.metric('store_statements_total');
      assert.deepEqual(await store.client.save([]), { written: [], stale: [] });
      assert.equal(await store.metric('store_statements_total'), statementsBefore);
    });

    it('refuses a save that names a player twice', async () => {
      const errorsBefore = await store.metric('store_db_errors_total', { op: 'save' });
      await assert.rejects(store.client.save([snapshot(150, 1), snapshot(150, 1)]), { name: 'StoreError', code: 'STORE_BAD_REQUEST' });
      assert.equal(await store.metric('store_db_errors_total', { op: 'save' }), errorsBefore + 1);
    });

    it('replays a journaled state only over an older one of the same log-in, and never once the character is released', async () => {
      const first = await store.client.acquire(165, 'node-a', stateFor(165));
      await store.client.save([snapshot(165, first.epoch, 5)]);
      const at = (seed: number, version: number, epoch = first.epoch): CharacterSnapshot => ({ playerId: 165, epoch, version, state: stateFor(seed) });
      assert.equal(await store.client.replay([at(3, 3)]), 0, 'an older version is not written over a newer one');
      assert.deepEqual((await store.client.load(165))?.state, stateFor(5));
      assert.equal(await store.client.replay([at(7, 7)]), 1);
      assert.deepEqual((await store.client.load(165))?.state, stateFor(7));
      assert.equal(await store.client.replay([at(8, 8, first.epoch - 1)]), 0, 'another log-in\'s state is not written');
      // A new log-in starts its versions over: the old log-in's journal cannot overwrite it.
      const second = await store.client.acquire(165, 'node-a', stateFor(165));
      assert.equal(await store.client.replay([at(9, 9)]), 0);
      assert.equal(await store.client.replay([at(10, 1, second.epoch)]), 1);
      assert.equal(await store.client.release({ playerId: 165, epoch: second.epoch, version: 2, state: stateFor(11) }), true);
      assert.equal(await store.client.replay([at(12, 3, second.epoch)]), 0, 'a released character keeps its final state');
      assert.deepEqual((await store.client.load(165))?.state, stateFor(11));
    });

    it('releases with the final state only while the epoch is current, and takes no saves after', async () => {
      const old = await store.client.acquire(160, 'node-a', stateFor(160));
      const current = await store.client.acquire(160, 'node-a', stateFor(160));
      const rejectsBefore = await store.metric('store_stale_epoch_rejects_total');
      assert.equal(await store.client.release(snapshot(160, old.epoch, 1)), false);
      assert.deepEqual(await store.client.load(160).then((r) => [r?.online, r?.state]), [true, stateFor(160)]);
      assert.equal(await store.metric('store_stale_epoch_rejects_total'), rejectsBefore + 1);

      assert.equal(await store.client.release(snapshot(160, current.epoch, 2)), true);
      const released = await store.client.load(160);
      assert.equal(released?.online, false);
      assert.deepEqual(released?.state, stateFor(2));

      assert.deepEqual(await store.client.save([snapshot(160, current.epoch, 3)]), { written: [], stale: [160] });
      assert.equal(await store.client.release(snapshot(160, current.epoch, 3)), false);
      assert.deepEqual((await store.client.load(160))?.state, stateFor(2));
    });

    it('releases on start-up every character left online by this node, and only those', async () => {
      for (const id of [170, 171, 172]) await store.client.acquire(id, 'node-crashed', stateFor(id));
      await store.client.acquire(173, 'node-other', stateFor(173));
      const kept = await store.client.acquire(174, 'node-crashed', stateFor(174));
      await store.client.release(snapshot(174, kept.epoch));

      assert.equal(await store.client.releaseNode('node-crashed'), 3);
      assert.deepEqual(await Promise.all([170, 171, 172, 173].map(async (id) => (await store.client.load(id))?.online)), [false, false, false, true]);
      assert.equal(await store.client.releaseNode('node-crashed'), 0);
    });

    it('marks offline the characters a dead zone held, each only under the epoch it was loaded with, and writes nothing else', async () => {
      const held = await store.client.acquire(190, 'node-z', stateFor(190));
      await store.client.save([snapshot(190, held.epoch)]);
      const before = await store.client.load(190);
      const taken = await store.client.acquire(191, 'node-z', stateFor(191));
      // 191 logged in again since: its new epoch is not the dead zone's.
      const again = await store.client.acquire(191, 'node-z', stateFor(191));
      assert.equal(await store.client.releaseOwned([{ playerId: 190, epoch: held.epoch }, { playerId: 191, epoch: taken.epoch }, { playerId: 192, epoch: 1 }]), 1);
      const after = await store.client.load(190);
      assert.deepEqual([after?.online, after?.epoch, after?.state, after?.lastSaveAt], [false, held.epoch, before?.state, before?.lastSaveAt]);
      assert.deepEqual([(await store.client.load(191))?.online, (await store.client.load(191))?.epoch], [true, again.epoch]);
      assert.equal(await store.client.releaseOwned([]), 0);
    });

    it("makes 'Bob' and 'bob' collide as names, while any number of characters have none", async () => {
      const insert = 'INSERT INTO characters (player_id, name, zone_id, x, y, heading, hp, level, exp, play_time_s, created_at) VALUES (?, ?, 1, 0, 0, 0, 100, 1, 0, 0, 0)';
      await target.run(insert, [180, 'Bob']);
      await assert.rejects(target.run(insert, [181, 'bob']), (err) => target.isDuplicateKey(err));
      await target.run(insert, [182, 'Bobby']);
      await target.run(insert, [183, null]);
      await target.run(insert, [184, null]);
    });

    it('fails fast, with the database error, when the database cannot be reached', async () => {
      const { env, code } = await target.unreachable();
      let unreachable: RunningStore | undefined;
      // Fails rather than waits: the database's error comes back within the wait's limit.
      const failure = await within(
        (async () => {
          unreachable = await startStore(env); // SQLite opens its file here,
          await unreachable.client.acquire(1, 'node-a', stateFor(1)); // MySQL connects on first use
        })().then(
          () => assert.fail('expected the store to fail'),
          (err: unknown) => err,
        ),
        'the store to fail on an unreachable database',
      );
      try {
        assert.ok(failure instanceof StoreError, `a StoreError, got ${String(failure)}`);
        assert.equal(failure.code, code);
        assert.equal(typeof failure.errno, 'number');
        if (unreachable) assert.equal(await unreachable.metric('store_db_errors_total', { op: 'acquire' }), 1);
      } finally {
        await unreachable?.stop();
      }
    });
  });
}
