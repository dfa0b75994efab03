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
 * - `group commit`: the store worker's defaults (store/group-commit.ts) on the default pool
 *   (MYSQL_POOL_SIZE, 4 connections).
 * - `one tx per trade` (baseline): the same worker with `maxOps: 1`. On MySQL it runs once per
 *   pool size of `--baseline-pools` (4, 8, 16, 32), with as many transactions in flight as the
 *   pool has connections, and is judged at its best; on SQLite one at a time.
 *
 * Databases: `mysql`, a throwaway MariaDB with durable commits (innodb_flush_log_at_trx_commit=1)
 * and no binary log; `mysql+binlog`, another with the binary log synced at every commit
 * (sync_binlog=1), as a deployed MySQL 8.4 has it; or, with MYSQL_URL set, that server as it is
 * (as `mysql`). `sqlite`: a temporary directory, WAL + synchronous=FULL. Each run gets a fresh
 * database, and each prints the settings read from the server.
 *
 * Every configuration runs `--reps` times (default 2); each repetition runs them all, in an order
 * rotated from the previous one's. A run counts the trades answered inside its window (from
 * `--warmup` seconds after the start, for `--seconds`), for every method alike: the trades in
 * flight when it closes (one per caller) are not counted. After each run the database's gold and item totals are checked.
 *
 *   npm run bench:trades [-- --json] [-- --callers 256] [-- --seconds 5] [-- --warmup 1] [-- --reps 2]
 *                        [-- --cross 0.1] [-- --pool 4] [-- --baseline-pools 4,8,16,32]
 *                        [-- --only mysql,mysql+binlog,sqlite] [-- --group-ops 256] [-- --groups-in-flight 2]
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
import { createTestDatabase, dropTestDatabase } from '../test/helpers/mysql.ts';
import { mysqlServers, sqliteSettings, type MysqlServer, type MysqlName } from './lib/databases.ts';
import { printReport, type Cell, type Row } from './lib/report.ts';
import { startStoreWorker } from './trades/store-worker.ts';
import type { MetricsSnapshot } from '../src/metrics/metrics-hub.ts';
import type { GroupCommitSettings } from '../src/thread-messages/store-control.ts';
import { median } from './lib/stats.ts';

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number ≥ 0`);
  return value;
}

function listArg(name: string, fallback: readonly string[]): string[] {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? '').split(',') : [...fallback];
}

/** The server's own settings: the defaults of the configuration and the fixed limits. */
const DEFAULTS = loadConfig({}, false);
const DEFAULT_GROUP_COMMIT = groupCommitSettings(DEFAULTS);
const DATABASES = ['mysql', 'mysql+binlog', 'sqlite'] as const;
type DatabaseName = (typeof DATABASES)[number];

const config = {
  callers: numberArg('--callers', 256),
  seconds: numberArg('--seconds', 5),
  warmupSeconds: numberArg('--warmup', 1),
  repetitions: Math.max(1, Math.round(numberArg('--reps', 2))),
  cross: numberArg('--cross', 0.1),
  poolSize: numberArg('--pool', DEFAULTS.mysqlPoolSize),
  baselinePools: listArg('--baseline-pools', ['4', '8', '16', '32']).map(Number),
  only: listArg('--only', DATABASES),
  groupOps: numberArg('--group-ops', DEFAULT_GROUP_COMMIT.maxOps),
  groupsInFlight: numberArg('--groups-in-flight', DEFAULT_GROUP_COMMIT.maxGroupsInFlight),
  startingGold: 1_000_000,
  itemsPerPlayer: 2,
  goalTradesPerSecond: 5000,
};
if (!config.baselinePools.every((p) => Number.isInteger(p) && p >= 1)) throw new RangeError('--baseline-pools takes pool sizes ≥ 1, comma-separated');

const GROUP_COMMIT = 'group commit';
const BASELINE = 'one tx per trade';

interface Method {
  readonly name: typeof GROUP_COMMIT | typeof BASELINE;
  /** MySQL pool connections; undefined on SQLite, which has one connection. */
  readonly pool: number | undefined;
  readonly groupCommit: Partial<GroupCommitSettings>;
}

function methodsFor(backend: Backend): Method[] {
  const group: Method = {
    name: GROUP_COMMIT,
    pool: backend === 'mysql' ? config.poolSize : undefined,
    groupCommit: { maxOps: config.groupOps, maxGroupsInFlight: config.groupsInFlight },
  };
  if (backend === 'sqlite') return [group, { name: BASELINE, pool: undefined, groupCommit: { maxOps: 1, maxGroupsInFlight: 1 } }];
  return [group, ...config.baselinePools.map((pool): Method => ({ name: BASELINE, pool, groupCommit: { maxOps: 1, maxGroupsInFlight: pool } }))];
}

/** A fresh database for one run, and a way to read it directly. */
interface Database {
  readonly env: Record<string, string>;
  totals(): Promise<{ gold: number; items: number }>;
  dispose(): Promise<void>;
}

/** Where runs go: a MySQL server or SQLite files, with the settings that make a commit durable. */
interface Target {
  readonly name: DatabaseName;
  readonly backend: Backend;
  readonly settings: Readonly<Record<string, Cell>>;
  open(pool: number | undefined): Promise<Database>;
  remove(): Promise<void>;
}

const TOTALS_SQL = `SELECT (SELECT COALESCE(SUM(gold), 0) FROM wallets) + (SELECT COALESCE(SUM(gold), 0) FROM mail WHERE status = 'unclaimed') AS gold,
  (SELECT COALESCE(SUM(count), 0) FROM items) AS items`;

function mysqlTarget(server: MysqlServer): Target {
  const serverUrl = server.url;
  return {
    name: server.name,
    backend: 'mysql',
    settings: server.settings,
    async open(pool) {
      const url = await createTestDatabase(serverUrl);
      return {
        env: { MYSQL_URL: url, MYSQL_POOL_SIZE: String(pool) },
        async totals() {
          const conn = await createConnection({ uri: url });
          try {
            const [rows] = await conn.query<RowDataPacket[]>(TOTALS_SQL);
            return { gold: Number(rows[0]?.gold), items: Number(rows[0]?.items) };
          } finally {
            await conn.end();
          }
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
    settings: sqliteSettings('FULL (set by src/store/sqlite-store.ts)'),
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'zone-trades-bench-'));
      return {
        env: { DATA_DIR: dir },
        async totals() {
          const db = new DatabaseSync(join(dir, SQLITE_FILE_NAME), { timeout: 10_000 });
          try {
            const row = db.prepare(TOTALS_SQL).get() as Record<string, unknown>;
            return { gold: Number(row.gold), items: Number(row.items) };
          } finally {
            db.close();
          }
        },
        async dispose() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    async remove() {},
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
  /** Trades answered inside the window, committed or refused. */
  readonly trades: number;
  readonly refused: number;
  readonly latenciesMs: number[];
}

/**
 * Every caller keeps one trade in flight until the window closes. A trade counts when its answer
 * arrives inside the window, whenever it was sent: the same rule for every method, so a method
 * with long latencies loses no more at the window's edges than one with short ones.
 */
async function drive(client: StoreClient, held: Map<number, number[]>, runId: string): Promise<Measured> {
  const players = 2 * config.callers;
  const countFrom = performance.now() + config.warmupSeconds * 1000;
  const stopAt = countFrom + config.seconds * 1000;
  const latenciesMs: number[] = [];
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
      if (done >= countFrom && done <= stopAt) {
        if (!result.ok) refused++;
        latenciesMs.push(done - sent);
      }
    }
  };
  await Promise.all(Array.from({ length: config.callers }, (_, i) => caller(i)));
  return { trades: latenciesMs.length, refused, latenciesMs };
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

interface Run {
  readonly target: Target;
  readonly method: Method;
}

interface RunResult {
  readonly tradesPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly refused: number;
  readonly meanGroupSize: number;
  readonly statementsPerGroup: number;
  readonly deadlockRetries: number;
}

async function measure({ target, method }: Run, runId: string): Promise<RunResult> {
  const database = await target.open(method.pool);
  try {
    const storeConfig = loadConfig({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...database.env }, false);
    const store = await startStoreWorker(storeConfig, method.groupCommit);
    try {
      await store.client.migrate();
      const held = await seed(store.client);
      const before = await database.totals();
      const metricsBefore = await store.client.collectMetrics(5000);
      const run = await drive(store.client, held, runId);
      const metricsAfter = await store.client.collectMetrics(5000);
      const after = await database.totals();
      if (after.gold !== before.gold || after.items !== before.items) {
        throw new Error(`${target.name} ${method.name}: totals changed from ${JSON.stringify(before)} to ${JSON.stringify(after)}`);
      }
      const delta = (name: string): number => sample(metricsAfter, name) - sample(metricsBefore, name);
      const sorted = run.latenciesMs.sort((x, y) => x - y);
      return {
        tradesPerSecond: Math.round(run.trades / config.seconds),
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        refused: run.refused,
        meanGroupSize: delta('store_group_commit_size_sum') / Math.max(1, delta('store_group_commit_size_count')),
        statementsPerGroup: delta('store_statements_total') / Math.max(1, delta('store_group_commit_size_count')),
        deadlockRetries: delta('store_deadlock_retries_total'),
      };
    } finally {
      await store.stop();
    }
  } finally {
    await database.dispose();
  }
}

/** `list` rotated left by `by` places. */
function rotated<T>(list: readonly T[], by: number): T[] {
  const n = by % list.length;
  return [...list.slice(n), ...list.slice(0, n)];
}

const wantedMysql = DATABASES.filter((name): name is MysqlName => name !== 'sqlite' && config.only.includes(name));
const targets = [...(await mysqlServers(wantedMysql)).map(mysqlTarget), ...(config.only.includes('sqlite') ? [sqliteTarget()] : [])];
const configurations: Run[] = targets.flatMap((target) => methodsFor(target.backend).map((method) => ({ target, method })));
const results = new Map<Run, RunResult[]>(configurations.map((c) => [c, []]));
const runRows: Row[] = [];
try {
  // Each repetition starts a different part of the list, so no configuration always runs first
  // or always follows the same one.
  const step = Math.ceil(configurations.length / config.repetitions);
  for (let rep = 0; rep < config.repetitions; rep++) {
    for (const [position, run] of rotated(configurations, rep * step).entries()) {
      const result = await measure(run, `run${runRows.length}`);
      results.get(run)?.push(result);
      runRows.push({ rep: rep + 1, position: position + 1, database: run.target.name, method: run.method.name, pool: run.method.pool ?? null, ...result });
    }
  }
} finally {
  for (const target of targets) await target.remove();
}

const tradesOf = (run: Run): number[] => (results.get(run) ?? []).map((r) => r.tradesPerSecond);
const groupCommitOf = (target: Target): Run | undefined => configurations.find((c) => c.target === target && c.method.name === GROUP_COMMIT);
/** The baseline at its best: the configuration with the highest median. */
function bestBaselineOf(target: Target): Run | undefined {
  const baselines = configurations.filter((c) => c.target === target && c.method.name === BASELINE);
  return baselines.reduce<Run | undefined>((best, c) => (!best || median(tradesOf(c)) > median(tradesOf(best)) ? c : best), undefined);
}

const rows: Row[] = configurations.map((run): Row => {
  const runs = results.get(run) ?? [];
  const best = bestBaselineOf(run.target);
  const trades = tradesOf(run);
  return {
    database: run.target.name,
    method: run.method.name,
    pool: run.method.pool ?? null,
    tradesPerSecond: median(trades),
    tradesPerSecondMin: Math.min(...trades),
    tradesPerSecondMax: Math.max(...trades),
    overBestBaseline: best ? median(trades) / median(tradesOf(best)) : null,
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    meanGroupSize: median(runs.map((r) => r.meanGroupSize)),
    statementsPerGroup: median(runs.map((r) => r.statementsPerGroup)),
    refused: runs.reduce((sum, r) => sum + r.refused, 0),
    deadlockRetries: runs.reduce((sum, r) => sum + r.deadlockRetries, 0),
  };
});

/** Per database: group commit against the best baseline, the median ratio and the widest range the runs allow. */
const summary: Record<string, Cell> = {};
for (const target of targets) {
  const group = groupCommitOf(target);
  const best = bestBaselineOf(target);
  if (!group || !best) continue;
  const g = tradesOf(group);
  const b = tradesOf(best);
  const range = (values: number[]): string => `${Math.min(...values)}–${Math.max(...values)}`;
  summary[`${target.name}.groupCommitTradesPerSecond`] = range(g);
  summary[`${target.name}.bestBaseline`] = best.method.pool ? `pool ${best.method.pool}, ${range(b)} trades/s` : `${range(b)} trades/s`;
  summary[`${target.name}.groupCommitOverBestBaseline`] = Math.round((median(g) / median(b)) * 10) / 10;
  summary[`${target.name}.groupCommitOverBestBaselineRange`] = `${(Math.min(...g) / Math.max(...b)).toFixed(1)}–${(Math.max(...g) / Math.min(...b)).toFixed(1)}`;
  if (target.backend === 'mysql') summary[`${target.name}.goalMetInEveryRun`] = Math.min(...g) >= config.goalTradesPerSecond;
}
if (!targets.some((t) => t.backend === 'mysql')) summary.mysql = 'skipped: no MYSQL_URL and no MariaDB installed, or left out by --only';

const settings: Record<string, Cell> = {};
for (const target of targets) for (const [key, value] of Object.entries(target.settings)) settings[`${target.name}.${key}`] = value;

printReport({
  name: 'trades',
  description: `durable trades through the store worker: group commit vs one transaction per trade, ${config.callers} callers`,
  config: {
    callers: config.callers,
    measuredSeconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
    repetitions: config.repetitions,
    crossPairShare: config.cross,
    groupOps: config.groupOps,
    groupsInFlight: config.groupsInFlight,
    groupCommitPool: config.poolSize,
    baselinePools: config.baselinePools.join(', '),
    ...settings,
  },
  columns: [
    { key: 'database' },
    { key: 'method' },
    { key: 'pool' },
    { key: 'tradesPerSecond', title: 'trades/s (median)' },
    { key: 'tradesPerSecondMin', title: 'min' },
    { key: 'tradesPerSecondMax', title: 'max' },
    { key: 'overBestBaseline', title: '÷ best baseline', digits: 1 },
    { key: 'p50Ms', title: 'p50 ms', digits: 1 },
    { key: 'p99Ms', title: 'p99 ms', digits: 1 },
    { key: 'meanGroupSize', title: 'ops/group', digits: 1 },
    { key: 'statementsPerGroup', title: 'statements/group', digits: 1 },
    { key: 'refused' },
    { key: 'deadlockRetries', title: 'deadlock retries' },
  ],
  rows,
  tables: [
    {
      title: 'every run, in the order run',
      columns: [
        { key: 'rep' },
        { key: 'position', title: '#' },
        { key: 'database' },
        { key: 'method' },
        { key: 'pool' },
        { key: 'tradesPerSecond', title: 'trades/s' },
        { key: 'p50Ms', title: 'p50 ms', digits: 1 },
        { key: 'p99Ms', title: 'p99 ms', digits: 1 },
        { key: 'meanGroupSize', title: 'ops/group', digits: 1 },
      ],
      rows: runRows,
    },
  ],
  summary,
  notes: [
    'trades/s: trades answered (committed or refused) inside the window, whenever sent, per second; each is durable when answered. Median, min and max over the repetitions.',
    'The trades in flight when the window closes (one per caller) are not counted, for every method alike.',
    'p50/p99: of the trades counted, from the call to its result in the calling thread: waiting in the store worker\'s queue, the transaction, the COMMIT and both thread hops. Median over the repetitions.',
    `one tx per trade: as many transactions in flight as pool connections; the other callers' trades wait in the store worker's queue, so its latency is mostly that wait.`,
    '÷ best baseline: median trades/s over that of the best one-tx-per-trade pool size of the same database; the summary\'s range is lowest ÷ highest to highest ÷ lowest.',
    'ops/group and statements/group: store_group_commit_size and store_statements_total (BEGIN and COMMIT included) over the whole run, warm-up and tail included; one tx per trade has one trade per group.',
    'Every run checks afterwards that the gold and item totals in the database did not change.',
  ],
});
