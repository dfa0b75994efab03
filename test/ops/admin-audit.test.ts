/**
 * The audit trail through the admin API: a row for every write an authorised caller asked for,
 * with its request id, the credential's fingerprint (never the token), the request and the
 * outcome; none for a refused credential or a malformed request; GET /admin/audit pages through
 * them, newest first. The rows are read from the database as well as through the API.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '1' });
});
after(() => server.stop());

const rowCount = async (): Promise<number> => Number((await server.sql('SELECT COUNT(*) AS n FROM admin_audit'))[0]?.n);

/** The audit row of the request with this id, straight from the database. */
async function rowOf(requestId: string): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  // Rows of writes the database had no part in are written just after the answer.
  await eventually(async () => {
    [found] = await server.sql('SELECT action, player_id, outcome, credential, request, result FROM admin_audit WHERE request_id = ?', [requestId]);
    return found !== undefined;
  }, `the audit row of ${requestId}`);
  return found as Record<string, unknown>;
}

it('records every write with its outcome, request id and credential fingerprint', async () => {
  await server.player(31);
  const writes: [string, string, string, unknown, string, string][] = [
    ['change-1', 'PATCH', '/admin/players/31', { hp: 50 }, 'player.change', 'ok'],
    ['grant-1', 'POST', '/admin/grants', { opId: 'audit-grant-1', playerId: 31, gold: 5 }, 'grant', 'ok'],
    ['grant-refused-1', 'POST', '/admin/grants', { opId: 'audit-grant-2', playerId: 31, gold: -5 }, 'grant', 'refused'],
    ['mail-1', 'POST', '/admin/mail', { opId: 'audit-mail-1', to: 31, gold: 2 }, 'mail', 'ok'],
    ['chat-1', 'POST', '/admin/chat', { text: 'maintenance at noon' }, 'chat', 'ok'],
    ['kick-1', 'POST', '/admin/players/31/kick', { reason: 'testing the trail' }, 'player.kick', 'ok'],
    ['kick-refused-1', 'POST', '/admin/players/31/kick', { reason: 'again' }, 'player.kick', 'refused'],
    ['isolate-1', 'POST', '/admin/players/31/isolate', {}, 'player.isolate', 'ok'],
    ['change-refused-1', 'PATCH', '/admin/players/31', { hp: 1 }, 'player.change', 'refused'],
    ['release-1', 'DELETE', '/admin/players/31/isolate', undefined, 'player.release', 'ok'],
  ];
  for (const [requestId, method, path, body, action, outcome] of writes) {
    const answer = await server.adminCall(method, path, body, { headers: { 'x-request-id': requestId } });
    assert.equal(answer.status < 300, outcome === 'ok', `${requestId}: ${JSON.stringify(answer.json)}`);
    const row = await rowOf(requestId);
    assert.deepEqual([row.action, row.outcome, row.player_id === null ? null : Number(row.player_id)], [action, outcome, action === 'chat' ? null : 31], requestId);
    assert.match(String(row.credential), /^admin-token:[0-9a-f]{16}$/);
    assert.ok(!String(row.credential).includes(TEST_ADMIN_TOKEN), 'never the token itself');
    assert.deepEqual(JSON.parse(String(row.request)), body ?? {}, `${requestId}: the request as sent`);
    if (answer.status < 300) assert.equal(JSON.parse(String(row.result)).ok, true);
  }
});

it('records nothing for a refused credential or a malformed request', async () => {
  const before = await rowCount();
  assert.equal((await server.adminCall('POST', '/admin/grants', { opId: 'no-token', playerId: 31, gold: 1 }, { token: '' })).status, 401);
  assert.equal((await server.adminCall('PATCH', '/admin/players/31', { hp: 1 }, { token: 'wrong-token-0123456789' })).status, 401);
  assert.equal((await server.adminCall('PATCH', '/admin/players/31', { hp: 'lots' })).status, 400);
  assert.equal((await server.adminCall('POST', '/admin/players/31/kick', '{broken')).status, 400);
  // A write after them, whose row is known to land, so that any row of theirs would have landed first.
  await server.adminCall('POST', '/admin/chat', { text: 'fence' }, { headers: { 'x-request-id': 'fence-1' } });
  await rowOf('fence-1');
  assert.equal(await rowCount(), before + 1, 'only the fence was recorded');
});

it('pages through the trail newest first, and by player', async () => {
  const all = await server.adminCall('GET', '/admin/audit?limit=500');
  const entries = all.json.entries as { seq: number; requestId: string; playerId: number | null; at: string }[];
  assert.equal(entries.length, await rowCount());
  assert.deepEqual(entries.map((e) => e.seq), [...entries.map((e) => e.seq)].sort((a, b) => b - a), 'newest first');
  assert.equal(entries[0]?.requestId, 'fence-1');
  assert.ok(!Number.isNaN(Date.parse(entries[0]?.at ?? '')), 'times are ISO 8601');
  const first = await server.adminCall('GET', '/admin/audit?limit=3');
  const second = await server.adminCall('GET', `/admin/audit?limit=3&before=${first.json.next}`);
  assert.deepEqual([...(first.json.entries as typeof entries), ...(second.json.entries as typeof entries)].map((e) => e.seq), entries.slice(0, 6).map((e) => e.seq));
  const mine = await server.adminCall('GET', '/admin/audit?playerId=31&limit=500');
  assert.deepEqual((mine.json.entries as typeof entries).map((e) => e.seq), entries.filter((e) => e.playerId === 31).map((e) => e.seq));
  const bad = await server.adminCall('GET', '/admin/audit?limit=0');
  assert.deepEqual([bad.status, bad.json.code], [400, 'INVALID_REQUEST']);
});
