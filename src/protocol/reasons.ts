/**
 * Every reason a client or an operator can be given, in one registry, so that a reason is written
 * once and the docs can be checked against it (test/protocol/reasons.test.ts checks that
 * proto/README.md lists each one).
 *
 * Reasons are machine-readable words. They travel as `TradeResult.reason` and `MailResult.reason`,
 * as the `message` of an `Error` with code TRADE_REFUSED, CHAT_REFUSED, GAME_ACTION_REFUSED or NAME_INVALID, and as the `reason` of
 * the admin API's 409 answers. `RefusalMessages` holds the sentences that go with the other error
 * codes, and session-ends.ts the reasons a session is closed with.
 */
import { ErrorCode } from './messages.ts';

/** A name that breaks the rules (economy/character-names.ts), one reason per rule. */
export const NameRefusals = Object.freeze({
  tooShort: 'NAME_TOO_SHORT',
  tooLong: 'NAME_TOO_LONG',
  badCharacter: 'NAME_BAD_CHARACTER',
  mustStartWithLetter: 'NAME_MUST_START_WITH_LETTER',
  reserved: 'NAME_RESERVED',
});
export type NameRefusal = (typeof NameRefusals)[keyof typeof NameRefusals];

/** Why the database refused to create a character. */
export const CreateRefusals = Object.freeze({
  /** Another character has this name, compared case-insensitively ('Bob' and 'bob' collide). */
  nameTaken: 'NAME_TAKEN',
  /** This player already has a character with another name. */
  hasCharacter: 'HAS_CHARACTER',
});
export type CreateRefusal = NameRefusal | (typeof CreateRefusals)[keyof typeof CreateRefusals];

/** Why an economy operation (trade, grant, mail) was refused; nothing was changed. */
export const EconomyRefusals = Object.freeze({
  // The request itself (economy/economy-rules.ts): never reaches the database.
  samePlayer: 'SAME_PLAYER',
  negativeGold: 'NEGATIVE_GOLD',
  goldOverLimit: 'GOLD_OVER_LIMIT',
  tooManyItems: 'TOO_MANY_ITEMS',
  duplicateItem: 'DUPLICATE_ITEM',
  badStack: 'BAD_STACK',
  nothingToDo: 'NOTHING_TO_DO',
  // The database's state, under the transaction's locks: recorded, and replayed on retry.
  unknownPlayer: 'UNKNOWN_PLAYER',
  insufficientGold: 'INSUFFICIENT_GOLD',
  itemNotOwned: 'ITEM_NOT_OWNED',
  walletFull: 'WALLET_FULL',
  unknownMail: 'UNKNOWN_MAIL',
  mailNotYours: 'MAIL_NOT_YOURS',
  mailClaimed: 'MAIL_CLAIMED',
  /** This opId was used before for another operation; that one's result is not returned. */
  opIdReused: 'OP_ID_REUSED',
});
export type EconomyRefusal = (typeof EconomyRefusals)[keyof typeof EconomyRefusals];

/** The trade window's own refusals and endings, within a zone and across zones. */
export const TradeReasons = Object.freeze({
  /** The trade committed in the database; both inventories follow. */
  committed: 'COMMITTED',
  cancelled: 'CANCELLED',
  /** The two players stand farther apart than the trade range (10 m). */
  outOfRange: 'OUT_OF_RANGE',
  /** The partner (or, for a trade across zones, either player) left its zone. */
  partnerLeft: 'PARTNER_LEFT',
  /** One of the two players went on into another zone. */
  zoneChanged: 'ZONE_CHANGED',
  noTrade: 'NO_TRADE',
  /** The trade is being committed: its window no longer changes. */
  committing: 'COMMITTING',
  unknownAction: 'UNKNOWN_ACTION',
  noSuchPlayer: 'NO_SUCH_PLAYER',
  /** One of the two players has another trade open. */
  busy: 'BUSY',
  /** A player's inventory has not been read since it logged in: try again in a moment. */
  inventoryLoading: 'INVENTORY_LOADING',
  notLocked: 'NOT_LOCKED',
  /** A trade by player id is for a partner in another zone; one in the same zone goes by entity id. */
  sameZone: 'SAME_ZONE',
  /** A player's zone went down or was not running before the trade was decided: nothing moved. */
  zoneRestarted: 'ZONE_RESTARTED',
});

/** Mail's own reasons, beside the economy's refusals. */
export const MailReasons = Object.freeze({
  /** Sent or claimed: committed in the database. */
  committed: TradeReasons.committed,
  /** The request is malformed (an amount that is not a whole number, an id out of range). */
  badRequest: 'BAD_REQUEST',
});

/** Why a chat message was refused (Error ERROR_CODE_CHAT_REFUSED); nothing was said. */
export const ChatRefusals = Object.freeze({
  empty: 'EMPTY',
  /** Longer than CHAT_MAX_CHARS characters. */
  tooLong: 'TOO_LONG',
  /** Not valid UTF-8, or control characters other than a tab. */
  badText: 'BAD_TEXT',
  /** A channel clients may not send on (system), or none. */
  unknownChannel: 'UNKNOWN_CHANNEL',
  /** No character of that name is online on this server. */
  noSuchCharacter: 'NO_SUCH_CHARACTER',
  /** More chat than CHAT_RATE_PER_SEC and CHAT_BURST allow. */
  rateLimited: 'CHAT_RATE_LIMITED',
});
export type ChatRefusal = (typeof ChatRefusals)[keyof typeof ChatRefusals];

/** Why a game action was refused before the module saw it (Error ERROR_CODE_GAME_ACTION_REFUSED). */
export const GameActionRefusals = Object.freeze({
  /** The server runs no game module. */
  noGameModule: 'NO_GAME_MODULE',
  /** The module declares no action of that kind. */
  unknownAction: 'UNKNOWN_GAME_ACTION',
  /** The payload is not the action's message. */
  badPayload: 'BAD_PAYLOAD',
  /** More payload than GameLimits.maxActionBytes (1,024 bytes). */
  tooLarge: 'ACTION_TOO_LARGE',
});
export type GameActionRefusal = (typeof GameActionRefusals)[keyof typeof GameActionRefusals];

export type TradeReason = EconomyRefusal | (typeof TradeReasons)[keyof typeof TradeReasons];
export type MailReason = EconomyRefusal | (typeof MailReasons)[keyof typeof MailReasons];

/** A refused request's ErrorCode and the sentence sent with it (Error.message); the session stays. */
export interface RefusalMessage {
  readonly code: ErrorCode;
  readonly message: string;
}

function refusal(code: ErrorCode, message: string): RefusalMessage {
  return Object.freeze({ code, message });
}

export const RefusalMessages = Object.freeze({
  notLoggedIn: refusal(ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, 'log in first'),
  alreadyLoggedIn: refusal(ErrorCode.ERROR_CODE_ALREADY_AUTHENTICATED, 'already logged in'),
  noCreationExpected: refusal(ErrorCode.ERROR_CODE_ALREADY_AUTHENTICATED, 'no character creation expected now'),
  characterRequired: refusal(ErrorCode.ERROR_CODE_CHARACTER_REQUIRED, 'no character yet: send create_character with a name'),
  /** The zone's inbound ring was full: the request was not taken and may be sent again. */
  zoneBusy: refusal(ErrorCode.ERROR_CODE_SERVER_BUSY, 'zone busy: request not taken'),
  mailUnreadable: refusal(ErrorCode.ERROR_CODE_STORAGE_UNAVAILABLE, 'mail could not be read; try again'),
  /** A game module's hook threw while handling the player's action or arrival (game-host.ts). */
  gameRuleFailed: refusal(ErrorCode.ERROR_CODE_GAME_RULE_FAILED, 'the game failed on this; play goes on'),
});
