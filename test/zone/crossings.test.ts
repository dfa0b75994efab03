/** Where a move takes a player: its own zone (with the margin past a border), the zone beside, a corner, a portal, or nowhere. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultWorld, parseWorld } from '../../src/config/world.ts';
import { crossingsOf } from '../../src/zone/crossings.ts';

const world = defaultWorld();
const zone = (id: number) => world.zones.find((z) => z.id === id) as (typeof world.zones)[number];

it('keeps a player the margin past a border, hands it over beyond, and refuses a move into no zone', () => {
  const meadow = crossingsOf(world, zone(1), 4);
  assert.equal(meadow.crossingAt(999, 500), undefined);
  assert.equal(meadow.crossingAt(1003.9, 500), undefined, 'within the margin past the border: still the meadow');
  assert.ok(meadow.allows(1003.9, 500));
  const across = meadow.crossingAt(1004.5, 500);
  assert.deepEqual(across && [across.to.id, across.x, across.y, across.portal], [2, 4.5, 500, false], 'in the forest, in its coordinates');
  assert.equal(meadow.allows(-1, 500), false, 'west of the meadow is no zone');
  assert.equal(meadow.allows(500, -0.5), false);
  // The forest keeps a player walking back until it is 4 m into the meadow.
  const forest = crossingsOf(world, zone(2), 4);
  assert.equal(forest.crossingAt(-3.5, 500), undefined);
  assert.equal(forest.crossingAt(-4.5, 500)?.to.id, 1);
});

it('crosses at a corner into the zone that touches only there, and through portals', () => {
  const meadow = crossingsOf(world, zone(1), 4);
  const corner = meadow.crossingAt(1010, 1010);
  assert.deepEqual(corner && [corner.to.id, corner.x, corner.y], [4, 10, 10], 'the lake touches the meadow at its corner');
  const lake = crossingsOf(world, zone(4), 4);
  const portal = lake.crossingAt(985, 985);
  assert.deepEqual(portal && [portal.to.id, portal.x, portal.y, portal.portal], [5, 100, 20, true]);
  assert.equal(lake.crossingAt(979, 979), undefined, 'just outside the portal');
  const crypt = crossingsOf(world, zone(5), 4);
  assert.equal(crypt.allows(-1, 100), false, 'the crypt has no neighbours');
  assert.equal(crypt.reachM, 0);
});

it('refuses a portal that lands its player in another portal', () => {
  const zones = [
    { id: 1, name: 'a', bounds: { x: 0, y: 0, width: 100, height: 100 }, spawn: { x: 50, y: 50 } },
    { id: 2, name: 'b', bounds: { x: 0, y: 500, width: 100, height: 100 }, spawn: { x: 50, y: 550 }, newPlayers: false },
  ];
  const portals = [
    { from: 1, area: { x: 0, y: 0, width: 10, height: 10 }, to: 2, at: { x: 5, y: 505 } },
    { from: 2, area: { x: 0, y: 500, width: 10, height: 10 }, to: 1, at: { x: 50, y: 50 } },
  ];
  assert.throws(() => parseWorld({ zones, portals }, 'test'), /portals\[0\]: "at" lies inside a portal of zone 2/);
});
