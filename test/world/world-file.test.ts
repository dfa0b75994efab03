/** A server on a world file: new players start only in zones that take them, at those zones' spawn points. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '', WORLD_FILE: new URL('../../examples/world.json', import.meta.url).pathname });
});
after(() => server.stop());

it('runs every zone of the world and puts new players in the starting zones, never in the crypt', async () => {
  assert.deepEqual(
    server.supervisor.zones.map((zone) => [zone.id, zone.config.name]),
    [
      [1, 'meadow'],
      [2, 'forest'],
      [3, 'hills'],
      [4, 'crypt'],
    ],
  );
  const players = await Promise.all([1, 2, 3, 4].map((id) => server.player(id)));
  // World coordinates: the spawn points of examples/world.json, and each zone's bounds.
  assert.deepEqual(
    players.map((p) => [p.self?.zoneId, p.self?.zoneName, p.self?.x, p.self?.y, p.self?.zoneX, p.self?.zoneY]),
    [
      [1, 'meadow', 500, 500, 0, 0],
      [2, 'forest', 1500, 500, 1000, 0],
      [3, 'hills', 1000, 1300, 0, 1000],
      [1, 'meadow', 500, 500, 0, 0],
    ],
  );
  assert.equal(new Set(players.map((p) => p.self?.entityId)).size, players.length, 'entity ids are unique in the whole world, not per zone');
  await Promise.all(players.map((p) => p.close()));
});
