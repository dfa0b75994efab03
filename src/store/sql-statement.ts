/**
 * A statement as the SQL modules hand it to a backend (economy-sql.ts, admin-sql.ts): text with
 * `?` placeholders and its values, which always go in placeholders, never into the text.
 */
import type { Backend } from '../storage/character-store.ts';

export type Dialect = Backend;
export type SqlValue = string | number | null;
export type Row = Readonly<Record<string, unknown>>;

export interface Statement {
  readonly sql: string;
  readonly values: readonly SqlValue[];
}

export function statement(sql: string, values: readonly SqlValue[] = []): Statement {
  return { sql, values };
}
