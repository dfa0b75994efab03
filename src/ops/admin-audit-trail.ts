/**
 * The admin API's audit trail:
 *   GET /admin/audit?limit=50&before=SEQ&playerId=42  rows newest first; `next` is the `before`
 *                                                     of the following page, null after the last
 */
import type { AuditEntry } from '../storage/admin-store.ts';
import { AdminErrors, failure, InvalidRequest, ok, type Answer } from './admin-answers.ts';
import type { AdminActions } from './admin-actions.ts';
import type { AdminCall, AdminRoute } from './admin-api.ts';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

export const auditRoutes: readonly AdminRoute[] = [{ method: 'GET', path: /^\/admin\/audit$/, handle: listAudit }];

async function listAudit(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const limit = wholeParam(call.query, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT;
  const beforeSeq = wholeParam(call.query, 'before', 1, Number.MAX_SAFE_INTEGER);
  const playerId = wholeParam(call.query, 'playerId', 1, Number.MAX_SAFE_INTEGER);
  let entries: AuditEntry[];
  try {
    entries = await actions.listAudit({ limit, beforeSeq, playerId });
  } catch (err) {
    call.log.warn({ err }, 'reading the audit trail failed');
    return failure(503, AdminErrors.storageUnavailable, 'the audit trail could not be read; try again');
  }
  return ok({
    entries: entries.map((entry) => ({
      ...entry,
      at: new Date(entry.at).toISOString(),
      request: JSON.parse(entry.request) as unknown,
      result: JSON.parse(entry.result) as unknown,
    })),
    next: entries.length === limit ? (entries.at(-1)?.seq ?? null) : null,
  });
}

function wholeParam(query: URLSearchParams, name: string, min: number, max: number): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new InvalidRequest(`"${name}" must be a whole number from ${min} to ${max}`);
  return value;
}
