/**
 * The console's log-ins. An operator gives ADMIN_TOKEN once, on the console's log-in page, and
 * gets a session: a random id in an HttpOnly cookie, which scripts cannot read, with SameSite=
 * Strict. A browser sends cookies to a host whatever its port, so the cookie alone never
 * authorises a write: the page also sends the session's CSRF token in a header, which a page of
 * another origin cannot (it would need a CORS preflight, which the ops port never answers).
 * Sessions live in memory: a restart logs every console out.
 */
import { randomBytes } from 'node:crypto';

export interface ConsoleSession {
  readonly id: string;
  /** Sent back by the page in `x-csrf-token` with every write. */
  readonly csrf: string;
  readonly expiresAtMs: number;
}

export const CONSOLE_COOKIE = 'zone_console';
export const CSRF_HEADER = 'x-csrf-token';

export class ConsoleSessions {
  /** Oldest first (a Map keeps insertion order). */
  private readonly sessions = new Map<string, ConsoleSession>();
  private readonly lifetimeMs: number;
  private readonly max: number;

  constructor(lifetimeMs: number, max: number) {
    this.lifetimeMs = lifetimeMs;
    this.max = max;
  }

  open(): ConsoleSession {
    for (const oldest of this.sessions.keys()) {
      if (this.sessions.size < this.max) break;
      this.sessions.delete(oldest);
    }
    const session = { id: randomBytes(24).toString('base64url'), csrf: randomBytes(24).toString('base64url'), expiresAtMs: Date.now() + this.lifetimeMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session a request's Cookie header names, if any. */
  find(cookieHeader: string | undefined): ConsoleSession | undefined {
    const id = cookieValue(cookieHeader, CONSOLE_COOKIE);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAtMs > Date.now()) return session;
    this.sessions.delete(session.id);
    return undefined;
  }

  end(session: ConsoleSession): void {
    this.sessions.delete(session.id);
  }

  /** The Set-Cookie header that starts `session` in the browser. */
  cookieOf(session: ConsoleSession): string {
    return `${CONSOLE_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.lifetimeMs / 1000)}`;
  }

  /** The Set-Cookie header that ends it there. */
  static readonly clearedCookie = `${CONSOLE_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}
