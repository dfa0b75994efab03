/**
 * Flush benchmark (docs/architecture.md: R8, R12): writing back 10,000 dirty players.
 *
 * - `save`: the real path. One `StoreClient.save` call of every player, through the store worker
 *   thread: one transaction, FLUSH_BATCH_ROWS rows per statement, fenced by owner epoch.
 * - `save ×4`: the same players as four concurrent saves of a quarter each, as four zones flushing
 *   at once (MySQL: four pool connections, four transactions).
 * - `batches`: the same players as FLUSH_BATCH_ROWS-row saves, one transaction each, all sent at
 *   once, as the zones' write-back sends them (MySQL: as many at a time as the pool has connections).
 * - `per-row UPDATE` (baseline, same run): one fenced UPDATE per player inside one transaction, on
 *   a connection of the benchmark's own.
 * One untimed warm-up round, then `--reps` timed ones; each repetition runs the methods in the
 * previous one's order rotated by one place, so none always follows the same one.
 *
 * Then, statements, on each MySQL database: a real zone with `--active-players` players moving
 * every tick for `--active-seconds`, once writing back through a real store worker and once
 * writing through (one UPDATE per accepted move, bench/flush/statements.ts); the server counts
 * the statements of each.
 *
 * Databases: `mysql`, a throwaway MariaDB with durable commits (innodb_flush_log_at_trx_commit=1)
 * and no binary log; `mysql+binlog`, another with the binary log synced at every commit
 * (sync_binlog=1), as a deployed MySQL 8.4 has it; or, with MYSQL_URL set, that server as it is
 * (as `mysql`; a fresh database on it per part, dropped afterwards). `sqlite`: a temporary
 * directory, WAL + synchronous=FULL. Every repetition writes new values, so every row changes.
 * The settings that make a commit durable are read from each server and printed.
 *
 *   npm run bench:flush [-- --json] [-- --players 10000] [-- --reps 7] [-- --batch-rows 500]
 *                       [-- --active-players 2000] [-- --active-seconds 30] [-- --write-through-connections 16]
 */
import { createLogger } from '../src/log/logger.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createConnection, type Connection } from 'mysql2/promise';
import { loadConfig } from '../src/config/config.ts';
import type { MetricsSnapshot } from '../src/metrics/metrics-hub.ts';
import type { Backend, CharacterSnapshot, CharacterState } from '../src/storage/character-store.ts';
import { rowPlaceholders, stateValues, chunks } from '../src/store/rows.ts';
import { SQLITE_FILE_NAME } from '../src/store/sqlite-store.ts';
import { StoreWorkerHandle } from '../src/supervisor/store-worker-handle.ts';
import { createTestDatabase, dropTestDatabase } from '../test/helpers/mysql.ts';
import { PER_ROW_UPDATE, perRowValues } from './flush/per-row-update.ts';
import { runActiveZone, type ActiveRun, type WriteMode } from './flush/statements.ts';
import { mysqlServers, sqliteSettings, type MysqlServer } from './lib/databases.ts';
import { printReport, type Cell, type Row } from './lib/report.ts';
import { median } from './lib/stats.ts';

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive whole number`);
  return value;
}

/** The server's own settings, for the active zone. */
const DEFAULTS = loadConfig({}, false);

const config = {
  players: numberArg('--players', 10_000),
  repetitions: numberArg('--reps', 7),
  /** Untimed rounds first, so caches, the buffer pool and the JIT are warm. */
  warmupRounds: 1,
  flushBatchRows: numberArg('--batch-rows', 500),
  goalMs: 200,
  activePlayers: numberArg('--active-players', 2000),
  activeSeconds: numberArg('--active-seconds', 30),
  writeThroughConnections: numberArg('--write-through-connections', 16),
  statementsGoal: 1000,
};
const EPOCH = 1;
const NODE = 'bench';

/** A write-back round's state for one player: every round moves everyone. */
function stateOf(playerId: number, round: number): CharacterState {
  return { zoneId: 1, x: (playerId % 1000) + round * 0.5, y: playerId / 1000 + round, heading: round % 6, hp: 100 - (round % 7), level: 10, exp: playerId * 10 + round, playTimeS: round * 10 };
}

const SEED_SQL_HEAD = 'INSERT INTO characters (player_id, zone_id, x, y, heading, hp, level, exp, play_time_s, owner_node, owner_epoch, online, created_at) VALUES ';
const SEED_COLUMNS = 13;

/** Characters 1..players, online and owned at EPOCH: what log-ins would have left. */
function seedRows(players: number): { sql: string; values: (string | number)[] }[] {
  const ids = Array.from({ length: players }, (_, i) => i + 1);
  return chunks(ids, 1000).map((chunk) => ({
    sql: SEED_SQL_HEAD + rowPlaceholders(chunk.length, SEED_COLUMNS),
    values: chunk.flatMap((id) => [id, ...stateValues(stateOf(id, 0)), NODE, EPOCH, 1, Date.now()]),
  }));
}

/** The per-row baseline's work, whichever database runs it. */
interface Baseline {
  perRowUpdates(round: number): Promise<void>;
  close(): Promise<void>;
}

/** A fresh database for the timed part. */
interface BackendUnderTest {
  readonly env: Record<string, string>;
  /** Seeds the characters and returns the baseline's connection. */
  prepare(): Promise<Baseline>;
  dispose(): Promise<void>;
}

/** Where the runs go: a MySQL server or SQLite files, with the settings that make a commit durable. */
interface Target {
  readonly name: 'mysql' | 'mysql+binlog' | 'sqlite';
  readonly backend: Backend;
  /** mysql://… of the server (no database); undefined for SQLite. */
  readonly serverUrl: string | undefined;
  readonly settings: Readonly<Record<string, Cell>>;
  open(): Promise<BackendUnderTest>;
  remove(): Promise<void>;
}

function mysqlBaseline(conn: Connection): Baseline {
  return {
    async perRowUpdates(round) {
      await conn.query('START TRANSACTION');
      for (let id = 1; id <= config.players; id++) await conn.query(PER_ROW_UPDATE, perRowValues(id, EPOCH, stateOf(id, round), Date.now()));
      await conn.query('COMMIT');
    },
    close: () => conn.end(),
  };
}

function mysqlTarget(server: MysqlServer): Target {
  const serverUrl = server.url;
  return {
    name: server.name,
    backend: 'mysql',
    serverUrl,
    settings: server.settings,
    async open() {
      const url = await createTestDatabase(serverUrl);
      return {
        env: { MYSQL_URL: url },
        async prepare() {
          const conn = await createConnection({ uri: url });
          for (const { sql, values } of seedRows(config.players)) await conn.query(sql, values);
          return mysqlBaseline(conn);
        },
        dispose: () => dropTestDatabase(url),
      };
    },
    remove: () => server.remove(),
  };
}

function sqliteTarget(): Target {
  return {
    name: 'sqlite',
    backend: 'sqlite',
    serverUrl: undefined,
    settings: sqliteSettings('FULL (set by src/store/sqlite-store.ts, and by the baseline on its own connection)'),
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'zone-flush-bench-'));
      return {
        env: { DATA_DIR: dir },
        async prepare() {
          // The store worker has created the file and its tables; this second connection shares it (WAL).
          const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME), { timeout: 10_000 });
          db.exec('PRAGMA synchronous = FULL');
          db.exec('BEGIN');
          for (const { sql, values } of seedRows(config.players)) db.prepare(sql).run(...values);
          db.exec('COMMIT');
          const update = db.prepare(PER_ROW_UPDATE);
          return {
            async perRowUpdates(round) {
              db.exec('BEGIN IMMEDIATE');
              for (let id = 1; id <= config.players; id++) update.run(...perRowValues(id, EPOCH, stateOf(id, round), Date.now()));
              db.exec('COMMIT');
            },
            async close() {
              db.close();
            },
          };
        },
        async dispose() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    async remove() {},
  };
}

const METHODS = ['save', 'save ×4', 'batches', 'per-row UPDATE'] as const;
type Method = (typeof METHODS)[number];

function storeStatementsOf(snapshot: MetricsSnapshot | undefined): number {
  const metric = snapshot?.find((m) => m.name === 'store_statements_total');
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
}

/** `list` rotated left by `by` places. */
function rotated<T>(list: readonly T[], by: number): T[] {
  const n = by % list.length;
  return [...list.slice(n), ...list.slice(0, n)];
}

async function measure(target: Target): Promise<Row[]> {
  const database = await target.open();
  const storeConfig = loadConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json', FLUSH_BATCH_ROWS: String(config.flushBatchRows), ...database.env }, false);
  const handle = await StoreWorkerHandle.start(storeConfig, createLogger(storeConfig));
  const store = handle.connect();
  try {
    await store.migrate();
    const baseline = await database.prepare();
    const playerIds = Array.from({ length: config.players }, (_, i) => i + 1);
    const snapshotsOf = (round: number): CharacterSnapshot[] => playerIds.map((playerId) => ({ playerId, epoch: EPOCH, version: round + 1, state: stateOf(playerId, round) }));

    const run: Record<Method, (round: number) => Promise<void>> = {
      async save(round) {
        const result = await store.save(snapshotsOf(round));
        if (result.written.length !== config.players) throw new Error(`save wrote ${result.written.length} of ${config.players} rows`);
      },
      async 'save ×4'(round) {
        const parts = chunks(snapshotsOf(round), Math.ceil(config.players / 4));
        const results = await Promise.all(parts.map((part) => store.save(part)));
        const written = results.reduce((sum, r) => sum + r.written.length, 0);
        if (written !== config.players) throw new Error(`concurrent saves wrote ${written} of ${config.players} rows`);
      },
      // The way zones' write-back sends them: FLUSH_BATCH_ROWS rows per save, one transaction each,
      // all at once; the store worker runs as many at a time as it has pool connections.
      async batches(round) {
        const results = await Promise.all(chunks(snapshotsOf(round), config.flushBatchRows).map((part) => store.save(part)));
        const written = results.reduce((sum, r) => sum + r.written.length, 0);
        if (written !== config.players) throw new Error(`batched saves wrote ${written} of ${config.players} rows`);
      },
      'per-row UPDATE': (round) => baseline.perRowUpdates(round),
    };

    const timings = new Map<Method, number[]>(METHODS.map((m) => [m, []]));
    const statements = new Map<Method, number>(METHODS.map((m) => [m, 0]));
    let round = 1;
    for (let rep = 0; rep < config.warmupRounds + config.repetitions; rep++) {
      for (const method of rotated(METHODS, rep)) {
        const statementsBefore = storeStatementsOf(await store.collectMetrics(5000));
        const started = performance.now();
        await run[method](round++);
        const ms = performance.now() - started;
        if (rep < config.warmupRounds) continue;
        timings.get(method)?.push(ms);
        // The baseline bypasses the store: START TRANSACTION, one UPDATE per player, COMMIT.
        const sent = method === 'per-row UPDATE' ? config.players + 2 : storeStatementsOf(await store.collectMetrics(5000)) - statementsBefore;
        statements.set(method, (statements.get(method) ?? 0) + sent);
      }
    }
    await baseline.close();

    const perRowMedian = median(timings.get('per-row UPDATE') ?? []);
    return METHODS.map((method): Row => {
      const ms = timings.get(method) ?? [];
      return {
        database: target.name,
        method,
        medianMs: median(ms),
        minMs: Math.min(...ms),
        maxMs: Math.max(...ms),
        rowsPerSecond: Math.round(config.players / (median(ms) / 1000)),
        statementsPerRound: (statements.get(method) ?? 0) / config.repetitions,
        perRowOverThis: perRowMedian / median(ms),
      };
    });
  } finally {
    await handle.stop(Date.now() + 10_000);
    await database.dispose();
  }
}


/** One active-zone run on a fresh database of `target`'s server. */
async function activeRun(target: Target, mode: WriteMode): Promise<ActiveRun> {
  const url = await createTestDatabase(target.serverUrl as string);
  try {
    const zoneConfig = loadConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json', MYSQL_URL: url }, false);
    return await runActiveZone(zoneConfig, mode, config.activePlayers, config.activeSeconds, config.writeThroughConnections);
  } finally {
    await dropTestDatabase(url);
  }
}

const mysqlTargets = (await mysqlServers(['mysql', 'mysql+binlog'])).map(mysqlTarget);
const targets = [...mysqlTargets, sqliteTarget()];
const results: Row[] = [];
const activeRows: Row[] = [];
const summary: Record<string, Cell> = {};
try {
  for (const target of targets) results.push(...(await measure(target)));
  // Statements: on each MySQL server, the two modes in alternating order.
  for (const [i, target] of mysqlTargets.entries()) {
    const runs = new Map<WriteMode, ActiveRun>();
    for (const mode of rotated(['write-back', 'write-through'] as const, i)) runs.set(mode, await activeRun(target, mode));
    for (const mode of ['write-back', 'write-through'] as const) {
      const r = runs.get(mode) as ActiveRun;
      activeRows.push({
        database: target.name,
        mode,
        ticksPerSecond: r.ticks / r.seconds,
        skippedTicks: r.skippedTicks,
        movesPerPlayerSecond: r.movesApplied / r.players / r.seconds,
        statementsSent: r.statementsSent,
        serverStatements: r.serverStatements,
        batches: r.batches ?? null,
        backlog: r.backlog ?? null,
      });
    }
    const back = runs.get('write-back') as ActiveRun;
    const through = runs.get('write-through') as ActiveRun;
    // Executed: what the server ran of each (write-through's is capped by what the server keeps up
    // with); sent: what each asked for (write-through: one UPDATE per accepted move).
    const executed = through.serverStatements / Math.max(1, back.serverStatements);
    summary[`${target.name}.writeThroughOverWriteBackExecuted`] = Math.round(executed);
    summary[`${target.name}.writeThroughOverWriteBackSent`] = Math.round(through.statementsSent / Math.max(1, back.statementsSent));
    summary[`${target.name}.statementsGoalMet`] = executed >= config.statementsGoal;
  }
} finally {
  for (const target of mysqlTargets) await target.remove();
}

for (const target of mysqlTargets) {
  const batches = results.find((r) => r.database === target.name && r.method === 'batches');
  summary[`${target.name}.batchesMedianMs`] = Math.round(Number(batches?.medianMs));
  summary[`${target.name}.batchesMaxMs`] = Math.round(Number(batches?.maxMs));
  summary[`${target.name}.goalMet`] = Number(batches?.maxMs) <= config.goalMs;
}
if (mysqlServers.length === 0) summary.mysql = 'skipped: no MYSQL_URL and no MariaDB installed';

const settings: Record<string, Cell> = {};
for (const target of targets) for (const [key, value] of Object.entries(target.settings)) settings[`${target.name}.${key}`] = value;

printReport({
  name: 'flush',
  description: `write back ${config.players} dirty players: multi-row save vs per-row UPDATEs, each in one transaction; statements of write-back vs write-through`,
  config: {
    players: config.players,
    repetitions: config.repetitions,
    flushBatchRows: config.flushBatchRows,
    goalMs: config.goalMs,
    activePlayers: config.activePlayers,
    activeSeconds: config.activeSeconds,
    tickHz: DEFAULTS.tickHz,
    flushIntervalMs: DEFAULTS.flushIntervalMs,
    writeThroughConnections: config.writeThroughConnections,
    ...settings,
  },
  columns: [
    { key: 'database' },
    { key: 'method' },
    { key: 'medianMs', title: 'median ms', digits: 1 },
    { key: 'minMs', title: 'min ms', digits: 1 },
    { key: 'maxMs', title: 'max ms', digits: 1 },
    { key: 'rowsPerSecond', title: 'rows/s (median)' },
    { key: 'statementsPerRound', title: 'statements' },
    { key: 'perRowOverThis', title: 'per-row ÷ this', digits: 1 },
  ],
  rows: results,
  tables: [
    {
      title: `statements: ${config.activePlayers} players moving every tick for ${config.activeSeconds} s`,
      columns: [
        { key: 'database' },
        { key: 'mode' },
        { key: 'ticksPerSecond', title: 'ticks/s', digits: 1 },
        { key: 'skippedTicks', title: 'skipped ticks' },
        { key: 'movesPerPlayerSecond', title: 'moves applied /player/s', digits: 1 },
        { key: 'statementsSent', title: 'statements sent' },
        { key: 'serverStatements', title: 'server statements' },
        { key: 'batches' },
        { key: 'backlog' },
      ],
      rows: activeRows,
    },
  ],
  summary,
  notes: [
    'save: one StoreClient.save call through the store worker thread (wall time seen by the caller, structured cloning included).',
    'save ×4: the same rows as 4 concurrent saves of a quarter each, as 4 zones flushing at once (MySQL: 4 transactions on 4 pool connections).',
    'batches: FLUSH_BATCH_ROWS-row saves, one transaction each, all sent at once, as write-back sends them; the goal is judged on this row\'s max.',
    'per-row UPDATE: the baseline, one fenced UPDATE per player in one transaction, on a connection of the benchmark process.',
    'statements: per round, BEGIN and COMMIT included; store_statements_total for the store\'s methods, what the baseline sends for it.',
    'Methods run in an order rotated by one place each repetition (the warm-up round is not timed).',
    'SQLite has no round trips, so its per-row baseline (a reused prepared statement, in this thread) beats the multi-row save,',
    'which also pays the hop to the store worker; the store keeps one statement shape for both backends, and both are far inside the goal.',
    `statements: write-back = the zone's write-back through the store worker; write-through = one autocommit UPDATE per accepted move, from a thread with ${config.writeThroughConnections} connections.`,
    'statements sent: store_statements_total (write-back) or UPDATEs handed to the write-through thread (one per accepted move); server statements: the server\'s Questions counter over the window (server-wide, BEGIN and COMMIT included).',
    'backlog: write-through changes still queued, unwritten, when the run stopped. writeThroughOverWriteBackExecuted divides the server statements of the two runs, …Sent the statements sent; the goal is judged on executed.',
    `ticks/s against the tick rate, and skipped ticks: a zone that falls behind skips ticks, and its players send no moves in them. Goal: ${config.statementsGoal}× fewer statements.`,
  ],
});
