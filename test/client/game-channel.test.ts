/** The SDK's GameChannel against a real server running a game module: actions by name, events decoded. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { GameChannel } from '../../src/client/game-channel.ts';
import { ClientClosedError, ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until, within } from '../helpers/wait.ts';
import echoGame from '../game/fixtures/echo-game.ts';

const ECHO_GAME = new URL('../game/fixtures/echo-game.ts', import.meta.url).pathname;
const ECHO_PROTO = new URL('../game/fixtures/echo.proto', import.meta.url).pathname;

interface Actions extends Record<string, Record<string, unknown>> {
  echo: { text: string; times: number };
  hurt: { damage: number; times: number };
}
interface Events extends Record<string, Record<string, unknown>> {
  echoed: { text: string; seq: number; xCm: number };
  welcome: { players: number; zoneId: number };
}

describe('GameChannel', () => {
  let server: TestServer;
  let root: protobuf.Root;
  before(async () => {
    root = await protobuf.load(ECHO_PROTO);
    server = await startTestServer({ GAME_MODULE: ECHO_GAME, ZONES: '1' });
  });
  after(() => server.stop());

  it('sends actions by name and hands each listener its events decoded', async () => {
    const client = await ZoneClient.connect(server.url);
    const game = new GameChannel<Actions, Events>(client, echoGame, root);
    const welcome = game.next('welcome');
    await client.enter(server.token(1201), 'Player1201');
    assert.deepEqual(await within(welcome, 'the welcome'), { players: 1, zoneId: 1 });
    const echoed: Events['echoed'][] = [];
    const off = game.on('echoed', (message) => echoed.push(message));
    const seq = game.act('echo', { text: 'ok', times: 3 });
    await until(client, () => echoed.length === 1, 'the echo');
    assert.deepEqual(echoed[0], { text: 'okokok', seq, xCm: Math.round((client.self?.x ?? Number.NaN) * 100) });
    off();
    game.act('echo', { text: 'unheard', times: 1 });
    game.act('hurt', { damage: 1, times: 1 });
    await until(client, () => client.stats?.hp === 99, 'the hurt after it');
    assert.equal(echoed.length, 1, 'a listener that stopped hears nothing more');
    await client.close();
  });

  it('refuses, before anything is sent, an action the game lacks or a message that is not its type', async () => {
    const client = await ZoneClient.connect(server.url);
    const game = new GameChannel<Actions, Events>(client, echoGame, root);
    await client.enter(server.token(1202), 'Player1202');
    assert.throws(() => game.act('fly' as 'echo', { text: '', times: 0 }), /declares no action fly/);
    assert.throws(() => game.act('echo', { text: 5 as unknown as string, times: 1 }), /action echo: text: string expected/);
    assert.throws(() => new GameChannel(client, { actions: { x: { id: 9, message: 'echo.Nope' } } }, root), /no message echo\.Nope/);
    assert.throws(() => new GameChannel(client, { events: { a: { id: 1, message: 'echo.Echoed' }, b: { id: 1, message: 'echo.Heard' } } }, root), /share the id 1/);
    const never = game.next('echoed');
    await client.close();
    await assert.rejects(never, ClientClosedError, 'a wait for an event ends with the connection');
  });
});
