/**
 * Schema migrations: numbered SQL files in `sql/<backend>/` (sql/README.md), applied in order and
 * recorded in the `schema_migrations` table. Each backend runs the files its own way (mysql-store.ts,
 * sqlite-store.ts); this module finds them and works out which are due.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../storage/character-store.ts';

export interface Migration {
  readonly version: number;
  /** The file name without `.sql`, e.g. `001_characters`: what `migrate()` reports. */
  readonly name: string;
  readonly sql: string;
}

/** A row of `schema_migrations`. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

const FILE_NAME = /^(\d{3})_([a-z0-9_]+)\.sql$/;

const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

/** Every migration in `dir`, by version. Throws on a stray file name or a version used twice. */
export function readMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`${dir}/${file} is not a migration name like 001_characters.sql`);
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new Error(`${dir} has two migrations numbered ${match[1]}`);
    migrations.push({ version, name: file.slice(0, -'.sql'.length), sql: readFileSync(`${dir}/${file}`, 'utf8') });
  }
  return migrations;
}

export function migrationsFor(backend: Backend): Migration[] {
  return readMigrations(`${SQL_DIR}${backend}`);
}

/**
 * The migrations not yet applied, in order. Throws when a recorded version now has another file
 * name: a migration renamed or renumbered after it ran would otherwise be skipped or run twice.
 */
export function pendingMigrations(all: readonly Migration[], applied: readonly AppliedMigration[]): Migration[] {
  const appliedNames = new Map(applied.map((a) => [a.version, a.name]));
  for (const migration of all) {
    const recorded = appliedNames.get(migration.version);
    if (recorded !== undefined && recorded !== migration.name) {
      throw new Error(`migration ${migration.version} was applied as ${recorded} but the file is now ${migration.name}`);
    }
  }
  return all.filter((m) => !appliedNames.has(m.version));
}
