/**
 * The economy as every thread sees it (DESIGN.md R9, invariants 2–4): gold, items, mail, trades,
 * grants and character names. Gold and items live in tables of their own (sql/README.md) that only
 * these operations write, each in a database transaction that has committed before its promise
 * resolves; the write-back `save` never touches them, so an old snapshot cannot undo a trade.
 *
 * Every operation that moves gold or items carries an operation id (`opId`), its idempotency key:
 * the first result, committed or refused, is kept in the ledger, and a retry with the same id and
 * the same request returns that result (`replayed: true`) and changes nothing more. The same id
 * with a different request is refused (OP_ID_REUSED).
 *
 * Outcomes a player can cause come back as values ({ ok: false, reason }); a broken request
 * (a fractional amount, a malformed opId) is rejected with StoreError STORE_BAD_REQUEST, and a
 * database failure with its StoreError. After a failure the operation may or may not have
 * committed: retry it with the same opId to find out.
 *
 * Zones should call the check* functions below before escrowing: the store applies the same rules.
 */
import { StoreError, StoreErrorCodes, type CharacterState, type StoredCharacter } from './character-store.ts';

export const EconomyLimits = Object.freeze({
  /** The most gold one operation may move (per side of a trade). */
  maxGoldPerOp: 1_000_000_000,
  /** No wallet may hold more; keeps every balance an exact JavaScript number. */
  maxGoldBalance: 1_000_000_000_000_000,
  /** Item ids per side of a trade, per mail, and stacks per grant. */
  maxItemsPerOp: 32,
  /** The largest stack a grant or a system mail may create. */
  maxStackCount: 1_000_000,
  maxTemplateId: 2_147_483_647,
  /** listMail returns at most this many mails, oldest first. */
  maxMailListed: 100,
});

/** Operation ids: 1–64 characters of this set, compared case-sensitively. */
export const OP_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

export const NameRules = Object.freeze({
  minLength: 3,
  maxLength: 16,
  /** Refused whatever their case. */
  reserved: Object.freeze(['admin', 'administrator', 'gamemaster', 'moderator', 'mod', 'system', 'server', 'support', 'staff', 'root', 'console', 'null', 'undefined']),
  /** Names may not begin with these either ('AdminBob', 'SystemNotice'). */
  reservedPrefixes: Object.freeze(['admin', 'gamemaster', 'moderator', 'system']),
});

/** Why a name breaks the rules, one code per rule. */
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

/** Why an economy operation was refused; nothing was changed. */
export const EconomyRefusals = Object.freeze({
  // The request itself (checkTrade, checkGrant, checkSendMail): never reaches the database.
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

/** The ledger's operation kinds; also the `op` label of store_economy_ops_total. */
export type LedgerKind = 'trade' | 'grant' | 'mail_send' | 'mail_claim';

/** One item: a stack of `count` of one template. Items move whole. */
export interface Item {
  readonly itemId: number;
  readonly templateId: number;
  readonly count: number;
}

/** Items to create (grants, system mail). */
export interface ItemStack {
  readonly templateId: number;
  readonly count: number;
}

export interface Inventory {
  readonly playerId: number;
  readonly gold: number;
  /** By item id. */
  readonly items: readonly Item[];
}

/** An unclaimed mail with what is attached to it. */
export interface Mail {
  readonly mailId: number;
  /** null: sent by the system (a grant). */
  readonly from: number | null;
  readonly to: number;
  readonly gold: number;
  readonly items: readonly Item[];
  /** Unix milliseconds. */
  readonly sentAt: number;
}

export interface TradeRequest {
  readonly opId: string;
  readonly a: number;
  readonly b: number;
  readonly goldFromA: number;
  readonly goldFromB: number;
  /** Item ids a gives b, and b gives a: each owned by its giver. */
  readonly itemsFromA: readonly number[];
  readonly itemsFromB: readonly number[];
}

export interface GrantRequest {
  readonly opId: string;
  readonly playerId: number;
  readonly gold: number;
  readonly items: readonly ItemStack[];
}

export interface SendMailRequest {
  readonly opId: string;
  /** The sender, whose gold and items are moved into the mail; undefined: the system. */
  readonly from?: number | undefined;
  readonly to: number;
  readonly gold: number;
  /** The sender's items to attach (player mail only). */
  readonly itemIds?: readonly number[] | undefined;
  /** Items created in the mail (system mail only). */
  readonly newItems?: readonly ItemStack[] | undefined;
}

export interface ClaimMailRequest {
  readonly opId: string;
  readonly mailId: number;
  readonly playerId: number;
}

interface Outcome {
  readonly opId: string;
  /** True when this is the stored result of an earlier call with the same opId. */
  readonly replayed: boolean;
}

export interface Refused extends Outcome {
  readonly ok: false;
  readonly reason: EconomyRefusal;
}

export interface TradeDone extends Outcome {
  readonly ok: true;
  readonly a: number;
  readonly b: number;
  readonly goldFromA: number;
  readonly goldFromB: number;
  /** What changed hands, in request order. */
  readonly itemsFromA: readonly Item[];
  readonly itemsFromB: readonly Item[];
}

export interface GrantDone extends Outcome {
  readonly ok: true;
  readonly playerId: number;
  readonly gold: number;
  /** The items created, in request order. */
  readonly items: readonly Item[];
}

export interface MailSent extends Outcome {
  readonly ok: true;
  readonly mail: Mail;
}

export interface MailClaimed extends Outcome {
  readonly ok: true;
  readonly mailId: number;
  readonly playerId: number;
  readonly gold: number;
  readonly items: readonly Item[];
}

export type TradeResult = TradeDone | Refused;
export type GrantResult = GrantDone | Refused;
export type SendMailResult = MailSent | Refused;
export type ClaimMailResult = MailClaimed | Refused;
export type EconomyResult = TradeResult | GrantResult | SendMailResult | ClaimMailResult;

export type CreateCharacterResult =
  /** replayed: the player already had a character with exactly this name (a retried creation). */
  | { readonly ok: true; readonly replayed: boolean; readonly character: StoredCharacter }
  | { readonly ok: false; readonly reason: CreateRefusal };

/** The economy operations of the store (through StoreClient on any thread). */
export interface EconomyStore {
  /**
   * Creates a character with a unique name, offline and unowned, with an empty wallet, in one
   * transaction; `acquire` then logs it in. A retry for the same player and name is replayed.
   */
  createCharacter(playerId: number, name: string, initial: CharacterState): Promise<CreateCharacterResult>;
  /** Gold and items, read in one statement; undefined when the player has no character. */
  loadInventory(playerId: number): Promise<Inventory | undefined>;
  /** Moves gold and items between two players in one transaction, or refuses and changes nothing. */
  trade(request: TradeRequest): Promise<TradeResult>;
  /** Gives a player gold and new items from outside (a shop, a quest server, support). */
  grant(request: GrantRequest): Promise<GrantResult>;
  /** Moves gold and items into a new mail (or creates them there, for system mail). */
  sendMail(request: SendMailRequest): Promise<SendMailResult>;
  /** Moves a mail's gold and items to its recipient and marks it claimed. */
  claimMail(request: ClaimMailRequest): Promise<ClaimMailResult>;
  /** The player's unclaimed mail, oldest first, at most EconomyLimits.maxMailListed. */
  listMail(playerId: number): Promise<Mail[]>;
}

/** undefined when `name` is a valid character name, else the first rule it breaks. */
export function checkCharacterName(name: string): NameRefusal | undefined {
  if (name.length < NameRules.minLength) return NameRefusals.tooShort;
  if (name.length > NameRules.maxLength) return NameRefusals.tooLong;
  // ASCII only, so that SQLite's NOCASE and MySQL's utf8mb4_unicode_ci agree on which names collide.
  if (!/^[A-Za-z0-9]+$/.test(name)) return NameRefusals.badCharacter;
  if (!/^[A-Za-z]/.test(name)) return NameRefusals.mustStartWithLetter;
  const key = nameKey(name);
  if (NameRules.reserved.includes(key) || NameRules.reservedPrefixes.some((prefix) => key.startsWith(prefix))) return NameRefusals.reserved;
  return undefined;
}

/** The form names collide in: 'Bob' and 'bob' have one key. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** Refusals a trade request earns before any database work; throws StoreError on a broken request. */
export function checkTrade(request: TradeRequest): EconomyRefusal | undefined {
  requireOpId(request.opId);
  requireId(request.a, 'a');
  requireId(request.b, 'b');
  requireIdList(request.itemsFromA, 'itemsFromA');
  requireIdList(request.itemsFromB, 'itemsFromB');
  if (request.a === request.b) return EconomyRefusals.samePlayer;
  const gold = checkGold(request.goldFromA) ?? checkGold(request.goldFromB);
  if (gold) return gold;
  if (request.itemsFromA.length > EconomyLimits.maxItemsPerOp || request.itemsFromB.length > EconomyLimits.maxItemsPerOp) return EconomyRefusals.tooManyItems;
  const all = [...request.itemsFromA, ...request.itemsFromB];
  if (new Set(all).size !== all.length) return EconomyRefusals.duplicateItem;
  if (request.goldFromA === 0 && request.goldFromB === 0 && all.length === 0) return EconomyRefusals.nothingToDo;
  return undefined;
}

export function checkGrant(request: GrantRequest): EconomyRefusal | undefined {
  requireOpId(request.opId);
  requireId(request.playerId, 'playerId');
  if (!Array.isArray(request.items)) throw badRequest('items must be an array');
  return checkGold(request.gold) ?? checkStacks(request.items) ?? (request.gold === 0 && request.items.length === 0 ? EconomyRefusals.nothingToDo : undefined);
}

export function checkSendMail(request: SendMailRequest): EconomyRefusal | undefined {
  requireOpId(request.opId);
  requireId(request.to, 'to');
  const itemIds = request.itemIds ?? [];
  const newItems = request.newItems ?? [];
  requireIdList(itemIds, 'itemIds');
  if (!Array.isArray(newItems)) throw badRequest('newItems must be an array');
  if (request.from !== undefined) {
    requireId(request.from, 'from');
    if (newItems.length > 0) throw badRequest('only system mail (no sender) may create items');
    if (request.from === request.to) return EconomyRefusals.samePlayer;
  } else if (itemIds.length > 0) {
    throw badRequest('system mail (no sender) has no items to move: use newItems');
  }
  const refusal = checkGold(request.gold) ?? checkStacks(newItems);
  if (refusal) return refusal;
  if (itemIds.length > EconomyLimits.maxItemsPerOp) return EconomyRefusals.tooManyItems;
  if (new Set(itemIds).size !== itemIds.length) return EconomyRefusals.duplicateItem;
  if (request.gold === 0 && itemIds.length === 0 && newItems.length === 0) return EconomyRefusals.nothingToDo;
  return undefined;
}

export function checkClaimMail(request: ClaimMailRequest): undefined {
  requireOpId(request.opId);
  requireId(request.mailId, 'mailId');
  requireId(request.playerId, 'playerId');
  return undefined;
}

function checkGold(gold: number): EconomyRefusal | undefined {
  if (!Number.isSafeInteger(gold)) throw badRequest(`gold must be a whole number, got ${gold}`);
  if (gold < 0) return EconomyRefusals.negativeGold;
  if (gold > EconomyLimits.maxGoldPerOp) return EconomyRefusals.goldOverLimit;
  return undefined;
}

function checkStacks(stacks: readonly ItemStack[]): EconomyRefusal | undefined {
  if (stacks.length > EconomyLimits.maxItemsPerOp) return EconomyRefusals.tooManyItems;
  for (const stack of stacks) {
    if (!Number.isSafeInteger(stack.templateId) || !Number.isSafeInteger(stack.count)) throw badRequest('item stacks need whole-number templateId and count');
    if (stack.templateId < 1 || stack.templateId > EconomyLimits.maxTemplateId || stack.count < 1 || stack.count > EconomyLimits.maxStackCount) return EconomyRefusals.badStack;
  }
  return undefined;
}

function requireOpId(opId: string): void {
  if (typeof opId !== 'string' || !OP_ID_PATTERN.test(opId)) throw badRequest(`opId must match ${OP_ID_PATTERN}, got ${JSON.stringify(opId)}`);
}

function requireId(id: number, what: string): void {
  if (!Number.isSafeInteger(id) || id < 1) throw badRequest(`${what} must be a positive whole number, got ${id}`);
}

function requireIdList(ids: readonly number[], what: string): void {
  if (!Array.isArray(ids)) throw badRequest(`${what} must be an array`);
  for (const id of ids) requireId(id, `${what}[]`);
}

function badRequest(message: string): StoreError {
  return new StoreError(message, StoreErrorCodes.badRequest);
}
