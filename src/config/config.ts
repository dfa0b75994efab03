/**
 * Server configuration: every setting comes from one environment variable, is checked once at
 * start-up with an error that names the variable, and is then frozen. Units are in the names.
 * README.md lists every variable; keep the two in step.
 */
import { createPublicKey } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { loadWorldFile, parseZones, WorldError, type WorldMap, type ZoneConfig } from './world.ts';

export type LogFormat = 'json' | 'pretty';

/** The zones' spatial index (zone/spatial/create-index.ts). */
export type SpatialIndexKind = 'grid' | 'quadtree';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly metricsHost: string;
  readonly metricsPort: number;
  /** The zones and portals (WORLD_FILE, or ZONES laid side by side). */
  readonly world: WorldMap;
  /** The world's zones, in the order given. */
  readonly zones: readonly ZoneConfig[];
  readonly tickHz: number;
  readonly tokenSecret: string;
  /** True when no TOKEN_SECRET was given and the built-in development secret is in use. */
  readonly usingDevSecret: boolean;
  /** How log-in tokens are verified (auth/token.ts): the secret, or a public key or a JWKS, and the claims. */
  readonly tokens: TokenSettings;
  readonly logLevel: string;
  readonly logFormat: LogFormat;
  readonly logColor: boolean;
  readonly maxPayloadBytes: number;
  readonly msgRatePerSec: number;
  readonly msgBurst: number;
  readonly loginTimeoutMs: number;
  readonly maxSessions: number;
  /** Sessions that have connected but not yet logged in. */
  readonly maxPendingLogins: number;
  /** 0: no limit per address. */
  readonly maxSessionsPerIp: number;
  readonly maxBufferedBytes: number;
  readonly inboundRingBytes: number;
  readonly outboundRingBytes: number;
  readonly maxSpeedMps: number;
  readonly speedTolerance: number;
  readonly shutdownDeadlineMs: number;
  readonly zoneRestartDelayMs: number;
  /** A zone whose tick has not advanced for this long is ended and restarted, milliseconds; 0: never. */
  readonly zoneWatchdogMs: number;
  /** An entity comes into a player's view within this distance, metres. */
  readonly viewRadiusM: number;
  /** …and leaves it only beyond viewRadiusM + viewMarginM, so nothing flickers at the edge. */
  readonly viewMarginM: number;
  /**
   * How far past a shared border a player walks before its zone hands it to the zone beside it,
   * metres; crossing back takes as much again on the other side, so walking along a border does
   * not bounce a player between zones.
   */
  readonly handoverMarginM: number;
  /**
   * Whether players see across borders into the zones beside theirs (and a crossing is
   * seamless); off, each zone shows only its own entities and a crossing starts a fresh view.
   */
  readonly sightAcrossBorders: boolean;
  /** The most entities one player sees at once, nearest first. */
  readonly viewMaxEntities: number;
  /** Each player's enter/leave set is recomputed every this many view updates, staggered. */
  readonly viewRefreshTicks: number;
  /**
   * Views are worked out and sent every this many ticks; the zone simulates every tick. Above 1,
   * a frame carries what changed over the ticks since the last one (fewer, larger frames).
   */
  readonly viewSendTicks: number;
  /** Wandering NPCs spawned in every zone. */
  readonly npcsPerZone: number;
  /** The zones' spatial index: the quadtree (the default) or a uniform grid. */
  readonly spatialIndex: SpatialIndexKind;
  /** mysql://user:password@host:port/database; empty: the embedded SQLite database. */
  readonly mysqlUrl: string;
  readonly mysqlPoolSize: number;
  /** The longest one store call may take (a pool connection's wait included), milliseconds. */
  readonly storeCallTimeoutMs: number;
  /** Where the embedded SQLite database lives. */
  readonly dataDir: string;
  /** This server's name as an owner of characters (the owner_node column). */
  readonly nodeId: string;
  /** How long a NODE_ID lease lasts unless renewed (MySQL), milliseconds; renewed every third of it. */
  readonly nodeLeaseMs: number;
  /** Where the zones journal their players' volatile state each tick; empty: no journal. */
  readonly journalDir: string;
  /** The game module every zone runs (game/load-game.ts), as given; empty: none. */
  readonly gameModule: string;
  /** Every dirty player is written back at least this often, milliseconds. */
  readonly flushIntervalMs: number;
  /** Rows per multi-row write-back statement. */
  readonly flushBatchRows: number;
  /** How long a log-out waits for the player's save before confirming anyway, milliseconds. */
  readonly logoutSaveTimeoutMs: number;
  /** How long a dropped session's player stays in the world, resumable, milliseconds; 0: not at all. */
  readonly resumeWindowMs: number;
  /** Bearer token of the admin API on the metrics port; empty: the admin API is off. */
  readonly adminToken: string;
  /** Economy operations that may share one database transaction (group commit). */
  readonly economyGroupMaxOps: number;
  /** Economy operations that may wait for the store; past it they are refused as busy. */
  readonly economyMaxQueued: number;
  /** The longest chat message, in characters (Unicode code points). */
  readonly chatMaxChars: number;
  /** Chat messages per second each session may send (its own token bucket, apart from MSG_RATE_PER_SEC). */
  readonly chatRatePerSec: number;
  /** Chat messages a session may send at once. */
  readonly chatBurst: number;
}

/** Used when TOKEN_SECRET is unset outside production. Public by design: never for real players. */
export const DEV_TOKEN_SECRET = 'zone-server-development-secret-do-not-use-in-production';

/** How log-in tokens are checked (auth/token.ts). */
export interface TokenSettings {
  /** The HS256 secret, used unless a public key or a JWKS is given. */
  readonly secret: string;
  /** A PEM public key (SPKI), or ''. */
  readonly publicKeyPem: string;
  /** An http(s) URL of a JSON Web Key Set, or ''. */
  readonly jwksUrl: string;
  readonly playerClaim: string;
  /** '' for no check. */
  readonly issuer: string;
  readonly audience: string;
  readonly maxLifetimeS: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A port that could not be bound, named by its settings, with what the system said. */
export class BindError extends Error {
  override readonly name = 'BindError';
  constructor(portSetting: 'PORT' | 'METRICS_PORT', hostSetting: 'HOST' | 'METRICS_HOST', host: string, port: number, err: NodeJS.ErrnoException) {
    const why =
      err.code === 'EADDRINUSE'
        ? 'the port is in use (is another server running?)'
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
          ? `${hostSetting} is not an address of this machine`
          : err.code === 'EACCES'
            ? 'this user may not bind that port'
            : err.message;
    super(`${portSetting}=${port} on ${hostSetting}=${host} cannot be bound: ${why} (${err.code ?? err.message})`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readNumber(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new ConfigError(`${name} must be a number, got "${raw}"`);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readSwitch(env: Env, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

function readPowerOfTwo(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = readInt(env, name, fallback, min, max);
  if ((value & (value - 1)) !== 0) throw new ConfigError(`${name} must be a power of two, got ${value}`);
  return value;
}

/** WORLD_FILE (a JSON world) or ZONES (the quick form), not both; errors name the zone and field. */
function readWorld(env: Env): WorldMap {
  const file = (env.WORLD_FILE ?? '').trim();
  if (file !== '' && (env.ZONES ?? '').trim() !== '') throw new ConfigError('set WORLD_FILE or ZONES, not both');
  try {
    return file !== '' ? loadWorldFile(file) : parseZones(env.ZONES);
  } catch (err) {
    if (err instanceof WorldError) throw new ConfigError(err.message);
    throw err;
  }
}

/** TOKEN_PUBLIC_KEY_FILE: a PEM public key, read and parsed now so that a bad one stops the start. */
function readPublicKey(env: Env): string {
  const path = (env.TOKEN_PUBLIC_KEY_FILE ?? '').trim();
  if (path === '') return '';
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`TOKEN_PUBLIC_KEY_FILE ${path} cannot be read: ${(err as Error).message}`);
  }
  try {
    createPublicKey(pem);
  } catch {
    throw new ConfigError(`TOKEN_PUBLIC_KEY_FILE ${path} is not a PEM public key (-----BEGIN PUBLIC KEY-----)`);
  }
  return pem;
}

function readJwksUrl(env: Env): string {
  const raw = (env.TOKEN_JWKS_URL ?? '').trim();
  if (raw === '') return '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`TOKEN_JWKS_URL must be a URL, got "${raw}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError(`TOKEN_JWKS_URL must be https:// (or http://), got "${url.protocol}//"`);
  return raw;
}

/** An address to bind: an IPv4 or IPv6 address, or a host name (whether it is this machine's is found out at the bind). */
function readHost(env: Env, name: 'HOST' | 'METRICS_HOST'): string {
  const host = (env[name] ?? '').trim() || '127.0.0.1';
  const hostname = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  if (isIP(host) === 0 && !hostname.test(host)) throw new ConfigError(`${name} must be an IP address or a host name, got "${env[name]}"`);
  return host;
}

function readClaimName(env: Env): string {
  const claim = env.TOKEN_PLAYER_CLAIM || 'sub';
  if (!/^[A-Za-z0-9_:./-]{1,64}$/.test(claim)) throw new ConfigError(`TOKEN_PLAYER_CLAIM must be a claim name, got "${claim}"`);
  return claim;
}

function readMysqlUrl(env: Env): string {
  const raw = (env.MYSQL_URL ?? '').trim();
  if (raw === '') return '';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('MYSQL_URL must be a URL like mysql://user:password@host:3306/database');
  }
  if (url.protocol !== 'mysql:') throw new ConfigError(`MYSQL_URL must start with mysql://, got "${url.protocol}//"`);
  if (url.pathname.length <= 1) throw new ConfigError('MYSQL_URL must name a database, as in mysql://root@127.0.0.1:3306/zone');
  return raw;
}

function readSpatialIndex(env: Env): SpatialIndexKind {
  const kind = env.SPATIAL_INDEX || 'quadtree';
  if (kind !== 'grid' && kind !== 'quadtree') throw new ConfigError(`SPATIAL_INDEX must be quadtree or grid, got "${kind}"`);
  return kind;
}

function readAdminToken(env: Env): string {
  const token = env.ADMIN_TOKEN ?? '';
  if (token !== '' && token.length < 16) throw new ConfigError('ADMIN_TOKEN must be at least 16 characters');
  return token;
}

/**
 * DATA_DIR (the embedded database's directory, created when missing): a directory, or a path
 * that can be made one. Not checked when MYSQL_URL is set, since nothing is stored there then.
 */
function readDataDir(env: Env): string {
  const dataDir = env.DATA_DIR || './data';
  if ((env.MYSQL_URL ?? '').trim() !== '') return dataDir;
  let existing = resolve(dataDir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    throw new ConfigError(existing === resolve(dataDir) ? `DATA_DIR ${dataDir} is not a directory` : `DATA_DIR ${dataDir} cannot be created: ${existing} is not a directory`);
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new ConfigError(`DATA_DIR ${dataDir} is not writable by this user (${existing})`);
  }
  return dataDir;
}

function readNodeId(env: Env): string {
  const nodeId = env.NODE_ID || 'node-1';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(nodeId)) throw new ConfigError(`NODE_ID must be 1 to 64 letters, digits, '.', '_' or '-', got "${nodeId}"`);
  return nodeId;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env, stdoutIsTty = Boolean(process.stdout.isTTY)): Config {
  const production = env.NODE_ENV === 'production';
  const secret = env.TOKEN_SECRET ?? '';
  const publicKeyPem = readPublicKey(env);
  const jwksUrl = readJwksUrl(env);
  if (publicKeyPem !== '' && jwksUrl !== '') throw new ConfigError('set TOKEN_PUBLIC_KEY_FILE or TOKEN_JWKS_URL, not both');
  const keyed = publicKeyPem !== '' || jwksUrl !== '';
  if (production && secret === '' && !keyed) throw new ConfigError('TOKEN_SECRET must be set when NODE_ENV=production (or TOKEN_PUBLIC_KEY_FILE or TOKEN_JWKS_URL)');
  if (secret !== '' && secret.length < 16) throw new ConfigError('TOKEN_SECRET must be at least 16 characters');

  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const logFormatRaw = env.LOG_FORMAT || (env.NODE_ENV === 'development' || (!production && stdoutIsTty) ? 'pretty' : 'json');
  if (logFormatRaw !== 'json' && logFormatRaw !== 'pretty') throw new ConfigError(`LOG_FORMAT must be json or pretty, got "${logFormatRaw}"`);

  const host = readHost(env, 'HOST');
  const world = readWorld(env);
  const dataDir = readDataDir(env);
  const config: Config = {
    host,
    port: readInt(env, 'PORT', 7777, 0, 65535),
    metricsHost: readHost(env, 'METRICS_HOST'),
    metricsPort: readInt(env, 'METRICS_PORT', 9464, 0, 65535),
    world,
    zones: world.zones,
    tickHz: readInt(env, 'TICK_HZ', 20, 1, 120),
    tokenSecret: secret === '' ? DEV_TOKEN_SECRET : secret,
    usingDevSecret: secret === '' && !keyed,
    tokens: {
      secret: secret === '' ? DEV_TOKEN_SECRET : secret,
      publicKeyPem,
      jwksUrl,
      playerClaim: readClaimName(env),
      issuer: (env.TOKEN_ISSUER ?? '').trim(),
      audience: (env.TOKEN_AUDIENCE ?? '').trim(),
      maxLifetimeS: readInt(env, 'TOKEN_MAX_LIFETIME_S', 86_400, 60, 365 * 86_400),
    },
    logLevel,
    logFormat: logFormatRaw,
    logColor: logFormatRaw === 'pretty' && stdoutIsTty,
    maxPayloadBytes: readInt(env, 'MAX_PAYLOAD_BYTES', 4096, 64, 1 << 20),
    msgRatePerSec: readNumber(env, 'MSG_RATE_PER_SEC', 60, 1, 10_000),
    msgBurst: readInt(env, 'MSG_BURST', 120, 1, 100_000),
    loginTimeoutMs: readInt(env, 'LOGIN_TIMEOUT_MS', 10_000, 100, 600_000),
    maxSessions: readInt(env, 'MAX_SESSIONS', 5000, 1, 1_000_000),
    maxSessionsPerIp: readInt(env, 'MAX_SESSIONS_PER_IP', 0, 0, 1_000_000),
    maxPendingLogins: readInt(env, 'MAX_PENDING_LOGINS', 1000, 1, 1_000_000),
    maxBufferedBytes: readInt(env, 'MAX_BUFFERED_BYTES', 1 << 20, 1024, 1 << 30),
    inboundRingBytes: readPowerOfTwo(env, 'INBOUND_RING_BYTES', 1 << 20, 1 << 12, 1 << 30),
    outboundRingBytes: readPowerOfTwo(env, 'OUTBOUND_RING_BYTES', 1 << 24, 1 << 16, 1 << 30),
    maxSpeedMps: readNumber(env, 'MAX_SPEED_MPS', 10, 0.1, 1000),
    speedTolerance: readNumber(env, 'SPEED_TOLERANCE', 1.25, 1, 10),
    shutdownDeadlineMs: readInt(env, 'SHUTDOWN_DEADLINE_MS', 10_000, 100, 600_000),
    zoneRestartDelayMs: readInt(env, 'ZONE_RESTART_DELAY_MS', 1000, 0, 60_000),
    zoneWatchdogMs: readInt(env, 'ZONE_WATCHDOG_MS', 5000, 0, 600_000),
    viewRadiusM: readNumber(env, 'VIEW_RADIUS_M', 50, 1, 10_000),
    viewMarginM: readNumber(env, 'VIEW_MARGIN_M', 5, 0, 10_000),
    handoverMarginM: readNumber(env, 'HANDOVER_MARGIN_M', 4, 0.1, 1000),
    sightAcrossBorders: readSwitch(env, 'SIGHT_ACROSS_BORDERS', true),
    viewMaxEntities: readInt(env, 'VIEW_MAX_ENTITIES', 100, 1, 10_000),
    viewRefreshTicks: readInt(env, 'VIEW_REFRESH_TICKS', 4, 1, 100),
    viewSendTicks: readInt(env, 'VIEW_SEND_TICKS', 1, 1, 10),
    npcsPerZone: readInt(env, 'NPCS_PER_ZONE', 0, 0, 100_000),
    spatialIndex: readSpatialIndex(env),
    mysqlUrl: readMysqlUrl(env),
    mysqlPoolSize: readInt(env, 'MYSQL_POOL_SIZE', 4, 1, 256),
    storeCallTimeoutMs: readInt(env, 'STORE_CALL_TIMEOUT_MS', 5000, 100, 600_000),
    dataDir,
    nodeId: readNodeId(env),
    nodeLeaseMs: readInt(env, 'NODE_LEASE_MS', 15_000, 1000, 600_000),
    journalDir: readSwitch(env, 'JOURNAL', true) ? env.JOURNAL_DIR || join(dataDir, 'journal') : '',
    // Resolved here: the zone workers load it too, and must find the same file.
    gameModule: env.GAME_MODULE ? resolve(env.GAME_MODULE) : '',
    flushIntervalMs: readInt(env, 'FLUSH_INTERVAL_MS', 10_000, 100, 3_600_000),
    flushBatchRows: readInt(env, 'FLUSH_BATCH_ROWS', 500, 1, 10_000),
    logoutSaveTimeoutMs: readInt(env, 'LOGOUT_SAVE_TIMEOUT_MS', 5000, 100, 600_000),
    resumeWindowMs: readInt(env, 'RESUME_WINDOW_MS', 20_000, 0, 600_000),
    adminToken: readAdminToken(env),
    economyGroupMaxOps: readInt(env, 'ECONOMY_GROUP_MAX_OPS', 256, 1, 10_000),
    economyMaxQueued: readInt(env, 'ECONOMY_MAX_QUEUED', 16_384, 1, 1_000_000),
    chatMaxChars: readInt(env, 'CHAT_MAX_CHARS', 200, 1, 2000),
    chatRatePerSec: readNumber(env, 'CHAT_RATE_PER_SEC', 1, 0.01, 100),
    chatBurst: readInt(env, 'CHAT_BURST', 5, 1, 1000),
  };
  if (config.port !== 0 && config.port === config.metricsPort) throw new ConfigError(`PORT and METRICS_PORT are both ${config.port}: give them different ports`);
  // A chat job carries the name (at most 16 bytes) and up to 4 bytes per character of text, and
  // must fit in one record of the inbound ring (a quarter of it, less the record header).
  const largestChatJobBytes = 24 + 16 + 4 * config.chatMaxChars;
  if (largestChatJobBytes > config.inboundRingBytes / 4 - 8) {
    throw new ConfigError(`CHAT_MAX_CHARS ${config.chatMaxChars} is too large for INBOUND_RING_BYTES ${config.inboundRingBytes}: its longest message would not fit in one ring record`);
  }
  // The world is frozen already, zones and portals included.
  return Object.freeze(config);
}
