import assert from 'node:assert/strict';
import { it } from 'node:test';
import { issueToken, verifyToken } from '../../src/auth/token.ts';
import { GatewayLimits } from '../../src/config/limits.ts';

const SECRET = 'a-test-secret-of-some-length';

it('verifies a token it issued, with its player id and expiry', () => {
  const now = 1_700_000_000_000;
  const check = verifyToken(SECRET, issueToken(SECRET, 42, 60, now), now);
  assert.deepEqual(check, { ok: true, claims: { playerId: 42, expiresAt: 1_700_000_060 } });
});

it('refuses expired, forged, altered and malformed tokens', () => {
  const now = 1_700_000_000_000;
  const token = issueToken(SECRET, 42, 60, now);
  assert.deepEqual(verifyToken(SECRET, token, now + 60_000), { ok: false, reason: 'expired' });
  assert.deepEqual(verifyToken('another-secret-of-length', token, now), { ok: false, reason: 'invalid' });
  const [payload, signature] = token.split('.') as [string, string];
  const forgedPayload = Buffer.from(JSON.stringify({ pid: 1, exp: 9e9 })).toString('base64url');
  for (const bad of [`${forgedPayload}.${signature}`, `${payload}.`, `${payload}`, `${payload}.${signature}.x`, '', 'x'.repeat(GatewayLimits.maxTokenChars + 1)]) {
    assert.deepEqual(verifyToken(SECRET, bad, now), { ok: false, reason: 'invalid' }, bad.slice(0, 40));
  }
});

it('refuses signed claims that are not a positive safe player id', () => {
  assert.throws(() => issueToken(SECRET, 0, 60), RangeError);
  assert.throws(() => issueToken(SECRET, 2 ** 53, 60), RangeError);
});
