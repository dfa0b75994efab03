/**
 * The view system end to end: a real server, SDK clients over real sockets. Players far apart
 * do not see each other; walking together they see each other spawn, walking apart despawn.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

const RADIUS_M = 30;

describe('view system, end to end', () => {
  let server: TestServer;
  before(async () => {
    // One zone; fast players so that a test walk takes a few ticks.
    server = await startTestServer({ ZONES: '1:1000x1000', VIEW_RADIUS_M: String(RADIUS_M), VIEW_MARGIN_M: '5', MAX_SPEED_MPS: '1000', NPCS_PER_ZONE: '0' });
  });
  after(() => server.stop());

  /** Walks in a straight line to (x, y) in steps of `stepM`, one move per step. */
  function walk(client: ZoneClient, x: number, y: number, stepM = 20): void {
    const self = client.self;
    assert.ok(self);
    const distance = Math.hypot(x - self.x, y - self.y);
    const steps = Math.max(1, Math.ceil(distance / stepM));
    const fromX = self.x;
    const fromY = self.y;
    for (let i = 1; i <= steps; i++) client.move(fromX + ((x - fromX) * i) / steps, fromY + ((y - fromY) * i) / steps, 0);
  }

  it('players far apart do not see each other; walking together they spawn, walking apart they despawn', async () => {
    const a = await server.player(1);
    const b = await server.player(2);
    const bId = b.self?.entityId as number;
    const aId = a.self?.entityId as number;
    // Both start at the zone's centre.
    await until(a, () => a.entities.has(bId), 'a to see b at the start');

    walk(a, 300, 500);
    walk(b, 700, 500);
    await until(a, () => !a.entities.has(bId), 'a to see b despawn');
    await until(b, () => !b.entities.has(aId), 'b to see a despawn');

    // Nobody is shown anything but what is within the radius of it.
    const spawnsSeen: [number, number][] = [];
    a.on('spawn', (entity) => spawnsSeen.push([entity.x - (a.self?.x ?? 0), entity.y - (a.self?.y ?? 0)]));
    walk(a, 480, 500);
    walk(b, 520, 500);
    walk(a, 495, 500, 5);
    walk(b, 505, 500, 5);
    await until(a, () => a.entities.get(bId)?.x === 505, 'a to see b arrive');
    await until(b, () => b.entities.get(aId)?.x === 495, 'b to see a arrive');
    assert.equal(spawnsSeen.length, 1);
    for (const [dx, dy] of spawnsSeen) assert.ok(Math.hypot(dx, dy) <= RADIUS_M + 1, `spawned at ${Math.hypot(dx, dy)} m`);
    assert.deepEqual([...a.entities.values()].map((e) => e.playerId), [2]);

    walk(a, 300, 500);
    walk(b, 700, 500);
    await until(a, () => !a.entities.has(bId), 'a to see b despawn again');
    await until(b, () => !b.entities.has(aId), 'b to see a despawn again');
    await Promise.all([a.close(), b.close()]);
  });

  it('shows wandering NPCs to players near them', async () => {
    const npcServer = await startTestServer({ ZONES: '1:200x200', VIEW_RADIUS_M: '300', NPCS_PER_ZONE: '5' });
    try {
      const client = await npcServer.player(1);
      await until(client, () => client.entities.size === 5, 'the five NPCs to spawn');
      const npc = [...client.entities.values()][0];
      assert.equal(npc?.playerId, 0);
      const startX = npc?.x;
      await until(client, () => npc?.x !== startX, 'an NPC to walk');
      await client.close();
    } finally {
      await npcServer.stop();
    }
  });

  it('with VIEW_SEND_TICKS=3, sends views on every third tick, and they show where the moves took a player', async () => {
    const slowServer = await startTestServer({ ZONES: '1:1000x1000', VIEW_SEND_TICKS: '3', MAX_SPEED_MPS: '1000', NPCS_PER_ZONE: '0' });
    try {
      const a = await slowServer.player(1);
      const b = await slowServer.player(2);
      const bId = b.self?.entityId as number;
      const ticks: number[] = [];
      a.on('update', (frame) => ticks.push(frame.tick));
      await until(a, () => a.entities.has(bId), 'a to see b');
      for (let i = 1; i <= 40; i++) b.move(500 + i / 4, 500, 0);
      await until(a, () => a.entities.get(bId)?.x === 510, 'a to see b at its last move');
      assert.ok(ticks.length > 0);
      assert.deepEqual(ticks.filter((tick) => tick % 3 !== 0), [], 'every view came on a tick divisible by 3');
      await Promise.all([a.close(), b.close()]);
    } finally {
      await slowServer.stop();
    }
  });
});
