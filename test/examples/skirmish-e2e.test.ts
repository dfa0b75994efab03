/**
 * Skirmish end to end: a real server running the sample game, two SDK clients on GameChannel.
 * One strikes the other until it dies; both see the hp fall, and the dead one comes back whole
 * at the spawn point.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import protobuf from 'protobufjs';
import { GameChannel } from '../../src/client/game-channel.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';
import skirmish from '../../examples/skirmish/game.ts';
import { maxHpAt, PLAYER } from '../../examples/skirmish/rules.ts';

const SKIRMISH = new URL('../../examples/skirmish/game.ts', import.meta.url).pathname;
const PROTO = new URL('../../examples/skirmish/skirmish.proto', import.meta.url).pathname;

interface Hit extends Record<string, unknown> {
  attackerEntityId: number;
  targetEntityId: number;
  damage: number;
  targetHp: number;
}
interface Events extends Record<string, Record<string, unknown>> {
  hit: Hit;
  died: { entityId: number; killerEntityId: number };
  refused: { seq: number; reason: string };
}
interface Actions extends Record<string, Record<string, unknown>> {
  attack: { targetEntityId: number };
}

let server: TestServer;
let root: protobuf.Root;
before(async () => {
  root = await protobuf.load(PROTO);
  server = await startTestServer({ GAME_MODULE: SKIRMISH, ZONES: '1' });
});
after(() => server.stop());

async function fighter(playerId: number): Promise<{ client: ZoneClient; game: GameChannel<Actions, Events>; hits: Hit[]; deaths: Events['died'][] }> {
  const client = await ZoneClient.connect(server.url);
  const game = new GameChannel<Actions, Events>(client, skirmish, root);
  const hits: Hit[] = [];
  const deaths: Events['died'][] = [];
  game.on('hit', (hit) => hits.push(hit));
  game.on('died', (died) => deaths.push(died));
  await client.enter(server.token(playerId), `Fighter${playerId}`);
  return { client, game, hits, deaths };
}

it('two players fight: both see the hp fall, one dies and is back whole at the spawn point', { timeout: 60_000 }, async () => {
  const ann = await fighter(1301);
  const bob = await fighter(1302);
  const annId = ann.client.self?.entityId as number;
  // New characters stand at the spawn point, side by side: within reach. Ann starts weak.
  const { status } = await server.adminCall('PATCH', '/admin/players/1301', { hp: 15 });
  assert.equal(status, 200);
  await until(ann.client, () => ann.client.stats?.hp === 15, 'ann at 15 hp');
  const spawn = { x: ann.client.self?.x as number, y: ann.client.self?.y as number };
  // A step away from the spawn point (still within bob's reach), so that coming back shows.
  const stepX = spawn.x + 1;
  ann.client.move(stepX, spawn.y, 0);
  await until(bob.client, () => bob.client.entities.get(annId)?.x === stepX, 'bob sees ann step aside');
  const corrections: string[] = [];
  ann.client.on('correction', (c) => corrections.push(c.reason));

  // Bob strikes until a blow lands; one within the cooldown is refused, and he tries again.
  const refusals: string[] = [];
  bob.game.on('refused', (refused) => refusals.push(refused.reason));
  const landBlow = async (): Promise<void> => {
    const hitsBefore = bob.hits.length;
    for (let attempt = 0; attempt < 100 && bob.hits.length === hitsBefore; attempt++) {
      const refusedBefore = refusals.length;
      bob.game.act('attack', { targetEntityId: annId });
      await until(bob.client, () => bob.hits.length > hitsBefore || refusals.length > refusedBefore, 'the blow landing or being refused');
    }
  };
  await landBlow(); // 10 of ann's 15
  await until(ann.client, () => ann.hits.length === 1, 'the first blow seen by ann');
  assert.deepEqual([bob.hits[0]?.targetHp, ann.hits[0]?.targetHp, ann.client.stats?.hp], [5, 5, 5]);
  await landBlow(); // the rest
  assert.ok(refusals.length > 0 && refusals.every((reason) => reason === 'COOLING_DOWN'), `blows within ${PLAYER.cooldownMs} ms were refused: ${refusals.join(', ')}`);
  await until(bob.client, () => bob.deaths.length === 1, 'bob sees ann die');
  await until(ann.client, () => ann.client.stats?.hp === maxHpAt(1), 'ann whole again');
  assert.deepEqual(bob.deaths[0], { entityId: annId, killerEntityId: bob.client.self?.entityId });
  assert.equal(bob.hits.at(-1)?.targetHp, 0, 'the killing blow, as bob saw it');
  await until(ann.client, () => corrections.includes('TELEPORTED'), 'ann told where it is back');
  assert.deepEqual([ann.client.self?.x, ann.client.self?.y], [spawn.x, spawn.y], 'back at the spawn point');
  await Promise.all([ann.client.close(), bob.client.close()]);
});
