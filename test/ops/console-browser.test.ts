/**
 * The operator console in a real headless Chromium (Debian's, driven by playwright-core): an
 * operator logs in with ADMIN_TOKEN, sees the zone with its players, opens its live map, which
 * draws as many entities as the admin API reports and is updated at least 5 times a second,
 * opens a player, teleports it (its SDK client is moved there) and kicks it (its socket closes,
 * the reason given). A failing run leaves a screenshot in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { needChromium } from '../helpers/chromium.ts';
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from '../helpers/server.ts';
import { until, WAIT_TIMEOUT_MS } from '../helpers/wait.ts';

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const NPCS = 20;

let server: TestServer;
let browser: Browser | undefined;
before(async () => {
  server = await startTestServer({ ZONES: '1', NPCS_PER_ZONE: String(NPCS) });
});
after(async () => {
  await browser?.close();
  await server.stop();
});


/** Runs `steps` on `page`; if they fail, a screenshot of the page is kept and named in the error. */
async function screenshotOnFailure(t: TestContext, page: Page, name: string, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (err) {
    mkdirSync(RESULTS, { recursive: true });
    const path = join(RESULTS, `${name}-failure.png`);
    await page.screenshot({ path }).catch(() => undefined);
    t.diagnostic(`screenshot of the failure: ${path}`);
    throw err;
  }
}

/** The text of the element `selector` once `accept` takes it; fails naming `what` after the usual wait. */
async function textUntil(page: Page, selector: string, accept: (text: string) => boolean, what: string): Promise<string> {
  const giveUpAt = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const text = (await page.locator(selector).first().textContent({ timeout: WAIT_TIMEOUT_MS })) ?? '';
    if (accept(text)) return text;
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${WAIT_TIMEOUT_MS} ms waiting for ${what}; ${selector} shows "${text}"`);
    await page.waitForTimeout(50);
  }
}

it('logs in, shows the zone and its live map with every entity, and kicks and teleports a player from its page', { timeout: 90_000 }, async (t) => {
  const executablePath = needChromium(t, 'the console in a browser');
  if (!executablePath) return;
  const players: ZoneClient[] = await Promise.all([31, 33, 35].map((id) => server.player(id)));
  const [, target] = players as [ZoneClient, ZoneClient, ZoneClient];
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));

  await screenshotOnFailure(t, page, 'console', async () => {
    await page.goto(`http://127.0.0.1:${server.metricsPort}/console`);
    await page.fill('#token', TEST_ADMIN_TOKEN);
    await page.click('button[type="submit"]');

    // The zones, with their players.
    await textUntil(page, '#zones tbody tr', (text) => text.startsWith('1') && text.includes('running') && text.includes('3'), 'zone 1 to be listed running with 3 players');

    // The live map: as many entities drawn as the API reports, at 5 updates a second or more.
    await page.click('#zones tbody tr');
    const api = await server.adminCall('GET', '/admin/zones/1/entities');
    const count = api.json.count as number;
    assert.equal(count, NPCS + 3);
    await textUntil(page, '#entity-count', (text) => text === String(count), `the map to show ${count} entities`);
    assert.equal(await page.locator('#map').getAttribute('data-drawn'), String(count), 'the canvas drew every one of them');
    await textUntil(page, '#map-rate', (text) => Number(text) >= 5, 'the map to be updated at least 5 times in a second');
    await textUntil(page, '#zone-players tbody', (text) => text.includes('Player33'), 'the zone\'s players to be listed');
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'console-map.png') });

    // A player's page: teleport it, then kick it.
    await page.click('#zone-players tbody tr:has-text("Player33")');
    await textUntil(page, '#player-state dd[data-field="online"]', (text) => text.startsWith('yes'), 'player 33\'s page to show it online');
    await page.fill('#teleport-x', '123.5');
    await page.fill('#teleport-y', '321');
    await page.click('#teleport-form button');
    await until(target, () => target.self?.x === 123.5 && target.self?.y === 321, 'player 33\'s client to be moved to (123.5, 321)');
    await textUntil(page, '#player-state dd[data-field="position"]', (text) => text === '123.5, 321.0', 'the page to show the new position');

    await page.fill('#kick-reason', 'seen on the console');
    await page.click('#kick-form button');
    await until(target, () => target.closed !== undefined, 'player 33\'s socket to close');
    assert.equal(target.closed?.reason, 'kicked: seen on the console');
    await textUntil(page, '#action-result', (text) => text.startsWith('200 '), 'the page to show the kick\'s answer');
    await textUntil(page, '#player-state dd[data-field="online"]', (text) => text === 'no', 'player 33\'s page to show it offline');
  });
  assert.deepEqual(errors, [], 'no errors in the page');
  await Promise.all(players.map((client) => client.close()));
});
