/**
 * MySQL for tests and benchmarks, with no server to set up by hand.
 *
 * - `openTestDatabase()`: a fresh, empty database for one test file (or benchmark run). With
 *   MYSQL_URL set it is created on that server; otherwise on a throwaway MariaDB started for this
 *   process. `dispose()` drops it, and stops and deletes the throwaway server.
 * - `startThrowawayMysql()`: a MariaDB server of the caller's own, in a temporary directory on a
 *   free port, that can be stopped, killed and started again on the same data. Tests that take
 *   the database down use one of these, never MYSQL_URL's server.
 * - When there is neither MYSQL_URL nor a MariaDB installation, both say so loudly and the MySQL
 *   tests skip; under CI=true that is an error instead (.ci/run installs mariadb-server).
 *
 * The throwaway server runs with `--no-defaults`, so the machine's own my.cnf cannot change it
 * (and the system MariaDB service, if any, is never touched), and with durable commits
 * (`innodb_flush_log_at_trx_commit=1`), like production. It is SIGKILLed and its directory
 * deleted when the process exits, even after a failure. With `{ binlog: true }` it also writes
 * a binary log synced at every commit, as a deployed MySQL 8.4 does by default.
 *
 * - `readDurability()`: the server's own durability settings and data directory, for
 *   benchmarks to print.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';

/** How long a throwaway server may take to initialise or start (it takes about a second). */
const START_TIMEOUT_MS = 30_000;
/** The last bytes of the server's log kept for error messages. */
const LOG_TAIL_BYTES = 4096;
/** MariaDB refuses to run as root unless told to, and cannot switch user when not root. */
const AS_ROOT = process.getuid?.() === 0 ? ['--user=root'] : [];

export interface TestDatabase {
  /** mysql://… naming the fresh database. */
  readonly url: string;
  /** Where it lives, for messages: MYSQL_URL's host or the throwaway server's version. */
  readonly where: string;
  /** Drops the database; stops and deletes the throwaway server if this one started it. */
  dispose(): Promise<void>;
}

export interface ThrowawayOptions {
  /**
   * Binary log on (`--log-bin` in the server's directory, `--sync-binlog=1`, `--server-id=1`,
   * `--binlog-format=ROW`): what a deployed MySQL 8.4 has, where every COMMIT is a two-phase
   * commit between the binary log and InnoDB, each synced. Off by default.
   */
  readonly binlog?: boolean;
}

export interface ThrowawayMysql {
  readonly port: number;
  readonly running: boolean;
  /** `mysql://root@127.0.0.1:PORT/database` (no database: the server alone). */
  url(database?: string): string;
  /** Starts the server again on the same data directory and port. */
  start(): Promise<void>;
  /** Clean shutdown (SIGTERM); resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash; resolves once the process has exited. */
  kill(): Promise<void>;
  /** SIGSTOP: the server stops answering, its connections stay open (a hung machine). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Kills the server if it runs and deletes its directory. */
  remove(): Promise<void>;
}

interface MariadbPrograms {
  readonly server: string;
  readonly installDb: string;
}

function findProgram(names: readonly string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  for (const name of names) {
    for (const dir of dirs) {
      if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/** The MariaDB server and its data directory initialiser, or undefined when not installed. */
export function findMariadb(): MariadbPrograms | undefined {
  const server = findProgram(['mariadbd', 'mysqld']);
  const installDb = findProgram(['mariadb-install-db', 'mysql_install_db']);
  return server && installDb ? { server, installDb } : undefined;
}

/**
 * Says loudly why the MySQL tests cannot run. Under CI=true it throws instead, so a CI machine
 * that lost its MariaDB fails rather than passing with the MySQL half skipped.
 */
export function mysqlUnavailable(why: string): string {
  const message = `MySQL tests skipped: ${why}. Set MYSQL_URL or install mariadb-server.`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: this is a failure)`);
  process.stderr.write(`\n*** ${message} ***\n\n`);
  return message;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

class ThrowawayServer implements ThrowawayMysql {
  readonly port: number;
  private readonly programs: MariadbPrograms;
  private readonly dir: string;
  private readonly extraArgs: readonly string[];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private logTail = '';
  private readonly cleanUpAtExit = (): void => {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  };

  constructor(programs: MariadbPrograms, dir: string, port: number, extraArgs: readonly string[], options: ThrowawayOptions) {
    this.programs = programs;
    this.dir = dir;
    this.port = port;
    const binlog = options.binlog ? [`--log-bin=${join(dir, 'binlog')}`, '--sync-binlog=1', '--server-id=1', '--binlog-format=ROW'] : [];
    this.extraArgs = [...binlog, ...extraArgs];
    process.on('exit', this.cleanUpAtExit);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  url(database = ''): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  initialise(): void {
    const result = spawnSync(
      this.programs.installDb,
      ['--no-defaults', `--datadir=${join(this.dir, 'data')}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...AS_ROOT],
      { encoding: 'utf8', timeout: START_TIMEOUT_MS },
    );
    if (result.status !== 0) throw new Error(`${this.programs.installDb} failed (${result.status ?? result.signal}): ${(result.stderr || result.stdout).slice(-LOG_TAIL_BYTES)}`);
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('the throwaway MySQL server is already running'));
    this.logTail = '';
    const child = spawn(
      this.programs.server,
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--socket=${join(this.dir, 's.sock')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        ...AS_ROOT,
        '--character-set-server=utf8mb4',
        '--skip-name-resolve',
        '--innodb-flush-log-at-trx-commit=1',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    return new Promise((resolve, reject) => {
      let starting = true;
      const settle = (failure?: string): void => {
        if (!starting) return;
        starting = false;
        clearTimeout(timer);
        if (failure === undefined) return resolve();
        child.kill('SIGKILL');
        reject(new Error(`throwaway MySQL server ${failure}; its log ends:\n${this.logTail}`));
      };
      const timer = setTimeout(() => settle(`was not ready within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      // The server's log goes to stderr, which must be read for as long as it runs (a full pipe
      // would stall it). MariaDB (and MySQL) log "ready for connections" once they listen, which
      // tells readiness without polling.
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        this.logTail = (this.logTail + text).slice(-LOG_TAIL_BYTES);
        if (this.logTail.includes('ready for connections')) settle();
      });
      child.once('exit', (code, signal) => settle(`exited (${code ?? signal}) while starting`));
      child.once('error', (err) => settle(`could not be started: ${err.message}`));
    });
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGCONT'); // a frozen server dies too, but only once it runs again
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async remove(): Promise<void> {
    await this.kill();
    process.off('exit', this.cleanUpAtExit);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Starts a MariaDB server of the caller's own. Throws when MariaDB is not installed. */
export async function startThrowawayMysql(extraArgs: readonly string[] = [], options: ThrowawayOptions = {}): Promise<ThrowawayMysql> {
  const programs = findMariadb();
  if (!programs) throw new Error('MariaDB is not installed (no mariadbd and mariadb-install-db on PATH or in /usr/sbin)');
  const server = new ThrowawayServer(programs, mkdtempSync(join(tmpdir(), 'zone-mysql-')), await freePort(), extraArgs, options);
  try {
    server.initialise();
    await server.start();
  } catch (err) {
    await server.remove();
    throw err;
  }
  return server;
}

/** `url` with its database replaced by `database` ('' for none). */
function withDatabase(url: string, database: string): string {
  const copy = new URL(url);
  copy.pathname = `/${database}`;
  return copy.toString();
}

async function onServer<T>(serverUrl: string, body: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await createConnection({ uri: serverUrl });
  try {
    return await body(conn);
  } finally {
    await conn.end();
  }
}

/** Creates a database named `zone_test_<random>` on the server `serverUrl` names; resolves to its URL. */
export async function createTestDatabase(serverUrl: string): Promise<string> {
  const database = `zone_test_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, (conn) => conn.query('CREATE DATABASE ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', [database]));
  return withDatabase(serverUrl, database);
}

/** Drops a database `createTestDatabase` made; `url` names it. */
export async function dropTestDatabase(url: string): Promise<void> {
  await onServer(withDatabase(url, ''), (conn) => conn.query('DROP DATABASE IF EXISTS ??', [new URL(url).pathname.slice(1)]));
}

/**
 * A fresh database on MYSQL_URL's server or a throwaway one; undefined (after `mysqlUnavailable`)
 * when there is neither.
 */
export async function openTestDatabase(): Promise<TestDatabase | undefined> {
  const given = process.env.MYSQL_URL ?? '';
  let throwaway: ThrowawayMysql | undefined;
  if (given === '') {
    if (!findMariadb()) {
      mysqlUnavailable('MYSQL_URL is not set and no MariaDB is installed');
      return undefined;
    }
    throwaway = await startThrowawayMysql();
  }
  const serverUrl = throwaway ? throwaway.url() : withDatabase(given, '');
  const url = await createTestDatabase(serverUrl);
  const version = await onServer(serverUrl, async (conn) => {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS version');
    return String(rows[0]?.version);
  });
  return {
    url,
    where: throwaway ? `throwaway server ${version}` : `MYSQL_URL (${new URL(given).host}, ${version})`,
    async dispose() {
      if (throwaway) return throwaway.remove();
      await dropTestDatabase(url);
    },
  };
}

/** What decides whether a COMMIT is on disk when it returns, as the server reports it. */
export interface Durability {
  readonly version: string;
  /** 1: the redo log is synced at every commit. */
  readonly innodb_flush_log_at_trx_commit: number;
  /** 1 when the binary log is on. */
  readonly log_bin: number;
  /** 1: the binary log is synced at every commit (0: left to the OS). */
  readonly sync_binlog: number;
  /** Torn-page protection: 1/0 on MariaDB 10.11, ON/OFF/DETECT_… on MySQL 8.4. */
  readonly innodb_doublewrite: string;
  readonly binlog_format: string;
  readonly innodb_flush_method: string;
  readonly datadir: string;
  /**
   * The data directory as a path on this machine, or undefined when it may not be: the server is
   * not on a loopback address, or the path does not exist here.
   */
  readonly localDatadir: string | undefined;
}

/** Reads the durability settings from the server `serverUrl` names (MariaDB 10.11 and MySQL 8.4 spell them alike). */
export async function readDurability(serverUrl: string): Promise<Durability> {
  const row = await onServer(serverUrl, async (conn) => {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT VERSION() AS version, @@innodb_flush_log_at_trx_commit AS flushLog, @@log_bin AS logBin, @@sync_binlog AS syncBinlog,
        @@innodb_doublewrite AS doublewrite, @@binlog_format AS binlogFormat, @@innodb_flush_method AS flushMethod, @@datadir AS datadir`,
    );
    return rows[0] as RowDataPacket;
  });
  const datadir = String(row.datadir);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(serverUrl).hostname);
  return {
    version: String(row.version),
    innodb_flush_log_at_trx_commit: Number(row.flushLog),
    log_bin: Number(row.logBin),
    sync_binlog: Number(row.syncBinlog),
    innodb_doublewrite: String(row.doublewrite),
    binlog_format: String(row.binlogFormat),
    innodb_flush_method: String(row.flushMethod),
    datadir,
    localDatadir: loopback && existsSync(datadir) ? realpathSync(datadir) : undefined,
  };
}
