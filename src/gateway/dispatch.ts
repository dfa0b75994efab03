/**
 * Every client message, one row each: the session state its handler needs, and the handler.
 * The check runs once, here, before any handler: a message that comes too early or too late is
 * refused with the row's refusal, counted as a protocol error, and the session goes on. A new
 * client message is one row (the table's type makes leaving one out a compile error).
 */
import type { ClientMessage } from '../protocol/messages.ts';
import { RefusalMessages, type RefusalMessage } from '../protocol/reasons.ts';
import type { Session, SessionState } from './session.ts';

export type MessageBody = NonNullable<ClientMessage['body']>;

/** Why a message was refused: the answer, and the `gateway_protocol_errors_total` kind it counts as. */
export interface Misstep {
  readonly refusal: RefusalMessage;
  readonly kind: 'not_authenticated' | 'already_authenticated';
}

const NOT_LOGGED_IN: Misstep = { refusal: RefusalMessages.notLoggedIn, kind: 'not_authenticated' };
const ALREADY_LOGGED_IN: Misstep = { refusal: RefusalMessages.alreadyLoggedIn, kind: 'already_authenticated' };
const NO_CREATION_EXPECTED: Misstep = { refusal: RefusalMessages.noCreationExpected, kind: 'already_authenticated' };

/** What a message needs of its session: undefined when the state will do, else why not. */
export type Requirement = (state: SessionState) => Misstep | undefined;

export const Requirements = Object.freeze({
  anyState: (): undefined => undefined,
  notLoggedIn: (state: SessionState) => (state === 'connected' ? undefined : ALREADY_LOGGED_IN),
  inZone: (state: SessionState) => (state === 'in-zone' ? undefined : NOT_LOGGED_IN),
  awaitingCharacter: (state: SessionState) => (state === 'no-character' ? undefined : state === 'connected' ? NOT_LOGGED_IN : NO_CREATION_EXPECTED),
} satisfies Record<string, Requirement>);

export interface Route {
  readonly needs: Requirement;
  handle(session: Session, seq: number, message: ClientMessage): void;
}

export type DispatchTable = { readonly [body in MessageBody]: Route };
