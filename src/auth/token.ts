/**
 * Log-in tokens: `base64url(JSON {pid, exp}) "." base64url(HMAC-SHA256(secret, payload part))`.
 * `pid` is the player id (a positive safe integer), `exp` the expiry in Unix seconds. Whoever
 * holds the secret (the game's login service, or `npm run token` locally) can mint tokens; the
 * gateway only verifies them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GatewayLimits } from '../config/limits.ts';

export interface TokenClaims {
  readonly playerId: number;
  /** Expiry, Unix seconds. */
  readonly expiresAt: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

/** Tokens longer than this are refused unread, so a huge token costs no HMAC work. */


function sign(secret: string, payloadPart: string): Buffer {
  return createHmac('sha256', secret).update(payloadPart).digest();
}

export function issueToken(secret: string, playerId: number, ttlSeconds: number, nowMs = Date.now()): string {
  if (!Number.isSafeInteger(playerId) || playerId < 1) throw new RangeError(`player id must be a positive integer, got ${playerId}`);
  const claims = { pid: playerId, exp: Math.floor(nowMs / 1000) + ttlSeconds };
  const payloadPart = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payloadPart}.${sign(secret, payloadPart).toString('base64url')}`;
}

export function verifyToken(secret: string, token: string, nowMs = Date.now()): TokenCheck {
  if (token.length > GatewayLimits.maxTokenChars) return { ok: false, reason: 'invalid' };
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return { ok: false, reason: 'invalid' };
  const payloadPart = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = sign(secret, payloadPart);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (typeof claims !== 'object' || claims === null) return { ok: false, reason: 'invalid' };
  const { pid, exp } = claims as { pid?: unknown; exp?: unknown };
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid < 1) return { ok: false, reason: 'invalid' };
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return { ok: false, reason: 'invalid' };
  if (exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { playerId: pid, expiresAt: exp } };
}
