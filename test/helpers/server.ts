/**
 * Starts a real server (zone workers, store worker, sockets) inside the test process, on free
 * ports. Each server gets its own embedded database in a fresh temporary directory (removed when
 * it stops) unless the test passes DATA_DIR or MYSQL_URL: a test restarting a server passes the
 * same DATA_DIR again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { createConnection } from 'mysql2/promise';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.ts';
import { SQLITE_FILE_NAME } from '../../src/store/sqlite-store.ts';
import { openTestDatabase } from './mysql.ts';
import { callAdmin, type AdminAnswer, type AdminCallOptions } from './admin-client.ts';

export const TEST_SECRET = 'test-secret-0123456789abcdef';
/** The admin API's token on test servers (pass ADMIN_TOKEN '' for a server without the API). */
export const TEST_ADMIN_TOKEN = 'admin-token-0123456789';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    { PORT: '0', METRICS_PORT: '0', ZONES: '2', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', LOG_FORMAT: 'json', TOKEN_SECRET: TEST_SECRET, ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...env },
    false,
  );
}

export interface TestServer extends RunningServer {
  readonly config: Config;
  readonly url: string;
  token(playerId: number, ttlSeconds?: number): string;
  /** Connects an SDK client and logs it in as `playerId`. */
  player(playerId: number): Promise<ZoneClient>;
  metricsText(): Promise<string>;
  /** POSTs `body` as JSON to the admin API at `path`, with `token` ('' sends none); checked as adminCall is. */
  admin(path: string, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Any admin API request, its request and answer checked against the OpenAPI document (admin-client.ts). */
  adminCall(method: string, path: string, body?: unknown, options?: AdminCallOptions): Promise<AdminAnswer>;
  /** A grant through the admin API that must succeed. */
  grant(opId: string, playerId: number, gold: number, items?: { templateId: number; count: number }[]): Promise<void>;
  /**
   * The player's gold and item ids as the embedded database has them now, read from its file
   * (not from what a client was sent): what "nothing moved" is checked against.
   */
  inventoryInDatabase(playerId: number): { gold: number; itemIds: number[] };
  /** The character's row as the embedded database has it now (zone coordinates, as stored). */
  characterInDatabase(playerId: number): { zoneId: number; x: number; y: number; online: boolean; epoch: number } | undefined;
  /** Runs one statement straight on the server's database, whichever backend: its rows ([] for a write). */
  sql(statement: string, params?: readonly (string | number | null)[]): Promise<Record<string, unknown>[]>;
  /** Players between zones now, from the metrics. */
  playersInTransit(): Promise<number>;
}

/** `log`: where the server's main thread logs (a test that reads log lines gives its own). */
export async function startTestServer(env: Record<string, string> = {}, options: ServerOptions = {}, log?: Logger): Promise<TestServer> {
  const ownDataDir = env.DATA_DIR === undefined && env.MYSQL_URL === undefined ? mkdtempSync(join(tmpdir(), 'zone-test-')) : undefined;
  const config = testConfig(ownDataDir ? { ...env, DATA_DIR: ownDataDir } : env);
  const server = await startServer(config, log ?? createLogger(config), options);
  const url = `ws://127.0.0.1:${server.port}`;
  const stop = server.stop;
  return Object.assign(server, {
    async stop() {
      try {
        await stop();
      } finally {
        if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
      }
    },
    config,
    url,
    token: (playerId: number, ttlSeconds = 3600) => issueToken(TEST_SECRET, playerId, ttlSeconds),
    async player(playerId: number) {
      const client = await ZoneClient.connect(url);
      await client.enter(issueToken(TEST_SECRET, playerId, 3600), `Player${playerId}`);
      return client;
    },
    async metricsText() {
      const response = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
      return response.text();
    },
    admin(path: string, body: unknown, token = TEST_ADMIN_TOKEN) {
      return this.adminCall('POST', path, body, { token });
    },
    adminCall(method: string, path: string, body?: unknown, options: AdminCallOptions = {}) {
      return callAdmin(`http://127.0.0.1:${server.metricsPort}`, config.adminToken || TEST_ADMIN_TOKEN, method, path, body, options);
    },
    async grant(opId: string, playerId: number, gold: number, items: { templateId: number; count: number }[] = []) {
      const { status, json } = await this.admin('/admin/grants', { opId, playerId, gold, items });
      if (status !== 200) throw new Error(`grant ${opId} answered ${status}: ${JSON.stringify(json)}`);
    },
    async playersInTransit() {
      return sampleValue(await this.metricsText(), 'gateway_players_between_zones') ?? Number.NaN;
    },
    characterInDatabase(playerId: number) {
      return characterInDatabase(config, playerId);
    },
    async sql(statement: string, params: readonly (string | number | null)[] = []) {
      if (config.mysqlUrl !== '') {
        const conn = await createConnection({ uri: config.mysqlUrl });
        try {
          const [rows] = await conn.query(statement, [...params]);
          return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
        } finally {
          await conn.end();
        }
      }
      const db = new DatabaseSync(join(config.dataDir, SQLITE_FILE_NAME), { timeout: 5000 });
      try {
        return db.prepare(statement).all(...params);
      } finally {
        db.close();
      }
    },
    inventoryInDatabase(playerId: number) {
      if (config.mysqlUrl !== '') throw new Error('inventoryInDatabase reads the embedded database; this server runs on MySQL');
      const db = new DatabaseSync(join(config.dataDir, SQLITE_FILE_NAME), { readOnly: true });
      try {
        const wallet = db.prepare('SELECT gold FROM wallets WHERE player_id = ?').get(playerId) as { gold: number } | undefined;
        const items = db.prepare('SELECT item_id FROM items WHERE owner_id = ? ORDER BY item_id').all(playerId) as { item_id: number }[];
        if (!wallet) throw new Error(`player ${playerId} has no wallet in the database`);
        return { gold: wallet.gold, itemIds: items.map((item) => item.item_id) };
      } finally {
        db.close();
      }
    },
  });
}

/**
 * A test server on `backend`: on MySQL in a fresh database of its own (openTestDatabase), dropped
 * when the server stops; undefined when MySQL is unavailable (openTestDatabase said why).
 */
export async function startTestServerOn(backend: 'SQLite' | 'MySQL', env: Record<string, string> = {}): Promise<TestServer | undefined> {
  if (backend === 'SQLite') return startTestServer(env);
  const database = await openTestDatabase();
  if (!database) return undefined;
  const server = await startTestServer({ ...env, MYSQL_URL: database.url });
  const stop = server.stop;
  return Object.assign(server, {
    async stop() {
      try {
        await stop();
      } finally {
        await database.dispose();
      }
    },
  });
}

/** A character's row in the embedded database of `config`, read from its file. */
export function characterInDatabase(config: Config, playerId: number): { zoneId: number; x: number; y: number; online: boolean; epoch: number } | undefined {
  if (config.mysqlUrl !== '') throw new Error('characterInDatabase reads the embedded database; this server runs on MySQL');
  const db = new DatabaseSync(join(config.dataDir, SQLITE_FILE_NAME), { readOnly: true });
  try {
    const row = db.prepare('SELECT zone_id, x, y, online, owner_epoch FROM characters WHERE player_id = ?').get(playerId) as
      | { zone_id: number; x: number; y: number; online: number; owner_epoch: number }
      | undefined;
    return row && { zoneId: row.zone_id, x: row.x, y: row.y, online: row.online === 1, epoch: row.owner_epoch };
  } finally {
    db.close();
  }
}

/** Reads one sample's value from a Prometheus exposition; undefined when absent. */
export function sampleValue(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) found[pair[1] as string] = pair[2] as string;
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}
