/**
 * What a group of economy operations does, decided in memory from rows the group's transaction has
 * read and locked (economy-sql.ts), the same for both backends. Each operation is planned against
 * the state its predecessors in the group left, giving its result and the rows it changes; a
 * refusal changes nothing but its own ledger row. Nothing here talks to the database.
 *
 * Balances are written as absolute values: they are computed from rows this transaction holds
 * locked until it commits, so nobody else can change them in between.
 */
import { createHash } from 'node:crypto';
import type { CharacterState, StoredCharacter } from '../storage/character-store.ts';
import type { ClaimMailRequest, CreateCharacterResult, EconomyResult, GrantRequest, Item, LedgerKind, Mail, Refused, SendMailRequest, TradeRequest } from '../storage/economy-store.ts';
import { CreateRefusals, EconomyRefusals, type EconomyRefusal } from '../protocol/reasons.ts';
import { EconomyLimits } from '../config/limits.ts';
import { nameKey } from '../economy/character-names.ts';
import type { AuditDraft, AuditRecord } from '../storage/admin-store.ts';

export type EconomyOp =
  | { readonly kind: 'trade'; readonly request: TradeRequest; readonly hash: string }
  /** `audit`: an operator's grant or mail (the admin API), whose audit row commits with it. */
  | { readonly kind: 'grant'; readonly request: GrantRequest; readonly hash: string; readonly audit?: AuditDraft | undefined }
  | { readonly kind: 'mail_send'; readonly request: SendMailRequest; readonly hash: string; readonly audit?: AuditDraft | undefined }
  | { readonly kind: 'mail_claim'; readonly request: ClaimMailRequest; readonly hash: string }
  | { readonly kind: 'create_character'; readonly playerId: number; readonly name: string; readonly initial: CharacterState };

export type OpKind = EconomyOp['kind'];
export type OpResult = EconomyResult | CreateCharacterResult;

/** SHA-256 of a request, for telling a retry (same request) from a reused opId (another one). */
export function requestHash(kind: LedgerKind, request: object): string {
  return createHash('sha256').update(kind).update('\n').update(JSON.stringify(request)).digest('hex');
}

export interface ItemRow {
  readonly itemId: number;
  readonly ownerId: number | null;
  readonly mailId: number | null;
  readonly templateId: number;
  readonly count: number;
  readonly createdAt: number;
}

export type MailStatus = 'unclaimed' | 'claimed';

export interface MailRow {
  readonly mailId: number;
  readonly senderId: number | null;
  readonly recipientId: number;
  readonly gold: number;
  readonly status: MailStatus;
  readonly sendOp: string;
  readonly claimOp: string | null;
  readonly sentAt: number;
  readonly claimedAt: number | null;
}

export interface LedgerRow {
  readonly opId: string;
  readonly kind: LedgerKind;
  readonly outcome: 'committed' | 'refused';
  readonly reason: EconomyRefusal | null;
  readonly playerA: number | null;
  readonly playerB: number | null;
  readonly goldFromA: number;
  readonly goldFromB: number;
  readonly mailId: number | null;
  readonly requestHash: string;
  /** The result as JSON, without `replayed`. */
  readonly result: string;
  readonly createdAt: number;
}

/** A ledger row as far as replays need it. */
export interface LedgerEntry {
  readonly kind: LedgerKind;
  readonly requestHash: string;
  readonly result: string;
}

/** The rows a group reads (and, but for the ledger and names, locks), as far as it has planned. */
export interface GroupState {
  readonly ledger: Map<string, LedgerEntry>;
  /** Gold by player; a player without a wallet has no character. */
  readonly wallets: Map<number, number>;
  readonly items: Map<number, ItemRow>;
  readonly mails: Map<number, MailRow>;
  /** Item ids held by each mail of `mails`, ascending. */
  readonly mailItems: Map<number, number[]>;
  /** The characters of players the group creates characters for. */
  readonly characters: Map<number, StoredCharacter>;
  /** nameKey of each name the group asks for that is taken. */
  readonly takenNames: Set<string>;
  /** Audit ids the trail holds already: an admin request the store was sent twice. */
  readonly audited: Set<string>;
}

export function emptyState(): GroupState {
  return { ledger: new Map(), wallets: new Map(), items: new Map(), mails: new Map(), mailItems: new Map(), characters: new Map(), takenNames: new Set(), audited: new Set() };
}

/** A row to write: inserted when new (a duplicate then fails), else updated in place. */
export interface RowChange<T> {
  readonly row: T;
  readonly isNew: boolean;
}

export interface Changes {
  /** New balances by player. */
  readonly wallets: Map<number, RowChange<number>>;
  readonly items: Map<number, RowChange<ItemRow>>;
  readonly mails: Map<number, RowChange<MailRow>>;
  readonly characters: StoredCharacter[];
  readonly ledger: LedgerRow[];
  readonly audits: AuditRecord[];
}

export function emptyChanges(): Changes {
  return { wallets: new Map(), items: new Map(), mails: new Map(), characters: [], ledger: [], audits: [] };
}

export function hasChanges(changes: Changes): boolean {
  return changes.wallets.size + changes.items.size + changes.mails.size + changes.characters.length + changes.ledger.length + changes.audits.length > 0;
}

/** What a group reads: sorted ids, so every transaction locks in one order. */
export interface Footprint {
  readonly opIds: string[];
  readonly playerIds: number[];
  readonly itemIds: number[];
  readonly mailIds: number[];
  readonly creators: number[];
  readonly names: string[];
  readonly auditIds: string[];
  /** Ids the group may need for new items and mails. */
  readonly newItems: number;
  readonly newMails: number;
}

export function footprintOf(ops: readonly EconomyOp[]): Footprint {
  const opIds = new Set<string>();
  const players = new Set<number>();
  const items = new Set<number>();
  const mails = new Set<number>();
  const creators = new Set<number>();
  const names = new Set<string>();
  const auditIds = new Set<string>();
  let newItems = 0;
  let newMails = 0;
  for (const op of ops) {
    switch (op.kind) {
      case 'trade':
        opIds.add(op.request.opId);
        players.add(op.request.a).add(op.request.b);
        for (const id of [...op.request.itemsFromA, ...op.request.itemsFromB]) items.add(id);
        break;
      case 'grant':
        opIds.add(op.request.opId);
        if (op.audit) auditIds.add(op.audit.auditId);
        players.add(op.request.playerId);
        newItems += op.request.items.length;
        break;
      case 'mail_send':
        opIds.add(op.request.opId);
        if (op.audit) auditIds.add(op.audit.auditId);
        players.add(op.request.to);
        if (op.request.from !== undefined) players.add(op.request.from);
        for (const id of op.request.itemIds ?? []) items.add(id);
        newItems += op.request.newItems?.length ?? 0;
        newMails++;
        break;
      case 'mail_claim':
        opIds.add(op.request.opId);
        players.add(op.request.playerId);
        mails.add(op.request.mailId);
        break;
      case 'create_character':
        players.add(op.playerId);
        creators.add(op.playerId);
        names.add(op.name);
        break;
    }
  }
  const ascending = (a: number, b: number): number => a - b;
  return {
    opIds: [...opIds].sort(),
    playerIds: [...players].sort(ascending),
    itemIds: [...items].sort(ascending),
    mailIds: [...mails].sort(ascending),
    creators: [...creators].sort(ascending),
    names: [...names].sort(),
    auditIds: [...auditIds].sort(),
    newItems,
    newMails,
  };
}

/** Hands out ids reserved before the transaction began (id-blocks.ts). */
export interface IdSource {
  next(sequence: 'items' | 'mail'): number;
}

export interface Planned {
  readonly result: OpResult;
  readonly changes: Changes;
}

/**
 * Plans `op` against `state` without changing it; applyChanges makes it part of the state. An
 * operator's op records its audit row with its outcome, unless the trail has it already.
 */
export function planOp(op: EconomyOp, state: GroupState, ids: IdSource, now: number): Planned {
  const planned = planEconomy(op, state, ids, now);
  const audit = op.kind === 'grant' || op.kind === 'mail_send' ? op.audit : undefined;
  if (audit && !state.audited.has(audit.auditId)) planned.changes.audits.push({ ...audit, outcome: planned.result.ok ? 'ok' : 'refused', result: JSON.stringify(planned.result) });
  return planned;
}

function planEconomy(op: EconomyOp, state: GroupState, ids: IdSource, now: number): Planned {
  if (op.kind === 'create_character') return planCreate(op, state, now);
  const stored = state.ledger.get(op.request.opId);
  if (stored) {
    if (stored.kind !== op.kind || stored.requestHash !== op.hash) return { result: refusal(op.request.opId, EconomyRefusals.opIdReused), changes: emptyChanges() };
    return { result: { ...(JSON.parse(stored.result) as EconomyResult), replayed: true }, changes: emptyChanges() };
  }
  const plan = new Plan(op, state, now);
  switch (op.kind) {
    case 'trade':
      return plan.trade(op.request);
    case 'grant':
      return plan.grant(op.request, ids);
    case 'mail_send':
      return plan.sendMail(op.request, ids);
    case 'mail_claim':
      return plan.claimMail(op.request);
  }
}

/** Makes a planned operation's changes part of the state later operations see. */
export function applyChanges(state: GroupState, changes: Changes): void {
  for (const [playerId, { row }] of changes.wallets) state.wallets.set(playerId, row);
  for (const [itemId, { row }] of changes.items) {
    const before = state.items.get(itemId);
    if (before?.mailId != null) state.mailItems.set(before.mailId, (state.mailItems.get(before.mailId) ?? []).filter((id) => id !== itemId));
    if (row.mailId !== null) state.mailItems.set(row.mailId, [...(state.mailItems.get(row.mailId) ?? []), itemId].sort((a, b) => a - b));
    state.items.set(itemId, row);
  }
  for (const [mailId, { row }] of changes.mails) state.mails.set(mailId, row);
  for (const character of changes.characters) {
    state.characters.set(character.playerId, character);
    if (character.name !== null) state.takenNames.add(nameKey(character.name));
  }
  for (const row of changes.ledger) state.ledger.set(row.opId, { kind: row.kind, requestHash: row.requestHash, result: row.result });
  for (const audit of changes.audits) state.audited.add(audit.auditId);
}

/** Adds `changes` to `into`: the later row wins, and a row new in either stays new (inserted once). */
export function mergeChanges(into: Changes, changes: Changes): void {
  mergeRows(into.wallets, changes.wallets);
  mergeRows(into.items, changes.items);
  mergeRows(into.mails, changes.mails);
  into.characters.push(...changes.characters);
  into.ledger.push(...changes.ledger);
  into.audits.push(...changes.audits);
}

function mergeRows<K, T>(into: Map<K, RowChange<T>>, rows: Map<K, RowChange<T>>): void {
  for (const [key, change] of rows) into.set(key, { row: change.row, isNew: change.isNew || (into.get(key)?.isNew ?? false) });
}

function refusal(opId: string, reason: EconomyRefusal): Refused {
  return { ok: false, opId, replayed: false, reason };
}

function toItem(row: ItemRow): Item {
  return { itemId: row.itemId, templateId: row.templateId, count: row.count };
}

function planCreate(op: Extract<EconomyOp, { kind: 'create_character' }>, state: GroupState, now: number): Planned {
  const existing = state.characters.get(op.playerId);
  if (existing) {
    const result: CreateCharacterResult =
      existing.name === op.name ? { ok: true, replayed: true, character: existing } : { ok: false, reason: CreateRefusals.hasCharacter };
    return { result, changes: emptyChanges() };
  }
  if (state.takenNames.has(nameKey(op.name))) return { result: { ok: false, reason: CreateRefusals.nameTaken }, changes: emptyChanges() };
  const character: StoredCharacter = {
    playerId: op.playerId,
    name: op.name,
    state: op.initial,
    ownerNode: null,
    epoch: 0,
    online: false,
    isolated: false,
    lastLoginAt: null,
    lastSaveAt: null,
    createdAt: now,
  };
  const changes = emptyChanges();
  changes.characters.push(character);
  // A wallet left behind by a deleted character keeps its gold.
  if (!state.wallets.has(op.playerId)) changes.wallets.set(op.playerId, { row: 0, isNew: true });
  return { result: { ok: true, replayed: false, character }, changes };
}

/** One operation's plan: collects its changes, then finishes with its result and ledger row. */
class Plan {
  private readonly op: Exclude<EconomyOp, { kind: 'create_character' }>;
  private readonly state: GroupState;
  private readonly now: number;
  private readonly changes = emptyChanges();

  constructor(op: Exclude<EconomyOp, { kind: 'create_character' }>, state: GroupState, now: number) {
    this.op = op;
    this.state = state;
    this.now = now;
  }

  trade(request: TradeRequest): Planned {
    const goldA = this.state.wallets.get(request.a);
    const goldB = this.state.wallets.get(request.b);
    const parties = { playerA: request.a, playerB: request.b };
    if (goldA === undefined || goldB === undefined) return this.refuse(EconomyRefusals.unknownPlayer, parties);
    const fromA = this.ownedBy(request.itemsFromA, request.a);
    const fromB = this.ownedBy(request.itemsFromB, request.b);
    if (!fromA || !fromB) return this.refuse(EconomyRefusals.itemNotOwned, parties);
    if (goldA < request.goldFromA || goldB < request.goldFromB) return this.refuse(EconomyRefusals.insufficientGold, parties);
    const newA = goldA - request.goldFromA + request.goldFromB;
    const newB = goldB - request.goldFromB + request.goldFromA;
    if (newA > EconomyLimits.maxGoldBalance || newB > EconomyLimits.maxGoldBalance) return this.refuse(EconomyRefusals.walletFull, parties);
    this.setGold(request.a, newA);
    this.setGold(request.b, newB);
    for (const row of fromA) this.setItem({ ...row, ownerId: request.b });
    for (const row of fromB) this.setItem({ ...row, ownerId: request.a });
    return this.commit(
      {
        ok: true,
        opId: request.opId,
        replayed: false,
        a: request.a,
        b: request.b,
        goldFromA: request.goldFromA,
        goldFromB: request.goldFromB,
        itemsFromA: fromA.map(toItem),
        itemsFromB: fromB.map(toItem),
      },
      { ...parties, goldFromA: request.goldFromA, goldFromB: request.goldFromB },
    );
  }

  grant(request: GrantRequest, ids: IdSource): Planned {
    const gold = this.state.wallets.get(request.playerId);
    const parties = { playerA: null, playerB: request.playerId };
    if (gold === undefined) return this.refuse(EconomyRefusals.unknownPlayer, parties);
    if (gold + request.gold > EconomyLimits.maxGoldBalance) return this.refuse(EconomyRefusals.walletFull, parties);
    this.setGold(request.playerId, gold + request.gold);
    const items = request.items.map((stack) => this.newItem(ids, stack.templateId, stack.count, request.playerId, null));
    return this.commit({ ok: true, opId: request.opId, replayed: false, playerId: request.playerId, gold: request.gold, items }, { ...parties, goldFromA: request.gold });
  }

  sendMail(request: SendMailRequest, ids: IdSource): Planned {
    const from = request.from ?? null;
    const parties = { playerA: from, playerB: request.to };
    const senderGold = from === null ? 0 : this.state.wallets.get(from);
    if (senderGold === undefined || !this.state.wallets.has(request.to)) return this.refuse(EconomyRefusals.unknownPlayer, parties);
    const attached = from === null ? [] : this.ownedBy(request.itemIds ?? [], from);
    if (!attached) return this.refuse(EconomyRefusals.itemNotOwned, parties);
    if (senderGold < request.gold && from !== null) return this.refuse(EconomyRefusals.insufficientGold, parties);
    const mailId = ids.next('mail');
    if (from !== null) this.setGold(from, senderGold - request.gold);
    for (const row of attached) this.setItem({ ...row, ownerId: null, mailId });
    const created = (request.newItems ?? []).map((stack) => this.newItem(ids, stack.templateId, stack.count, null, mailId));
    const mail: Mail = { mailId, from, to: request.to, gold: request.gold, items: [...attached.map(toItem), ...created], sentAt: this.now };
    this.changes.mails.set(mailId, {
      row: { mailId, senderId: from, recipientId: request.to, gold: request.gold, status: 'unclaimed', sendOp: request.opId, claimOp: null, sentAt: this.now, claimedAt: null },
      isNew: true,
    });
    return this.commit({ ok: true, opId: request.opId, replayed: false, mail }, { ...parties, goldFromA: request.gold, mailId });
  }

  claimMail(request: ClaimMailRequest): Planned {
    const gold = this.state.wallets.get(request.playerId);
    const mail = this.state.mails.get(request.mailId);
    const parties = { playerA: null, playerB: request.playerId, mailId: request.mailId };
    if (gold === undefined) return this.refuse(EconomyRefusals.unknownPlayer, parties);
    if (!mail) return this.refuse(EconomyRefusals.unknownMail, parties);
    if (mail.recipientId !== request.playerId) return this.refuse(EconomyRefusals.mailNotYours, parties);
    if (mail.status !== 'unclaimed') return this.refuse(EconomyRefusals.mailClaimed, parties);
    if (gold + mail.gold > EconomyLimits.maxGoldBalance) return this.refuse(EconomyRefusals.walletFull, parties);
    this.setGold(request.playerId, gold + mail.gold);
    const items = (this.state.mailItems.get(mail.mailId) ?? []).map((itemId) => this.state.items.get(itemId) as ItemRow);
    for (const row of items) this.setItem({ ...row, ownerId: request.playerId, mailId: null });
    this.changes.mails.set(mail.mailId, { row: { ...mail, status: 'claimed', claimOp: request.opId, claimedAt: this.now }, isNew: false });
    return this.commit(
      { ok: true, opId: request.opId, replayed: false, mailId: mail.mailId, playerId: request.playerId, gold: mail.gold, items: items.map(toItem) },
      { ...parties, goldFromA: mail.gold },
    );
  }

  /** The rows of `itemIds`, in that order, when `playerId` holds every one; else undefined. */
  private ownedBy(itemIds: readonly number[], playerId: number): ItemRow[] | undefined {
    const rows: ItemRow[] = [];
    for (const itemId of itemIds) {
      const row = this.state.items.get(itemId);
      if (row?.ownerId !== playerId) return undefined;
      rows.push(row);
    }
    return rows;
  }

  private setGold(playerId: number, gold: number): void {
    this.changes.wallets.set(playerId, { row: gold, isNew: false });
  }

  private setItem(row: ItemRow): void {
    this.changes.items.set(row.itemId, { row, isNew: false });
  }

  private newItem(ids: IdSource, templateId: number, count: number, ownerId: number | null, mailId: number | null): Item {
    const row: ItemRow = { itemId: ids.next('items'), ownerId, mailId, templateId, count, createdAt: this.now };
    this.changes.items.set(row.itemId, { row, isNew: true });
    return toItem(row);
  }

  private refuse(reason: EconomyRefusal, parties: LedgerParties): Planned {
    // A refusal changes nothing but is recorded, so that a retry gets the same answer.
    const changes = emptyChanges();
    const result = refusal(this.op.request.opId, reason);
    changes.ledger.push(this.ledgerRow('refused', reason, parties, result));
    return { result, changes };
  }

  private commit(result: EconomyResult, parties: LedgerParties): Planned {
    this.changes.ledger.push(this.ledgerRow('committed', null, parties, result));
    return { result, changes: this.changes };
  }

  private ledgerRow(outcome: LedgerRow['outcome'], reason: EconomyRefusal | null, parties: LedgerParties, result: EconomyResult): LedgerRow {
    const { replayed: _, ...stored } = result;
    return {
      opId: this.op.request.opId,
      kind: this.op.kind,
      outcome,
      reason,
      playerA: parties.playerA,
      playerB: parties.playerB,
      goldFromA: outcome === 'committed' ? (parties.goldFromA ?? 0) : 0,
      goldFromB: outcome === 'committed' ? (parties.goldFromB ?? 0) : 0,
      mailId: parties.mailId ?? null,
      requestHash: this.op.hash,
      result: JSON.stringify(stored),
      createdAt: this.now,
    };
  }
}

interface LedgerParties {
  readonly playerA: number | null;
  readonly playerB: number | null;
  readonly goldFromA?: number;
  readonly goldFromB?: number;
  readonly mailId?: number;
}
