/**
 * ADMIN_TOKEN, the one credential of the admin API and the console: compared in constant time,
 * and named in the audit trail and the logs only by a fingerprint (the first 16 hex digits of
 * its SHA-256), never itself. With no token set, both are off.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export class AdminCredential {
  private readonly token: Buffer;
  /** What the audit trail records as the caller: `admin-token:` and the fingerprint. */
  readonly fingerprint: string;

  constructor(token: string) {
    this.token = Buffer.from(token);
    this.fingerprint = `admin-token:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
  }

  /** Whether ADMIN_TOKEN is set: the admin API and the console are off otherwise. */
  get enabled(): boolean {
    return this.token.length > 0;
  }

  matches(given: string): boolean {
    const candidate = Buffer.from(given);
    return this.enabled && candidate.length === this.token.length && timingSafeEqual(candidate, this.token);
  }

  /** Whether an Authorization header carries the token; the scheme's name is case-insensitive (RFC 9110 §11.1). */
  authorises(header: string | undefined): boolean {
    return this.matches(/^Bearer +(.+)$/i.exec(header ?? '')?.[1] ?? '');
  }
}
