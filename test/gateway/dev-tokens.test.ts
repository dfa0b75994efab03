/** GET /dev/token on the WebSocket port: a token that logs in, only on the development secret. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const httpOf = (server: TestServer): string => `http://127.0.0.1:${server.port}`;

describe('development tokens', () => {
  let dev: TestServer;
  let real: TestServer;
  before(async () => {
    dev = await startTestServer({ TOKEN_SECRET: '' });
    real = await startTestServer();
  });
  after(async () => {
    await Promise.all([dev.stop(), real.stop()]);
  });

  it('gives a token that logs the player in, to pages of any origin, on the development secret', async () => {
    assert.equal(dev.config.usingDevSecret, true);
    const response = await fetch(`${httpOf(dev)}/dev/token?player=5`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const { token } = (await response.json()) as { token: string };
    const client = await ZoneClient.connect(dev.url);
    const me = await client.enter(token, 'DevFive');
    assert.equal(me.playerId, 5);
    assert.equal(dev.characterInDatabase(5)?.online, true, 'the server logged the token’s player in');
    await client.close();
  });

  it('refuses a request without a good player id, or not a GET', async () => {
    for (const query of ['', '?player=0', '?player=-3', '?player=1.5', '?player=abc']) {
      const response = await fetch(`${httpOf(dev)}/dev/token${query}`);
      assert.equal(response.status, 400, query);
      assert.match(((await response.json()) as { error: string }).error, /player=ID/);
    }
    assert.equal((await fetch(`${httpOf(dev)}/dev/token?player=5`, { method: 'POST' })).status, 405);
  });

  it('does not exist on a server with a secret of its own', async () => {
    assert.equal(real.config.usingDevSecret, false);
    const response = await fetch(`${httpOf(real)}/dev/token?player=5`);
    assert.equal(response.status, 426);
    assert.doesNotMatch(await response.text(), /token/);
  });
});
