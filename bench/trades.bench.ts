/**
 * Trades benchmark (docs/architecture.md: R9, R12): durable trades per second through the real store worker,
 * and the latency each caller sees from request to result, with group commit against the
 * baseline of one transaction per trade, in the same run.
 *
 * - `--callers` concurrent callers (default 256) in this thread, each with a trade always in
 *   flight through one StoreClient, as zones would have. Caller i owns players 2i+1 and 2i+2 and
 *   trades between them: gold one way, and every other trade one item, alternately in each
 *   direction; a share `--cross` of its trades (default 0.1) pay gold to a random player instead,
 *   so pairs also contend for rows.
 * - `group commit`: the store worker's defaults (store/group-commit.ts).
 * - `one tx per trade` (baseline): the same worker with `maxOps: 1`, as many transactions at
 *   once as the pool has connections (MySQL) or one (SQLite).
 *
 * MySQL: a throwaway MariaDB with durable commits (innodb_flush_log_at_trx_commit=1), or the
 * server MYSQL_URL names; each method gets a fresh database. SQLite: a temporary directory, WAL +
 * synchronous=FULL. Trades started during the first `--warmup` seconds are not counted; the rest
 * of `--seconds` is. After each run the database's gold and item totals are checked unchanged.
 *
 *   npm run bench:trades [-- --json] [-- --callers 256] [-- --seconds 10] [-- --warmup 2]
 *                        [-- --cross 0.1] [-- --pool 4] [-- --only mysql|sqlite]
 *                        [-- --group-ops 256] [-- --groups-in-flight 2]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createConnection, type RowDataPacket } from 'mysql2/promise';
import { loadConfig } from '../src/config/config.ts';
import type { Backend } from '../src/storage/character-store.ts';
import type { StoreClient } from '../src/storage/store-client.ts';
import { groupCommitSettings } from '../src/store/group-commit.ts';
import { SQLITE_FILE_NAME } from '../src/store/sqlite-store.ts';
import { createTestDatabase, findMariadb, mysqlUnavailable, startThrowawayMysql, type ThrowawayMysql } from '../test/helpers/mysql.ts';
import { printReport, type Row } from './lib/report.ts';
import { startStoreWorker } from './trades/store-worker.ts';
import type { MetricsSnapshot } from '../src/metrics/metrics-hub.ts';
import type { GroupCommitSettings } from '../src/thread-messages/store-control.ts';

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0`);
  return value;
}

function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The server's own group commit settings: the defaults of the configuration and the fixed limits. */
const DEFAULT_GROUP_COMMIT = groupCommitSettings(loadConfig({}, false));

const config = {
  callers: numberArg('--callers', 256),
  seconds: numberArg('--seconds', 10),
  warmupSeconds: numberArg('--warmup', 2),
  cross: numberArg('--cross', 0.1),
  poolSize: numberArg('--pool', 4),
  only: stringArg('--only'),
  groupOps: numberArg('--group-ops', DEFAULT_GROUP_COMMIT.maxOps),
  groupsInFlight: numberArg('--groups-in-flight', DEFAULT_GROUP_COMMIT.maxGroupsInFlight),
  startingGold: 1_000_000,
  itemsPerPlayer: 2,
  goalTradesPerSecond: 5000,
};

interface Method {
  readonly name: string;
  readonly groupCommit: Partial<GroupCommitSettings>;
}

const METHODS: readonly Method[] = [
  { name: 'group commit', groupCommit: { maxOps: config.groupOps, maxGroupsInFlight: config.groupsInFlight } },
  { name: 'one tx per trade', groupCommit: { maxOps: 1, maxGroupsInFlight: config.poolSize } },
];

/** A fresh database for one method, and a way to read it directly. */
interface Database {
  readonly env: Record<string, string>;
  totals(): Promise<{ gold: number; items: number }>;
  durability(): Promise<string>;
  dispose(): Promise<void>;
}

const TOTALS_SQL = `SELECT (SELECT COALESCE(SUM(gold), 0) FROM wallets) + (SELECT COALESCE(SUM(gold), 0) FROM mail WHERE status = 'unclaimed') AS gold,
  (SELECT COALESCE(SUM(count), 0) FROM items) AS items`;

async function mysqlDatabase(serverUrl: string, where: string): Promise<Database> {
  const url = await createTestDatabase(serverUrl);
  const query = async (sql: string): Promise<RowDataPacket> => {
    const conn = await createConnection({ uri: url });
    try {
      const [rows] = await conn.query<RowDataPacket[]>(sql);
      return rows[0] as RowDataPacket;
    } finally {
      await conn.end();
    }
  };
  return {
    env: { MYSQL_URL: url, MYSQL_POOL_SIZE: String(config.poolSize) },
    async totals() {
      const row = await query(TOTALS_SQL);
      return { gold: Number(row.gold), items: Number(row.items) };
    },
    async durability() {
      const row = await query('SELECT VERSION() AS version, @@innodb_flush_log_at_trx_commit AS flush');
      return `${where} ${row.version}, innodb_flush_log_at_trx_commit=${row.flush}, pool ${config.poolSize}`;
    },
    async dispose() {
      const conn = await createConnection({ uri: serverUrl });
      try {
        await conn.query('DROP DATABASE IF EXISTS ??', [new URL(url).pathname.slice(1)]);
      } finally {
        await conn.end();
      }
    },
  };
}

function sqliteDatabase(): Database {
  const dir = mkdtempSync(join(tmpdir(), 'zone-trades-bench-'));
  const query = (sql: string): Record<string, unknown> => {
    const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME), { timeout: 10_000 });
    try {
      return db.prepare(sql).get() as Record<string, unknown>;
    } finally {
      db.close();
    }
  };
  return {
    env: { DATA_DIR: dir },
    async totals() {
      const row = query(TOTALS_SQL);
      return { gold: Number(row.gold), items: Number(row.items) };
    },
    async durability() {
      return `SQLite ${String(query('SELECT sqlite_version() AS v').v)}, WAL, synchronous=FULL`;
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Players 1..2×callers, each with gold and items; resolves to the items each holds. */
async function seed(client: StoreClient): Promise<Map<number, number[]>> {
  const players = Array.from({ length: 2 * config.callers }, (_, i) => i + 1);
  const state = { zoneId: 1, x: 0, y: 0, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 };
  const created = await Promise.all(players.map((p) => client.createCharacter(p, `Trader${p}`, state)));
  if (!created.every((c) => c.ok)) throw new Error('seeding: a character could not be created');
  const granted = await Promise.all(
    players.map((p) =>
      client.grant({
        opId: `seed-${p}`,
        playerId: p,
        gold: config.startingGold,
        items: Array.from({ length: config.itemsPerPlayer }, (_, i) => ({ templateId: 1 + ((p + i) % 8), count: 1 })),
      }),
    ),
  );
  const held = new Map<number, number[]>();
  for (const [i, g] of granted.entries()) {
    if (!g.ok) throw new Error(`seeding: grant refused (${g.reason})`);
    held.set(players[i] as number, g.items.map((item) => item.itemId));
  }
  return held;
}

interface Measured {
  readonly trades: number;
  readonly refused: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

/** Every caller keeps one trade in flight until the end; counts those started after the warm-up. */
async function drive(client: StoreClient, held: Map<number, number[]>, runId: string): Promise<Measured> {
  const players = 2 * config.callers;
  const started = performance.now();
  const countFrom = started + config.warmupSeconds * 1000;
  const stopAt = countFrom + config.seconds * 1000;
  const latenciesMs: number[] = [];
  let trades = 0;
  let refused = 0;
  let random = 42;
  const next = (n: number): number => {
    random = (random * 1103515245 + 12345) % 2147483648;
    return random % n;
  };
  const caller = async (index: number): Promise<void> => {
    const pair = [2 * index + 1, 2 * index + 2] as const;
    for (let n = 0; performance.now() < stopAt; n++) {
      const a = pair[n % 2] as number;
      let b = pair[(n + 1) % 2] as number;
      const cross = next(1000) < config.cross * 1000;
      if (cross) {
        b = 1 + next(players);
        if (b === a) b = (b % players) + 1;
      }
      const give = !cross && n % 4 < 2 ? (held.get(a) ?? []).slice(0, 1) : [];
      const sent = performance.now();
      const result = await client.trade({ opId: `${runId}-${index}-${n}`, a, b, goldFromA: 1 + next(10), goldFromB: 0, itemsFromA: give, itemsFromB: [] });
      const done = performance.now();
      if (result.ok) {
        for (const item of result.itemsFromA) {
          held.set(a, (held.get(a) ?? []).filter((id) => id !== item.itemId));
          held.get(b)?.push(item.itemId);
        }
      }
      if (sent >= countFrom && done <= stopAt) {
        trades++;
        if (!result.ok) refused++;
        latenciesMs.push(done - sent);
      }
    }
  };
  await Promise.all(Array.from({ length: config.callers }, (_, i) => caller(i)));
  return { trades, refused, seconds: config.seconds, latenciesMs };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function sample(snapshot: MetricsSnapshot | undefined, name: string): number {
  let total = 0;
  for (const metric of snapshot ?? []) {
    for (const value of metric.values) if (((value as { metricName?: string }).metricName ?? metric.name) === name) total += value.value;
  }
  return total;
}

async function measure(backend: Backend, method: Method, database: Database): Promise<{ row: Row; durability: string }> {
  const storeConfig = loadConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...database.env }, false);
  const store = await startStoreWorker(storeConfig, method.groupCommit);
  try {
    await store.client.migrate();
    const held = await seed(store.client);
    const before = await database.totals();
    const metricsBefore = await store.client.collectMetrics(5000);
    const run = await drive(store.client, held, backend);
    const metricsAfter = await store.client.collectMetrics(5000);
    const after = await database.totals();
    if (after.gold !== before.gold || after.items !== before.items) {
      throw new Error(`${backend} ${method.name}: totals changed from ${JSON.stringify(before)} to ${JSON.stringify(after)}`);
    }
    const delta = (name: string): number => sample(metricsAfter, name) - sample(metricsBefore, name);
    const sorted = run.latenciesMs.sort((x, y) => x - y);
    return {
      durability: await database.durability(),
      row: {
        backend,
        method: method.name,
        tradesPerSecond: Math.round(run.trades / run.seconds),
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        refused: run.refused,
        meanGroupSize: delta('store_group_commit_size_sum') / Math.max(1, delta('store_group_commit_size_count')),
        groupsPerSecond: Math.round(delta('store_group_commit_size_count') / (config.warmupSeconds + config.seconds)),
        deadlockRetries: delta('store_deadlock_retries_total'),
      },
    };
  } finally {
    await store.stop();
    await database.dispose();
  }
}

const rows: Row[] = [];
const durability: Record<string, string> = {};

if (config.only !== 'sqlite') {
  const given = process.env.MYSQL_URL ?? '';
  let throwaway: ThrowawayMysql | undefined;
  if (given === '' && findMariadb()) throwaway = await startThrowawayMysql();
  const serverUrl = throwaway ? throwaway.url() : given;
  if (serverUrl === '') {
    mysqlUnavailable('MYSQL_URL is not set and no MariaDB is installed');
  } else {
    try {
      for (const method of METHODS) {
        const database = await mysqlDatabase(serverUrl, throwaway ? 'throwaway' : `MYSQL_URL (${new URL(given).host})`);
        const measured = await measure('mysql', method, database);
        rows.push(measured.row);
        durability.mysql = measured.durability;
      }
    } finally {
      await throwaway?.remove();
    }
  }
}
if (config.only !== 'mysql') {
  for (const method of METHODS) {
    const measured = await measure('sqlite', method, sqliteDatabase());
    rows.push(measured.row);
    durability.sqlite = measured.durability;
  }
}

const rate = (backend: Backend, method: string): number => Number(rows.find((r) => r.backend === backend && r.method === method)?.tradesPerSecond ?? NaN);
for (const row of rows) (row as Record<string, unknown>).overBaseline = Number(row.tradesPerSecond) / rate(row.backend as Backend, 'one tx per trade');
const mysqlGroup = rate('mysql', 'group commit');

printReport({
  name: 'trades',
  description: `durable trades through the store worker: group commit vs one transaction per trade, ${config.callers} callers`,
  config: {
    callers: config.callers,
    measuredSeconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
    crossPairShare: config.cross,
    groupOps: config.groupOps,
    groupsInFlight: config.groupsInFlight,
    ...durability,
  },
  columns: [
    { key: 'backend' },
    { key: 'method' },
    { key: 'tradesPerSecond', title: 'trades/s' },
    { key: 'overBaseline', title: '× baseline', digits: 1 },
    { key: 'p50Ms', title: 'p50 ms', digits: 2 },
    { key: 'p99Ms', title: 'p99 ms', digits: 2 },
    { key: 'meanGroupSize', title: 'ops/group', digits: 1 },
    { key: 'groupsPerSecond', title: 'groups/s' },
    { key: 'refused' },
    { key: 'deadlockRetries', title: 'deadlock retries' },
  ],
  rows,
  summary: Number.isNaN(mysqlGroup)
    ? { mysql: 'skipped: no MYSQL_URL and no MariaDB installed' }
    : { mysqlGroupCommitTradesPerSecond: mysqlGroup, goalTradesPerSecond: config.goalTradesPerSecond, goalMet: mysqlGroup >= config.goalTradesPerSecond },
  notes: [
    'trades/s: trades answered per second (committed or refused) among those started after the warm-up; each is durable when answered.',
    'p50/p99: from the call to its result in the calling thread: waiting for a group, the transaction, the COMMIT and both thread hops.',
    'ops/group and groups/s: from store_group_commit_size over the whole run, warm-up included.',
    'Every run checks afterwards that the gold and item totals in the database did not change.',
  ],
});
