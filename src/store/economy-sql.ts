/**
 * The economy's SQL, for both dialects, and the body of a group's transaction. The body is a
 * generator that yields each statement and is handed back its rows (or, with `throw`, its error),
 * so one piece of code decides what a group reads, plans and writes, and each backend only runs
 * the statements: mysql-store.ts awaits them on a pool connection, sqlite-store.ts runs them
 * synchronously. Values always go in placeholders.
 *
 * Locks (MySQL; SQLite's BEGIN IMMEDIATE holds the whole database): a group locks with one
 * `SELECT … FOR UPDATE` per table, in ascending key order, wallets by player id, then items by
 * item id, then the items and rows of the mails it claims. Every group takes them in that order,
 * so groups, on this node or another, wait for each other but do not deadlock each other.
 */
import {
  applyChanges,
  emptyChanges,
  emptyState,
  footprintOf,
  hasChanges,
  mergeChanges,
  planOp,
  type Changes,
  type EconomyOp,
  type Footprint,
  type GroupState,
  type IdSource,
  type ItemRow,
  type MailRow,
  type MailStatus,
  type OpResult,
} from './economy-plan.ts';
import { AUDIT_COLUMNS, auditValues } from './admin-sql.ts';
import { statement, type Dialect, type Row, type SqlValue, type Statement } from './sql-statement.ts';
import { ROW_COLUMNS, STATE_COLUMNS, listPlaceholders, rowPlaceholders, stateValues, toStoredCharacter, chunks } from './rows.ts';
import type { Inventory, Item, LedgerKind, Mail } from '../storage/economy-store.ts';
import { CreateRefusals } from '../protocol/reasons.ts';
import { EconomyLimits } from '../config/limits.ts';
import { StoreLimits } from '../config/limits.ts';


/** A group's transaction body: yields statements, receives their rows ([] for writes). */
export type GroupBody = Generator<Statement, OpOutcome[], Row[]>;

/** One operation's end: its result, or the database error that rolled it back alone. */
export type OpOutcome = { readonly result: OpResult } | { readonly error: unknown };

/**
 * batched: every operation's changes in shared multi-row statements (a handful per group).
 * savepoints: each operation's changes in its own SAVEPOINT, so that one the database refuses
 * (a statement error) is rolled back alone while the others commit.
 */
export type GroupMode = 'batched' | 'savepoints';

/** How a backend tells its errors apart. */
export interface DialectErrors {
  /** The statement failed but the transaction goes on (a constraint, a duplicate key, a trigger). */
  isStatementError(err: unknown): boolean;
  /** The unique index a duplicate-key error names, in lower case; undefined for other errors. */
  duplicateKey(err: unknown): string | undefined;
}


const ITEM_COLUMNS = 'item_id, owner_id, mail_id, template_id, count, created_at';
const MAIL_COLUMNS = 'mail_id, sender_id, recipient_id, gold, status, send_op, claim_op, sent_at, claimed_at';
const LEDGER_COLUMNS = 'op_id, kind, outcome, reason, player_a, player_b, gold_from_a, gold_from_b, mail_id, request_hash, result, created_at';
const NEW_CHARACTER_COLUMNS = `player_id, name, ${STATE_COLUMNS}, owner_epoch, online, created_at`;

export function* groupTransaction(dialect: Dialect, ops: readonly EconomyOp[], mode: GroupMode, ids: IdSource, now: number, errors: DialectErrors): GroupBody {
  const state = yield* readGroupState(dialect, footprintOf(ops));
  const outcomes: OpOutcome[] = [];
  if (mode === 'batched') {
    const all = emptyChanges();
    for (const op of ops) {
      const planned = planOp(op, state, ids, now);
      applyChanges(state, planned.changes);
      mergeChanges(all, planned.changes);
      outcomes.push({ result: planned.result });
    }
    yield* writeStatements(dialect, all, now);
    return outcomes;
  }
  for (const op of ops) {
    const planned = planOp(op, state, ids, now);
    if (!hasChanges(planned.changes)) {
      outcomes.push({ result: planned.result });
      continue;
    }
    yield statement('SAVEPOINT economy_op');
    try {
      yield* writeStatements(dialect, planned.changes, now);
    } catch (err) {
      if (!errors.isStatementError(err)) throw err;
      yield statement('ROLLBACK TO SAVEPOINT economy_op');
      yield statement('RELEASE SAVEPOINT economy_op');
      outcomes.push(refusedByDatabase(op, err, errors));
      continue;
    }
    yield statement('RELEASE SAVEPOINT economy_op');
    applyChanges(state, planned.changes);
    outcomes.push({ result: planned.result });
  }
  return outcomes;
}

/** A unique name or player id taken by another node since the group read them is a refusal, not a failure. */
function refusedByDatabase(op: EconomyOp, err: unknown, errors: DialectErrors): OpOutcome {
  const key = errors.duplicateKey(err);
  if (op.kind === 'create_character' && key !== undefined) {
    return { result: { ok: false, reason: key.includes('name') ? CreateRefusals.nameTaken : CreateRefusals.hasCharacter } };
  }
  return { error: err };
}

function* readGroupState(dialect: Dialect, footprint: Footprint): Generator<Statement, GroupState, Row[]> {
  const state = emptyState();
  const lock = dialect === 'mysql' ? ' FOR UPDATE' : '';
  // The ledger is read without locking: under READ COMMITTED it shows every committed operation,
  // and an operation committed after this read makes the group's INSERT fail (duplicate op_id),
  // which sends the group round again, where this read finds it.
  for (const opIds of chunks(footprint.opIds, StoreLimits.rowsPerStatement)) {
    const rows = yield statement(`SELECT op_id, kind, request_hash, result FROM ledger WHERE op_id IN (${listPlaceholders(opIds.length)})`, opIds);
    for (const r of rows) state.ledger.set(String(r.op_id), { kind: String(r.kind) as LedgerKind, requestHash: String(r.request_hash), result: String(r.result) });
  }
  for (const playerIds of chunks(footprint.playerIds, StoreLimits.rowsPerStatement)) {
    const rows = yield statement(`SELECT player_id, gold FROM wallets WHERE player_id IN (${listPlaceholders(playerIds.length)}) ORDER BY player_id${lock}`, playerIds);
    for (const r of rows) state.wallets.set(Number(r.player_id), Number(r.gold));
  }
  for (const itemIds of chunks(footprint.itemIds, StoreLimits.rowsPerStatement)) {
    const rows = yield statement(`SELECT ${ITEM_COLUMNS} FROM items WHERE item_id IN (${listPlaceholders(itemIds.length)}) ORDER BY item_id${lock}`, itemIds);
    for (const r of rows) state.items.set(Number(r.item_id), toItemRow(r));
  }
  for (const mailIds of chunks(footprint.mailIds, StoreLimits.rowsPerStatement)) {
    const items = yield statement(`SELECT ${ITEM_COLUMNS} FROM items WHERE mail_id IN (${listPlaceholders(mailIds.length)}) ORDER BY item_id${lock}`, mailIds);
    for (const r of items) {
      const row = toItemRow(r);
      state.items.set(row.itemId, row);
      state.mailItems.set(row.mailId as number, [...(state.mailItems.get(row.mailId as number) ?? []), row.itemId]);
    }
    const mails = yield statement(`SELECT ${MAIL_COLUMNS} FROM mail WHERE mail_id IN (${listPlaceholders(mailIds.length)}) ORDER BY mail_id${lock}`, mailIds);
    for (const r of mails) state.mails.set(Number(r.mail_id), toMailRow(r));
  }
  // Names are not locked: the unique index decides between creations racing on other nodes.
  for (const playerIds of chunks(footprint.creators, StoreLimits.rowsPerStatement)) {
    const rows = yield statement(`SELECT ${ROW_COLUMNS} FROM characters WHERE player_id IN (${listPlaceholders(playerIds.length)})`, playerIds);
    for (const r of rows) state.characters.set(Number(r.player_id), toStoredCharacter(r));
  }
  for (const auditIds of chunks(footprint.auditIds, StoreLimits.rowsPerStatement)) {
    const rows = yield statement(`SELECT audit_id FROM admin_audit WHERE audit_id IN (${listPlaceholders(auditIds.length)})`, auditIds);
    for (const r of rows) state.audited.add(String(r.audit_id));
  }
  for (const names of chunks(footprint.names, StoreLimits.rowsPerStatement)) {
    // The column's collation compares (utf8mb4_unicode_ci, NOCASE), so 'bob' finds 'Bob'.
    const rows = yield statement(`SELECT name FROM characters WHERE name IN (${listPlaceholders(names.length)})`, names);
    for (const r of rows) state.takenNames.add(String(r.name).toLowerCase());
  }
  return state;
}

function* writeStatements(dialect: Dialect, changes: Changes, now: number): Generator<Statement, void, Row[]> {
  const created = changes.characters.map((c): SqlValue[] => [c.playerId, c.name, ...stateValues(c.state), c.epoch, c.online ? 1 : 0, c.createdAt]);
  yield* insert('characters', NEW_CHARACTER_COLUMNS, created);
  const [newWallets, wallets] = split(changes.wallets, (playerId, gold): SqlValue[] => [playerId, gold, now]);
  yield* insert('wallets', 'player_id, gold, updated_at', newWallets);
  yield* upsert(dialect, 'wallets', 'player_id, gold, updated_at', 'player_id', ['gold', 'updated_at'], wallets);
  const [newItems, items] = split(changes.items, (_, r): SqlValue[] => [r.itemId, r.ownerId, r.mailId, r.templateId, r.count, r.createdAt]);
  yield* insert('items', ITEM_COLUMNS, newItems);
  yield* upsert(dialect, 'items', ITEM_COLUMNS, 'item_id', ['owner_id', 'mail_id'], items);
  const [newMails, mails] = split(changes.mails, (_, m): SqlValue[] => [m.mailId, m.senderId, m.recipientId, m.gold, m.status, m.sendOp, m.claimOp, m.sentAt, m.claimedAt]);
  yield* insert('mail', MAIL_COLUMNS, newMails);
  yield* upsert(dialect, 'mail', MAIL_COLUMNS, 'mail_id', ['status', 'claim_op', 'claimed_at'], mails);
  const ledger = changes.ledger.map((l): SqlValue[] => [
    l.opId,
    l.kind,
    l.outcome,
    l.reason,
    l.playerA,
    l.playerB,
    l.goldFromA,
    l.goldFromB,
    l.mailId,
    l.requestHash,
    l.result,
    l.createdAt,
  ]);
  yield* insert('admin_audit', AUDIT_COLUMNS, changes.audits.map(auditValues));
  // Last, so that a duplicate op_id (committed elsewhere since the read) is found after the rest.
  yield* insert('ledger', LEDGER_COLUMNS, ledger);
}

/** The rows of a change map as [new rows, updated rows]. */
function split<K, T>(rows: Map<K, { row: T; isNew: boolean }>, values: (key: K, row: T) => SqlValue[]): [SqlValue[][], SqlValue[][]] {
  const fresh: SqlValue[][] = [];
  const updated: SqlValue[][] = [];
  for (const [key, change] of rows) (change.isNew ? fresh : updated).push(values(key, change.row));
  return [fresh, updated];
}

function* insert(table: string, columns: string, rows: readonly SqlValue[][]): Generator<Statement, void, Row[]> {
  const width = columns.split(',').length;
  for (const chunk of chunks(rows, StoreLimits.rowsPerStatement)) yield statement(`INSERT INTO ${table} (${columns}) VALUES ${rowPlaceholders(chunk.length, width)}`, chunk.flat());
}

/** Rows this transaction holds locked, written in place: the INSERT half never runs. */
function* upsert(dialect: Dialect, table: string, columns: string, key: string, updated: readonly string[], rows: readonly SqlValue[][]): Generator<Statement, void, Row[]> {
  const width = columns.split(',').length;
  const onConflict =
    dialect === 'mysql'
      ? `ON DUPLICATE KEY UPDATE ${updated.map((c) => `${c} = VALUES(${c})`).join(', ')}`
      : `ON CONFLICT (${key}) DO UPDATE SET ${updated.map((c) => `${c} = excluded.${c}`).join(', ')}`;
  for (const chunk of chunks(rows, StoreLimits.rowsPerStatement)) {
    yield statement(`INSERT INTO ${table} (${columns}) VALUES ${rowPlaceholders(chunk.length, width)} ${onConflict}`, chunk.flat());
  }
}


function toItemRow(r: Row): ItemRow {
  return {
    itemId: Number(r.item_id),
    ownerId: r.owner_id === null ? null : Number(r.owner_id),
    mailId: r.mail_id === null ? null : Number(r.mail_id),
    templateId: Number(r.template_id),
    count: Number(r.count),
    createdAt: Number(r.created_at),
  };
}

function toMailRow(r: Row): MailRow {
  return {
    mailId: Number(r.mail_id),
    senderId: r.sender_id === null ? null : Number(r.sender_id),
    recipientId: Number(r.recipient_id),
    gold: Number(r.gold),
    status: String(r.status) as MailStatus,
    sendOp: String(r.send_op),
    claimOp: r.claim_op === null ? null : String(r.claim_op),
    sentAt: Number(r.sent_at),
    claimedAt: r.claimed_at === null ? null : Number(r.claimed_at),
  };
}

/** A player's gold and items in one statement, so a trade committing meanwhile is seen whole or not at all. */
export const INVENTORY_SQL = `SELECT w.gold, i.item_id, i.template_id, i.count FROM wallets w LEFT JOIN items i ON i.owner_id = w.player_id
  WHERE w.player_id = ? ORDER BY i.item_id`;

export function toInventory(playerId: number, rows: readonly Row[]): Inventory | undefined {
  const first = rows[0];
  if (!first) return undefined;
  const items: Item[] = [];
  for (const r of rows) if (r.item_id !== null) items.push({ itemId: Number(r.item_id), templateId: Number(r.template_id), count: Number(r.count) });
  return { playerId, gold: Number(first.gold), items };
}

/** A player's unclaimed mail with its items, in one statement. */
export const MAILBOX_SQL = `SELECT m.mail_id, m.sender_id, m.recipient_id, m.gold, m.sent_at, i.item_id, i.template_id, i.count
  FROM (SELECT mail_id, sender_id, recipient_id, gold, sent_at FROM mail WHERE recipient_id = ? AND status = 'unclaimed' ORDER BY mail_id LIMIT ${EconomyLimits.maxMailListed}) m
  LEFT JOIN items i ON i.mail_id = m.mail_id ORDER BY m.mail_id, i.item_id`;

export function toMailbox(rows: readonly Row[]): Mail[] {
  const mails = new Map<number, { mail: Mail; items: Item[] }>();
  for (const r of rows) {
    const mailId = Number(r.mail_id);
    let entry = mails.get(mailId);
    if (!entry) {
      const items: Item[] = [];
      entry = { mail: { mailId, from: r.sender_id === null ? null : Number(r.sender_id), to: Number(r.recipient_id), gold: Number(r.gold), items, sentAt: Number(r.sent_at) }, items };
      mails.set(mailId, entry);
    }
    if (r.item_id !== null) entry.items.push({ itemId: Number(r.item_id), templateId: Number(r.template_id), count: Number(r.count) });
  }
  return [...mails.values()].map((e) => e.mail);
}
