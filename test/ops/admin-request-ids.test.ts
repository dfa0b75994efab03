/** Every admin request gets an id: answered in `x-request-id`, and carried by each log line it makes. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { logLines } from '../helpers/log-lines.ts';
import { startTestServer, TEST_SECRET, type TestServer } from '../helpers/server.ts';
import type { AdminAnswer } from '../helpers/admin-client.ts';

const { log, lines } = logLines();
let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '1' }, {}, log);
});
after(() => server.stop());

function post(path: string, body: unknown, requestId?: string): Promise<AdminAnswer> {
  return server.adminCall('POST', path, body, { headers: requestId === undefined ? {} : { 'x-request-id': requestId } });
}

it('keeps a caller’s request id, in the answer and in the log line of what it did', async () => {
  const client = await ZoneClient.connect(`ws://127.0.0.1:${server.port}`);
  await client.enter(issueToken(TEST_SECRET, 5, 60), 'Five');
  await client.close();
  const response = await post('/admin/grants', { opId: 'request-id-grant', playerId: 5, gold: 3 }, 'shop-7f3a.1');
  assert.equal(response.status, 200, JSON.stringify(response.json));
  assert.equal(response.headers.get('x-request-id'), 'shop-7f3a.1');
  const logged = lines.filter((line) => line.requestId === 'shop-7f3a.1');
  assert.deepEqual(logged.map((line) => [line.msg, line.opId]), [['grant', 'request-id-grant']]);
});

it('makes one when the caller sends none, or one unfit for a log line, and each request has its own', async () => {
  const ids: string[] = [];
  for (const given of [undefined, 'has spaces and ünïcode', 'x'.repeat(65)]) {
    const response = await post('/admin/chat', { text: 'the server restarts soon' }, given);
    assert.equal(response.status, 200);
    const id = response.headers.get('x-request-id') as string;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, `a fresh id, not ${JSON.stringify(given)}`);
    assert.deepEqual(lines.filter((line) => line.requestId === id).map((line) => line.msg), ['system chat']);
    ids.push(id);
  }
  assert.equal(new Set(ids).size, 3);
  // A refused credential gets an id too, so that its answer can be matched with the caller's log.
  const refused = await fetch(`http://127.0.0.1:${server.metricsPort}/admin/zones`, { headers: { 'x-request-id': 'no-token-1' } });
  assert.deepEqual([refused.status, refused.headers.get('x-request-id')], [401, 'no-token-1']);
});
