/**
 * The economy's storage interface, as every thread sees it: gold, items, mail, trades, grants and
 * character creation. Gold and items live in tables of their own (sql/README.md) that only these
 * operations write, each in a database transaction that has committed before its promise
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
 * committed: retry it with the same opId to find out. The rules a request must meet are in
 * economy/economy-rules.ts; zones apply them before escrowing, and the store again.
 */
import type { CreateRefusal, EconomyRefusal } from '../protocol/reasons.ts';
import type { CharacterState, StoredCharacter } from './character-store.ts';
import type { AuditDraft } from './admin-store.ts';

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
  /**
   * Gives a player gold and new items from outside (a shop, a quest server, support). An
   * operator's grant carries its audit record (admin-store.ts), committed with it.
   */
  grant(request: GrantRequest, audit?: AuditDraft): Promise<GrantResult>;
  /** Moves gold and items into a new mail (or creates them there, for system mail); `audit` as for grant. */
  sendMail(request: SendMailRequest, audit?: AuditDraft): Promise<SendMailResult>;
  /** Moves a mail's gold and items to its recipient and marks it claimed. */
  claimMail(request: ClaimMailRequest): Promise<ClaimMailResult>;
  /** The player's unclaimed mail, oldest first, at most EconomyLimits.maxMailListed. */
  listMail(playerId: number): Promise<Mail[]>;
}
