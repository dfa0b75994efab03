/**
 * The SDK's known world (one table of numbers per client, found through the slot table) against
 * the plainest model of what the protocol says, over thousands of random frames that went
 * through the codec: spawns (of new and of known entities), despawns, and move columns with every
 * mix of position and heading. After each frame both know the same entities at the same places,
 * the events fire as the model says, and an entity forgotten keeps its last state.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KnownWorld, type KnownEntity } from '../../src/client/known-world.ts';
import { WorldFrameReader } from '../../src/client/world-frame-reader.ts';
import { EntityKind, MoveField, encodeServerMessage, type ServerMessageInit } from '../../src/protocol/messages.ts';

interface Model {
  xCm: number;
  yCm: number;
  headingMrad: number;
}

it('knows what the protocol says through 3,000 random frames, and tells each spawn, despawn and move', () => {
  let seed = 11;
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = (n: number): number => Math.floor(random() * n);
  const world = new KnownWorld();
  const reader = new WorldFrameReader();
  const model = new Map<number, Model>();
  const heard = { spawn: [] as number[], despawn: [] as KnownEntity[], move: [] as number[] };
  const events = {
    spawn: (e: KnownEntity) => heard.spawn.push(e.id),
    despawn: (e: KnownEntity) => heard.despawn.push(e),
    move: (e: KnownEntity) => heard.move.push(e.id),
  };
  for (let frame = 0; frame < 3000; frame++) {
    const known = [...model.keys()];
    const despawns = known.filter(() => random() < 0.05);
    const spawns: NonNullable<NonNullable<ServerMessageInit['update']>['spawns']> = [];
    // New ids from a wide range, and now and then a known one again (seen across a border).
    for (let i = pick(4); i > 0; i--) {
      const again = random() < 0.2 && known.length > 0;
      const entityId = again ? (known[pick(known.length)] as number) : 1 + pick(2 ** 31);
      if (despawns.includes(entityId) || spawns.some((s) => s.entityId === entityId)) continue;
      spawns.push({ entityId, kind: EntityKind.ENTITY_KIND_PLAYER, playerId: entityId, xCm: pick(200_000) - 100_000, yCm: pick(200_000) - 100_000, heading: (pick(6284) - 3142) / 1000 });
    }
    const stay = known.filter((id) => !despawns.includes(id));
    const moved = stay.filter(() => random() < 0.6);
    // A move for an entity this client does not know is skipped, as the SDK must.
    if (random() < 0.1) moved.push(4_000_000_000 + pick(1000));
    const masks = moved.map(() => 1 + pick(3));
    const dx: number[] = [];
    const dy: number[] = [];
    const headings: number[] = [];
    masks.forEach((mask) => {
      if (mask & MoveField.MOVE_FIELD_POSITION) {
        dx.push(pick(2001) - 1000);
        dy.push(pick(2001) - 1000);
      }
      if (mask & MoveField.MOVE_FIELD_HEADING) headings.push(pick(6285) - 3142);
    });
    const update = reader.read(
      encodeServerMessage({ update: { tick: frame, despawns, spawns, moveEntityIds: moved, moveMasks: masks, moveDxCm: dx, moveDyCm: dy, moveHeadingMrad: headings } }),
    );
    assert.ok(update, 'the SDK reads the frame as a WorldUpdate');

    // What the protocol says, the plain way.
    const expected = { spawn: [] as number[], despawn: [] as { id: number; last: Model }[], move: [] as number[] };
    for (const id of despawns) {
      expected.despawn.push({ id, last: { ...(model.get(id) as Model) } });
      model.delete(id);
    }
    for (const spawn of spawns) {
      const state = { xCm: spawn.xCm as number, yCm: spawn.yCm as number, headingMrad: Math.round((spawn.heading as number) * 1000) };
      if (model.has(spawn.entityId as number)) expected.move.push(spawn.entityId as number);
      else expected.spawn.push(spawn.entityId as number);
      model.set(spawn.entityId as number, state);
    }
    let position = 0;
    let heading = 0;
    moved.forEach((id, i) => {
      const mask = masks[i] as number;
      const state = model.get(id);
      if (mask & MoveField.MOVE_FIELD_POSITION) {
        if (state) {
          state.xCm += dx[position] as number;
          state.yCm += dy[position] as number;
        }
        position++;
      }
      if (mask & MoveField.MOVE_FIELD_HEADING) {
        if (state) state.headingMrad = headings[heading] as number;
        heading++;
      }
      if (state) expected.move.push(id);
    });

    heard.spawn = [];
    heard.despawn = [];
    heard.move = [];
    world.apply(update, events);
    assert.deepEqual(heard.spawn, expected.spawn, `frame ${frame}: spawn events`);
    assert.deepEqual(heard.move, expected.move, `frame ${frame}: move events`);
    assert.deepEqual(
      heard.despawn.map((e) => ({ id: e.id, last: { xCm: e.xCm, yCm: e.yCm, headingMrad: e.headingMrad } })),
      expected.despawn,
      `frame ${frame}: a despawned entity keeps its last state`,
    );
    assert.equal(world.entities.size, model.size, `frame ${frame}: as many entities`);
    for (const [id, state] of model) {
      const entity = world.entities.get(id);
      assert.ok(entity, `frame ${frame}: entity ${id} known`);
      assert.deepEqual({ xCm: entity.xCm, yCm: entity.yCm, headingMrad: entity.headingMrad }, state, `frame ${frame}: entity ${id}`);
      assert.equal(entity.x, state.xCm / 100);
      assert.equal(entity.heading, state.headingMrad / 1000);
      assert.deepEqual([world.entityXCm(id), world.entityYCm(id)], [state.xCm, state.yCm]);
    }
  }
  assert.ok(model.size > 20, `the world grew to ${model.size} entities`);
  const kept = [...world.entities.values()];
  world.clear();
  assert.equal(world.entities.size, 0);
  assert.ok(Number.isNaN(world.entityXCm(kept[0]?.id as number)), 'a cleared world knows no position');
  assert.deepEqual(kept.map((e) => e.xCm), [...model.values()].map((m) => m.xCm), 'entities held on to keep their last state');
});
