/** Log-in tokens are JWTs: HS256 with the secret, or an identity provider's keys (a public key, a JWKS); claims checked. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { issueToken, TokenVerifier, type TokenSettings } from '../../src/auth/token.ts';
import { GatewayLimits } from '../../src/config/limits.ts';

const SECRET = 'a-test-secret-of-some-length';
const NOW = 1_700_000_000_000;
const NOW_S = NOW / 1000;

function verifier(settings: Partial<TokenSettings> = {}): TokenVerifier {
  return new TokenVerifier({ secret: SECRET, publicKeyPem: '', jwksUrl: '', playerClaim: 'sub', issuer: '', audience: '', maxLifetimeS: 86_400, ...settings });
}

it('verifies a token it issued: an HS256 JWT with the player id in sub', async () => {
  const token = issueToken(SECRET, 42, 60, NOW);
  assert.equal(token.split('.').length, 3, 'header.payload.signature');
  assert.deepEqual(JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
  assert.deepEqual(await verifier().verify(token, NOW), { ok: true, claims: { playerId: 42, expiresAt: NOW_S + 60 } });
});

it('refuses expired, forged, altered, unsigned and malformed tokens', async () => {
  const token = issueToken(SECRET, 42, 60, NOW);
  const v = verifier();
  assert.deepEqual(await v.verify(token, NOW + 61_000), { ok: false, reason: 'expired' });
  assert.deepEqual(await verifier({ secret: 'another-secret-of-length' }).verify(token, NOW), { ok: false, reason: 'invalid' });
  const [header, , signature] = token.split('.') as [string, string, string];
  const forged = Buffer.from(JSON.stringify({ sub: '1', exp: NOW_S + 60 })).toString('base64url');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${forged}.`;
  for (const bad of [`${header}.${forged}.${signature}`, none, `${header}.${forged}`, '', 'x.y.z', 'x'.repeat(GatewayLimits.maxTokenChars + 1)]) {
    assert.deepEqual(await v.verify(bad, NOW), { ok: false, reason: 'invalid' }, bad.slice(0, 40));
  }
});

it('requires exp, holds tokens to the maximum lifetime, and checks the player claim, issuer and audience', async () => {
  const key = new TextEncoder().encode(SECRET);
  const sign = (claims: Record<string, unknown>): Promise<string> => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);
  const v = verifier({ maxLifetimeS: 3600 });
  assert.deepEqual(await v.verify(await sign({ sub: '7' }), NOW), { ok: false, reason: 'invalid' }, 'no exp');
  assert.deepEqual(await v.verify(await sign({ sub: '7', iat: NOW_S, exp: NOW_S + 7200 }), NOW), { ok: false, reason: 'invalid' }, 'lives too long');
  assert.equal((await v.verify(await sign({ sub: '7', exp: NOW_S + 3000 }), NOW)).ok, true, 'no iat: counted from now');
  for (const sub of ['0', '-3', 'alice', '12.5', String(2 ** 53)]) assert.deepEqual(await v.verify(await sign({ sub, exp: NOW_S + 60 }), NOW), { ok: false, reason: 'invalid' }, sub);
  const byClaim = verifier({ playerClaim: 'player_id' });
  assert.deepEqual(await byClaim.verify(await sign({ sub: 'someone@idp', player_id: 99, exp: NOW_S + 60 }), NOW), { ok: true, claims: { playerId: 99, expiresAt: NOW_S + 60 } });
  const strict = verifier({ issuer: 'https://login.example', audience: 'zone-server' });
  assert.equal((await strict.verify(await sign({ sub: '5', exp: NOW_S + 60, iss: 'https://login.example', aud: 'zone-server' }), NOW)).ok, true);
  assert.equal((await strict.verify(await sign({ sub: '5', exp: NOW_S + 60, iss: 'https://elsewhere', aud: 'zone-server' }), NOW)).ok, false);
  assert.equal((await strict.verify(await sign({ sub: '5', exp: NOW_S + 60, iss: 'https://login.example' }), NOW)).ok, false, 'no audience');
});

it('takes RS256 tokens checked against a public key, and then refuses HS256 ones', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const v = verifier({ publicKeyPem: await exportSPKI(publicKey) });
  const token = await new SignJWT({ sub: '31', exp: NOW_S + 60 }).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
  assert.deepEqual(await v.verify(token, NOW), { ok: true, claims: { playerId: 31, expiresAt: NOW_S + 60 } });
  assert.deepEqual(await v.verify(issueToken(SECRET, 31, 60, NOW), NOW), { ok: false, reason: 'invalid' }, 'the shared secret no longer mints tokens');
});

it("takes an identity provider's ES256 tokens by its JWKS, fetching the key set once for many tokens", async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
  let fetches = 0;
  const idp = createServer((_request, response) => {
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  try {
    const v = verifier({ jwksUrl: `http://127.0.0.1:${(idp.address() as AddressInfo).port}/.well-known/jwks.json` });
    const now = Date.now();
    for (const id of [1, 2, 3]) {
      const token = await new SignJWT({ sub: String(id), exp: Math.floor(now / 1000) + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'key-1' }).sign(privateKey);
      const check = await v.verify(token, now);
      assert.ok(check.ok && check.claims.playerId === id);
    }
    assert.equal(fetches, 1, 'the key set is cached');
    const other = await generateKeyPair('ES256');
    const stranger = await new SignJWT({ sub: '4', exp: Math.floor(now / 1000) + 60 }).setProtectedHeader({ alg: 'ES256', kid: 'key-1' }).sign(other.privateKey);
    assert.deepEqual(await v.verify(stranger, now), { ok: false, reason: 'invalid' }, 'signed by a key not in the set');
  } finally {
    idp.close();
  }
});

it('refuses signed claims that are not a positive safe player id when minting', () => {
  assert.throws(() => issueToken(SECRET, 0, 60), RangeError);
  assert.throws(() => issueToken(SECRET, 2 ** 53, 60), RangeError);
});
