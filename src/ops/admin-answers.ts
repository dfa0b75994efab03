/**
 * What the admin API answers: a status and a JSON body. Errors carry a stable `code` (AdminErrors,
 * the one list of them, documented in the README and in the OpenAPI document) and a message for
 * people; economy refusals carry the economy's `reason` word instead, and their `opId`.
 */
import type { ServerResponse } from 'node:http';

/** A handler's answer. `audited`: the store wrote its audit row together with the change. */
export interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
  readonly audited?: boolean;
}

/** A stream's answer (a read): the route writes the response itself, or returns the answer that refuses it. */
export interface Streamed {
  stream(response: ServerResponse): Answer | undefined;
}

/** The `code` of the admin API's error answers. */
export const AdminErrors = {
  /** A field is missing, of the wrong type or out of its range; the message names it. */
  invalidRequest: 'INVALID_REQUEST',
  /** No or a wrong bearer token (nothing else is said). */
  unauthorized: 'UNAUTHORIZED',
  /** No such endpoint, or it does not take this method. */
  notFound: 'NOT_FOUND',
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** The body is larger than OpsLimits.maxAdminBodyBytes. */
  bodyTooLarge: 'BODY_TOO_LARGE',
  /** ADMIN_TOKEN is not set. */
  adminOff: 'ADMIN_API_OFF',
  /** The database could not be reached: nothing is known; retry with the same opId. */
  storageUnavailable: 'STORAGE_UNAVAILABLE',
  /** No character has this player id. */
  playerNotFound: 'PLAYER_NOT_FOUND',
  /** The player has no session to act on. */
  playerNotOnline: 'PLAYER_NOT_ONLINE',
  /** The character is online on another node (or logging in): change it there, or retry. */
  playerOnline: 'PLAYER_ONLINE',
  /** The player is changing zones, or its last state is still being written: retry shortly. */
  playerBusy: 'PLAYER_BUSY',
  /** The character is isolated: release it first (or edit its row by hand). */
  playerIsolated: 'PLAYER_ISOLATED',
  /** No zone has this id. */
  zoneNotFound: 'ZONE_NOT_FOUND',
  /** The zone is starting, restarting or stopped: try again shortly. */
  zoneUnavailable: 'ZONE_UNAVAILABLE',
  /** The zone's live map has as many watchers as it takes (OpsLimits.maxMapWatchersPerZone). */
  tooManyWatchers: 'TOO_MANY_WATCHERS',
  /** A fault of the server's own (logged with the request id). */
  internal: 'INTERNAL_ERROR',
} as const;
export type AdminError = (typeof AdminErrors)[keyof typeof AdminErrors];

export function ok(body: Record<string, unknown>): Answer {
  return { status: 200, body: { ok: true, ...body } };
}

/** An error answer: `{ ok: false, code, error }` and anything more the caller should know. */
export function failure(status: number, code: AdminError, error: string, more: Record<string, unknown> = {}): Answer {
  return { status, body: { ok: false, code, error, ...more } };
}

/** 400 INVALID_REQUEST: the request is the caller's to fix; nothing was asked of the server. */
export function invalid(error: string): Answer {
  return failure(400, AdminErrors.invalidRequest, error);
}

/** Thrown by a request's checks: answered as 400 INVALID_REQUEST with its message. */
export class InvalidRequest extends Error {}
