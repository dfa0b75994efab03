/**
 * The bots' command line: every option, its default, and checks that name the option at fault.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DEV_TOKEN_SECRET } from '../../src/config/config.ts';
import type { ClusterLayout } from './walker.ts';

export interface BotOptions {
  readonly url: string;
  readonly count: number;
  /** Player ids firstId … firstId + count − 1. */
  readonly firstId: number;
  /** The server's number of zones (its ZONES), to tell which bots share a zone. */
  readonly zones: number;
  /** Moves per second per bot. */
  readonly rate: number;
  /** Walking speed, metres per second. */
  readonly speedMps: number;
  readonly cluster: ClusterLayout;
  /** Log-ins are spread evenly over this long. */
  readonly rampMs: number;
  /** Longest wait, after the ramp, for every bot to reach its cluster before measuring starts anyway. */
  readonly gatherMs: number;
  /** Length of the measured window. */
  readonly durationMs: number;
  readonly pingIntervalMs: number;
  /** Bot processes; 1 runs every bot in this process. */
  readonly processes: number;
  /** The run stops and fails once the errors pass this. */
  readonly maxErrors: number;
  readonly secret: string;
  /** Walk the default world's tour (route.ts) instead of staying in clusters, and chat now and then. */
  readonly travel: boolean;
  /** Attack what is within reach once a ping interval (the sample game, examples/skirmish/). */
  readonly fight: boolean;
}

/**
 * The default log-in rate. A new character starts at its zone's centre and needs about 6 s at
 * 8 m/s to walk out of view of it; at 40 log-ins a second over four zones, about 60 bots are
 * near each centre at once, rather than hundreds that would all see each other.
 */
const LOGINS_PER_SECOND = 40;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: npm run bots -- --url ws://127.0.0.1:7777 --count N [options]

  --url URL              server WebSocket address (default ws://127.0.0.1:7777)
  --count N              bots (default 100)
  --duration S           measured seconds, after the ramp and the gathering (default 60; decimals allowed)
  --rate HZ              moves per second per bot (default 20)
  --speed M/S            walking speed (default 8; the server allows MAX_SPEED_MPS, 10 by default)
  --ramp S               spread the log-ins over S seconds (default N / 40: new characters all start
                         at their zone's centre, and 40 log-ins a second leave it before it crowds)
  --gather S             wait at most S seconds for the bots to reach their clusters (default 60)
  --zones N              the server's number of zones, its ZONES (default 4)
  --first-id ID          first player id; bots are ID … ID+N−1 (default 1000001, above the ids
                         people pick by hand, so a bot run does not take over their characters)
  --cluster-size N       bots per cluster in each zone (default 50)
  --cluster-radius M     metres a bot wanders from its cluster's centre (default 20)
  --cluster-spacing M    metres between cluster centres (default 100)
  --ping-interval S      seconds between one bot's pings (default 1)
  --processes K          spread the bots over K processes (default 1)
  --cluster              one process per CPU (same as --processes ${availableParallelism()})
  --max-errors N         stop and exit 1 once more than N errors were counted (default 0)
  --travel               walk a tour of the default world instead of clusters: across its
                         borders and through the crypt's portals, saying something every ~10 s
  --fight                attack the nearest entity within reach (wolf or bot) once a ping interval;
                         for a server running the sample game (GAME_MODULE=examples/skirmish/game.ts)
  --secret S             the server's TOKEN_SECRET (default: env TOKEN_SECRET, else the development secret)
  --json FILE            also write the results to FILE as JSON
  --help                 this text`;

/** Bots are players 1000001 and up unless told otherwise: far from the ids a developer tries by hand. */
export const DEFAULT_FIRST_ID = 1_000_001;

export interface CliOptions extends BotOptions {
  readonly jsonFile: string | undefined;
  readonly help: boolean;
}

function number(raw: string | undefined, name: string, fallback: number, min: number, max: number, whole = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  if (whole && !Number.isInteger(value)) throw new UsageError(`--${name} must be a whole number, got ${raw}`);
  if (value < min || value > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${raw}`);
  return value;
}

export function parseBotArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        count: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        speed: { type: 'string' },
        ramp: { type: 'string' },
        gather: { type: 'string' },
        zones: { type: 'string' },
        'first-id': { type: 'string' },
        'cluster-size': { type: 'string' },
        'cluster-radius': { type: 'string' },
        'cluster-spacing': { type: 'string' },
        'ping-interval': { type: 'string' },
        processes: { type: 'string' },
        cluster: { type: 'boolean' },
        'max-errors': { type: 'string' },
        travel: { type: 'boolean' },
        fight: { type: 'boolean' },
        secret: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    // parseArgs names the option ("Unknown option '--cout'"); keep its words.
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const url = v.url ?? 'ws://127.0.0.1:7777';
  if (!/^wss?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--url must be a ws:// or wss:// address, got "${url}"`);
  if (v.cluster && v.processes !== undefined) throw new UsageError('--cluster and --processes cannot both be given');
  const secret = v.secret ?? env.TOKEN_SECRET ?? DEV_TOKEN_SECRET;
  if (secret.length < 16) throw new UsageError('--secret must be at least 16 characters, like the server\'s TOKEN_SECRET');
  const count = number(v.count, 'count', 100, 1, 100_000, true);
  const rate = number(v.rate, 'rate', 20, 0.1, 1000);
  const radius = number(v['cluster-radius'], 'cluster-radius', 20, 1, 100_000);
  return {
    url,
    count,
    firstId: number(v['first-id'], 'first-id', DEFAULT_FIRST_ID, 1, Number.MAX_SAFE_INTEGER - count, true),
    zones: number(v.zones, 'zones', 4, 1, 64, true),
    rate,
    speedMps: number(v.speed, 'speed', 8, 0.01, 10_000),
    cluster: {
      size: number(v['cluster-size'], 'cluster-size', 50, 1, 100_000, true),
      radius,
      spacing: number(v['cluster-spacing'], 'cluster-spacing', 100, 1, 100_000),
    },
    rampMs: number(v.ramp, 'ramp', count / LOGINS_PER_SECOND, 0, 3600) * 1000,
    gatherMs: number(v.gather, 'gather', 60, 0, 3600) * 1000,
    durationMs: number(v.duration, 'duration', 60, 0.1, 86_400) * 1000,
    pingIntervalMs: number(v['ping-interval'], 'ping-interval', 1, 0.01, 3600) * 1000,
    processes: v.cluster ? availableParallelism() : number(v.processes, 'processes', 1, 1, 256, true),
    maxErrors: number(v['max-errors'], 'max-errors', 0, 0, Number.MAX_SAFE_INTEGER, true),
    secret,
    travel: v.travel ?? false,
    fight: v.fight ?? false,
    jsonFile: v.json,
    help: v.help ?? false,
  };
}
