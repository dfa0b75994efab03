/**
 * The two databases a test runs the whole server on, each handing out the environment that
 * selects a database of its own: the same for every server of one test, so a restart finds what
 * the last server wrote. `cleanUp` removes them all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestDatabase, type TestDatabase } from './mysql.ts';

export interface Backend {
  readonly name: string;
  /** Environment selecting the database; the same for every server of one test. */
  env(): Promise<Record<string, string> | undefined>;
  cleanUp(): Promise<void>;
}

export function sqlite(): Backend {
  const dirs: string[] = [];
  return {
    name: 'SQLite',
    async env() {
      const dir = mkdtempSync(join(tmpdir(), 'zone-persist-'));
      dirs.push(dir);
      return { DATA_DIR: dir };
    },
    async cleanUp() {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function mysql(): Backend {
  const databases: TestDatabase[] = [];
  return {
    name: 'MySQL',
    async env() {
      const database = await openTestDatabase();
      if (!database) return undefined;
      databases.push(database);
      return { MYSQL_URL: database.url };
    },
    async cleanUp() {
      for (const database of databases) await database.dispose();
    },
  };
}
