/**
 * The two databases the store contracts run against, each read and written straight, bypassing
 * the store, so that a test checks what was committed rather than what the store says: SQLite in
 * a temporary directory, and MySQL in a fresh database on MYSQL_URL's server or on a throwaway
 * MariaDB (test/helpers/mysql.ts), undefined when neither is available.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import type { Backend } from '../../src/storage/character-store.ts';
import { SQLITE_FILE_NAME } from '../../src/store/sqlite-store.ts';
import { openTestDatabase } from '../helpers/mysql.ts';

export type Row = Record<string, unknown>;

export interface QueryTarget {
  readonly backend: Backend;
  /** DATA_DIR or MYSQL_URL for the store under test. */
  readonly env: Record<string, string>;
  /** Runs one statement straight on the database: its rows, [] for a write. */
  query(sql: string, params?: readonly SQLInputValue[]): Promise<Row[]>;
  /**
   * SQL for a trigger that fails the ledger row of `opId`: a refusal the store cannot foresee,
   * which comes after the operation's other writes, so those must be rolled back with it.
   */
  refuseLedgerTrigger(opId: string): string;
  dispose(): Promise<void>;
}

export function sqliteTarget(prefix: string): QueryTarget {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    backend: 'sqlite',
    env: { DATA_DIR: dir },
    async query(sql, params = []) {
      const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME), { timeout: 5000 });
      try {
        return db.prepare(sql).all(...params);
      } finally {
        db.close();
      }
    },
    refuseLedgerTrigger: (opId) =>
      `CREATE TRIGGER test_refuse_op BEFORE INSERT ON ledger WHEN NEW.op_id = '${opId}' BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END`,
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function mysqlTarget(): Promise<QueryTarget | undefined> {
  const database = await openTestDatabase();
  if (!database) return undefined;
  return {
    backend: 'mysql',
    env: { MYSQL_URL: database.url },
    async query(sql, params = []) {
      const conn = await createConnection({ uri: database.url });
      try {
        const [rows] = await conn.query(sql, [...params]);
        return Array.isArray(rows) ? (rows as RowDataPacket[]) : [];
      } finally {
        await conn.end();
      }
    },
    refuseLedgerTrigger: (opId) =>
      `CREATE TRIGGER test_refuse_op BEFORE INSERT ON ledger FOR EACH ROW BEGIN IF NEW.op_id = '${opId}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by test trigger'; END IF; END`,
    dispose: () => database.dispose(),
  };
}

/** Both targets, by backend; mysql undefined when MySQL is unavailable (openTestDatabase said why). */
export async function queryTargets(prefix: string): Promise<Record<Backend, QueryTarget | undefined>> {
  return { sqlite: sqliteTarget(prefix), mysql: await mysqlTarget() };
}
