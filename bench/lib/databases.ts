/**
 * The databases the storage benchmarks (bench:flush, bench:trades) run against, with the
 * settings that decide durability, as printed: MYSQL_URL's server as it is, or two throwaway
 * MariaDB servers, without and with the binary log (`sync_binlog=1`, as a deployed MySQL 8.4
 * has); and the embedded SQLite database.
 */
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { findMariadb, mysqlUnavailable, readDurability, startThrowawayMysql, type Durability } from '../../test/helpers/mysql.ts';
import { filesystemOf, type Cell } from './report.ts';

export type MysqlName = 'mysql' | 'mysql+binlog';

export interface MysqlServer {
  readonly name: MysqlName;
  readonly url: string;
  /** The server's durability settings and the filesystem of its data directory. */
  readonly settings: Record<string, Cell>;
  remove(): Promise<void>;
}

/** The durability settings as printed: the server's own, and the filesystem its data is on. */
function mysqlSettings(where: string, d: Durability): Record<string, Cell> {
  const { localDatadir, datadir, version, ...settings } = d;
  return {
    server: `${where}, ${version}`,
    ...settings,
    datadir: localDatadir ? `${datadir} (${filesystemOf(localDatadir)})` : `${datadir} (filesystem unknown: not on this machine)`,
  };
}

/** MYSQL_URL's server as it is (named 'mysql'), or a throwaway MariaDB for each wanted name. */
export async function mysqlServers(wanted: readonly MysqlName[]): Promise<MysqlServer[]> {
  if (wanted.length === 0) return [];
  const given = process.env.MYSQL_URL ?? '';
  if (given !== '') return [{ name: 'mysql', url: given, settings: mysqlSettings(`MYSQL_URL (${new URL(given).host})`, await readDurability(given)), remove: async () => {} }];
  if (!findMariadb()) {
    mysqlUnavailable('MYSQL_URL is not set and no MariaDB is installed');
    return [];
  }
  const servers: MysqlServer[] = [];
  for (const name of wanted) {
    const server = await startThrowawayMysql([], { binlog: name === 'mysql+binlog' });
    servers.push({ name, url: server.url(), settings: mysqlSettings('throwaway', await readDurability(server.url())), remove: () => server.remove() });
  }
  return servers;
}

/** The embedded SQLite database's settings, as printed; `synchronous` says who sets it. */
export function sqliteSettings(synchronous: string): Record<string, Cell> {
  const memory = new DatabaseSync(':memory:');
  const version = memory.prepare('SELECT sqlite_version() AS v').get()?.v;
  memory.close();
  return {
    server: `SQLite ${String(version)}`,
    journal_mode: 'WAL (set by src/store/sqlite-store.ts)',
    synchronous,
    dataDir: `${tmpdir()} (${filesystemOf(tmpdir())})`,
  };
}
