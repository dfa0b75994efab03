/** The world file and the ZONES quick form: layout, borders, portals, and errors that name the zone and field. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { bordersOf, loadWorldFile, parseWorld, parseZones, WorldError } from '../../src/config/world.ts';

const meadow = { id: 1, name: 'meadow', bounds: { x: 0, y: 0, width: 1000, height: 1000 }, spawn: { x: 500, y: 500 } };
const forest = { id: 2, name: 'forest', bounds: { x: 1000, y: 0, width: 800, height: 1000 }, spawn: { x: 1400, y: 500 } };
const crypt = { id: 9, name: 'crypt', bounds: { x: 0, y: 5000, width: 200, height: 200 }, spawn: { x: 100, y: 5100 }, newPlayers: false };
const portal = { from: 1, area: { x: 900, y: 900, width: 10, height: 10 }, to: 9, at: { x: 100, y: 5010 } };

it('lays ZONES side by side along x, every zone sharing a border with the next', () => {
  const world = parseZones('5:200x300, 9:50.5x60, 3:100x100');
  assert.deepEqual(
    world.zones.map((z) => [z.id, z.name, z.originXM, z.originYM, z.widthM, z.heightM, z.spawnXM, z.spawnYM, z.newPlayers]),
    [
      [5, 'zone-5', 0, 0, 200, 300, 100, 150, true],
      [9, 'zone-9', 200, 0, 50.5, 60, 25.25, 30, true],
      [3, 'zone-3', 250.5, 0, 100, 100, 50, 50, true],
    ],
  );
  assert.deepEqual(bordersOf(world), [
    { a: 5, b: 9 },
    { a: 9, b: 3 },
  ]);
  assert.equal(parseZones('4').zones.length, 4);
  assert.ok(Object.isFrozen(world.zones) && Object.isFrozen(world.zones[0]));
});

it('reads a world file into zone coordinates: origins, spawns and portals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zone-world-'));
  try {
    const file = join(dir, 'world.json');
    writeFileSync(file, JSON.stringify({ zones: [meadow, forest, crypt], portals: [portal] }));
    const world = loadWorldFile(file);
    const [m, f, c] = world.zones;
    assert.deepEqual([f?.originXM, f?.spawnXM, f?.spawnYM], [1000, 400, 500]);
    assert.deepEqual([c?.originYM, c?.spawnXM, c?.spawnYM, c?.newPlayers, m?.newPlayers], [5000, 100, 100, false, true]);
    assert.deepEqual(world.portals, [{ fromZone: 1, area: { xM: 900, yM: 900, widthM: 10, heightM: 10 }, toZone: 9, toXM: 100, toYM: 10 }]);
    assert.deepEqual(bordersOf(world), [{ a: 1, b: 2 }], 'the crypt borders nothing: it is reached by the portal only');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('takes edges given in decimal metres as the same edge, though binary floats are not exact', () => {
  const left = { id: 1, name: 'left', bounds: { x: 0.1, y: 0, width: 0.2, height: 1 }, spawn: { x: 0.2, y: 0.5 } };
  const right = { id: 2, name: 'right', bounds: { x: 0.3, y: 0, width: 1, height: 1 }, spawn: { x: 0.5, y: 0.5 } };
  assert.deepEqual(bordersOf(parseWorld({ zones: [left, right] }, 'test')), [{ a: 1, b: 2 }]);
});

it('refuses a broken world with an error naming the zone and the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ zones: [] }, /"zones" must be a list of at least one zone/],
    [{ zones: [{ ...meadow, id: 0 }] }, /zones\[0\]: "id" must be a whole number/],
    [{ zones: [meadow, { ...forest, id: 1 }] }, /zone 1 \("forest"\): the id 1 is used by another zone/],
    [{ zones: [meadow, { ...forest, name: 'Meadow' }] }, /zone 2 \("Meadow"\): the name is used by another zone/],
    [{ zones: [{ ...meadow, bounds: { ...meadow.bounds, width: -5 } }] }, /zone 1 \("meadow"\): "bounds".width must be above 0, got -5/],
    [{ zones: [{ ...meadow, spawn: { x: 1500, y: 500 } }] }, /zone 1 \("meadow"\): "spawn" \(1500, 500\) lies outside the zone's bounds/],
    [{ zones: [meadow, { ...forest, bounds: { ...forest.bounds, x: 900 } , spawn: { x: 1000, y: 500 } }] }, /zone 2 \("forest"\): "bounds" overlap those of zone 1 \("meadow"\)/],
    [{ zones: [{ ...meadow, spwan: { x: 1, y: 1 } }] }, /zone 1 \("meadow"\): unknown field "spwan"/],
    [{ zones: [{ ...meadow, newPlayers: false }] }, /at least one zone must take new players/],
    [{ zones: [{ ...meadow, newPlayers: null }] }, /zone 1 \("meadow"\): "newPlayers" must be true or false/],
    [{ zones: [{ ...meadow, name: '   ' }] }, /"name" must be 1–32 letters/],
    [{ zones: [{ ...meadow, bounds: { x: 19_999_990, y: 0, width: 100, height: 100 }, spawn: { x: 19_999_995, y: 5 } }] }, /"bounds" must end within ±20000000 m/],
    [{ zones: [meadow], portals: null }, /"portals" must be a list/],
    [{ zones: [meadow, crypt], portals: [{ ...portal, to: 7 }] }, /portals\[0\]: "to" names no zone of this world: 7/],
    [{ zones: [meadow, crypt], portals: [{ ...portal, area: { x: 995, y: 900, width: 10, height: 10 } }] }, /portals\[0\]: "area" must lie inside zone 1 \("meadow"\)/],
    [{ zones: [meadow, crypt], portals: [{ ...portal, at: { x: 500, y: 500 } }] }, /portals\[0\]: "at" \(500, 500\) must lie inside zone 9 \("crypt"\)/],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => parseWorld(json, 'WORLD_FILE test.json'), (err: unknown) => err instanceof WorldError && err.message.startsWith('WORLD_FILE test.json: ') && message.test(err.message), JSON.stringify(json));
  }
  assert.throws(() => loadWorldFile('/nonexistent/world.json'), /WORLD_FILE \/nonexistent\/world.json cannot be read/);
  assert.throws(() => parseZones('1:10x10,1:20x20'), /lists zone 1 twice/);
});

it('loads the README’s example world: three zones sharing borders, and a crypt reached only by a portal', () => {
  const world = loadWorldFile(new URL('../../examples/world.json', import.meta.url).pathname);
  assert.deepEqual(world.zones.map((zone) => zone.name), ['meadow', 'forest', 'hills', 'crypt']);
  assert.deepEqual(bordersOf(world), [
    { a: 1, b: 2 },
    { a: 1, b: 3 },
    { a: 2, b: 3 },
  ]);
  assert.ok(world.portals.some((p) => p.toZone === 4) && !bordersOf(world).some((b) => b.a === 4 || b.b === 4));
});
