/**
 * The admin API's zones:
 *   GET /admin/zones              every zone: its state, players and tick p99 over its last ticks
 *   GET /admin/zones/{id}/players a zone's players, where they stand (world coordinates);
 *                                 404 ZONE_NOT_FOUND, 503 ZONE_UNAVAILABLE while it is not running
 */
import { AdminErrors, failure, InvalidRequest, ok, type Answer } from './admin-answers.ts';
import type { AdminActions, ZoneRoster } from './admin-actions.ts';
import type { AdminCall, AdminRoute } from './admin-api.ts';

export const zoneRoutes: readonly AdminRoute[] = [
  { method: 'GET', path: /^\/admin\/zones$/, handle: async (_call, actions) => ok({ zones: await actions.zones() }) },
  { method: 'GET', path: /^\/admin\/zones\/([^/]+)\/players$/, handle: zonePlayers },
];

async function zonePlayers(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const id = call.params[0] ?? '';
  const zoneId = Number(id);
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(zoneId)) throw new InvalidRequest(`a zone id is a whole number, not "${id}"`);
  let roster: ZoneRoster | undefined;
  try {
    roster = await actions.zonePlayers(zoneId);
  } catch {
    return failure(503, AdminErrors.zoneUnavailable, `zone ${zoneId} is not running; try again shortly`);
  }
  if (!roster) return failure(404, AdminErrors.zoneNotFound, `there is no zone ${zoneId}`);
  return ok({ ...roster });
}
