/**
 * The view system against a brute-force ground truth. A world of players and wandering
 * entities is driven by hand, tick by tick; after each tick every player's visible set must be
 * what the rules say (enter within the radius, leave beyond radius + margin, nearest first up to
 * the cap, recomputed on the player's staggered ticks, gone entities leaving at once), and the
 * world that a client rebuilds from the frames the writer encodes must match the server's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KnownWorld } from '../../src/client/known-world.ts';
import { EntityKind, MoveField, ServerMessage, toCentimetres, type WorldUpdate } from '../../src/protocol/messages.ts';
import { BruteForceIndex } from '../helpers/brute-force-index.ts';
import { Quadtree } from '../../src/zone/spatial/quadtree.ts';
import { UniformGrid } from '../../src/zone/spatial/uniform-grid.ts';
import type { SpatialIndex } from '../../src/zone/spatial/spatial-index.ts';
import { ViewSystem, type ViewSettings } from '../../src/zone/view/view-system.ts';
import { WorldUpdateWriter } from '../../src/zone/view/world-update-writer.ts';
import { WorldFrameReader, worldFrameOf } from '../../src/client/world-frame-reader.ts';
import { mulberry32 } from '../../src/zone/random.ts';
import { World, type Entity, type Player } from '../../src/zone/world/world.ts';

// The view system must behave the same on every index; brute force is the plainest reference.
const INDEXES: [string, (widthM: number, heightM: number) => SpatialIndex][] = [
  ['uniform grid', (w, h) => new UniformGrid(w, h, 23)],
  ['quadtree', (w, h) => new Quadtree(w, h)],
  ['brute force', (w, h) => new BruteForceIndex(w, h)],
];

/** A world, its view system and frame writer, and one client-side picture per player. */
class Harness {
  readonly world = new World();
  readonly view: ViewSystem;
  readonly writer: WorldUpdateWriter;
  private readonly reader = new WorldFrameReader();
  readonly settings: ViewSettings;
  /** What each player's client has rebuilt from its frames, by session. */
  readonly clients = new Map<number, KnownWorld>();
  /** Frames each session got in the last tick. */
  readonly framesLastTick = new Map<number, WorldUpdate[]>();
  tick = 0;
  private nextSession = 1;
  private readonly buffer = new Uint8Array(1 << 20);

  constructor(settings: ViewSettings, index: SpatialIndex) {
    this.settings = settings;
    this.view = new ViewSystem(settings, index);
    this.writer = new WorldUpdateWriter(this.view, this.world.bySlot);
  }

  addPlayer(x: number, y: number, playerId = this.nextSession): Player {
    const sessionId = this.nextSession++;
    this.clients.set(sessionId, new KnownWorld());
    return this.world.addPlayer({
      kind: EntityKind.ENTITY_KIND_PLAYER,
      playerId,
      sessionId,
      x,
      y,
      heading: 0,
      lastMoveSeq: 0,
      moveBudgetM: 0,
      budgetAtMs: 0,
      hp: 100,
      level: 1,
      exp: 0,
      playTimeS: 0,
      joinedAtMs: 0,
      persisted: { epoch: 1, version: 0, savedVersion: 0, nextSaveAtMs: 0, journaledVersion: 0 },
      inventory: undefined,
    });
  }

  addNpc(x: number, y: number): Entity {
    return this.world.addEntity({ kind: EntityKind.ENTITY_KIND_NPC, playerId: 0, x, y, heading: 0 });
  }

  remove(entity: Entity): void {
    if ('sessionId' in entity) {
      this.world.removePlayer(entity as Player);
      this.clients.delete((entity as Player).sessionId);
    } else {
      this.world.removeEntity(entity);
    }
  }

  moveTo(entity: Entity, x: number, y: number, heading = entity.heading): void {
    let fields = 0;
    if (x !== entity.x || y !== entity.y) fields |= MoveField.MOVE_FIELD_POSITION;
    if (heading !== entity.heading) fields |= MoveField.MOVE_FIELD_HEADING;
    entity.x = x;
    entity.y = y;
    entity.heading = heading;
    if (fields) this.world.markChanged(entity, fields);
  }

  /** Runs the view phase, encodes every frame, decodes it as a client would and applies it. */
  step(): void {
    this.tick++;
    const results = this.view.update(this.world, this.tick);
    this.writer.beginTick(this.tick, this.world.slotCount);
    this.framesLastTick.clear();
    for (let i = 0; i < results.count; i++) {
      const viewer = this.world.bySlot[results.viewerSlots[i] as number] as Player;
      const length = this.writer.measure(i);
      const end = this.writer.write(this.buffer, 0);
      assert.equal(end, length, 'write() writes exactly what measure() said');
      const bytes = this.buffer.subarray(0, length);
      const update = ServerMessage.decode(bytes).update as WorldUpdate;
      const frame = worldFrameOf(update);
      assert.deepEqual(this.reader.read(bytes), frame, 'the SDK reads the frame as protobufjs does');
      assert.equal(update.tick, this.tick);
      const frames = this.framesLastTick.get(viewer.sessionId) ?? [];
      frames.push(update);
      this.framesLastTick.set(viewer.sessionId, frames);
      this.clients.get(viewer.sessionId)?.apply(frame);
    }
    this.world.endTick();
  }

  visibleIds(player: Player): number[] {
    return [...this.view.visibleOf(player.slot)].map((slot) => (this.world.bySlot[slot] as Entity).id).sort((a, b) => a - b);
  }
}

/** The rules, by brute force: what `player` sees after a recomputation, given what it saw. */
function expectedVisible(world: World, player: Player, seen: ReadonlySet<number>, settings: ViewSettings): Set<number> {
  const leave = settings.radiusM + settings.marginM;
  const candidates: [number, number][] = [];
  for (const entity of world.entities.values()) {
    if (entity === player) continue;
    const distSq = (entity.x - player.x) ** 2 + (entity.y - player.y) ** 2;
    if (distSq <= settings.radiusM ** 2 || (seen.has(entity.id) && distSq <= leave ** 2)) candidates.push([distSq, entity.id]);
  }
  candidates.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return new Set(candidates.slice(0, settings.maxVisible).map(([, id]) => id));
}

function headingGap(a: number, b: number): number {
  const turns = (a - b) / (2 * Math.PI);
  return Math.abs(turns - Math.round(turns)) * 2 * Math.PI;
}

for (const [indexName, makeIndex] of INDEXES) {
  describe(`view system (${indexName} index)`, () => {
    it('matches the brute-force ground truth, and clients rebuild the server’s world, over a long random run', () => {
      const random = mulberry32(42);
      const size = 400;
      const settings: ViewSettings = { radiusM: 40, marginM: 6, maxVisible: 25, refreshTicks: 3 };
      const h = new Harness(settings, makeIndex(size, size));
      const players: Player[] = [];
      const npcs: Entity[] = [];
      // Crowded corners make the cap bite; the rest is spread out.
      const place = (): [number, number] => (random() < 0.3 ? [20 + random() * 30, 20 + random() * 30] : [random() * size, random() * size]);
      for (let i = 0; i < 150; i++) players.push(h.addPlayer(...place()));
      for (let i = 0; i < 100; i++) npcs.push(h.addNpc(...place()));
      /** What each player saw at the end of the last tick, by session: entity ids. */
      let truth = new Map<number, Set<number>>();
      const removedThisTick = new Set<number>();
      let spawns = 0;
      let despawns = 0;
      let capped = 0;

      for (let t = 0; t < 300; t++) {
        removedThisTick.clear();
        for (const entity of [...players, ...npcs]) {
          const roll = random();
          if (roll < 0.6) {
            const x = Math.min(size, Math.max(0, entity.x + (random() - 0.5) * 6));
            const y = Math.min(size, Math.max(0, entity.y + (random() - 0.5) * 6));
            h.moveTo(entity, x, y, random() < 0.1 ? (random() - 0.5) * 20 : entity.heading);
          } else if (roll < 0.605) {
            // Leaves and is replaced by a newcomer somewhere else.
            h.remove(entity);
            removedThisTick.add(entity.id);
            const list = 'sessionId' in entity ? players : npcs;
            const replacement = 'sessionId' in entity ? h.addPlayer(...place()) : h.addNpc(...place());
            list[list.indexOf(entity)] = replacement;
          }
        }
        const joined = new Set(h.world.added.map((e) => e.id));
        h.step();

        const next = new Map<number, Set<number>>();
        for (const player of players) {
          const seen = truth.get(player.sessionId) ?? new Set<number>();
          const recomputed = joined.has(player.id) || (h.tick + player.slot) % settings.refreshTicks === 0;
          const expected = recomputed ? expectedVisible(h.world, player, seen, settings) : new Set([...seen].filter((id) => !removedThisTick.has(id)));
          if (expected.size === settings.maxVisible) capped++;
          assert.deepEqual(h.visibleIds(player), [...expected].sort((a, b) => a - b), `tick ${h.tick}: what player ${player.id} sees`);

          // The client's picture equals the server's truth for that player.
          const client = h.clients.get(player.sessionId) as KnownWorld;
          assert.deepEqual([...client.entities.keys()].sort((a, b) => a - b), [...expected].sort((a, b) => a - b), `tick ${h.tick}: client of player ${player.id}`);
          for (const known of client.entities.values()) {
            const entity = h.world.entities.get(known.id) as Entity;
            assert.deepEqual([known.xCm, known.yCm], [toCentimetres(entity.x), toCentimetres(entity.y)], `tick ${h.tick}: position of ${known.id}`);
            assert.ok(headingGap(known.heading, entity.heading) <= 0.001, `tick ${h.tick}: heading of ${known.id}`);
            assert.equal(known.kind, entity.kind);
            assert.equal(known.playerId, entity.playerId);
          }

          // At most one frame, and one exactly when something it sees (or saw) changed.
          const frames = h.framesLastTick.get(player.sessionId) ?? [];
          assert.ok(frames.length <= 1, 'one frame per viewer per tick');
          const entered = [...expected].filter((id) => !seen.has(id));
          const left = [...seen].filter((id) => !expected.has(id));
          spawns += entered.length;
          despawns += left.length;
          const movedInView = [...expected].filter((id) => seen.has(id) && h.view.tables.moveMask[(h.world.entities.get(id) as Entity).slot] !== 0);
          const hasNews = entered.length > 0 || left.length > 0 || movedInView.length > 0;
          assert.equal(frames.length === 1, hasNews, `tick ${h.tick}: a frame for player ${player.id} iff it has news`);
          const frame = frames[0];
          if (frame) {
            const sorted = (ids: Iterable<number>): number[] => [...ids].sort((a, b) => a - b);
            assert.deepEqual(sorted(frame.spawns.map((s) => s.entityId as number)), sorted(entered), `tick ${h.tick}: spawns`);
            assert.deepEqual(sorted(frame.despawns), sorted(left), `tick ${h.tick}: despawns`);
            assert.deepEqual(sorted(frame.moveEntityIds), sorted(movedInView), `tick ${h.tick}: moves`);
          }
          next.set(player.sessionId, expected);
        }
        truth = next;
      }
      // The run exercised what it claims to.
      assert.ok(spawns > 1000 && despawns > 1000, `spawns ${spawns}, despawns ${despawns}`);
      assert.ok(capped > 100, `the cap was reached ${capped} times`);
    });

    it('does not flicker: an entity pacing within the margin stays in view', () => {
      const settings: ViewSettings = { radiusM: 50, marginM: 5, maxVisible: 100, refreshTicks: 1 };
      const h = new Harness(settings, makeIndex(500, 500));
      const viewer = h.addPlayer(100, 100);
      const walker = h.addNpc(148, 100);
      h.step();
      assert.deepEqual(h.framesLastTick.get(viewer.sessionId)?.[0]?.spawns.map((s) => s.entityId), [walker.id]);
      for (let t = 0; t < 60; t++) {
        // Back and forth across the view radius, never past radius + margin.
        h.moveTo(walker, t % 2 === 0 ? 154.9 : 149, 100);
        h.step();
        const frame = h.framesLastTick.get(viewer.sessionId)?.[0];
        assert.equal(frame?.spawns.length ?? 0, 0, `tick ${t}: no spawn`);
        assert.equal(frame?.despawns.length ?? 0, 0, `tick ${t}: no despawn`);
        assert.equal(frame?.moveEntityIds.length, 1, `tick ${t}: a move`);
      }
      h.moveTo(walker, 155.1, 100);
      h.step();
      assert.deepEqual(h.framesLastTick.get(viewer.sessionId)?.[0]?.despawns, [walker.id], 'past the margin it leaves');
      h.moveTo(walker, 151, 100);
      h.step();
      assert.equal(h.framesLastTick.get(viewer.sessionId), undefined, 'between radius and margin it does not come back');
      h.moveTo(walker, 150, 100);
      h.step();
      assert.deepEqual(h.framesLastTick.get(viewer.sessionId)?.[0]?.spawns.map((s) => s.entityId), [walker.id], 'within the radius it does');
    });

    it('sends nothing to a viewer whose visible entities did not change, and sub-centimetre moves not at all', () => {
      const settings: ViewSettings = { radiusM: 50, marginM: 5, maxVisible: 100, refreshTicks: 2 };
      const h = new Harness(settings, makeIndex(500, 500));
      const viewer = h.addPlayer(100, 100);
      const near = h.addNpc(110, 100);
      const far = h.addNpc(300, 300);
      h.step();
      h.step();
      for (let t = 0; t < 5; t++) {
        h.moveTo(far, 300 + t, 300);
        h.step();
        assert.equal(h.framesLastTick.get(viewer.sessionId), undefined, 'a far entity moving is no news');
      }
      h.moveTo(near, 110.004, 100);
      h.step();
      assert.equal(h.framesLastTick.get(viewer.sessionId), undefined, 'less than a centimetre is no news');
      h.moveTo(near, 110.006, 100);
      h.step();
      const moves = h.framesLastTick.get(viewer.sessionId)?.[0];
      assert.deepEqual([...(moves?.moveDxCm ?? [])], [1], 'it adds up to a centimetre');
    });
  });
}
