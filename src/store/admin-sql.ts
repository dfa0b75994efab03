/**
 * The admin side's SQL (storage/admin-store.ts), for both dialects, as transaction bodies that
 * yield each statement and are handed back its rows, like the economy's (economy-sql.ts): each
 * backend runs a body inside one transaction. A body that changes a character locks its row first
 * (`FOR UPDATE` on MySQL; SQLite's BEGIN IMMEDIATE holds the whole database), decides from what
 * the row says, writes, and inserts its audit row last.
 *
 * Every body begins by looking for its audit id: a request the store was sent twice (its worker
 * restarted before answering) finds the answer it got the first time and does nothing again.
 */
import type { AdminWriteResult, AuditDraft, AuditEntry, AuditOutcome, AuditQuery, AuditRecord, CharacterChange } from '../storage/admin-store.ts';
import { AdminRefusals } from '../storage/admin-store.ts';
import { statement, type Dialect, type Row, type SqlValue, type Statement } from './sql-statement.ts';

/** A transaction body: yields statements, receives their rows ([] for writes). */
export type AdminBody<T> = Generator<Statement, T, Row[]>;

export const AUDIT_COLUMNS = 'audit_id, at, credential, request_id, action, player_id, request, outcome, result';

export function* changeCharacterBody(dialect: Dialect, playerId: number, change: CharacterChange, audit: AuditDraft): AdminBody<AdminWriteResult> {
  const earlier = yield* earlierAnswer(audit.auditId);
  if (earlier) return earlier;
  const row = yield* lockCharacter(dialect, playerId);
  const refusal = offlineRefusal(playerId, row);
  if (!refusal) {
    const { sets, values } = assignments(change);
    if (sets.length > 0) yield statement(`UPDATE characters SET ${sets.join(', ')} WHERE player_id = ?`, [...values, playerId]);
  }
  return yield* withAudit(audit, refusal ?? { ok: true, playerId, isolated: false });
}

export function* isolateBody(dialect: Dialect, playerId: number, audit: AuditDraft): AdminBody<AdminWriteResult> {
  const earlier = yield* earlierAnswer(audit.auditId);
  if (earlier) return earlier;
  const row = yield* lockCharacter(dialect, playerId);
  // Already isolated is no refusal: the character is where the operator wants it.
  const refusal = row?.isolated ? undefined : offlineRefusal(playerId, row);
  // The raised epoch refuses as stale any write of an earlier log-in still on its way.
  if (!refusal && !row?.isolated) yield statement('UPDATE characters SET isolated = 1, owner_epoch = owner_epoch + 1 WHERE player_id = ?', [playerId]);
  return yield* withAudit(audit, refusal ?? { ok: true, playerId, isolated: true });
}

export function* releaseIsolationBody(dialect: Dialect, playerId: number, audit: AuditDraft): AdminBody<AdminWriteResult> {
  const earlier = yield* earlierAnswer(audit.auditId);
  if (earlier) return earlier;
  const row = yield* lockCharacter(dialect, playerId);
  if (row?.isolated) yield statement('UPDATE characters SET isolated = 0 WHERE player_id = ?', [playerId]);
  return yield* withAudit(audit, row ? { ok: true, playerId, isolated: false } : { ok: false, playerId, reason: AdminRefusals.playerNotFound });
}

export function* recordAuditBody(record: AuditRecord): AdminBody<void> {
  const earlier = yield statement('SELECT 1 AS found FROM admin_audit WHERE audit_id = ?', [record.auditId]);
  if (earlier.length === 0) yield* insertAudit(record);
}

export function* listAuditBody(query: AuditQuery): AdminBody<AuditEntry[]> {
  const where: string[] = [];
  const values: SqlValue[] = [];
  if (query.beforeSeq !== undefined) {
    where.push('seq < ?');
    values.push(query.beforeSeq);
  }
  if (query.playerId !== undefined) {
    where.push('player_id = ?');
    values.push(query.playerId);
  }
  const rows = yield statement(`SELECT seq, ${AUDIT_COLUMNS} FROM admin_audit ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`, [...values, query.limit]);
  return rows.map((r) => ({
    seq: Number(r.seq),
    auditId: String(r.audit_id),
    at: Number(r.at),
    credential: String(r.credential),
    requestId: String(r.request_id),
    action: String(r.action) as AuditEntry['action'],
    playerId: r.player_id === null ? null : Number(r.player_id),
    request: String(r.request),
    outcome: String(r.outcome) as AuditOutcome,
    result: String(r.result),
  }));
}

interface LockedCharacter {
  readonly online: boolean;
  readonly isolated: boolean;
  readonly ownerNode: string | null;
}

function* lockCharacter(dialect: Dialect, playerId: number): AdminBody<LockedCharacter | undefined> {
  const [row] = yield statement(`SELECT online, isolated, owner_node FROM characters WHERE player_id = ?${dialect === 'mysql' ? ' FOR UPDATE' : ''}`, [playerId]);
  if (!row) return undefined;
  return { online: Number(row.online) === 1, isolated: Number(row.isolated) === 1, ownerNode: (row.owner_node as string | null) ?? null };
}

/** Why an offline write may not touch this row, if it may not. */
function offlineRefusal(playerId: number, row: LockedCharacter | undefined): AdminWriteResult | undefined {
  if (!row) return { ok: false, playerId, reason: AdminRefusals.playerNotFound };
  if (row.isolated) return { ok: false, playerId, reason: AdminRefusals.playerIsolated };
  if (row.online) return { ok: false, playerId, reason: AdminRefusals.playerOnline, ownerNode: row.ownerNode };
  return undefined;
}

function assignments(change: CharacterChange): { sets: string[]; values: SqlValue[] } {
  const sets: string[] = [];
  const values: SqlValue[] = [];
  const set = (column: string, value: number | undefined): void => {
    if (value === undefined) return;
    sets.push(`${column} = ?`);
    values.push(value);
  };
  set('zone_id', change.place?.zoneId);
  set('x', change.place?.x);
  set('y', change.place?.y);
  set('heading', change.heading);
  set('hp', change.hp);
  set('level', change.level);
  set('exp', change.exp);
  return { sets, values };
}

/** The answer this audit id got before, if the store has seen it. */
function* earlierAnswer(auditId: string): AdminBody<AdminWriteResult | undefined> {
  const [row] = yield statement('SELECT result FROM admin_audit WHERE audit_id = ?', [auditId]);
  return row ? (JSON.parse(String(row.result)) as AdminWriteResult) : undefined;
}

function* withAudit(audit: AuditDraft, result: AdminWriteResult): AdminBody<AdminWriteResult> {
  yield* insertAudit({ ...audit, outcome: result.ok ? 'ok' : 'refused', result: JSON.stringify(result) });
  return result;
}

function* insertAudit(record: AuditRecord): AdminBody<void> {
  yield statement(`INSERT INTO admin_audit (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, auditValues(record));
}

/** A record's values in AUDIT_COLUMNS order. */
export function auditValues(record: AuditRecord): SqlValue[] {
  return [record.auditId, record.at, record.credential, record.requestId, record.action, record.playerId, record.request, record.outcome, record.result];
}
