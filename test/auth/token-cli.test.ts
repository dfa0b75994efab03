/** `npm run token -- --player 42` prints a token the server accepts. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { TokenVerifier } from '../../src/auth/token.ts';
import { DEV_TOKEN_SECRET } from '../../src/config/config.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/token.ts', import.meta.url).pathname;

it('prints a token for the given player, signed with TOKEN_SECRET or the development secret', async () => {
  const withSecret = await run(process.execPath, [CLI, '--player', '42', '--ttl', '60'], { env: { ...process.env, TOKEN_SECRET: 'cli-test-secret-0123456789' } });
  const check = await hs256('cli-test-secret-0123456789').verify(withSecret.stdout.trim());
  assert.ok(check.ok && check.claims.playerId === 42);

  const env = { ...process.env };
  delete env.TOKEN_SECRET;
  const withDev = await run(process.execPath, [CLI, '--player', '7'], { env });
  assert.ok((await hs256(DEV_TOKEN_SECRET).verify(withDev.stdout.trim())).ok);
  assert.match(withDev.stderr, /development secret/);
});

it('explains its usage when asked, and when the player id is missing or bad', async () => {
  const help = await run(process.execPath, [CLI, '--help']);
  assert.match(help.stdout, /^usage: npm run -s token -- --player ID/);
  await assert.rejects(run(process.execPath, [CLI]), (err: { code?: number; stderr?: string }) => err.code === 2 && /usage: npm run -s token/.test(err.stderr ?? ''));
  await assert.rejects(run(process.execPath, [CLI, '--player', 'x']), (err: { code?: number }) => err.code === 2);
});

/** The server's verifier for HS256 tokens signed with `secret`. */
function hs256(secret: string): TokenVerifier {
  return new TokenVerifier({ secret, publicKeyPem: '', jwksUrl: '', playerClaim: 'sub', issuer: '', audience: '', maxLifetimeS: 86_400 });
}

