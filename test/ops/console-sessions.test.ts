/**
 * The console's credential: ADMIN_TOKEN given once on its log-in page opens a session (an
 * HttpOnly cookie); the cookie reads the admin API, and writes only with the session's CSRF
 * token, which the console page carries and another origin's page cannot send. Writes made
 * through a session are audited as the console's; logging out ends the session.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { AdminCredential } from '../../src/ops/admin-credential.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '1' });
});
after(() => server.stop());

const ops = (path: string): string => `http://127.0.0.1:${server.metricsPort}${path}`;

/** Logs in with `token`: the answer, and the session's cookie when one was set. */
async function logIn(token: string): Promise<{ status: number; location: string | null; cookie: string | undefined; setCookie: string | null }> {
  const response = await fetch(ops('/console/session'), { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
  const setCookie = response.headers.get('set-cookie');
  await response.arrayBuffer();
  return { status: response.status, location: response.headers.get('location'), cookie: setCookie?.split(';')[0], setCookie };
}

/** The CSRF token of the console page the session is shown. */
async function csrfOf(cookie: string): Promise<string> {
  const page = await (await fetch(ops('/console'), { headers: { cookie } })).text();
  const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page)?.[1];
  assert.ok(csrf, 'the console page carries its session\'s CSRF token');
  return csrf;
}

it('shows the log-in page without a session, refuses a wrong token, and opens a session for the right one', async () => {
  const page = await fetch(ops('/console'));
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<form method="post" action="\/console\/session">/);
  assert.doesNotMatch(html, /csrf-token/, 'no session, no CSRF token');
  assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);

  const wrong = await logIn('not-the-token');
  assert.equal(wrong.status, 401);
  assert.equal(wrong.setCookie, null, 'a wrong token opens no session');

  const right = await logIn(TEST_ADMIN_TOKEN);
  assert.equal(right.status, 303);
  assert.equal(right.location, '/console');
  assert.match(right.setCookie ?? '', /^zone_console=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
  const console = await fetch(ops('/console'), { headers: { cookie: right.cookie as string } });
  assert.match(await console.text(), /<canvas id="map"/);
});

it('reads the admin API with the session, writes only with its CSRF token, and audits those writes as the console\'s', async () => {
  const { cookie } = await logIn(TEST_ADMIN_TOKEN);
  assert.ok(cookie);
  const csrf = await csrfOf(cookie);
  const zones = await server.adminCall('GET', '/admin/zones', undefined, { token: '', headers: { cookie } });
  assert.equal(zones.status, 200);

  const player = await server.player(21);
  const forged: Record<string, string>[] = [{ cookie }, { cookie, 'x-csrf-token': 'guessed' }, { cookie: 'zone_console=forged', 'x-csrf-token': csrf }];
  for (const headers of forged) {
    const refused = await server.adminCall('POST', '/admin/players/21/kick', { reason: 'forged' }, { token: '', headers });
    assert.equal(refused.status, 401, JSON.stringify(headers));
  }
  const still = await server.adminCall('GET', '/admin/players/21');
  assert.equal(still.json.online, true, 'the refused kicks kicked nobody');

  const kicked = await server.adminCall('POST', '/admin/players/21/kick', { reason: 'from the console' }, { token: '', headers: { cookie, 'x-csrf-token': csrf } });
  assert.equal(kicked.status, 200);
  await until(player, () => player.closed !== undefined, 'the kicked player\'s socket to close');
  assert.equal(player.closed?.reason, 'kicked: from the console');

  const trail = (await server.adminCall('GET', '/admin/audit?playerId=21')).json.entries as { action: string; credential: string; outcome: string }[];
  assert.deepEqual(
    trail.map((entry) => [entry.action, entry.credential, entry.outcome]),
    [['player.kick', `${new AdminCredential(TEST_ADMIN_TOKEN).fingerprint}/console`, 'ok']],
    'one audit row, the console\'s; none for the refused requests',
  );
});

it('ends the session on log-out: its cookie reads nothing more', async () => {
  const { cookie } = await logIn(TEST_ADMIN_TOKEN);
  assert.ok(cookie);
  const csrf = await csrfOf(cookie);
  const out = await fetch(ops('/console/logout'), { method: 'POST', headers: { cookie, 'x-csrf-token': csrf }, redirect: 'manual' });
  assert.equal(out.status, 303);
  assert.match(out.headers.get('set-cookie') ?? '', /^zone_console=; .*Max-Age=0$/);
  const after = await server.adminCall('GET', '/admin/zones', undefined, { token: '', headers: { cookie } });
  assert.equal(after.status, 401);
  assert.doesNotMatch(await (await fetch(ops('/console'), { headers: { cookie } })).text(), /csrf-token/, 'the log-in page again');
});

it('is off, as the admin API is, without ADMIN_TOKEN', async () => {
  const off = await startTestServer({ ZONES: '1', ADMIN_TOKEN: '' });
  try {
    const page = await fetch(`http://127.0.0.1:${off.metricsPort}/console`);
    assert.equal(page.status, 404);
    assert.match(await page.text(), /The console is off: set ADMIN_TOKEN/);
    const login = await fetch(`http://127.0.0.1:${off.metricsPort}/console/session`, { method: 'POST', body: new URLSearchParams({ token: '' }), redirect: 'manual' });
    assert.equal(login.status, 404);
    assert.equal(login.headers.get('set-cookie'), null);
  } finally {
    await off.stop();
  }
});
