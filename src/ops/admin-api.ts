/**
 * The admin API, on the operations port (METRICS_HOST:METRICS_PORT, loopback by default, so never
 * on a public interface unless the operator says so). Every request needs
 * `Authorization: Bearer ADMIN_TOKEN`, or the cookie of a console session (console/) and, for a
 * write, that session's CSRF token; with no ADMIN_TOKEN set, the API is off. The routes and
 * their bodies are described once, in admin-openapi.ts (served at /admin/openapi.json); the
 * handlers are in admin-players.ts, admin-economy.ts, admin-zones.ts and admin-audit-trail.ts.
 *
 * Every request gets an id, the caller's `x-request-id` when it sends a sane one: answered in the
 * same header, and in every log line the request makes. Every write an authorised caller asks for
 * (not one refused as malformed) is recorded in the audit trail with its outcome: by the store in
 * the same transaction when the write is a database change, after it otherwise.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.ts';
import type { AuditAction, AuditDraft, AuditOutcome } from '../storage/admin-store.ts';
import { OpsLimits } from '../config/limits.ts';
import { AdminErrors, failure, invalid, InvalidRequest, type Answer, type Streamed } from './admin-answers.ts';
import type { AdminCredential } from './admin-credential.ts';
import { CSRF_HEADER, type ConsoleSessions } from './console-sessions.ts';
import type { AdminActions } from './admin-actions.ts';
import { auditRoutes } from './admin-audit-trail.ts';
import { economyRoutes } from './admin-economy.ts';
import { ADMIN_OPENAPI } from './admin-openapi.ts';
import { playerRoutes } from './admin-players.ts';
import { zoneRoutes } from './admin-zones.ts';

/** One request as its handler sees it. */
export interface AdminCall {
  readonly log: Logger;
  /** The path's captures: a player's or a zone's id. */
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  /** The JSON body (an object); {} for a route that takes none. */
  readonly body: Readonly<Record<string, unknown>>;
  /**
   * The audit record of this request, concerning `playerId` (for a write; one per request, the
   * same however often it is asked for).
   */
  audit(playerId: number | null): AuditDraft;
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: RegExp;
  /** What the audit trail calls the write; absent for a read, which is not recorded. */
  readonly action?: AuditAction;
  /** Whether it reads a JSON body. */
  readonly takesBody?: boolean;
  handle(call: AdminCall, actions: AdminActions): Promise<Answer | Streamed>;
}

/** Every route of the admin API; admin-openapi.ts describes each. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  { method: 'GET', path: /^\/admin\/openapi\.json$/, handle: async () => ({ status: 200, body: ADMIN_OPENAPI }) },
  ...playerRoutes,
  ...zoneRoutes,
  ...economyRoutes,
  ...auditRoutes,
];

/** A caller's request id is kept when it is this plain: it goes into log lines and a header. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export class AdminApi {
  private readonly credential: AdminCredential;
  private readonly sessions: ConsoleSessions;
  private readonly actions: AdminActions;
  private readonly log: Logger;

  constructor(credential: AdminCredential, sessions: ConsoleSessions, actions: AdminActions, log: Logger) {
    this.credential = credential;
    this.sessions = sessions;
    this.actions = actions;
    this.log = log;
  }

  /** Ends the live maps' streams. */
  close(): void {
    this.actions.close();
  }

  /** Answers a request under /admin/. */
  handle(request: IncomingMessage, response: ServerResponse, url: URL): void {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    response.setHeader('x-request-id', requestId);
    if (!this.credential.enabled) return reply(response, failure(404, AdminErrors.adminOff, 'the admin API is off: set ADMIN_TOKEN to turn it on'));
    const caller = this.callerOf(request);
    if (caller === undefined) {
      response.setHeader('www-authenticate', 'Bearer');
      return reply(response, failure(401, AdminErrors.unauthorized, 'missing or wrong bearer token'));
    }
    const matching = ADMIN_ROUTES.filter((route) => route.path.test(url.pathname));
    if (matching.length === 0) return reply(response, failure(404, AdminErrors.notFound, `no such admin endpoint: ${url.pathname}`));
    const route = matching.find((r) => r.method === request.method);
    if (!route) {
      const allowed = matching.map((r) => r.method).join(', ');
      response.setHeader('allow', allowed);
      return reply(response, failure(405, AdminErrors.methodNotAllowed, `use ${allowed}`));
    }
    void this.run(route, request, response, url, this.log.child({ requestId }), { requestId, credential: caller });
  }

  private async run(route: AdminRoute, request: IncomingMessage, response: ServerResponse, url: URL, log: Logger, who: { requestId: string; credential: string }): Promise<void> {
    let body: Record<string, unknown> = {};
    if (route.takesBody) {
      const read = await readJsonObject(request);
      if ('answer' in read) return reply(response, read.answer);
      body = read.body;
    } else {
      request.resume();
    }
    let draft: AuditDraft | undefined;
    const call: AdminCall = {
      log,
      params: (route.path.exec(url.pathname) ?? []).slice(1),
      query: url.searchParams,
      body,
      audit: (playerId) => {
        if (!route.action) throw new Error(`${route.method} ${route.path} is a read: it has no audit record`);
        draft ??= { auditId: randomUUID(), at: Date.now(), ...who, action: route.action, playerId, request: JSON.stringify(body) };
        return draft;
      },
    };
    let answer: Answer | Streamed;
    try {
      answer = await route.handle(call, this.actions);
    } catch (err) {
      if (err instanceof InvalidRequest) answer = invalid(err.message);
      else {
        log.error({ err }, 'admin request failed');
        answer = failure(500, AdminErrors.internal, 'the request failed; see the server log');
      }
    }
    if ('stream' in answer) return reply(response, answer.stream(response));
    reply(response, answer);
    if (route.action && !answer.audited && answer.status !== 400) await this.record(call.audit(null), answer, log);
  }

  /** An audit row for a write the store did not record with a change of its own. */
  private async record(draft: AuditDraft, answer: Answer, log: Logger): Promise<void> {
    const outcome: AuditOutcome = answer.status < 300 ? 'ok' : answer.status >= 500 ? 'failed' : 'refused';
    try {
      await this.actions.recordAudit({ ...draft, outcome, result: JSON.stringify(answer.body) });
    } catch (err) {
      // The write happened (or failed) already: the log keeps what the trail could not.
      log.error({ err, audit: { ...draft, outcome, result: answer.body } }, 'AUDIT ROW LOST: the audit trail could not be written');
    }
  }

  /**
   * Who the audit trail says makes the request (the token's fingerprint, never the token, marked
   * `/console` when it comes from a console session); undefined when it is not authorised.
   */
  private callerOf(request: IncomingMessage): string | undefined {
    if (request.headers.authorization !== undefined) return this.credential.authorises(request.headers.authorization) ? this.credential.fingerprint : undefined;
    const session = this.sessions.find(request.headers.cookie);
    if (!session) return undefined;
    const reads = request.method === 'GET' || request.method === 'HEAD';
    return reads || request.headers[CSRF_HEADER] === session.csrf ? `${this.credential.fingerprint}/console` : undefined;
  }
}

/** The request's body as a JSON object ({} when there is none), or the answer that refuses it. */
async function readJsonObject(request: IncomingMessage): Promise<{ body: Record<string, unknown> } | { answer: Answer }> {
  let body: unknown;
  try {
    const text = await readBody(request);
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch (err) {
    if (err instanceof BodyTooLarge) return { answer: failure(413, AdminErrors.bodyTooLarge, `the body is larger than ${OpsLimits.maxAdminBodyBytes} bytes`) };
    return { answer: invalid('the body is not JSON') };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { answer: invalid('the body must be a JSON object') };
  return { body: body as Record<string, unknown> };
}

class BodyTooLarge extends Error {}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so that the 413 can still be sent.
      if (size > OpsLimits.maxAdminBodyBytes) reject(new BodyTooLarge());
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, answer: Answer | undefined): void {
  if (answer === undefined || response.headersSent) return;
  response.writeHead(answer.status, { 'content-type': 'application/json' }).end(`${JSON.stringify(answer.body)}\n`);
}
