/**
 * The operator's side of the store (the admin API, src/ops/): changes to characters nobody plays,
 * isolation, and the audit trail. Each change is made in one transaction together with its audit
 * row, and only under the ownership rules every write follows: a character that is online (on
 * this node or another) is its owner's to change, so the store refuses it here.
 *
 * Isolation: an isolated character is offline and no log-in may load it (acquire refuses it), so
 * no server writes its row while an operator edits it by hand. Isolating also raises its owner
 * epoch, so a write still on its way from an earlier owner is refused as stale.
 */

/** What the audit trail calls each admin write. */
export type AuditAction = 'player.change' | 'player.kick' | 'player.isolate' | 'player.release' | 'grant' | 'mail' | 'chat';

/** ok: done; refused: the server said no (the answer says why); failed: an error, outcome unknown. */
export type AuditOutcome = 'ok' | 'refused' | 'failed';

/** An admin request as the audit trail records it, before its outcome is known. */
export interface AuditDraft {
  /** One per admin request (a UUID): the store keeps one row per id, however often it is asked. */
  readonly auditId: string;
  /** Unix milliseconds. */
  readonly at: number;
  /** Which credential made it: a fingerprint, never the secret. */
  readonly credential: string;
  /** The request id of its log lines and its x-request-id header. */
  readonly requestId: string;
  readonly action: AuditAction;
  readonly playerId: number | null;
  /** The request's body as JSON. */
  readonly request: string;
}

export interface AuditRecord extends AuditDraft {
  readonly outcome: AuditOutcome;
  /** The answer, as JSON. */
  readonly result: string;
}

/** A row of the trail; `seq` orders them (newer rows have higher ones). */
export interface AuditEntry extends AuditRecord {
  readonly seq: number;
}

export interface AuditQuery {
  /** Only rows older than this seq; absent: from the newest. */
  readonly beforeSeq?: number | undefined;
  /** Only this player's rows. */
  readonly playerId?: number | undefined;
  readonly limit: number;
}

/** A change to a character's state; x and y (the zone's own coordinates) go together with zoneId. */
export interface CharacterChange {
  readonly place?: { readonly zoneId: number; readonly x: number; readonly y: number } | undefined;
  readonly heading?: number | undefined;
  readonly hp?: number | undefined;
  readonly level?: number | undefined;
  readonly exp?: number | undefined;
}

/** Why the store refused an operator's change to a character. */
export const AdminRefusals = {
  /** No character has this player id. */
  playerNotFound: 'PLAYER_NOT_FOUND',
  /** The character is online: its owner (`ownerNode`) changes it, not the database. */
  playerOnline: 'PLAYER_ONLINE',
  /** The character is isolated: release it first, or edit the row by hand. */
  playerIsolated: 'PLAYER_ISOLATED',
} as const;
export type AdminRefusal = (typeof AdminRefusals)[keyof typeof AdminRefusals];

export type AdminWriteResult =
  | { readonly ok: true; readonly playerId: number; readonly isolated: boolean }
  | { readonly ok: false; readonly playerId: number; readonly reason: AdminRefusal; readonly ownerNode?: string | null };

export interface AdminStore {
  /** Changes an offline, unisolated character; refused otherwise. The audit row is written with it. */
  changeCharacter(playerId: number, change: CharacterChange, audit: AuditDraft): Promise<AdminWriteResult>;
  /** Isolates an offline character (again: no change); refused while it is online. */
  isolate(playerId: number, audit: AuditDraft): Promise<AdminWriteResult>;
  /** Ends a character's isolation (not isolated: no change). */
  releaseIsolation(playerId: number, audit: AuditDraft): Promise<AdminWriteResult>;
  /** Records an admin write the database had no part in (a kick, a change applied by a zone). */
  recordAudit(record: AuditRecord): Promise<void>;
  /** Audit rows, newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}
