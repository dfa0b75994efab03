/** A game module inside a zone driven by hand: real rings, `tick()` called directly, the module loaded from its file. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { zoneOfSize } from '../../src/config/world.ts';
import { loadGame, type LoadedGame } from '../../src/game/load-game.ts';
import { EntityKind, ErrorCode, MoveRejectReason } from '../../src/protocol/messages.ts';
import { GameActionRefusals, RefusalMessages } from '../../src/protocol/reasons.ts';
import type { GameHookName } from '../../src/zone/game/game-host.ts';
import { errorsOf, GameZone } from '../helpers/game-zone.ts';
import { moveJob } from '../helpers/move-job.ts';
import { DUMMY_STEP_M, FAILING_JOIN_PLAYER, seen, START_DUMMY } from './fixtures/echo-game.ts';

const ECHO_GAME = new URL('./fixtures/echo-game.ts', import.meta.url).pathname;

describe('a game module in a zone', () => {
  let game: LoadedGame;
  before(async () => {
    game = await loadGame(ECHO_GAME);
  });

  it('calls join with the zone’s context: the newcomer is welcomed with what the zone holds', () => {
    const z = new GameZone(game);
    z.join(1, 100);
    const first = z.tick();
    assert.deepEqual(z.events(first.get(1)), [{ name: 'welcome', message: { players: 1, zoneId: 4 } }]);
    z.join(2, 101);
    assert.deepEqual(z.events(z.tick().get(2)), [{ name: 'welcome', message: { players: 2, zoneId: 4 } }]);
  });

  it('gives an action to the hook with its message decoded, and the player’s event comes back in the same tick', () => {
    const z = new GameZone(game);
    z.join(1, 100, 12.5, 30);
    z.tick();
    z.action(1, 7, 'echo', { text: 'ab', times: 3 });
    const sent = z.tick();
    assert.deepEqual(z.events(sent.get(1)), [{ name: 'echoed', message: { text: 'ababab', seq: 7, xCm: 1250 } }]);
  });

  it('sends an event to the player and to those who see it, and to nobody else', () => {
    const z = new GameZone(game);
    z.join(1, 100, 50, 50);
    z.join(2, 101, 60, 60);
    z.join(3, 102, 190, 190); // 184 m away: out of sight
    z.tick();
    z.tick(); // the view phase has run with all three in
    z.action(1, 2, 'shout', { text: 'hello' });
    const sent = z.tick();
    const shouter = z.zone.world.playersBySession.get(1)?.id;
    for (const session of [1, 2]) assert.deepEqual(z.events(sent.get(session)), [{ name: 'heard', message: { fromEntityId: shouter, text: 'hello' } }], `session ${session} hears it`);
    assert.deepEqual(z.events(sent.get(3)), [], 'the far player hears nothing');
  });

  it('refuses an unknown action and a payload that is not the action’s message, with the request’s seq', () => {
    const z = new GameZone(game);
    z.join(1, 100);
    z.tick();
    z.act(1, 5, 99, new Uint8Array(0));
    z.act(1, 6, 1, Uint8Array.of(0x0a, 0x05, 0x61)); // field 1, 5 bytes long, one byte there
    const sent = z.tick();
    assert.deepEqual(errorsOf(sent.get(1)), [
      { code: ErrorCode.ERROR_CODE_GAME_ACTION_REFUSED, seq: 5, message: GameActionRefusals.unknownAction },
      { code: ErrorCode.ERROR_CODE_GAME_ACTION_REFUSED, seq: 6, message: GameActionRefusals.badPayload },
    ]);
    assert.deepEqual(z.failures, [], 'refused before the module saw them');
  });

  it('keeps a throwing hook small: reported, counted, the player told, and the zone ticks on for everyone', () => {
    const z = new GameZone(game);
    z.join(1, 100, 50, 50);
    z.join(2, 101, 55, 50);
    z.tick();
    z.tick();
    const ticksBefore = seen.ticks;
    z.action(1, 9, 'boom', {});
    z.action(1, 10, 'echo', { text: 'still here', times: 1 });
    assert.ok(z.inbound.tryWrite(2, moveJob(1, 56, 50, 0, 0)));
    const sent = z.tick();
    const { code, message } = RefusalMessages.gameRuleFailed;
    assert.deepEqual(errorsOf(sent.get(1)), [{ code, seq: 9, message }]);
    assert.deepEqual(z.events(sent.get(1)), [{ name: 'echoed', message: { text: 'still here', seq: 10, xCm: 5000 } }], 'the next action in the same tick is handled');
    assert.deepEqual(z.failures, [{ hook: 'action', playerId: 100, message: 'boom' }]);
    assert.equal(z.zone.game?.errors.action, 1);
    const moved = sent.get(1)?.find((m) => m.update)?.update;
    assert.equal(moved?.moveEntityIds?.length, 1, 'the other player’s move of the same tick is shown');
    assert.equal(seen.ticks, ticksBefore + 1, 'the tick hook ran in that tick too');
  });

  it('changes stats through the context: written back, and told to the player once per tick however often they changed', () => {
    const z = new GameZone(game);
    z.join(1, 100);
    z.tick();
    const player = z.zone.world.playersBySession.get(1);
    assert.ok(player);
    const version = player.persisted.version;
    z.action(1, 3, 'hurt', { damage: 10, times: 3 });
    const sent = z.tick();
    assert.deepEqual(sent.get(1)?.filter((m) => m.stats).map((m) => m.stats?.hp), [70], 'one stats message, after all three');
    assert.equal(player.hp, 70);
    assert.ok(player.persisted.version > version, 'dirty: the write-back will save it');
    z.action(1, 4, 'hurt', { damage: 40, times: 2 }); // 70 → 30, then −10 is refused
    const refused = z.tick();
    assert.equal(player.hp, 30, 'the first change stands, the one out of range was not made');
    assert.deepEqual(refused.get(1)?.filter((m) => m.stats).map((m) => m.stats?.hp), [30]);
    const { code, message } = RefusalMessages.gameRuleFailed;
    assert.deepEqual(errorsOf(refused.get(1)), [{ code, seq: 4, message }]);
    assert.match(z.failures.at(-1)?.message ?? '', /hp must be a whole number from 0/);
  });

  it('spawns NPCs at the zone’s start, runs their behaviour every tick, and shows them like any entity', () => {
    const z = new GameZone(game);
    z.join(1, 100, START_DUMMY.x - 10, START_DUMMY.y);
    const first = z.tick();
    const spawn = first.get(1)?.find((m) => m.update?.spawns?.length)?.update?.spawns?.[0];
    assert.ok(spawn, 'the dummy spawned at the start is shown');
    assert.equal(spawn.kind, EntityKind.ENTITY_KIND_NPC);
    assert.equal(spawn.npcKind, 1, 'with its kind’s number');
    assert.deepEqual([spawn.xCm, spawn.yCm], [START_DUMMY.x * 100, START_DUMMY.y * 100]);
    const dummy = z.zone.game?.npcs.get(spawn.entityId as number);
    assert.ok(dummy);
    z.tick(); // the view has the player now, and the dummy finds it
    z.tick();
    assert.equal(dummy.x, START_DUMMY.x - 2 * DUMMY_STEP_M, 'a step a tick towards the player, from the tick after the view first had it');
    const moves = z.tick().get(1)?.find((m) => m.update)?.update;
    assert.deepEqual(moves?.moveEntityIds, [dummy.entityId], 'and the player is shown the steps');
    assert.deepEqual(moves?.moveDxCm, [-DUMMY_STEP_M * 100]);
  });

  it('summons and dismisses NPCs on a player’s action: spawned and despawned for those who see them', () => {
    const z = new GameZone(game);
    z.join(1, 100, 20, 20);
    z.tick();
    z.action(1, 1, 'summon', { x: 25, y: 20 });
    const summoned = z.tick().get(1);
    const entityId = z.events(summoned).find((event) => event.name === 'summoned')?.message.entityId as number;
    const npc = z.zone.game?.npcs.get(entityId);
    assert.ok(npc, 'the summoned dummy is one of the module’s NPCs');
    assert.equal(summoned?.find((m) => m.update)?.update?.spawns?.find((spawn) => spawn.entityId === entityId)?.kind, EntityKind.ENTITY_KIND_NPC, 'shown to the player');
    z.action(1, 2, 'dismiss', { entityId });
    const sent = z.tick();
    assert.deepEqual(sent.get(1)?.find((m) => m.update)?.update?.despawns, [entityId]);
    assert.equal(z.zone.game?.npcs.get(entityId), undefined);
    assert.equal(z.zone.world.entities.has(entityId), false);
  });

  it('keeps an NPC whose behaviour throws from stopping the others, and keeps every NPC inside the zone', () => {
    const z = new GameZone(game);
    z.join(1, 100, 50, 100);
    z.tick();
    z.action(1, 1, 'summon', { x: 60, y: 100 });
    z.action(1, 2, 'summon', { x: -50, y: 100 }); // outside: at the edge, 50 m from the player
    z.action(1, 3, 'summon', { x: 10, y: 100, kind: 'dragon' });
    const sent = z.tick();
    const [a, b] = z.events(sent.get(1)).map((event) => z.zone.game?.npcs.get(event.message.entityId as number));
    assert.ok(a && b);
    assert.equal(b.x, 0, 'moved to the zone’s edge');
    const { code, message } = RefusalMessages.gameRuleFailed;
    assert.deepEqual(errorsOf(sent.get(1)), [{ code, seq: 3, message }], 'no dragons in this game');
    z.action(1, 4, 'jam', { entityId: a.entityId });
    z.tick();
    const errorsBefore = z.zone.game?.errors.npc ?? 0;
    z.action(1, 5, 'summon', { x: 40, y: 100 });
    const c = z.zone.game?.npcs.get(z.events(z.tick().get(1))[0]?.message.entityId as number);
    assert.ok(c);
    const [ax, cx] = [a.x, c.x];
    z.tick();
    assert.equal(z.zone.game?.errors.npc, errorsBefore + 2, 'the jammed one threw, counted once a tick');
    assert.equal(a.x, ax, 'the jammed one did not move');
    assert.ok(c.x > cx, 'one spawned after it still walks to the player');
    assert.equal(b.x, 0, 'out of reach of the player, the one at the edge stays there');
    assert.deepEqual(z.failures.at(-1), { hook: 'npc', playerId: 0, message: `dummy ${a.entityId} is jammed` });
  });

  it('places a player: its client told as after a teleport, its viewers shown the move, the place written back', () => {
    const z = new GameZone(game);
    z.join(1, 100, 70, 100); // 30 m from the spawn point, at the zone's centre
    z.join(2, 101, 90, 100); // seeing both places
    z.tick();
    z.tick();
    const player = z.zone.world.playersBySession.get(1);
    assert.ok(player);
    const version = player.persisted.version;
    z.action(1, 1, 'place', { toSpawn: true });
    const sent = z.tick();
    const { spawnXM, spawnYM } = zoneOfSize(4, 200, 200);
    const correction = sent.get(1)?.find((m) => m.correction)?.correction;
    assert.deepEqual(correction && [correction.reason, correction.xCm, correction.yCm], [MoveRejectReason.MOVE_REJECT_REASON_TELEPORTED, spawnXM * 100, spawnYM * 100]);
    assert.deepEqual([player.x, player.y], [spawnXM, spawnYM]);
    assert.ok(player.persisted.version > version, 'the write-back will save the new place');
    const seen = sent.get(2)?.find((m) => m.update)?.update;
    assert.deepEqual(seen?.moveEntityIds, [player.id], 'the other player sees it go');
    z.action(1, 2, 'place', { x: 250, y: 20 });
    const refused = z.tick();
    const { code, message } = RefusalMessages.gameRuleFailed;
    assert.deepEqual(errorsOf(refused.get(1)), [{ code, seq: 2, message }], 'not in this zone');
    assert.deepEqual([player.x, player.y], [spawnXM, spawnYM]);
  });

  it('counts a hook that returns a promise as failed, and catches the promise', () => {
    const z = new GameZone(game);
    z.join(1, 100);
    z.tick();
    z.action(1, 1, 'wait', {});
    const sent = z.tick();
    const { code, message } = RefusalMessages.gameRuleFailed;
    assert.deepEqual(errorsOf(sent.get(1)), [{ code, seq: 1, message }]);
    assert.match(z.failures.at(-1)?.message ?? '', /returned a promise/);
  });

  it('refuses a grant that is not one before it goes anywhere: no key, or not whole numbers', () => {
    const z = new GameZone(game);
    z.join(1, 100);
    z.tick();
    z.action(1, 1, 'loot', { key: '', gold: 5 });
    z.action(1, 2, 'loot', { key: 'fractional', gold: 1 });
    z.action(1, 3, 'loot', { key: 'kill.1', gold: 5 });
    z.tick();
    assert.deepEqual(
      z.failures.map((failure) => failure.message.replace(/: .*/, '')),
      ['a grant key is 1 to 62 of A-Z a-z 0-9 . _ ', 'grant fractional', 'zone 4 has no store to grant from'],
      'the first two refused for what they are; a good one gets as far as the store (this zone has none)',
    );
    assert.match(z.failures[1]?.message ?? '', /whole number/);
  });

  it('tells a player whose arrival the module failed on, and keeps it in the world', () => {
    const z = new GameZone(game);
    z.join(1, FAILING_JOIN_PLAYER);
    const sent = z.tick();
    assert.ok(sent.get(1)?.[0]?.login?.accepted, 'logged in');
    const { code, message } = RefusalMessages.gameRuleFailed;
    assert.deepEqual(errorsOf(sent.get(1)), [{ code, seq: 0, message }]);
    assert.deepEqual(z.failures, [{ hook: 'join', playerId: FAILING_JOIN_PLAYER, message: 'this player is not welcome' }]);
    assert.equal(z.zone.world.playersById.has(FAILING_JOIN_PLAYER), true);
  });

  it('calls leave while the player is still there, and hands over each hook’s time of the tick once', () => {
    const z = new GameZone(game);
    z.join(1, 100);
    z.tick();
    z.zone.game?.endTick(() => {}); // the join's tick, as the worker does after each
    assert.ok(z.inbound.tryWrite(1, z.jobs.leave()));
    const leaversBefore = seen.leavers.length;
    const sent = z.tick();
    assert.deepEqual(seen.leavers.slice(leaversBefore), [100]);
    assert.deepEqual(z.events(sent.get(1)), [{ name: 'farewell', message: { zoneId: 4 } }], 'still there to be told: sent during the call');
    const observed: GameHookName[] = [];
    z.zone.game?.endTick((hook, ms) => {
      assert.ok(ms >= 0);
      observed.push(hook);
    });
    assert.deepEqual(observed.sort(), ['leave', 'npc', 'tick'], 'the start dummy’s behaviour runs every tick');
    z.zone.game?.endTick((hook) => assert.fail(`${hook} was handed over already`));
  });
});
