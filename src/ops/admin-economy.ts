/**
 * The admin API's economy and chat:
 *   POST /admin/grants  {"opId": "shop-order-1234", "playerId": 42, "gold": 100,
 *                        "items": [{"templateId": 7, "count": 1}]}
 *   POST /admin/mail    {"opId": "event-reward-42", "to": 42, "gold": 100, "items": [...]}
 *   POST /admin/chat    {"text": "the server restarts in 5 minutes"}: a system chat message to all
 *
 * A grant is what a web shop or an operator sends. `opId` is its idempotency key: sending the same
 * key again returns the first result and grants nothing more. For an online player the grant goes
 * to the zone holding it, which commits it in the database, then shows the player its new
 * inventory; for an offline player it is committed in the database only. A mail from the system
 * is the other way to give: gold and new items are created in a mail the player claims when it
 * likes (same key rule). `gold` and `items` may be left out (none). Answers:
 *   200 {"ok": true, "replayed", "opId", "playerId", "gold", "items": [{itemId, templateId, count}]}
 *   409 {"ok": false, "reason": "UNKNOWN_PLAYER" | "NEGATIVE_GOLD" | …, "opId", "replayed"}: nothing granted
 *   503 {"ok": false, "code": "STORAGE_UNAVAILABLE", "opId"}: nothing is known; retry with the same opId
 */
import { checkGrant, checkSendMail } from '../economy/economy-rules.ts';
import type { GrantRequest, SendMailRequest } from '../storage/economy-store.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';
import { AdminErrors, failure, InvalidRequest, ok, type Answer } from './admin-answers.ts';
import type { AdminActions } from './admin-actions.ts';
import type { AdminCall, AdminRoute } from './admin-api.ts';

export const economyRoutes: readonly AdminRoute[] = [
  { method: 'POST', path: /^\/admin\/grants$/, action: 'grant', takesBody: true, handle: (call, actions) => give(call, actions, false) },
  { method: 'POST', path: /^\/admin\/mail$/, action: 'mail', takesBody: true, handle: (call, actions) => give(call, actions, true) },
  { method: 'POST', path: /^\/admin\/chat$/, action: 'chat', takesBody: true, handle: chat },
];

/** A grant, or a system mail when `asMail`. */
async function give(call: AdminCall, actions: AdminActions, asMail: boolean): Promise<Answer> {
  const given = call.body as { opId: string; playerId: number; to: number; gold?: number; items?: GrantRequest['items'] };
  const gold = given.gold ?? 0;
  const items = given.items ?? [];
  const mail: SendMailRequest = { opId: given.opId, to: given.to, gold, newItems: items };
  const grant: GrantRequest = { opId: given.opId, playerId: given.playerId, gold, items };
  let refusal: string | undefined;
  try {
    refusal = asMail ? checkSendMail(mail) : checkGrant(grant);
  } catch (err) {
    // Checked here, before anything is asked of the store: a broken body is the caller's to fix.
    throw new InvalidRequest(err instanceof StoreError ? err.message : 'the request is malformed');
  }
  const audit = call.audit(asMail ? mail.to : grant.playerId);
  if (refusal) return { status: 409, body: { ok: false, reason: refusal, opId: given.opId, replayed: false } };
  try {
    const result = asMail ? await actions.sendMail(mail, audit) : await actions.grant(grant, audit);
    call.log.info({ opId: given.opId, mail: asMail, ok: result.ok, replayed: result.replayed }, asMail ? 'system mail' : 'grant');
    return { status: result.ok ? 200 : 409, body: { ...result, opId: given.opId }, audited: true };
  } catch (err) {
    if (err instanceof StoreError && err.code === StoreErrorCodes.badRequest) throw new InvalidRequest(err.message);
    call.log.warn({ err, opId: given.opId }, asMail ? 'system mail failed' : 'grant failed');
    return failure(503, AdminErrors.storageUnavailable, 'it could not be completed; retry with the same opId', { opId: given.opId });
  }
}

/** A system chat message: 200 with the zones it reached, 400 with the reason it was refused. */
async function chat(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const text = call.body.text;
  if (typeof text !== 'string') throw new InvalidRequest('"text" must be a string');
  call.audit(null);
  const outcome = actions.systemChat(text);
  if ('refusal' in outcome) return { status: 400, body: { ok: false, code: AdminErrors.invalidRequest, reason: outcome.refusal, error: `the text was refused: ${outcome.refusal}` } };
  call.log.info({ zones: outcome.zones, chars: text.length }, 'system chat');
  return ok({ zones: outcome.zones });
}
