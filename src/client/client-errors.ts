/** How a client's calls fail: a closed connection, a refused log-in or request; and what a close says. */
import type { ServerError } from '../protocol/messages.ts';

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
}

/** A call on a client whose connection is closed (or closing): nothing was sent. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
  /** The close, when it has happened: its code and reason. */
  readonly close: CloseInfo | undefined;
  constructor(close: CloseInfo | undefined) {
    super(close ? `connection closed (${close.code} ${close.reason})` : 'connection closing');
    this.close = close;
  }
}

/** A refused log-in: the server's error code and message. */
export class LoginRefusedError extends Error {
  override readonly name = 'LoginRefusedError';
  readonly code: number;
  constructor(error: ServerError) {
    super(`login refused (code ${error.code}): ${error.message}`);
    this.code = error.code;
  }
}

/**
 * A request the server refused with an Error frame carrying its seq: a trade step against the
 * window's rules (ERROR_CODE_TRADE_REFUSED, the reason in `reason`), a request over the rate, an
 * unreadable mailbox. An answer that says no (a MailResult or TradeResult with ok false) is not
 * an error: it resolves.
 */
export class RequestRefusedError extends Error {
  override readonly name = 'RequestRefusedError';
  readonly code: number;
  /** The server's detail, e.g. a trade refusal's reason (NOT_LOCKED, OUT_OF_RANGE, …). */
  readonly reason: string;
  /** The refused request's seq. */
  readonly seq: number;
  constructor(error: ServerError) {
    super(`request ${error.seq} refused (code ${error.code}): ${error.message}`);
    this.code = error.code;
    this.reason = error.message;
    this.seq = error.seq;
  }
}
