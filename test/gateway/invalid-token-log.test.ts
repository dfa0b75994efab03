/**
 * A token the server cannot verify is logged at info, once per address: an operator whose
 * clients sign with another secret sees it, and a client retrying in a loop does not flood the log.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { issueToken } from '../../src/auth/token.ts';
import { LoginRefusedError, ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { logLines } from '../helpers/log-lines.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const { log, lines } = logLines();
let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '1' }, {}, log);
});
after(() => server.stop());

async function refusedCode(token: string): Promise<number> {
  const client = await ZoneClient.connect(`ws://127.0.0.1:${server.port}`);
  try {
    await client.login(token);
    assert.fail('the log-in was accepted');
  } catch (err) {
    assert.ok(err instanceof LoginRefusedError, String(err));
    return err.code;
  } finally {
    await client.close();
  }
}

it('logs the first token signed with another secret from an address at info, and no more from it', async () => {
  const invalidLines = (): typeof lines => lines.filter((line) => line.msg.startsWith('log-in refused: invalid token'));
  for (let attempt = 0; attempt < 3; attempt++) {
    assert.equal(await refusedCode(issueToken('another-secret-entirely-0123456789', 5, 600)), ErrorCode.ERROR_CODE_INVALID_TOKEN);
  }
  assert.equal(await refusedCode('not-a-token-at-all'), ErrorCode.ERROR_CODE_INVALID_TOKEN);
  const logged = invalidLines();
  assert.equal(logged.length, 1, JSON.stringify(logged));
  assert.equal(logged[0]?.level, 30, 'at info');
  assert.equal(logged[0]?.address, '127.0.0.1');
  assert.match(logged[0]?.msg ?? '', /another secret than this server's TOKEN_SECRET/);
});
