/**
 * A zone's map in the admin API: GET /admin/zones/{id}/entities (every entity the zone simulates,
 * where the zone has it) and its live stream, /entities/live (Server-Sent Events), which follows
 * the zone tick after tick, takes a bounded number of watchers and frees a watcher's place when
 * it leaves.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { OpsLimits } from '../../src/config/limits.ts';
import type { ZoneMap } from '../../src/ops/zone-map.ts';
import { EventStreamReader } from '../helpers/event-stream.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

const NPCS = 5;
const BEARER = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '1', NPCS_PER_ZONE: String(NPCS) });
});
after(() => server.stop());

const live = (zoneId: number): Promise<EventStreamReader> => EventStreamReader.open(`http://127.0.0.1:${server.metricsPort}/admin/zones/${zoneId}/entities/live`, BEARER);

/** The row of `playerId` in a map: where the zone has the player. */
function rowOf(map: ZoneMap, playerId: number): { id: number; kind: string; x: number; y: number } | undefined {
  const at = map.entities.playerId.indexOf(playerId);
  if (at < 0) return undefined;
  return { id: map.entities.id[at] as number, kind: map.entities.kind[at] as string, x: map.entities.x[at] as number, y: map.entities.y[at] as number };
}

it('shows every entity the zone simulates, players where the zone has them, NPCs as NPCs', async () => {
  const [a, b] = await Promise.all([server.player(11), server.player(13)]);
  const { status, json } = await server.adminCall('GET', '/admin/zones/1/entities');
  assert.equal(status, 200);
  const map = json as unknown as ZoneMap;
  const zone = server.config.zones[0];
  assert.deepEqual(map.bounds, { x: zone?.originXM, y: zone?.originYM, width: zone?.widthM, height: zone?.heightM });
  assert.equal(map.count, NPCS + 2);
  for (const column of Object.values(map.entities)) assert.equal(column.length, map.count, 'every column has a row per entity');
  assert.equal(map.entities.kind.filter((kind) => kind === 'npc').length, NPCS);
  assert.equal(new Set(map.entities.id).size, map.count, 'entity ids are unique');
  for (const client of [a, b]) {
    const self = client.self;
    assert.ok(self);
    const row = rowOf(map, self.playerId);
    assert.deepEqual(row, { id: self.entityId, kind: 'player', x: Math.round(self.x * 10) / 10, y: Math.round(self.y * 10) / 10 });
  }
  // a and b see each other: the ids the map gives are those the protocol uses.
  assert.ok(a.entities.has(rowOf(map, 13)?.id as number), 'the map names b by the entity id a sees it under');
  await Promise.all([a.close(), b.close()]);
});

it('streams the map: one sample after another, each a later tick, following a player as it walks', async () => {
  const walker = await server.player(15);
  const stream = await live(1);
  assert.equal(stream.status, 200);
  assert.equal(stream.contentType, 'text/event-stream');
  let last = -1;
  for (let i = 0; i < 5; i++) {
    const map = JSON.parse((await stream.next('map', `map sample ${i + 1}`)).data) as ZoneMap;
    assert.ok(map.tick > last, `sample ${i + 1} is of a later tick (${map.tick} after ${last})`);
    last = map.tick;
    assert.equal(map.count, NPCS + 1);
  }
  const self = walker.self;
  assert.ok(self);
  const to = { x: self.x + 2, y: self.y - 1 };
  walker.move(to.x, to.y, 0);
  for (;;) {
    const map = JSON.parse((await stream.next('map', 'a sample with the walker where it walked')).data) as ZoneMap;
    const row = rowOf(map, 15);
    if (row && Math.abs(row.x - to.x) < 0.06 && Math.abs(row.y - to.y) < 0.06) break;
  }
  stream.close();
  await walker.close();
});

it(`takes ${OpsLimits.maxMapWatchersPerZone} watchers of a zone, refuses one more with 429 TOO_MANY_WATCHERS, and frees a place when a watcher leaves`, async () => {
  const watchers = await Promise.all(Array.from({ length: OpsLimits.maxMapWatchersPerZone }, () => live(1)));
  assert.deepEqual(new Set(watchers.map((w) => w.status)), new Set([200]));
  await Promise.all(watchers.map((w, i) => w.next('map', `watcher ${i}'s first sample`)));
  const refused = await live(1);
  assert.equal(refused.status, 429);
  assert.equal((await refused.json()).code, 'TOO_MANY_WATCHERS');
  watchers.pop()?.close();
  let admitted: EventStreamReader | undefined;
  await eventually(async () => {
    admitted?.close();
    admitted = await live(1);
    return admitted.status === 200;
  }, 'a place to be free once a watcher left');
  await admitted?.next('map', 'the new watcher\'s first sample');
  for (const w of [...watchers, admitted]) w?.close();
});

it('answers 404 ZONE_NOT_FOUND for a zone that does not exist and 400 for a bad id, on the map and its stream', async () => {
  const missing = await server.adminCall('GET', '/admin/zones/9/entities');
  assert.deepEqual([missing.status, missing.json.code], [404, 'ZONE_NOT_FOUND']);
  const bad = await server.adminCall('GET', '/admin/zones/x/entities');
  assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST']);
  const stream = await live(9);
  assert.equal(stream.status, 404);
  assert.equal((await stream.json()).code, 'ZONE_NOT_FOUND');
  const unauthorised = await EventStreamReader.open(`http://127.0.0.1:${server.metricsPort}/admin/zones/1/entities/live`, {});
  assert.equal(unauthorised.status, 401);
  assert.equal((await unauthorised.json()).code, 'UNAUTHORIZED');
});
