/**
 * The admin API, on the operations port (METRICS_HOST:METRICS_PORT, loopback by default, so never
 * on a public interface unless the operator says so). Every request needs
 * `Authorization: Bearer ADMIN_TOKEN`; with no ADMIN_TOKEN set, the API is off.
 *
 *   POST /admin/grants  {"opId": "shop-order-1234", "playerId": 42, "gold": 100,
 *                        "items": [{"templateId": 7, "count": 1}]}
 *   POST /admin/mail    {"opId": "event-reward-42", "to": 42, "gold": 100, "items": [...]}
 *   POST /admin/chat    {"text": "the server restarts in 5 minutes"}: a system chat message to all
 *   GET  /admin/players/42   the player: live from its zone when online, else as the database has
 *                            it (player-view.ts); 404 PLAYER_NOT_FOUND if it has no character
 *   POST /admin/players/42/kick  {"reason": "…"}: ends its session, the client shown the reason;
 *                            409 PLAYER_NOT_ONLINE if it has none
 *   GET  /admin/zones        every zone: its state, players and tick p99 over its last ticks
 *   GET  /admin/zones/3/players  a zone's players, where they stand; 404 ZONE_NOT_FOUND,
 *                            503 ZONE_UNAVAILABLE while it is not running
 *
 * A grant is what a web shop or an operator sends. `opId` is its idempotency key: sending the same
 * key again returns the first result and grants nothing more. For an online player the grant goes
 * to the zone holding it, which commits it in the database, then shows the player its new
 * inventory; for an offline player it is committed in the database only. A mail from the system
 * is the other way to give: gold and new items are created in a mail the player claims when it
 * likes (same key rule). Answers (JSON):
 *   200 {"ok": true, "replayed": false, "playerId", "gold", "items": [{itemId, templateId, count}]}
 *   409 {"ok": false, "reason": "UNKNOWN_PLAYER" | "NEGATIVE_GOLD" | …, "replayed"}: nothing granted
 *   400 {"ok": false, "code": "INVALID_REQUEST", "error"}: a malformed request, nothing asked; 401 no or wrong token; 404 the API is off; 413 body over 64 KiB;
 *   503 {"ok": false, "code": "STORAGE_UNAVAILABLE", "opId"}: the database could not be reached:
 *   nothing is known, retry with the same opId.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';
import type { GrantRequest, GrantResult, SendMailRequest, SendMailResult } from '../storage/economy-store.ts';
import { checkGrant, checkSendMail } from '../economy/economy-rules.ts';
import { OpsLimits } from '../config/limits.ts';
import type { PlayerView } from './player-view.ts';

/** What the admin API asks of the server. */
export interface AdminActions {
  grant(request: GrantRequest): Promise<GrantResult>;
  /** System mail: gold and new items created in a mail. */
  sendMail(request: SendMailRequest): Promise<SendMailResult>;
  /** A system chat message to every player; the zones it reached, or why the text was refused. */
  systemChat(text: string): { zones: number } | { refusal: string };
  /** The player now (player-view.ts); undefined when it has no character. */
  player(playerId: number): Promise<PlayerView | undefined>;
  /** Ends the player's session, telling the client `reason`; false when it has none. */
  kick(playerId: number, reason: string): boolean;
  zones(): Promise<ZoneSummary[]>;
  /** The zone's players; undefined when there is no such zone, a rejection while it is not running. */
  zonePlayers(zoneId: number): Promise<ZoneRoster | undefined>;
}

/** A zone in GET /admin/zones; `players` and `tickP99Ms` are null while it is not running. */
export interface ZoneSummary {
  readonly id: number;
  readonly name: string;
  readonly state: string;
  readonly players: number | null;
  readonly tickP99Ms: number | null;
}

/** GET /admin/zones/{id}/players: world coordinates, metres. */
export interface ZoneRoster {
  readonly zoneId: number;
  readonly players: readonly { readonly playerId: number; readonly name: string; readonly x: number; readonly y: number }[];
}

export class AdminApi {
  private readonly token: Buffer;
  private readonly grants: AdminActions;
  private readonly log: Logger;

  constructor(token: string, grants: AdminActions, log: Logger) {
    this.token = Buffer.from(token);
    this.grants = grants;
    this.log = log;
  }

  /**
   * Answers a request under /admin/. Each gets an id, the caller's `x-request-id` when it sends a
   * sane one: answered in the same header, and in every log line the request makes.
   */
  handle(request: IncomingMessage, response: ServerResponse, path: string): void {
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    response.setHeader('x-request-id', requestId);
    const log = this.log.child({ requestId });
    if (this.token.length === 0) return reply(response, 404, { error: 'the admin API is off: set ADMIN_TOKEN to turn it on' });
    if (!this.authorised(request.headers.authorization)) {
      response.setHeader('www-authenticate', 'Bearer');
      return reply(response, 401, { error: 'missing or wrong bearer token' });
    }
    const zones = /^\/admin\/zones(?:\/([^/]+)\/players)?$/.exec(path);
    if (zones) {
      if (request.method !== 'GET') {
        response.setHeader('allow', 'GET');
        return reply(response, 405, { error: 'use GET' });
      }
      return void (zones[1] === undefined ? this.listZones(response) : this.listZonePlayers(response, zones[1]));
    }
    const player = /^\/admin\/players\/([^/]+)(\/kick)?$/.exec(path);
    if (player) {
      const method = player[2] ? 'POST' : 'GET';
      if (request.method !== method) {
        response.setHeader('allow', method);
        return reply(response, 405, { error: `use ${method}` });
      }
      const playerId = playerIdOf(response, player[1] as string);
      if (playerId === undefined) return;
      return void (player[2] ? this.kick(log, request, response, playerId) : this.showPlayer(log, response, playerId));
    }
    if (path !== '/admin/grants' && path !== '/admin/mail' && path !== '/admin/chat') return reply(response, 404, { error: `no such admin endpoint: ${path}` });
    if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      return reply(response, 405, { error: 'use POST' });
    }
    if (path === '/admin/chat') void this.chat(log, request, response);
    else void this.give(log, request, response, path === '/admin/mail');
  }

  private async listZones(response: ServerResponse): Promise<void> {
    return reply(response, 200, { ok: true, zones: await this.grants.zones() });
  }

  private async listZonePlayers(response: ServerResponse, id: string): Promise<void> {
    const zoneId = Number(id);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(zoneId)) return reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: `a zone id is a whole number, not "${id}"` });
    let roster: ZoneRoster | undefined;
    try {
      roster = await this.grants.zonePlayers(zoneId);
    } catch {
      return reply(response, 503, { ok: false, code: AdminErrors.zoneUnavailable, error: `zone ${zoneId} is not running; try again shortly` });
    }
    if (!roster) return reply(response, 404, { ok: false, code: AdminErrors.zoneNotFound, error: `there is no zone ${zoneId}` });
    return reply(response, 200, { ok: true, ...roster });
  }

  private async kick(log: Logger, request: IncomingMessage, response: ServerResponse, playerId: number): Promise<void> {
    const body = await this.jsonBody(request, response);
    if (!body) return;
    const reason = body.reason;
    if (typeof reason !== 'string' || reason.trim() === '' || reason.length > OpsLimits.maxKickReasonChars) {
      return reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: `"reason" must be a text of 1 to ${OpsLimits.maxKickReasonChars} characters` });
    }
    if (!this.grants.kick(playerId, reason)) return reply(response, 409, { ok: false, code: AdminErrors.playerNotOnline, error: `player ${playerId} has no session` });
    log.info({ playerId, reason }, 'kicked');
    return reply(response, 200, { ok: true, playerId });
  }

  private async showPlayer(log: Logger, response: ServerResponse, playerId: number): Promise<void> {
    try {
      const view = await this.grants.player(playerId);
      if (!view) return reply(response, 404, { ok: false, code: AdminErrors.playerNotFound, error: `player ${playerId} has no character` });
      return reply(response, 200, { ok: true, ...view });
    } catch (err) {
      log.warn({ err, playerId }, 'player view failed');
      return reply(response, 503, { ok: false, code: AdminErrors.storageUnavailable, error: 'the player could not be read; try again' });
    }
  }

  /** A system chat message: `{"text": "..."}`; 200 with the zones it reached, 400 with the reason it was refused. */
  private async chat(log: Logger, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await this.jsonBody(request, response);
    if (!body) return;
    const text = (body as { text?: unknown }).text;
    if (typeof text !== 'string') return reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: '"text" must be a string' });
    const outcome = this.grants.systemChat(text);
    if ('refusal' in outcome) return reply(response, 400, { ok: false, reason: outcome.refusal });
    log.info({ zones: outcome.zones, chars: text.length }, 'system chat');
    return reply(response, 200, { ok: true, zones: outcome.zones });
  }

  /** The request's body as a JSON object, or undefined once the error is answered. */
  private async jsonBody(request: IncomingMessage, response: ServerResponse): Promise<Record<string, unknown> | undefined> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (err) {
      if (err instanceof BodyTooLarge) reply(response, 413, { error: `the body is larger than ${OpsLimits.maxAdminBodyBytes} bytes` });
      else reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: 'the body is not JSON' });
      return undefined;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: 'the body must be a JSON object' });
      return undefined;
    }
    return body as Record<string, unknown>;
  }

  /** A grant, or a system mail when `asMail`. `gold` and `items` may be left out (none). */
  private async give(log: Logger, request: IncomingMessage, response: ServerResponse, asMail: boolean): Promise<void> {
    const body = await this.jsonBody(request, response);
    if (!body) return;
    const given = body as { opId: string; playerId: number; to: number; gold?: number; items?: GrantRequest['items'] };
    const gold = given.gold ?? 0;
    const items = given.items ?? [];
    const mail: SendMailRequest = { opId: given.opId, to: given.to, gold, newItems: items };
    const grant: GrantRequest = { opId: given.opId, playerId: given.playerId, gold, items };
    let refusal: string | undefined;
    try {
      refusal = asMail ? checkSendMail(mail) : checkGrant(grant);
    } catch (err) {
      // Checked here, before anything is asked of the store: a broken body is the caller's to fix.
      return reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: err instanceof StoreError ? err.message : 'the request is malformed' });
    }
    if (refusal) return reply(response, 409, { ok: false, reason: refusal, replayed: false });
    try {
      const result = asMail ? await this.grants.sendMail(mail) : await this.grants.grant(grant);
      log.info({ opId: given.opId, mail: asMail, ok: result.ok, replayed: result.replayed }, asMail ? 'system mail' : 'grant');
      return reply(response, result.ok ? 200 : 409, result);
    } catch (err) {
      if (err instanceof StoreError && err.code === StoreErrorCodes.badRequest) return reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: err.message });
      log.warn({ err, opId: given.opId }, asMail ? 'system mail failed' : 'grant failed');
      return reply(response, 503, { ok: false, code: AdminErrors.storageUnavailable, error: 'it could not be completed; retry with the same opId', opId: given.opId });
    }
  }

  private authorised(header: string | undefined): boolean {
    // The scheme's name is case-insensitive (RFC 9110 §11.1).
    const given = Buffer.from(/^Bearer +(.+)$/i.exec(header ?? '')?.[1] ?? '');
    return given.length === this.token.length && timingSafeEqual(given, this.token);
  }
}

/** The `code` of the admin API's error answers. */
export const AdminErrors = {
  /** A field is missing, of the wrong type or out of its range; the message names it. */
  invalidRequest: 'INVALID_REQUEST',
  /** The database could not be reached: nothing is known; retry with the same opId. */
  storageUnavailable: 'STORAGE_UNAVAILABLE',
  /** No character has this player id. */
  playerNotFound: 'PLAYER_NOT_FOUND',
  /** The player has no session to act on. */
  playerNotOnline: 'PLAYER_NOT_ONLINE',
  /** No zone has this id. */
  zoneNotFound: 'ZONE_NOT_FOUND',
  /** The zone is starting, restarting or stopped: try again shortly. */
  zoneUnavailable: 'ZONE_UNAVAILABLE',
} as const;

/** The id in a /admin/players/{id} path, or undefined once a 400 is answered. */
function playerIdOf(response: ServerResponse, id: string): number | undefined {
  const playerId = Number(id);
  if (/^\d+$/.test(id) && Number.isSafeInteger(playerId) && playerId >= 1) return playerId;
  reply(response, 400, { ok: false, code: AdminErrors.invalidRequest, error: `a player id is a positive whole number, not "${id}"` });
  return undefined;
}

/** A caller's request id is kept when it is this plain: it goes into log lines and a header. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

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

function reply(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
