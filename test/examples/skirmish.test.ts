/**
 * Skirmish, the sample game (examples/skirmish/), in zone ticks with a manual clock and a real
 * store: range and cooldown, death and respawn, aggro and leash, experience and levels, and loot
 * granted once per kill.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadGame, type LoadedGame } from '../../src/game/load-game.ts';
import type { GameContext, GameNpc } from '../../src/game/game-module.ts';
import { MoveRejectReason } from '../../src/protocol/messages.ts';
import { GameZone } from '../helpers/game-zone.ts';
import { moveJob } from '../helpers/move-job.ts';
import { startStore, type RunningStore } from '../store/running-store.ts';
import { eventually } from '../helpers/wait.ts';
import { lootKey } from '../../examples/skirmish/combat.ts';
import { spawnWolf, wolfOf } from '../../examples/skirmish/monsters.ts';
import { maxHpAt, PLAYER, WOLF } from '../../examples/skirmish/rules.ts';
import { zoneState } from '../../examples/skirmish/zone-state.ts';

const SKIRMISH = new URL('../../examples/skirmish/game.ts', import.meta.url).pathname;
/** A zone large enough that the pack around its centre (500, 500) never meets what a test does near (100, 100). */
const SIDE_M = 1000;

it('is built on the module API alone: its files import each other and src/game/game-module.ts, nothing else', () => {
  const folder = new URL('../../examples/skirmish/', import.meta.url);
  const files = readdirSync(folder).filter((name) => name.endsWith('.ts'));
  assert.ok(files.length >= 4, 'the sample was read');
  for (const file of files) {
    const imports = [...readFileSync(new URL(file, folder), 'utf8').matchAll(/^import[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1] as string);
    for (const spec of imports) assert.ok(spec.startsWith('./') || spec === '../../src/game/game-module.ts', `${file} imports ${spec}`);
  }
});

describe('skirmish', () => {
  let game: LoadedGame;
  let dir: string;
  let store: RunningStore;
  let nextPlayer = 1;
  before(async () => {
    game = await loadGame(SKIRMISH);
    dir = mkdtempSync(join(tmpdir(), 'skirmish-'));
    store = await startStore({ DATA_DIR: dir });
    await store.client.migrate();
  });
  after(async () => {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A zone with one player at (x, y), ticked once so that the view knows it. */
  async function zoneWithPlayer(x = 100, y = 100, hp = 100): Promise<{ z: GameZone; context: GameContext; playerId: number }> {
    const z = new GameZone(game, SIDE_M, store.client);
    const playerId = nextPlayer++;
    await z.enter(1, playerId, x, y, hp);
    z.tick();
    const context = z.zone.game?.context;
    assert.ok(context);
    return { z, context, playerId };
  }

  const wolfAt = (context: GameContext, x: number, y: number): GameNpc => spawnWolf(context, x, y);

  it('strikes only within range and off cooldown, for the damage of the level', async () => {
    const { z, context } = await zoneWithPlayer();
    const far = wolfAt(context, 100 + PLAYER.attackRangeM + 2, 100);
    z.action(1, 1, 'attack', { targetEntityId: far.entityId });
    assert.deepEqual(z.events(z.tick().get(1)), [{ name: 'refused', message: { seq: 1, reason: 'OUT_OF_RANGE' } }]);
    context.removeNpc(far);
    const near = wolfAt(context, 102, 100);
    z.tick(); // the view has it now: it notices the player (and its bites are not this test's)
    z.action(1, 2, 'attack', { targetEntityId: near.entityId });
    const hit = z.events(z.tick().get(1)).find((event) => event.name === 'hit');
    assert.deepEqual(hit?.message, { attackerEntityId: z.zone.world.playersBySession.get(1)?.id, targetEntityId: near.entityId, damage: 10, targetHp: 30, targetMaxHp: WOLF.hp });
    z.tick(); // 50 ms later: too soon
    z.action(1, 3, 'attack', { targetEntityId: near.entityId });
    assert.deepEqual(z.events(z.tick().get(1)).filter((event) => event.name === 'refused'), [{ name: 'refused', message: { seq: 3, reason: 'COOLING_DOWN' } }]);
    for (let t = 0; t < PLAYER.cooldownMs / 50; t++) z.tick();
    z.action(1, 4, 'attack', { targetEntityId: near.entityId });
    z.tick();
    assert.equal(wolfOf(near).hp, 20, 'a second blow once the cooldown passed');
    z.action(1, 5, 'attack', { targetEntityId: 999_999 });
    assert.deepEqual(z.events(z.tick().get(1)).filter((event) => event.name === 'refused'), [{ name: 'refused', message: { seq: 5, reason: 'NO_TARGET' } }]);
  });

  it('kills a player at 0 hp and brings it back whole at the spawn point, as a teleport', async () => {
    const { z, context } = await zoneWithPlayer(100, 100, WOLF.damage - 1);
    const wolf = wolfAt(context, 101, 100);
    const sent = new Map<number, ReturnType<GameZone['tick']>>();
    for (let t = 0; t < 5; t++) sent.set(t, z.tick());
    const all = [...sent.values()].flatMap((frames) => frames.get(1) ?? []);
    const died = z.events(all).find((event) => event.name === 'died');
    const player = z.zone.world.playersBySession.get(1);
    assert.deepEqual(died?.message, { entityId: player?.id, killerEntityId: wolf.entityId });
    const correction = all.find((m) => m.correction?.reason === MoveRejectReason.MOVE_REJECT_REASON_TELEPORTED)?.correction;
    assert.deepEqual(correction && [correction.xCm, correction.yCm], [context.spawnPoint.x * 100, context.spawnPoint.y * 100]);
    assert.deepEqual([player?.x, player?.y, player?.hp], [context.spawnPoint.x, context.spawnPoint.y, maxHpAt(1)]);
    assert.equal(all.filter((m) => m.stats).at(-1)?.stats?.hp, maxHpAt(1), 'told its hp is whole again');
  });

  it('notices a player, chases it, gives up past its leash and walks home, healed', async () => {
    const { z, context } = await zoneWithPlayer(110, 100);
    const wolf = wolfAt(context, 100, 100);
    wolfOf(wolf).hp = 25; // wounded: it heals once home
    z.tick();
    z.tick();
    assert.equal(wolfOf(wolf).mode, 'chase', 'it noticed the player 10 m away');
    // The player runs east at 10 m/s; the wolf follows at 4 m/s until it is 25 m from home.
    let x = 110;
    let seq = 1;
    for (let t = 0; t < 200 && wolfOf(wolf).mode === 'chase'; t++) {
      x += 0.5;
      assert.ok(z.inbound.tryWrite(1, moveJob(seq++, x, 100, 0, 0)));
      z.tick();
    }
    assert.equal(wolfOf(wolf).mode, 'return');
    assert.ok(wolf.x - 100 > WOLF.leashM - 1, `it chased up to its leash (at ${wolf.x})`);
    for (let t = 0; t < 400 && wolfOf(wolf).mode !== 'idle'; t++) z.tick();
    assert.deepEqual([wolfOf(wolf).mode, wolf.x, wolf.y, wolfOf(wolf).hp], ['idle', 100, 100, WOLF.hp], 'home, and whole');
  });

  it('earns experience for kills, and a level with the new level’s hp', async () => {
    const { z, context, playerId } = await zoneWithPlayer();
    const kills = Math.ceil(100 / WOLF.exp); // level 2 at 100 exp
    let seq = 1;
    for (let k = 0; k < kills; k++) {
      const wolf = wolfAt(context, 101, 100);
      for (let t = 0; t < 200 && context.npc(wolf.entityId); t++) {
        z.action(1, seq++, 'attack', { targetEntityId: wolf.entityId });
        z.tick();
      }
      assert.equal(context.npc(wolf.entityId), undefined, `wolf ${k + 1} died`);
    }
    const player = z.zone.world.playersById.get(playerId);
    // Three wolves: 120 experience, level 2 (it takes 100), and level 2's full hp, 120.
    assert.deepEqual([kills, player?.exp, player?.level, player?.hp], [3, 120, 2, 120]);
  });

  it('grants a kill’s loot once, however often the grant is sent, and the wolf comes back later', async () => {
    const { z, context, playerId } = await zoneWithPlayer();
    const wolf = wolfAt(context, 101, 100);
    const home = { x: wolf.x, y: wolf.y };
    const key = lootKey(zoneState(context).runId, wolf.entityId);
    let seq = 1;
    const frames: ReturnType<GameZone['tick']>[] = [];
    for (let t = 0; t < 200 && context.npc(wolf.entityId); t++) {
      z.action(1, seq++, 'attack', { targetEntityId: wolf.entityId });
      frames.push(z.tick());
    }
    // The answer comes between ticks; keep ticking until the module is told.
    await eventually(async () => {
      frames.push(z.tick());
      return frames.some((sent) => z.events(sent.get(1)).some((event) => event.name === 'looted'));
    }, 'the loot granted');
    const looted = frames.flatMap((sent) => z.events(sent.get(1))).find((event) => event.name === 'looted')?.message as { gold: number; templateIds?: number[] };
    assert.ok(looted.gold >= WOLF.goldMin && looted.gold <= WOLF.goldMax);
    const items = (looted.templateIds ?? []).map((templateId) => ({ templateId, count: 1 }));
    // The same kill's grant sent again, as a retry would: the database answers it again, and gives nothing more.
    const again = await store.client.grant({ opId: `g:${key}`, playerId, gold: looted.gold, items });
    assert.equal(again.replayed, true);
    const inventory = await store.client.loadInventory(playerId);
    assert.deepEqual([inventory?.gold, inventory?.items.length], [looted.gold, items.length], 'granted once');
    for (let t = 0; t <= WOLF.respawnMs / 50; t++) z.tick();
    const back = [...context.npcs()].find((npc) => npc.x === home.x && npc.y === home.y);
    assert.ok(back && back.entityId !== wolf.entityId, 'a new wolf where the old one lived');
  });
});
