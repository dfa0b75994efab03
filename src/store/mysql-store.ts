/**
 * The production backend: MySQL 8.4 or MariaDB 10.11 through a mysql2 pool of MYSQL_POOL_SIZE
 * connections, used when MYSQL_URL is set. Every statement runs on both servers: upserts use
 * `ON DUPLICATE KEY UPDATE c = VALUES(c)` (MariaDB has no `AS new` alias), and nothing uses
 * RETURNING, `->>`, `VALUES ROW` or `@@transaction_isolation`.
 *
 * Statements go through `query(sql, values)`: mysql2 fills each `?` with the escaped value on the
 * client, so a multi-row statement is one round trip whatever its row count, with no server-side
 * prepare per shape and no 65,535-placeholder limit.
 *
 * Errors come back as mysql2 throws them, with `code` and `errno` (1062 duplicate, 1213 deadlock,
 * 1205 lock wait timeout, `ECONNREFUSED`…). Nothing here retries: the caller keeps its data dirty
 * and tries again later (economy groups are retried by group-commit.ts). A connection that broke
 * leaves the pool by itself, so the pool recovers once the server is back.
 *
 * Every pool connection runs READ COMMITTED: each statement here either locks the rows it reads
 * (`FOR UPDATE`) or writes them by key, so REPEATABLE READ's gap locks would only add waits and
 * deadlocks (a claim locking items by mail id would otherwise block every new mail's items).
 */
import { createConnection, createPool, type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { ISOLATED, isolatedError, type CharacterSnapshot, type CharacterState, type Isolated, type OwnedCharacter, type SaveResult, type StoredCharacter } from '../storage/character-store.ts';
import { footprintOf, type EconomyOp } from './economy-plan.ts';
import { INVENTORY_SQL, MAILBOX_SQL, groupTransaction, toInventory, toMailbox, type DialectErrors, type GroupMode, type OpOutcome } from './economy-sql.ts';
import type { Row, Statement } from './sql-statement.ts';
import { changeCharacterBody, isolateBody, listAuditBody, recordAuditBody, releaseIsolationBody } from './admin-sql.ts';
import type { AdminWriteResult, AuditDraft, AuditEntry, AuditQuery, AuditRecord, CharacterChange } from '../storage/admin-store.ts';
import type { FailureKind } from './group-commit.ts';
import { IdBlocks, type Sequence } from './id-blocks.ts';
import type { EconomyBackend } from './metered-economy.ts';
import { migrationsFor, pendingMigrations, type AppliedMigration } from './migrations.ts';
import { ROW_COLUMNS, SAVE_COLUMNS, STATE_COLUMNS, listPlaceholders, rowPlaceholders, saveValues, stateValues, toStoredCharacter, chunks, sortedSnapshots } from './rows.ts';
import type { StoreBackend } from './store-backend.ts';
import type { Inventory, Mail } from '../storage/economy-store.ts';
import { StoreLimits } from '../config/limits.ts';
import { byDeadline, LATE } from '../retry/deadline.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';

const MIGRATION_LOCK = 'zone_server_migrations';

type Connection = Pick<PoolConnection, 'query'>;

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;
const DUPLICATE_KEY = 1062;

const MYSQL_ERRORS: DialectErrors = {
  // A server error that is not fatal to the connection failed one statement; InnoDB rolled back
  // only that statement, except for a deadlock, which classify() tells apart first.
  isStatementError: (err) => classifyMysqlError(err) === 'statement',
  duplicateKey(err) {
    const { errno, message } = err as { errno?: number; message?: string };
    if (errno !== DUPLICATE_KEY) return undefined;
    // MariaDB names the key `characters_name`, MySQL 8 `characters.characters_name`.
    return /for key '([^']+)'/.exec(message ?? '')?.[1]?.toLowerCase() ?? '';
  },
};

function classifyMysqlError(err: unknown): FailureKind {
  const { errno, fatal, sqlState } = err as { errno?: unknown; fatal?: unknown; sqlState?: unknown };
  if (fatal === true) return 'fatal';
  if (errno === DEADLOCK || errno === LOCK_WAIT_TIMEOUT) return 'retry';
  return typeof errno === 'number' && typeof sqlState === 'string' ? 'statement' : 'fatal';
}

export class MysqlStore implements StoreBackend, EconomyBackend {
  readonly backend = 'mysql';
  statements = 0;
  private readonly url: string;
  private readonly pool: Pool;
  private readonly batchRows: number;
  private inUse = 0;
  private readonly ids = new IdBlocks();

  private readonly callTimeoutMs: number;

  /**
   * Connects lazily: a server that is down shows up as failing requests, not here. A call that
   * has not finished within `callTimeoutMs` (a pool connection's wait included) fails with
   * STORE_TIMEOUT, and its connection is destroyed: what it had not committed is rolled back.
   */
  constructor(url: string, poolSize: number, batchRows: number, callTimeoutMs: number) {
    this.url = url;
    this.batchRows = batchRows;
    this.callTimeoutMs = callTimeoutMs;
    this.pool = createPool({ uri: url, connectionLimit: poolSize, connectTimeout: StoreLimits.mysqlConnectTimeoutMs });
    // On the callback pool underneath, whose event hands over the callback connection: the
    // statement is queued on the new connection ahead of anything a request sends on it.
    this.pool.pool.on('connection', (conn) => {
      conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED', () => undefined);
    });
  }

  async migrate(): Promise<string[]> {
    // Migration files hold several statements, so they run on a connection of their own that
    // allows that; the pool's connections do not. DDL commits by itself on MySQL, so a file that
    // fails halfway is not rolled back (sql/README.md).
    const conn = await createConnection({ uri: this.url, connectTimeout: StoreLimits.mysqlConnectTimeoutMs, multipleStatements: true });
    try {
      const [locked] = await this.query<RowDataPacket[]>(conn, 'SELECT GET_LOCK(?, ?) AS locked', [MIGRATION_LOCK, StoreLimits.migrationLockTimeoutS]);
      if (locked[0]?.locked !== 1) throw new Error(`another node held the migration lock for ${StoreLimits.migrationLockTimeoutS} s`);
      await this.query(conn, 'CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL) ENGINE = InnoDB');
      const [applied] = await this.query<RowDataPacket[]>(conn, 'SELECT version, name FROM schema_migrations');
      const due = pendingMigrations(migrationsFor('mysql'), applied as AppliedMigration[]);
      for (const migration of due) {
        await this.query(conn, migration.sql);
        await this.query(conn, 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [migration.version, migration.name, Date.now()]);
      }
      return due.map((m) => m.name);
    } finally {
      // Closing the connection releases the lock too. A broken one is torn down instead.
      await conn.end().catch(() => conn.destroy());
    }
  }

  async acquire(playerId: number, nodeId: string, initial: CharacterState): Promise<OwnedCharacter> {
    const now = Date.now();
    return this.transaction(async (conn) => {
      const [existing] = await this.query<RowDataPacket[]>(conn, 'SELECT isolated FROM characters WHERE player_id = ? FOR UPDATE', [playerId]);
      if (Number(existing[0]?.isolated) === 1) throw isolatedError(playerId);
      const [upsert] = await this.query<ResultSetHeader>(
        conn,
        `INSERT INTO characters (player_id, ${STATE_COLUMNS}, owner_node, owner_epoch, online, last_login_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)
         ON DUPLICATE KEY UPDATE
           owner_node = VALUES(owner_node), owner_epoch = owner_epoch + 1, state_version = 0, online = 1, last_login_at = VALUES(last_login_at)`,
        [playerId, ...stateValues(initial), nodeId, now, now],
      );
      // The upsert holds the row's lock until commit, so this reads what it wrote.
      const [rows] = await this.query<RowDataPacket[]>(conn, `SELECT ${ROW_COLUMNS} FROM characters WHERE player_id = ?`, [playerId]);
      const character = toStoredCharacter(rows[0] as RowDataPacket);
      // mysql2 reports 1 affected row for an insert and 2 for an update.
      const created = upsert.affectedRows === 1;
      // A wallet left by a deleted character keeps its gold.
      if (created) await this.query(conn, 'INSERT INTO wallets (player_id, gold, updated_at) VALUES (?, 0, ?) ON DUPLICATE KEY UPDATE gold = gold', [playerId, now]);
      return { playerId, name: character.name, epoch: character.epoch, created, state: character.state };
    });
  }

  async acquireExisting(playerId: number, nodeId: string): Promise<OwnedCharacter | Isolated | undefined> {
    return this.transaction(async (conn) => {
      const [update] = await this.query<ResultSetHeader>(
        conn,
        'UPDATE characters SET owner_node = ?, owner_epoch = owner_epoch + 1, state_version = 0, online = 1, last_login_at = ? WHERE player_id = ? AND isolated = 0',
        [nodeId, Date.now(), playerId],
      );
      if (update.affectedRows === 0) {
        const [rows] = await this.query<RowDataPacket[]>(conn, 'SELECT 1 AS found FROM characters WHERE player_id = ?', [playerId]);
        return rows.length > 0 ? ISOLATED : undefined;
      }
      // The update holds the row's lock until commit, so this reads what it wrote.
      const [rows] = await this.query<RowDataPacket[]>(conn, `SELECT ${ROW_COLUMNS} FROM characters WHERE player_id = ?`, [playerId]);
      const character = toStoredCharacter(rows[0] as RowDataPacket);
      return { playerId, name: character.name, epoch: character.epoch, created: false, state: character.state };
    });
  }

  async loadInventory(playerId: number): Promise<Inventory | undefined> {
    const [rows] = await this.withConnection((conn) => this.query<RowDataPacket[]>(conn, INVENTORY_SQL, [playerId]));
    return toInventory(playerId, rows);
  }

  async listMail(playerId: number): Promise<Mail[]> {
    const [rows] = await this.withConnection((conn) => this.query<RowDataPacket[]>(conn, MAILBOX_SQL, [playerId]));
    return toMailbox(rows);
  }

  /** One economy group (group-commit.ts) in one transaction on one pool connection. */
  runGroup(ops: readonly EconomyOp[], mode: GroupMode): Promise<OpOutcome[]> {
    return this.withConnection(async (conn) => {
      const ids = await this.ids.forGroup(footprintOf(ops), (sequence, count) => this.reserveIds(conn, sequence, count));
      return this.transactionOn(conn, () => this.drive(conn, groupTransaction('mysql', ops, mode, ids, Date.now(), MYSQL_ERRORS)));
    });
  }

  changeCharacter(playerId: number, change: CharacterChange, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.transaction((conn) => this.drive(conn, changeCharacterBody('mysql', playerId, change, audit)));
  }

  isolate(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.transaction((conn) => this.drive(conn, isolateBody('mysql', playerId, audit)));
  }

  releaseIsolation(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.transaction((conn) => this.drive(conn, releaseIsolationBody('mysql', playerId, audit)));
  }

  recordAudit(record: AuditRecord): Promise<void> {
    return this.transaction((conn) => this.drive(conn, recordAuditBody(record)));
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.withConnection((conn) => this.drive(conn, listAuditBody(query)));
  }

  /** Runs a transaction body (economy-sql.ts, admin-sql.ts): each statement it yields, its rows or error handed back. */
  private async drive<T>(conn: Connection, body: Generator<Statement, T, Row[]>): Promise<T> {
    for (let step = body.next(); ; ) {
      if (step.done) return step.value;
      let rows: Row[];
      try {
        const [result] = await this.query<ResultSetHeader | RowDataPacket[]>(conn, step.value.sql, [...step.value.values]);
        rows = Array.isArray(result) ? result : [];
      } catch (err) {
        step = body.throw(err);
        continue;
      }
      step = body.next(rows);
    }
  }

  classify(err: unknown): FailureKind {
    return classifyMysqlError(err);
  }

  /** Reserves `count` ids in a statement of their own (autocommit): resolves to the first. */
  private async reserveIds(conn: Connection, sequence: Sequence, count: number): Promise<number> {
    // LAST_INSERT_ID(expr) hands the new value back in the OK packet: no second statement.
    const [result] = await this.query<ResultSetHeader>(conn, 'UPDATE id_sequences SET next_id = LAST_INSERT_ID(next_id + ?) WHERE name = ?', [count, sequence]);
    if (result.affectedRows !== 1) throw new Error(`id_sequences has no row '${sequence}': run the migrations`);
    return result.insertId - count;
  }

  async save(snapshots: readonly CharacterSnapshot[]): Promise<SaveResult> {
    const sorted = sortedSnapshots(snapshots);
    if (sorted.length === 0) return { written: [], stale: [] };
    const now = Date.now();
    const written: number[] = [];
    const stale: number[] = [];
    await this.transaction(async (conn) => {
      for (const chunk of chunks(sorted, this.batchRows)) {
        // FOR UPDATE locks the rows (in player id order, as every writer does) until commit, so no
        // log-in can raise an epoch between this check and the write.
        const [rows] = await this.query<RowDataPacket[]>(
          conn,
          `SELECT player_id, owner_epoch FROM characters WHERE online = 1 AND player_id IN (${listPlaceholders(chunk.length)}) FOR UPDATE`,
          chunk.map((s) => s.playerId),
        );
        const owners = new Map(rows.map((r) => [Number(r.player_id), Number(r.owner_epoch)]));
        const fresh = chunk.filter((s) => owners.get(s.playerId) === s.epoch);
        for (const s of chunk) (owners.get(s.playerId) === s.epoch ? written : stale).push(s.playerId);
        if (fresh.length === 0) continue;
        // Every fresh row exists and is locked, so the upsert only ever updates; created_at is
        // there because its INSERT half must name every NOT NULL column without a default.
        await this.query(
          conn,
          `INSERT INTO characters (player_id, ${STATE_COLUMNS}, state_version, last_save_at, created_at)
           VALUES ${rowPlaceholders(fresh.length, SAVE_COLUMNS)}
           ON DUPLICATE KEY UPDATE
             zone_id = VALUES(zone_id), x = VALUES(x), y = VALUES(y), heading = VALUES(heading), hp = VALUES(hp),
             level = VALUES(level), exp = VALUES(exp), play_time_s = VALUES(play_time_s), state_version = VALUES(state_version), last_save_at = VALUES(last_save_at)`,
          fresh.flatMap((s) => saveValues(s.playerId, s.state, s.version, now)),
        );
      }
    });
    return { written, stale };
  }

  async release(snapshot: CharacterSnapshot): Promise<boolean> {
    const [result] = await this.withConnection((conn) =>
      this.query<ResultSetHeader>(
        conn,
        `UPDATE characters SET zone_id = ?, x = ?, y = ?, heading = ?, hp = ?, level = ?, exp = ?, play_time_s = ?, state_version = ?, last_save_at = ?, online = 0
         WHERE player_id = ? AND owner_epoch = ? AND online = 1`,
        [...stateValues(snapshot.state), snapshot.version, Date.now(), snapshot.playerId, snapshot.epoch],
      ),
    );
    // mysql2 counts matched rows, so this is 1 even when the state was already the same.
    return result.affectedRows === 1;
  }

  /** Start-up only, so a statement per row (in player id order, as every writer locks) is fine. */
  async replay(snapshots: readonly CharacterSnapshot[]): Promise<number> {
    const now = Date.now();
    return this.transaction(async (conn) => {
      let replayed = 0;
      for (const s of sortedSnapshots(snapshots)) {
        const [result] = await this.query<ResultSetHeader>(
          conn,
          `UPDATE characters SET zone_id = ?, x = ?, y = ?, heading = ?, hp = ?, level = ?, exp = ?, play_time_s = ?, state_version = ?, last_save_at = ?
           WHERE player_id = ? AND owner_epoch = ? AND online = 1 AND state_version < ?`,
          [...stateValues(s.state), s.version, now, s.playerId, s.epoch, s.version],
        );
        replayed += result.affectedRows;
      }
      return replayed;
    });
  }

  async releaseNode(nodeId: string): Promise<number> {
    const [result] = await this.withConnection((conn) =>
      this.query<ResultSetHeader>(conn, 'UPDATE characters SET online = 0 WHERE owner_node = ? AND online = 1', [nodeId]),
    );
    return result.affectedRows;
  }

  async releaseOwned(owners: readonly { readonly playerId: number; readonly epoch: number }[]): Promise<number> {
    if (owners.length === 0) return 0;
    const pairs = owners.map(() => '(?, ?)').join(', ');
    const [result] = await this.withConnection((conn) =>
      this.query<ResultSetHeader>(conn, `UPDATE characters SET online = 0 WHERE (player_id, owner_epoch) IN (${pairs}) AND online = 1`, owners.flatMap(({ playerId, epoch }) => [playerId, epoch])),
    );
    return result.affectedRows;
  }

  async load(playerId: number): Promise<StoredCharacter | undefined> {
    const [rows] = await this.withConnection((conn) => this.query<RowDataPacket[]>(conn, `SELECT ${ROW_COLUMNS} FROM characters WHERE player_id = ?`, [playerId]));
    return rows[0] ? toStoredCharacter(rows[0]) : undefined;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  connectionsInUse(): number {
    return this.inUse;
  }

  private async query<T extends ResultSetHeader | RowDataPacket[]>(conn: Connection, sql: string, values: unknown[] = []): Promise<[T]> {
    this.statements++;
    const [result] = await conn.query<T>(sql, values);
    return [result];
  }

  /**
   * Runs `body` on a pool connection within the call's time limit. A server that stopped
   * answering (frozen, or a network that drops packets) would otherwise hold the call for good.
   * Destroying the connection ends it safely: a transaction whose COMMIT was not sent is rolled
   * back by the server, and one whose COMMIT was sent held its rows' locks, so a later write of
   * the same rows (FOR UPDATE) comes after it whatever happens.
   */
  private async withConnection<T>(body: (conn: PoolConnection) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.callTimeoutMs;
    const waiting = this.pool.getConnection();
    const conn = await byDeadline(waiting, deadline);
    if (conn === LATE) {
      // The pool hands the connection over later: straight back.
      waiting.then((late) => late.release(), () => undefined);
      throw this.timedOut('waiting for a pool connection');
    }
    this.inUse++;
    const work = body(conn);
    let destroyed = false;
    try {
      const result = await byDeadline(work, deadline);
      if (result !== LATE) return result;
      // A destroyed connection does not always fail the statement it was waiting for.
      work.catch(() => undefined);
      conn.destroy();
      destroyed = true;
      throw this.timedOut('the statement');
    } finally {
      this.inUse--;
      if (!destroyed) conn.release();
    }
  }

  private timedOut(what: string): StoreError {
    return new StoreError(`the database did not answer within STORE_CALL_TIMEOUT_MS (${this.callTimeoutMs} ms): ${what}`, StoreErrorCodes.timeout);
  }

  private transaction<T>(body: (conn: PoolConnection) => Promise<T>): Promise<T> {
    return this.withConnection((conn) => this.transactionOn(conn, () => body(conn)));
  }

  private async transactionOn<T>(conn: Connection, body: () => Promise<T>): Promise<T> {
    await this.query(conn, 'START TRANSACTION');
    try {
      const result = await body();
      await this.query(conn, 'COMMIT');
      return result;
    } catch (err) {
      // On a broken connection the server has already rolled back; the original error is the news.
      await this.query(conn, 'ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}
