/** How a client's calls fail: a closed connection, a refused log-in; and what a close says. */
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
