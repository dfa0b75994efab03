/**
 * The admin API's zones:
 *   GET /admin/zones                      every zone: its state, players and tick p99 over its last ticks
 *   GET /admin/zones/{id}/players         a zone's players, where they stand (world coordinates)
 *   GET /admin/zones/{id}/entities        every entity of the zone, where it stands (zone-map.ts)
 *   GET /admin/zones/{id}/entities/live   the same as Server-Sent Events, a `map` event up to 10
 *                                         times a second (zone-watches.ts): the console's live map
 * A zone's reads answer 404 ZONE_NOT_FOUND when there is no such zone, 503 ZONE_UNAVAILABLE while
 * it is not running.
 */
import { AdminErrors, failure, InvalidRequest, ok, type Answer, type Streamed } from './admin-answers.ts';
import type { AdminActions } from './admin-actions.ts';
import type { AdminCall, AdminRoute } from './admin-api.ts';

export const zoneRoutes: readonly AdminRoute[] = [
  { method: 'GET', path: /^\/admin\/zones$/, handle: async (_call, actions) => ok({ zones: await actions.zones() }) },
  { method: 'GET', path: /^\/admin\/zones\/([^/]+)\/players$/, handle: (call, actions) => zoneRead(call, (zoneId) => actions.zonePlayers(zoneId)) },
  { method: 'GET', path: /^\/admin\/zones\/([^/]+)\/entities$/, handle: (call, actions) => zoneRead(call, (zoneId) => actions.zoneMap(zoneId)) },
  { method: 'GET', path: /^\/admin\/zones\/([^/]+)\/entities\/live$/, handle: liveMap },
];

function zoneIdOf(call: AdminCall): number {
  const id = call.params[0] ?? '';
  const zoneId = Number(id);
  if (!/^\d+$/.test(id) || !Number.isSafeInteger(zoneId)) throw new InvalidRequest(`a zone id is a whole number, not "${id}"`);
  return zoneId;
}

/** What `read` finds in the zone, or why there is nothing to show. */
async function zoneRead(call: AdminCall, read: (zoneId: number) => Promise<object | undefined>): Promise<Answer> {
  const zoneId = zoneIdOf(call);
  let found: object | undefined;
  try {
    found = await read(zoneId);
  } catch {
    return failure(503, AdminErrors.zoneUnavailable, `zone ${zoneId} is not running; try again shortly`);
  }
  if (!found) return failure(404, AdminErrors.zoneNotFound, `there is no zone ${zoneId}`);
  return ok({ ...found });
}

async function liveMap(call: AdminCall, actions: AdminActions): Promise<Streamed> {
  const zoneId = zoneIdOf(call);
  return {
    stream(response) {
      const watching = actions.watchZone(zoneId, response);
      if (watching === undefined) return failure(404, AdminErrors.zoneNotFound, `there is no zone ${zoneId}`);
      if (!watching) return failure(429, AdminErrors.tooManyWatchers, `zone ${zoneId}'s live map has as many watchers as it takes`);
      return undefined;
    },
  };
}
