/**
 * `npm run -s token -- --player 42 [--ttl 3600]`: prints a log-in token signed with TOKEN_SECRET
 * (or, outside production, the built-in development secret the server also falls back to). The
 * token is the only line on stdout (`-s` keeps npm's own lines out of it), so
 * `T=$(npm run -s token -- --player 42)` captures just the token.
 */
import { parseArgs } from 'node:util';
import { issueToken } from '../auth/token.ts';
import { ConfigError, loadConfig } from '../config/config.ts';

const USAGE = `usage: npm run -s token -- --player ID [--ttl SECONDS]
  prints a log-in token (an HS256 JWT) for player ID, valid for SECONDS (default 86400, at most
  TOKEN_MAX_LIFETIME_S), signed with TOKEN_SECRET
  (or, without it, the development secret a server without TOKEN_SECRET also uses)`;

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({ options: { player: { type: 'string' }, ttl: { type: 'string', default: '86400' }, help: { type: 'boolean' } } }));
  } catch (err) {
    console.error(`token: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const playerId = Number(values.player);
  const ttl = Number(values.ttl);
  if (!Number.isSafeInteger(playerId) || playerId < 1) {
    console.error(`token: --player must be a positive whole number\n${USAGE}`);
    return 2;
  }
  if (!Number.isSafeInteger(ttl) || ttl < 1) {
    console.error('token: --ttl must be a positive whole number of seconds');
    return 2;
  }
  let secret: string;
  try {
    const config = loadConfig(process.env, false);
    secret = config.tokenSecret;
    if (ttl > config.tokens.maxLifetimeS) {
      console.error(`token: --ttl ${ttl} is longer than the server accepts (TOKEN_MAX_LIFETIME_S ${config.tokens.maxLifetimeS})`);
      return 2;
    }
    if (config.usingDevSecret) console.error('token: TOKEN_SECRET is not set; signing with the built-in development secret');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`token: ${err.message}`);
    return 2;
  }
  console.log(issueToken(secret, playerId, ttl));
  return 0;
}

process.exitCode = main();
