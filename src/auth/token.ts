/**
 * Log-in tokens are JSON Web Tokens (RFC 7519), so a studio's login service or identity provider
 * can issue them as they are:
 *   - HS256, signed with TOKEN_SECRET: what `npm run token`, the bots and the tests mint;
 *   - or, when TOKEN_PUBLIC_KEY_FILE or TOKEN_JWKS_URL is set, only RS256, PS256, ES256 or EdDSA,
 *     checked against that key or the provider's JWKS (fetched when a token names a key not seen
 *     yet, and cached), and HS256 is refused.
 * The player id is the claim TOKEN_PLAYER_CLAIM (`sub` by default): a positive whole number, or a
 * string of one. `exp` is required, and no token may live longer than TOKEN_MAX_LIFETIME_S
 * (counted from `iat`, or from now without it). `iss` and `aud` are checked when configured.
 * Verification is jose's; minting stays here, synchronous, for the HS256 case.
 */
import { createHmac, createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { TokenSettings } from '../config/config.ts';
import { GatewayLimits } from '../config/limits.ts';

export type { TokenSettings } from '../config/config.ts';

export interface TokenClaims {
  readonly playerId: number;
  /** Expiry, Unix seconds. */
  readonly expiresAt: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** Tokens minted here, and by the bots and tests: HS256 with the player id in `sub`. */
export function issueToken(secret: string, playerId: number, ttlSeconds: number, nowMs = Date.now()): string {
  if (!Number.isSafeInteger(playerId) || playerId < 1) throw new RangeError(`player id must be a positive integer, got ${playerId}`);
  const iat = Math.floor(nowMs / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ sub: String(playerId), iat, exp: iat + ttlSeconds })).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

export class TokenVerifier {
  private readonly settings: TokenSettings;
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(settings: TokenSettings) {
    this.settings = settings;
    if (settings.jwksUrl !== '') {
      this.key = createRemoteJWKSet(new URL(settings.jwksUrl));
      this.algorithms = ASYMMETRIC;
    } else if (settings.publicKeyPem !== '') {
      this.key = createPublicKey(settings.publicKeyPem);
      this.algorithms = ASYMMETRIC;
    } else {
      this.key = new TextEncoder().encode(settings.secret);
      this.algorithms = ['HS256'];
    }
  }

  async verify(token: string, nowMs = Date.now()): Promise<TokenCheck> {
    // Refused unread: a long token costs no signature work.
    if (token.length > GatewayLimits.maxTokenChars) return { ok: false, reason: 'invalid' };
    const { issuer, audience, playerClaim, maxLifetimeS } = this.settings;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        requiredClaims: ['exp'],
        currentDate: new Date(nowMs),
        ...(issuer !== '' ? { issuer } : {}),
        ...(audience !== '' ? { audience } : {}),
      }));
    } catch (err) {
      return { ok: false, reason: err instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
    const exp = payload.exp as number;
    const from = typeof payload.iat === 'number' ? payload.iat : nowMs / 1000;
    if (exp - from > maxLifetimeS) return { ok: false, reason: 'invalid' };
    const raw = payload[playerClaim];
    const playerId = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(playerId) || playerId < 1) return { ok: false, reason: 'invalid' };
    return { ok: true, claims: { playerId, expiresAt: exp } };
  }
}
