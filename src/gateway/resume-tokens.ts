/**
 * Resume tokens: `sessionId.nonce.mac`, the MAC an HMAC-SHA256 under a key made at start-up, so a
 * token is good only on the process that issued it (its sessions live nowhere else). The gateway
 * keeps each session's current nonce and gives a new one at every resume: a token works once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ResumeClaim {
  readonly sessionId: number;
  readonly nonce: string;
}

export class ResumeTokens {
  private readonly key = randomBytes(32);

  /** A new nonce for a session: the one its next token carries. */
  static nonce(): string {
    return randomBytes(12).toString('base64url');
  }

  issue(sessionId: number, nonce: string): string {
    return `${sessionId}.${nonce}.${this.mac(sessionId, nonce)}`;
  }

  /** The session and nonce a token names, or undefined when it is not one of ours. */
  read(token: string): ResumeClaim | undefined {
    const match = /^(\d{1,15})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!match) return undefined;
    const sessionId = Number(match[1]);
    const nonce = match[2] as string;
    const given = Buffer.from(match[3] as string);
    const expected = Buffer.from(this.mac(sessionId, nonce));
    return given.length === expected.length && timingSafeEqual(given, expected) ? { sessionId, nonce } : undefined;
  }

  private mac(sessionId: number, nonce: string): string {
    return createHmac('sha256', this.key).update(`${sessionId}.${nonce}`).digest('base64url');
  }
}
