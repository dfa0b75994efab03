/**
 * The embedded backend: one SQLite file under DATA_DIR through `node:sqlite`, used when MYSQL_URL
 * is empty. `DatabaseSync` blocks, which is fine here: it runs only in the store worker, and its
 * one connection runs each request to the end before the next, so requests never interleave.
 *
 * Durability: WAL with synchronous=FULL syncs the log at every commit, so a committed save or
 * log-in survives a crash of the process or the machine. (WAL with NORMAL stays consistent but may
 * lose the last commits on power loss, which could let an owner epoch go backwards.)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { ISOLATED, isolatedError, type CharacterSnapshot, type CharacterState, type Isolated, type OwnedCharacter, type SaveResult, type StoredCharacter } from '../storage/character-store.ts';
import { footprintOf, type EconomyOp } from './economy-plan.ts';
import { changeCharacterBody, isolateBody, listAuditBody, recordAuditBody, releaseIsolationBody } from './admin-sql.ts';
import type { AdminWriteResult, AuditDraft, AuditEntry, AuditQuery, AuditRecord, CharacterChange } from '../storage/admin-store.ts';
import { INVENTORY_SQL, MAILBOX_SQL, groupTransaction, toInventory, toMailbox, type DialectErrors, type GroupMode, type OpOutcome } from './economy-sql.ts';
import type { Row as SqlRow, Statement } from './sql-statement.ts';
import type { FailureKind } from './group-commit.ts';
import { IdBlocks, type Sequence } from './id-blocks.ts';
import type { EconomyBackend } from './metered-economy.ts';
import { migrationsFor, pendingMigrations, type AppliedMigration } from './migrations.ts';
import { ROW_COLUMNS, SAVE_COLUMNS, STATE_COLUMNS, listPlaceholders, rowPlaceholders, saveValues, stateValues, toStoredCharacter, chunks, sortedSnapshots } from './rows.ts';
import { StoreError } from '../storage/store-error.ts';
import type { StoreBackend } from './store-backend.ts';
import type { Inventory, Mail } from '../storage/economy-store.ts';

export const SQLITE_FILE_NAME = 'zone-server.sqlite';

/** SQLite refuses statements with more parameters than this (SQLITE_MAX_VARIABLE_NUMBER). */
const MAX_PARAMETERS = 32766;

type Row = Record<string, unknown>;

/** SQLite's primary result codes (the low byte of an extended code). */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CONSTRAINT = 19;
/** Economy statements with at most this many values are compiled once and kept; bigger ones vary in shape. */
const KEPT_STATEMENT_VALUES = 64;

function classifySqliteError(err: unknown): FailureKind {
  const { errcode } = err as { errcode?: unknown };
  if (typeof errcode !== 'number') return 'fatal';
  const primary = errcode & 0xff;
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) return 'retry';
  // A constraint (CHECK, UNIQUE, a trigger's RAISE(ABORT)) fails its statement; the transaction goes on.
  return primary === SQLITE_CONSTRAINT ? 'statement' : 'fatal';
}

const SQLITE_ERRORS: DialectErrors = {
  isStatementError: (err) => classifySqliteError(err) === 'statement',
  duplicateKey(err) {
    const { errcode, message } = err as { errcode?: number; message?: string };
    // SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY: "UNIQUE constraint failed: characters.name".
    if (errcode !== 2067 && errcode !== 1555) return undefined;
    return /failed: (.+)$/.exec(message ?? '')?.[1]?.toLowerCase() ?? '';
  },
};

export class SqliteStore implements StoreBackend, EconomyBackend {
  readonly backend = 'sqlite';
  statements = 0;
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly batchRows: number;
  /** Fixed-shape statements, compiled once. Multi-row ones vary in shape and are not kept. */
  private readonly prepared = new Map<string, StatementSync>();
  private readonly ids = new IdBlocks();

  /** Opens (creating it if needed) `dataDir/zone-server.sqlite`. */
  constructor(dataDir: string, batchRows: number) {
    this.file = join(dataDir, SQLITE_FILE_NAME);
    try {
      mkdirSync(dataDir, { recursive: true });
      this.db = new DatabaseSync(this.file);
    } catch (err) {
      // Node's file errors carry errno, node:sqlite's SQLite's result code as errcode.
      const { code, errno, errcode } = err as { code?: string; errno?: number; errcode?: number };
      throw new StoreError(`cannot open the SQLite database ${this.file}: ${(err as Error).message}`, code, errno ?? errcode);
    }
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL');
    this.batchRows = Math.min(batchRows, Math.floor(MAX_PARAMETERS / SAVE_COLUMNS));
  }

  async migrate(): Promise<string[]> {
    this.statement('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT').run();
    // IMMEDIATE takes the write lock before reading, so two processes on one file cannot both
    // decide that a migration is due. SQLite's DDL is transactional: a failing file leaves nothing.
    return this.transaction(() => {
      const applied = this.statement('SELECT version, name FROM schema_migrations').all() as unknown as AppliedMigration[];
      const due = pendingMigrations(migrationsFor('sqlite'), applied);
      for (const migration of due) {
        this.statements++;
        this.db.exec(migration.sql);
        this.statement('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
      }
      return due.map((m) => m.name);
    });
  }

  async acquire(playerId: number, nodeId: string, initial: CharacterState): Promise<OwnedCharacter> {
    const now = Date.now();
    const { row, created } = this.transaction(() => {
      // Not told by the epoch: createCharacter leaves a row at epoch 0 that this raises to 1.
      const existing = this.statement('SELECT isolated FROM characters WHERE player_id = ?').get(playerId);
      if (existing && Number(existing.isolated) === 1) throw isolatedError(playerId);
      const created = existing === undefined;
      const row = this.statement(
        `INSERT INTO characters (player_id, ${STATE_COLUMNS}, owner_node, owner_epoch, online, last_login_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)
         ON CONFLICT (player_id) DO UPDATE SET
           owner_node = excluded.owner_node, owner_epoch = owner_epoch + 1, state_version = 0, online = 1, last_login_at = excluded.last_login_at
         RETURNING ${ROW_COLUMNS}`,
      ).get(playerId, ...stateValues(initial), nodeId, now, now) as Row;
      // A wallet left by a deleted character keeps its gold.
      if (created) this.statement('INSERT INTO wallets (player_id, gold, updated_at) VALUES (?, 0, ?) ON CONFLICT (player_id) DO NOTHING').run(playerId, now);
      return { row, created };
    });
    const character = toStoredCharacter(row);
    return { playerId, name: character.name, epoch: character.epoch, created, state: character.state };
  }

  async acquireExisting(playerId: number, nodeId: string): Promise<OwnedCharacter | Isolated | undefined> {
    const row = this.statement(
      `UPDATE characters SET owner_node = ?, owner_epoch = owner_epoch + 1, state_version = 0, online = 1, last_login_at = ? WHERE player_id = ? AND isolated = 0 RETURNING ${ROW_COLUMNS}`,
    ).get(nodeId, Date.now(), playerId) as Row | undefined;
    if (!row) return this.statement('SELECT 1 FROM characters WHERE player_id = ?').get(playerId) ? ISOLATED : undefined;
    const character = toStoredCharacter(row);
    return { playerId, name: character.name, epoch: character.epoch, created: false, state: character.state };
  }

  async loadInventory(playerId: number): Promise<Inventory | undefined> {
    return toInventory(playerId, this.statement(INVENTORY_SQL).all(playerId));
  }

  async listMail(playerId: number): Promise<Mail[]> {
    return toMailbox(this.statement(MAILBOX_SQL).all(playerId));
  }

  /** One economy group (group-commit.ts) in one transaction, start to end without yielding the thread. */
  async runGroup(ops: readonly EconomyOp[], mode: GroupMode): Promise<OpOutcome[]> {
    const ids = this.ids.forGroupSync(footprintOf(ops), (sequence, count) => this.reserveIds(sequence, count));
    return this.transaction(() => this.drive(groupTransaction('sqlite', ops, mode, ids, Date.now(), SQLITE_ERRORS)));
  }

  async changeCharacter(playerId: number, change: CharacterChange, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.transaction(() => this.drive(changeCharacterBody('sqlite', playerId, change, audit)));
  }

  async isolate(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.transaction(() => this.drive(isolateBody('sqlite', playerId, audit)));
  }

  async releaseIsolation(playerId: number, audit: AuditDraft): Promise<AdminWriteResult> {
    return this.transaction(() => this.drive(releaseIsolationBody('sqlite', playerId, audit)));
  }

  async recordAudit(record: AuditRecord): Promise<void> {
    this.transaction(() => this.drive(recordAuditBody(record)));
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.drive(listAuditBody(query));
  }

  /** Runs a transaction body (economy-sql.ts, admin-sql.ts): each statement it yields, its rows or error handed back. */
  private drive<T>(body: Generator<Statement, T, SqlRow[]>): T {
    for (let step = body.next(); ; ) {
      if (step.done) return step.value;
      let rows: SqlRow[];
      try {
        rows = this.runStatement(step.value);
      } catch (err) {
        step = body.throw(err);
        continue;
      }
      step = body.next(rows);
    }
  }

  classify(err: unknown): FailureKind {
    return classifySqliteError(err);
  }

  /** Reserves `count` ids in a statement of their own (autocommit, outside any group): returns the first. */
  private reserveIds(sequence: Sequence, count: number): number {
    const row = this.statement('UPDATE id_sequences SET next_id = next_id + ? WHERE name = ? RETURNING next_id').get(count, sequence);
    if (!row) throw new Error(`id_sequences has no row '${sequence}': run the migrations`);
    return Number(row.next_id) - count;
  }

  private runStatement({ sql, values }: Statement): SqlRow[] {
    const statement = values.length <= KEPT_STATEMENT_VALUES ? this.statement(sql) : this.oneOff(sql);
    // all() runs any statement; writes return no rows.
    return statement.all(...values);
  }

  async save(snapshots: readonly CharacterSnapshot[]): Promise<SaveResult> {
    const sorted = sortedSnapshots(snapshots);
    if (sorted.length === 0) return { written: [], stale: [] };
    const now = Date.now();
    const written: number[] = [];
    const stale: number[] = [];
    this.transaction(() => {
      for (const chunk of chunks(sorted, this.batchRows)) {
        const owners = this.onlineEpochs(chunk.map((s) => s.playerId));
        const fresh = chunk.filter((s) => owners.get(s.playerId) === s.epoch);
        for (const s of chunk) (owners.get(s.playerId) === s.epoch ? written : stale).push(s.playerId);
        if (fresh.length === 0) continue;
        // Every fresh row exists and this transaction holds the write lock, so the upsert only
        // ever updates; created_at is there because its INSERT half must name every NOT NULL column.
        this.oneOff(
          `INSERT INTO characters (player_id, ${STATE_COLUMNS}, state_version, last_save_at, created_at)
           VALUES ${rowPlaceholders(fresh.length, SAVE_COLUMNS)}
           ON CONFLICT (player_id) DO UPDATE SET
             zone_id = excluded.zone_id, x = excluded.x, y = excluded.y, heading = excluded.heading, hp = excluded.hp,
             level = excluded.level, exp = excluded.exp, play_time_s = excluded.play_time_s, state_version = excluded.state_version, last_save_at = excluded.last_save_at`,
        ).run(...fresh.flatMap((s) => saveValues(s.playerId, s.state, s.version, now)));
      }
    });
    return { written, stale };
  }

  async release(snapshot: CharacterSnapshot): Promise<boolean> {
    const result = this.statement(
      `UPDATE characters SET zone_id = ?, x = ?, y = ?, heading = ?, hp = ?, level = ?, exp = ?, play_time_s = ?, state_version = ?, last_save_at = ?, online = 0
       WHERE player_id = ? AND owner_epoch = ? AND online = 1`,
    ).run(...stateValues(snapshot.state), snapshot.version, Date.now(), snapshot.playerId, snapshot.epoch);
    return result.changes === 1;
  }

  async replay(snapshots: readonly CharacterSnapshot[]): Promise<number> {
    const statement = this.statement(`UPDATE characters SET zone_id = ?, x = ?, y = ?, heading = ?, hp = ?, level = ?, exp = ?, play_time_s = ?, state_version = ?, last_save_at = ?
       WHERE player_id = ? AND owner_epoch = ? AND online = 1 AND state_version < ?`);
    const now = Date.now();
    return this.transaction(() => sortedSnapshots(snapshots).reduce((replayed, s) => replayed + Number(statement.run(...stateValues(s.state), s.version, now, s.playerId, s.epoch, s.version).changes), 0));
  }

  async releaseNode(nodeId: string): Promise<number> {
    return Number(this.statement('UPDATE characters SET online = 0 WHERE owner_node = ? AND online = 1').run(nodeId).changes);
  }

  async releaseOwned(owners: readonly { readonly playerId: number; readonly epoch: number }[]): Promise<number> {
    const statement = this.statement('UPDATE characters SET online = 0 WHERE player_id = ? AND owner_epoch = ? AND online = 1');
    return this.transaction(() => owners.reduce((released, { playerId, epoch }) => released + Number(statement.run(playerId, epoch).changes), 0));
  }

  async load(playerId: number): Promise<StoredCharacter | undefined> {
    const row = this.statement(`SELECT ${ROW_COLUMNS} FROM characters WHERE player_id = ?`).get(playerId) as Row | undefined;
    return row ? toStoredCharacter(row) : undefined;
  }

  async close(): Promise<void> {
    if (this.db.isOpen) this.db.close();
  }

  connectionsInUse(): number {
    return this.db.isOpen && this.db.isTransaction ? 1 : 0;
  }

  /** Owner epochs of the online characters among `playerIds`. */
  private onlineEpochs(playerIds: readonly number[]): Map<number, number> {
    const rows = this.oneOff(`SELECT player_id, owner_epoch FROM characters WHERE online = 1 AND player_id IN (${listPlaceholders(playerIds.length)})`).all(
      ...playerIds,
    );
    return new Map(rows.map((r) => [Number(r.player_id), Number(r.owner_epoch)]));
  }

  private transaction<T>(body: () => T): T {
    this.statement('BEGIN IMMEDIATE').run();
    try {
      const result = body();
      this.statement('COMMIT').run();
      return result;
    } catch (err) {
      if (this.db.isTransaction) this.statement('ROLLBACK').run();
      throw err;
    }
  }

  /** A fixed-shape statement, compiled on first use; counts one statement. */
  private statement(sql: string): StatementSync {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.prepared.set(sql, statement);
    }
    this.statements++;
    return statement;
  }

  /** A multi-row statement, compiled for this one use; counts one statement. */
  private oneOff(sql: string): StatementSync {
    this.statements++;
    return this.db.prepare(sql);
  }
}
