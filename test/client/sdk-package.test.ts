/**
 * The SDK as a game gets it: built as a package (sdk/build.ts), packed, installed into a
 * throwaway project outside the repository with the Node example's manifest, type-checked there
 * against its declarations, and run by the machine's own Node (20 or later; no TypeScript)
 * against a real server: the example (examples/node/walk.js, the README's example) and a script
 * that checks the rest of the API.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../helpers/run-command.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Each step's time limit: an install reads npm's cache, and may ask the registry. */
const STEP_TIMEOUT_MS = 120_000;

let server: TestServer;
let dir: string;
before(async () => {
  server = await startTestServer();
  dir = mkdtempSync(join(tmpdir(), 'sdk-package-'));
});
after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const run = (command: string, args: string[], cwd: string): Promise<{ stdout: string }> => runCommand(command, args, { cwd, timeoutMs: STEP_TIMEOUT_MS });

/** The `node` a user would run: the first on PATH outside any node_modules (npm test puts the project's Node first). */
function machineNode(): string {
  for (const entry of (process.env.PATH ?? '').split(delimiter)) {
    if (entry.includes('node_modules')) continue;
    if (existsSync(join(entry, 'node'))) return join(entry, 'node');
  }
  return process.execPath;
}

const CONSUMER = `import { WebSocket } from 'ws';
import { RequestRefusedError, ZoneClient } from 'zone-server-client';
import { ErrorCode } from 'zone-server-client/protocol';

const [url, token, name] = process.argv.slice(2);
// Node 20 has no global WebSocket; ws's serves.
const client = await ZoneClient.connect(url, { WebSocket });
const me = await client.enter(token, name);
const rttMs = await client.ping();
const mailbox = await client.mailList();
const refused = await client.tradeAccept().then(() => undefined, (err) => err instanceof RequestRefusedError && err.code === ErrorCode.ERROR_CODE_TRADE_REFUSED && err.reason);
await client.logout();
await client.close();
console.log(JSON.stringify({ playerId: me.playerId, zoneId: me.zoneId, x: me.x, y: me.y, rttMs, mails: mailbox.mails.length, refused }));
`;

/** Uses the declarations as a TypeScript game would: a wrong type here fails the check. */
const TYPED_CONSUMER = `import { parse } from 'protobufjs';
import { ZoneClient, type Correction, type Self } from 'zone-server-client';
import { GameChannel } from 'zone-server-client/game';
import { ChatChannel, type MailResult, type TradeUpdate } from 'zone-server-client/protocol';

const GAME = { actions: { wave: { id: 1, message: 'g.Wave' } }, events: { waved: { id: 1, message: 'g.Waved' } } };

export async function play(url: string, token: string): Promise<number> {
  const client: ZoneClient = await ZoneClient.connect(url);
  const me: Self = await client.enter(token, 'Typed');
  client.on('correction', (c: Correction) => console.log(c.reason.toLowerCase(), c.x));
  const root = parse('syntax = "proto3"; package g; message Wave { uint32 times = 1; } message Waved { uint32 entity_id = 1; }').root;
  const game = new GameChannel<{ wave: { times: number } }, { waved: { entityId: number } }>(client, GAME, root);
  game.on('waved', (waved) => console.log(waved.entityId.toFixed(0)));
  game.act('wave', { times: 2 });
  const window: TradeUpdate = await client.tradeOpen(7);
  const sent: MailResult = await client.mailSend(2, 1);
  client.chat(ChatChannel.CHAT_CHANNEL_SAY, 'hi');
  return me.x + window.tradeId + (sent.ok ? 1 : 0) + (await client.ping());
}
`;

it('builds, packs and installs outside the repository, type-checks, and plays from the machine’s Node', { timeout: 6 * STEP_TIMEOUT_MS }, async () => {
  const built = join(dir, 'package');
  await run(process.execPath, [join(ROOT, 'sdk/build.ts'), '--out', built], ROOT);
  const manifest = JSON.parse(readFileSync(join(built, 'package.json'), 'utf8')) as { name: string; dependencies: Record<string, string> };
  assert.deepEqual(Object.keys(manifest.dependencies), ['protobufjs'], 'protobufjs is its one dependency');
  const tarball = (await run('npm', ['pack', built, '--pack-destination', dir, '--silent'], dir)).stdout.trim().split('\n').at(-1) as string;

  // The example's own manifest, its SDK taken from the tarball rather than the repository's build.
  const app = join(dir, 'app');
  mkdirSync(app);
  const example = JSON.parse(readFileSync(join(ROOT, 'examples/node/package.json'), 'utf8')) as { dependencies: Record<string, string> };
  example.dependencies[manifest.name] = `file:${join(dir, tarball)}`;
  writeFileSync(join(app, 'package.json'), JSON.stringify(example));
  writeFileSync(join(app, 'walk.js'), readFileSync(join(ROOT, 'examples/node/walk.js')));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);

  writeFileSync(join(app, 'typed.ts'), TYPED_CONSUMER);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true }, files: ['typed.ts'] }));
  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);

  writeFileSync(join(app, 'main.js'), CONSUMER);
  const node = machineNode();
  const version = (await run(node, ['--version'], app)).stdout.trim();
  assert.ok(Number(version.slice(1).split('.')[0]) >= 20, `${node} is ${version}`);
  // The example walks ten steps of 0.5 m east and logs out where it stands.
  const walked = (await run(node, ['walk.js', server.url, server.token(62), 'Walker'], app)).stdout;
  const [, fromX, fromY, zoneName] = /^player 62 at (\S+) (\S+) in (\S+)$/m.exec(walked) ?? [];
  const [, toX, toY] = /^logged out at (\S+) (\S+)$/m.exec(walked) ?? [];
  assert.ok(Math.abs(Number(toX) - Number(fromX) - 5) < 0.01 && toY === fromY, `walked 5 m east:\n${walked}`);
  assert.match(walked, /^rtt [\d.]+ ms$/m);
  // The database keeps positions within the zone; the client is told them in the world.
  const zone = server.config.zones.find((z) => z.name === zoneName);
  const walker = server.characterInDatabase(62);
  const stoodAt = [Number(toX) - (zone?.originXM ?? Number.NaN), Number(toY) - (zone?.originYM ?? Number.NaN)];
  assert.equal(walker?.online, false, 'the log-out released the walker');
  assert.ok(Math.abs((walker?.x ?? 0) - (stoodAt[0] as number)) < 0.01 && walker?.y === stoodAt[1], `the database has the walker where it stopped: ${JSON.stringify(walker)}\n${walked}`);

  const playerId = 61;
  assert.equal(server.characterInDatabase(playerId), undefined, 'no character before the game makes one');
  const played = await run(node, ['main.js', server.url, server.token(playerId), 'Packaged'], app);
  const told = JSON.parse(played.stdout) as { playerId: number; zoneId: number; x: number; y: number; rttMs: number; mails: number; refused: string };
  assert.equal(told.playerId, playerId);
  assert.equal(told.mails, 0);
  assert.equal(told.refused, 'NO_TRADE', 'a refused request rejects with RequestRefusedError');
  assert.ok(told.rttMs >= 0);
  // What the server did: it made the character where it told the client, and the log-out released it.
  const row = server.characterInDatabase(playerId);
  const origin = server.config.zones.find((z) => z.id === told.zoneId);
  assert.deepEqual([row?.online, row?.x, row?.y], [false, told.x - (origin?.originXM ?? Number.NaN), told.y - (origin?.originYM ?? Number.NaN)], `as ${node} (${version}) was told`);
});

it('the README’s example is examples/node/walk.js, verbatim', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const example = readFileSync(join(ROOT, 'examples/node/walk.js'), 'utf8');
  assert.ok(readme.includes(`\`\`\`js\n${example}\`\`\``), 'README.md has walk.js in a js code block, as it is');
});
