/**
 * Every way the server ends a session or refuses a request, in one place, so that codes are
 * never reused and docs can be checked against them (test/protocol/session-ends.test.ts).
 *
 * A session closed by the server first gets a ServerMessage.error with `code` (when the
 * socket can still take it), then a WebSocket close with `closeCode` and `reason`. `kind` is the
 * label of the `gateway_session_closes_total` / `gateway_protocol_errors_total` metrics.
 * Close codes 4000–4999 are the application range of RFC 6455 §7.4.2.
 */
import { ErrorCode } from './messages.ts';

export interface SessionEnd {
  readonly kind: string;
  readonly code: ErrorCode;
  readonly closeCode: number;
  readonly reason: string;
  /** True when the client broke the protocol (counted as a protocol error). */
  readonly protocolError: boolean;
}

function end(kind: string, code: ErrorCode, closeCode: number, reason: string, protocolError: boolean): SessionEnd {
  return Object.freeze({ kind, code, closeCode, reason, protocolError });
}

export const SessionEnds = Object.freeze({
  malformedFrame: end('malformed_frame', ErrorCode.ERROR_CODE_MALFORMED_FRAME, 4000, 'malformed frame: send binary frames, each one zone.v1.ClientMessage (protobuf)', true),
  unknownMessage: end('unknown_message', ErrorCode.ERROR_CODE_UNKNOWN_MESSAGE, 4001, 'unknown message type', true),
  frameTooLarge: end('frame_too_large', ErrorCode.ERROR_CODE_FRAME_TOO_LARGE, 1009, 'frame too large', true),
  rateLimited: end('rate_limited', ErrorCode.ERROR_CODE_RATE_LIMITED, 4002, 'rate limit exceeded', true),
  loginTimeout: end('login_timeout', ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, 4003, 'no login in time', true),
  invalidToken: end('invalid_token', ErrorCode.ERROR_CODE_INVALID_TOKEN, 4004, 'invalid token: malformed, or signed with another secret than the server\'s TOKEN_SECRET', true),
  tokenExpired: end('token_expired', ErrorCode.ERROR_CODE_TOKEN_EXPIRED, 4005, 'token expired', true),
  unsupportedVersion: end('unsupported_protocol_version', ErrorCode.ERROR_CODE_UNSUPPORTED_PROTOCOL_VERSION, 4006, 'unsupported protocol version', true),
  websocketProtocol: end('websocket_protocol', ErrorCode.ERROR_CODE_MALFORMED_FRAME, 1002, 'websocket protocol error', true),
  slowConsumer: end('slow_consumer', ErrorCode.ERROR_CODE_SLOW_CONSUMER, 4007, 'send buffer over its cap', false),
  replaced: end('replaced', ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN, 4008, 'logged in elsewhere', false),
  zoneRestarted: end('zone_restarted', ErrorCode.ERROR_CODE_ZONE_RESTARTED, 4009, 'zone restarted', false),
  zoneUnavailable: end('zone_unavailable', ErrorCode.ERROR_CODE_ZONE_UNAVAILABLE, 1013, 'zone unavailable, try again later', false),
  zoneOverloaded: end('zone_overloaded', ErrorCode.ERROR_CODE_ZONE_OVERLOADED, 4010, 'zone could not keep up', false),
  serverBusy: end('server_busy', ErrorCode.ERROR_CODE_SERVER_BUSY, 1013, 'server busy, try again later', false),
  serverFull: end('server_full', ErrorCode.ERROR_CODE_SERVER_FULL, 1013, 'server full', false),
  addressFull: end('address_full', ErrorCode.ERROR_CODE_TOO_MANY_SESSIONS_FROM_ADDRESS, 4011, 'too many sessions from this address', false),
  shuttingDown: end('shutting_down', ErrorCode.ERROR_CODE_SHUTTING_DOWN, 1001, 'server shutting down', false),
  logout: end('logout', ErrorCode.ERROR_CODE_UNSPECIFIED, 1000, 'logged out', false),
  storageUnavailable: end('storage_unavailable', ErrorCode.ERROR_CODE_STORAGE_UNAVAILABLE, 1013, 'character storage unavailable, try again later', false),
  resumeRefused: end('resume_refused', ErrorCode.ERROR_CODE_RESUME_REFUSED, 4012, 'resume refused: the token is unknown, used, or past its window; log in again', false),
  /** A detached session nobody resumed within RESUME_WINDOW_MS: it ends as a log-out does (its client is gone, so nothing is sent). */
  resumeWindowPassed: end('resume_window_passed', ErrorCode.ERROR_CODE_RESUME_REFUSED, 1000, 'not resumed in time', false),
  /** An operator's kick (the admin API); the reason sent is `kicked: ` and the operator's text (kickedFor). */
  kicked: end('kicked', ErrorCode.ERROR_CODE_KICKED, 4013, 'kicked', false),
  /** An operator isolated the character (the admin API): its session ends, its state written, and log-ins are refused until it is released. */
  isolated: end('isolated', ErrorCode.ERROR_CODE_CHARACTER_ISOLATED, 4014, 'character isolated by an operator; try again later', false),
  logoutSavePending: end('logout_save_pending', ErrorCode.ERROR_CODE_STORAGE_UNAVAILABLE, 1000, 'logged out; the last state is saved once the database is back', false),
});

/**
 * A close reason may be at most 123 bytes (RFC 6455 §5.5): the kick's, with the operator's text
 * cut to fit, whole characters only.
 */
export function kickedFor(text: string): SessionEnd {
  let reason = `kicked: ${text}`;
  while (new TextEncoder().encode(reason).length > MAX_CLOSE_REASON_BYTES) reason = [...reason].slice(0, -1).join('');
  return Object.freeze({ ...SessionEnds.kicked, reason });
}

const MAX_CLOSE_REASON_BYTES = 123;
