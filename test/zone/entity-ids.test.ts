/** Entity ids from the one shared counter: distinct for every taker, and never 0 when the counter wraps. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ENTITY_ID_COUNTER_BYTES } from '../../src/thread-messages/zone-control.ts';
import { SharedEntityIds } from '../../src/zone/world/entity-ids.ts';
import { World } from '../../src/zone/world/world.ts';
import { EntityKind } from '../../src/protocol/messages.ts';

it('gives two zones on one counter distinct ids, and skips 0 when the counter wraps', () => {
  const buffer = new SharedArrayBuffer(ENTITY_ID_COUNTER_BYTES);
  const zoneA = new SharedEntityIds(buffer);
  const zoneB = new SharedEntityIds(buffer);
  const taken = [zoneA.next(), zoneB.next(), zoneA.next(), zoneB.next()];
  assert.deepEqual(taken, [1, 2, 3, 4]);
  new Uint32Array(buffer)[0] = 0xffff_fffe;
  assert.deepEqual([zoneA.next(), zoneB.next(), zoneA.next()], [0xffff_ffff, 1, 2]);
});

it('lets a world skip an id still in use after the ids wrap', () => {
  const buffer = new SharedArrayBuffer(ENTITY_ID_COUNTER_BYTES);
  const world = new World(new SharedEntityIds(buffer));
  const npc = { kind: EntityKind.ENTITY_KIND_NPC, playerId: 0, x: 0, y: 0, heading: 0 };
  const first = world.addEntity(npc);
  new Uint32Array(buffer)[0] = 0xffff_fffe;
  const last = world.addEntity(npc);
  const wrapped = world.addEntity(npc);
  assert.deepEqual([first.id, last.id, wrapped.id], [1, 0xffff_ffff, 2], 'id 1 is still in use, so the wrapped counter moves past it');
  assert.equal(new World().addEntity(npc).id, 1, 'a world of its own counts from 1');
});
