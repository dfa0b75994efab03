/**
 * The browser example (`npm run demo`), bundled by esbuild with the SDK as sdk/build.ts builds
 * it, in a real headless Chromium, Debian's, driven by playwright-core: two pages log in with development tokens, walk (one by the keyboard, one by
 * a click), see each other where the server says they are, as a third client, an SDK watcher,
 * is told, and chat. A screenshot of each page is kept in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { issueToken } from '../../src/auth/token.ts';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { builtSdk, servePage } from '../../examples/browser/serve.ts';
import { runCommand } from '../helpers/run-command.ts';
import { needChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until, WAIT_TIMEOUT_MS } from '../helpers/wait.ts';

const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

let server: TestServer;
let page: Awaited<ReturnType<typeof servePage>>;
let browser: Browser | undefined;
let sdkDir: string;

before(async () => {
  // The development secret: the page asks the server for its tokens.
  server = await startTestServer({ TOKEN_SECRET: '', ZONES: '1' });
  // The page bundled (esbuild) with the SDK as its package is built, as a game would get it.
  sdkDir = mkdtempSync(join(tmpdir(), 'demo-sdk-'));
  await runCommand(process.execPath, [fileURLToPath(new URL('../../sdk/build.ts', import.meta.url)), '--out', sdkDir], { timeoutMs: 60_000 });
  page = await servePage('127.0.0.1', 0, builtSdk(sdkDir));
});
after(async () => {
  await browser?.close();
  page.server.close();
  await server.stop();
  rmSync(sdkDir, { recursive: true, force: true });
});


interface PageView {
  self: { playerId: number; x: number; y: number } | undefined;
  seen: { playerId: number; x: number; y: number }[];
}

/** What the page's client knows: its player, and the players it sees. */
function viewOf(tab: Page): Promise<PageView> {
  return tab.evaluate(() => {
    const client = (globalThis as unknown as { demo?: { client: { self?: PageView['self']; entities: Map<number, { playerId: number; x: number; y: number }> } } }).demo?.client;
    const self = client?.self;
    return {
      self: self && { playerId: self.playerId, x: self.x, y: self.y },
      seen: [...(client?.entities.values() ?? [])].filter((e) => e.playerId > 0).map((e) => ({ playerId: e.playerId, x: e.x, y: e.y })),
    };
  }) as Promise<PageView>;
}

async function pageUntil(tab: Page, condition: (view: PageView) => boolean, what: string): Promise<PageView> {
  const giveUpAt = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const view = await viewOf(tab);
    if (condition(view)) return view;
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${WAIT_TIMEOUT_MS} ms waiting for ${what}; the page knows ${JSON.stringify(view)}`);
    await tab.waitForTimeout(50);
  }
}

const near = (a: number, b: number): boolean => Math.abs(a - b) < 0.011;

it('two pages log in, walk by keyboard and by click, and see each other where the server says', { timeout: 90_000 }, async (t) => {
  const executablePath = needChromium(t, 'the browser demo');
  if (!executablePath) return;
  browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  const gameUrl = encodeURIComponent(server.url);
  const [ann, bob] = await Promise.all([browser.newPage(), browser.newPage()]);
  const errors: string[] = [];
  for (const tab of [ann, bob]) tab.on('pageerror', (err) => errors.push(err.message));
  await ann.goto(`${page.url}?server=${gameUrl}&player=81&name=Ann`);
  await bob.goto(`${page.url}?server=${gameUrl}&player=82&name=Bob`);
  await pageUntil(ann, (v) => v.self?.playerId === 81, 'Ann to be logged in');
  await pageUntil(bob, (v) => v.seen.some((e) => e.playerId === 81), 'Bob to see Ann');

  const watcher = await ZoneClient.connect(server.url);
  await watcher.enter(issueToken(server.config.tokenSecret, 83, 3600), 'Watcher');
  const annAt = (): { x: number; y: number } | undefined => [...watcher.entities.values()].find((e) => e.playerId === 81);
  await until(watcher, () => annAt() !== undefined, 'the watcher to see Ann');
  const startX = annAt()?.x as number;

  // Ann walks east while the arrow key is held.
  await ann.bringToFront();
  await ann.keyboard.down('ArrowRight');
  await until(watcher, () => (annAt()?.x ?? 0) > startX + 2, 'Ann to walk 2 m east', WAIT_TIMEOUT_MS);
  await ann.keyboard.up('ArrowRight');
  const annView = await pageUntil(ann, (v) => near(v.self?.x ?? 0, annAt()?.x ?? Number.NaN), 'Ann to stop where the watcher sees her');
  await until(watcher, () => near(annAt()?.x ?? 0, annView.self?.x ?? Number.NaN) && near(annAt()?.y ?? 0, annView.self?.y ?? Number.NaN), 'the watcher to see Ann where her page has her');
  await pageUntil(bob, (v) => v.seen.some((e) => e.playerId === 81 && near(e.x, annAt()?.x ?? 0) && near(e.y, annAt()?.y ?? 0)), 'Bob to see Ann where the server has her');

  // Bob walks to a point clicked 5 m north of him (the canvas: 640 px for 120 m, y up).
  const bobStart = (await viewOf(bob)).self as { x: number; y: number };
  await bob.bringToFront();
  await bob.click('#world', { position: { x: 320, y: 320 - (5 * 640) / 120 } });
  const bobAt = (): { x: number; y: number } | undefined => [...watcher.entities.values()].find((e) => e.playerId === 82);
  // Where the click lands is the nearest pixel: about 5 m, within one pixel's 0.19 m.
  const arrived = (p: { x: number; y: number } | undefined): boolean => p !== undefined && Math.abs(p.y - bobStart.y - 5) < 0.2 && Math.abs(p.x - bobStart.x) < 0.2;
  await until(watcher, () => arrived(bobAt()), 'the watcher to see Bob walk 5 m north');
  const bobView = await pageUntil(bob, (v) => arrived(v.self) && near(v.self?.x ?? 0, bobAt()?.x ?? Number.NaN) && near(v.self?.y ?? 0, bobAt()?.y ?? Number.NaN), 'Bob to stop where the watcher sees him');
  await pageUntil(ann, (v) => v.seen.some((e) => e.playerId === 82 && near(e.x, bobView.self?.x ?? 0) && near(e.y, bobView.self?.y ?? 0)), 'Ann to see Bob where the server has him');

  // Ann says something; Bob's page shows it.
  await ann.fill('#chat-input', 'hello from Ann');
  await ann.press('#chat-input', 'Enter');
  await bob.waitForFunction("document.querySelector('#chat-log').textContent.includes('Ann: hello from Ann')", undefined, { timeout: WAIT_TIMEOUT_MS });

  mkdirSync(RESULTS, { recursive: true });
  for (const [name, tab] of [['ann', ann], ['bob', bob]] as const) {
    const path = join(RESULTS, `browser-demo-${name}.png`);
    await tab.screenshot({ path });
    t.diagnostic(`screenshot: ${path}`);
  }
  assert.deepEqual(errors, [], 'no errors in the pages');
  await watcher.close();
});
