/** A game module in a real server: actions from SDK clients over WebSocket, events back, a fault kept small. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { loadGame, type LoadedGame } from '../../src/game/load-game.ts';
import { GameModuleError } from '../../src/game/load-game.ts';
import { GameLimits } from '../../src/config/limits.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { GameActionRefusals, RefusalMessages } from '../../src/protocol/reasons.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';

const ECHO_GAME = new URL('./fixtures/echo-game.ts', import.meta.url).pathname;

/** Everything a client was told by the game, decoded, and its errors. */
class Heard {
  readonly events: { name: string; message: Record<string, unknown> }[] = [];
  readonly errors: { code: number; seq: number; message: string }[] = [];

  constructor(client: ZoneClient, game: LoadedGame) {
    const byId = new Map([...game.eventsByName.values()].map((event) => [event.id, event]));
    client.on('gameEvent', ({ kind, payload }) => {
      const event = byId.get(kind);
      assert.ok(event, `event kind ${kind} is the module's`);
      this.events.push({ name: event.name, message: event.type.toObject(event.type.decode(payload), { defaults: true }) });
    });
    client.on('error', (error) => this.errors.push({ code: error.code, seq: error.seq, message: error.message }));
  }
}

/** A player in the world, heard from before it logs in (its welcome comes with the log-in). */
async function player(server: TestServer, game: LoadedGame, playerId: number): Promise<{ client: ZoneClient; heard: Heard }> {
  const client = await ZoneClient.connect(server.url);
  const heard = new Heard(client, game);
  await client.enter(server.token(playerId), `Player${playerId}`);
  return { client, heard };
}

function act(client: ZoneClient, game: LoadedGame, name: string, message: Record<string, unknown>): number {
  const bound = [...game.actionsById.values()].find((action) => action.name === name);
  assert.ok(bound);
  return client.send({ gameAction: { kind: bound.id, payload: bound.type.encode(bound.type.fromObject(message)).finish() } });
}

describe('a game module in a running server', () => {
  let server: TestServer;
  let game: LoadedGame;
  before(async () => {
    game = await loadGame(ECHO_GAME);
    server = await startTestServer({ GAME_MODULE: ECHO_GAME, ZONES: '1' });
  });
  after(() => server.stop());

  it('takes a client’s action to its hook and sends its events back, to the player and to those who see it', async () => {
    const { client: ann, heard: annHeard } = await player(server, game, 801);
    const { client: bob, heard: bobHeard } = await player(server, game, 802);
    await until(bob, () => bobHeard.events.some((e) => e.name === 'welcome'), 'bob is welcomed');
    assert.deepEqual(bobHeard.events[0]?.message, { players: 2, zoneId: 1 });
    const seq = act(ann, game, 'echo', { text: 'hi', times: 2 });
    await until(ann, () => annHeard.events.some((e) => e.name === 'echoed'), 'ann’s echo');
    assert.deepEqual(annHeard.events.find((e) => e.name === 'echoed')?.message, { text: 'hihi', seq, xCm: Math.round((ann.self?.x ?? Number.NaN) * 100) });
    await until(bob, () => bob.entities.get(ann.self?.entityId ?? 0) !== undefined, 'bob sees ann');
    act(ann, game, 'shout', { text: 'over here' });
    await until(bob, () => bobHeard.events.some((e) => e.name === 'heard'), 'bob hears ann shout');
    assert.deepEqual(bobHeard.events.find((e) => e.name === 'heard')?.message, { fromEntityId: ann.self?.entityId, text: 'over here' });
    await Promise.all([ann.close(), bob.close()]);
  });

  it('answers a failing hook with GAME_RULE_FAILED, counts it, and plays on', async () => {
    const { client: ann, heard } = await player(server, game, 803);
    const bob = await server.player(804);
    const seq = act(ann, game, 'boom', {});
    await until(ann, () => heard.errors.some((e) => e.seq === seq), 'the answer to boom');
    const { code, message } = RefusalMessages.gameRuleFailed;
    assert.deepEqual(heard.errors.find((e) => e.seq === seq), { code, seq, message });
    // The zone ticks on: bob's move reaches ann, and ann's next action is answered.
    await until(ann, () => ann.entities.get(bob.self?.entityId ?? 0) !== undefined, 'ann sees bob');
    const movedTo = (bob.self?.x ?? 0) + 1;
    bob.move(movedTo, bob.self?.y ?? 0, 0);
    await until(ann, () => Math.abs((ann.entities.get(bob.self?.entityId ?? 0)?.x ?? 0) - movedTo) < 0.01, 'ann sees bob’s step');
    act(ann, game, 'echo', { text: 'after', times: 1 });
    await until(ann, () => heard.events.some((e) => e.name === 'echoed'), 'an echo after the failure');
    await eventually(async () => sampleValue(await server.metricsText(), 'zone_game_hook_errors_total', { module: 'echo', hook: 'action' }) === 1, 'the failure counted');
    const metrics = await server.metricsText();
    assert.ok((sampleValue(metrics, 'zone_game_hook_seconds_count', { module: 'echo', hook: 'tick' }) ?? 0) > 0, 'the tick hook is timed');
    await Promise.all([ann.close(), bob.close()]);
  });

  it('grants loot through the economy once per key, however often it is asked, and tells the module', async () => {
    const { client: ann, heard } = await player(server, game, 807);
    const looted = (): Record<string, unknown>[] => heard.events.filter((e) => e.name === 'looted').map((e) => e.message);
    act(ann, game, 'loot', { key: 'kill.77.807', gold: 25 });
    act(ann, game, 'loot', { key: 'kill.77.807', gold: 25 }); // in the same tick: on its way already
    await until(ann, () => looted().length === 1, 'the grant decided');
    assert.deepEqual(looted()[0], { key: 'kill.77.807', ok: true, gold: 25, replayed: false, reason: '' });
    await until(ann, () => ann.inventory?.gold === 25, 'the new gold shown to the player');
    act(ann, game, 'loot', { key: 'kill.77.807', gold: 25 }); // again, after it was decided
    await until(ann, () => looted().length === 2, 'the grant asked again');
    assert.deepEqual(looted()[1], { key: 'kill.77.807', ok: true, gold: 25, replayed: true, reason: '' });
    assert.equal(server.inventoryInDatabase(807).gold, 25, 'granted once');
    act(ann, game, 'loot', { key: 'kill.78.807', gold: 0 });
    await until(ann, () => looted().length === 3, 'an empty grant decided');
    assert.deepEqual(looted()[2], { key: 'kill.78.807', ok: false, gold: 0, replayed: false, reason: 'NOTHING_TO_DO' });
    await ann.close();
  });

  it('refuses an action larger than GameLimits.maxActionBytes before any zone sees it', async () => {
    const { client: ann, heard } = await player(server, game, 805);
    const seq = ann.send({ gameAction: { kind: 1, payload: new Uint8Array(GameLimits.maxActionBytes + 1) } });
    await until(ann, () => heard.errors.some((e) => e.seq === seq), 'the refusal');
    assert.deepEqual(heard.errors.find((e) => e.seq === seq), { code: ErrorCode.ERROR_CODE_GAME_ACTION_REFUSED, seq, message: GameActionRefusals.tooLarge });
    await ann.close();
  });
});

describe('a game module in a world of several zones', () => {
  it('says goodbye in the zone a player leaves and welcomes it in the next, its stats going with it', async () => {
    const game = await loadGame(ECHO_GAME);
    // The default world: four 1000 m zones in a square; a fast walker crosses a border in one move.
    const server = await startTestServer({ GAME_MODULE: ECHO_GAME, ZONES: '', MAX_SPEED_MPS: '1000' });
    try {
      const { client: walker, heard } = await player(server, game, 813); // meadow, zone 1 (new characters go to zone (id − 1) mod 4 + 1)
      assert.equal(walker.self?.zoneId, 1);
      act(walker, game, 'hurt', { damage: 10, times: 1 });
      await until(walker, () => walker.stats?.hp === 90, 'hurt in zone 1');
      walker.move(1010, 500, 0);
      await until(walker, () => heard.events.some((e) => e.name === 'welcome' && e.message.zoneId === 2), 'the welcome of zone 2');
      const names = heard.events.map((e) => `${e.name} ${e.message.zoneId}`);
      assert.deepEqual(names.filter((name) => name.startsWith('welcome') || name.startsWith('farewell')), ['welcome 1', 'farewell 1', 'welcome 2'], 'in that order');
      act(walker, game, 'hurt', { damage: 10, times: 1 });
      await until(walker, () => walker.stats?.hp === 80, 'hurt again in zone 2, from where zone 1 left it');
      await walker.close();
    } finally {
      await server.stop();
    }
  });
});

describe('a server without a game module', () => {
  it('refuses game actions, and the session goes on', async () => {
    const server = await startTestServer({ ZONES: '1' });
    try {
      const ann = await server.player(806);
      const errors: { code: number; seq: number; message: string }[] = [];
      ann.on('error', (error) => errors.push({ code: error.code, seq: error.seq, message: error.message }));
      const seq = ann.send({ gameAction: { kind: 1, payload: new Uint8Array(0) } });
      await until(ann, () => errors.length > 0, 'the refusal');
      assert.deepEqual(errors, [{ code: ErrorCode.ERROR_CODE_GAME_ACTION_REFUSED, seq, message: GameActionRefusals.noGameModule }]);
      assert.ok((await ann.ping()) >= 0, 'the session is still open');
      await ann.close();
    } finally {
      await server.stop();
    }
  });

  it('does not start with a game module that does not load', async () => {
    await assert.rejects(startTestServer({ GAME_MODULE: '/nowhere/game.ts' }), GameModuleError);
  });
});
