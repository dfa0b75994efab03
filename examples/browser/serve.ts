/**
 * `npm run demo`: the browser example, playable. Starts a zone server on its defaults (the
 * embedded database, the development secret) unless `--server ws://HOST:PORT` names one that
 * runs already, bundles main.ts with the SDK (esbuild), and serves the page:
 *
 *   npm run demo                                   # then open http://127.0.0.1:8080/
 *   npm run demo -- --port 9000 --server ws://127.0.0.1:7777
 *
 * Open it in two windows (or `?player=1` and `?player=2`) to see two players walk.
 */
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the page's `zone-server-client` comes from: its two entry points, and where its dependencies are. */
export interface SdkSource {
  readonly client: string;
  readonly protocol: string;
  readonly nodePaths: readonly string[];
}

/** The SDK's source in this repository: what `npm run demo` bundles. */
export const SDK_SOURCE: SdkSource = { client: `${ROOT}src/client/zone-client.ts`, protocol: `${ROOT}src/protocol/messages.ts`, nodePaths: [] };

/** The SDK as sdk/build.ts built it into `dir`, its protobufjs taken from this repository. */
export function builtSdk(dir: string): SdkSource {
  return { client: join(dir, 'client/zone-client.js'), protocol: join(dir, 'protocol/messages.js'), nodePaths: [`${ROOT}node_modules`] };
}

/** The page's script with the SDK in it, as a game's bundler makes it. */
export async function bundlePage(sdk: SdkSource = SDK_SOURCE): Promise<string> {
  const result = await build({
    entryPoints: [`${HERE}main.ts`],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    write: false,
    alias: { 'zone-server-client': sdk.client, 'zone-server-client/protocol': sdk.protocol },
    nodePaths: [...sdk.nodePaths],
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { text: string }).text;
}

/** Serves the page and its script on `port` (0: any free one) of `host`; resolves once listening. */
export async function servePage(host: string, port: number, sdk: SdkSource = SDK_SOURCE): Promise<{ server: Server; url: string }> {
  const files: Record<string, { type: string; body: string }> = {
    '/': { type: 'text/html', body: readFileSync(`${HERE}index.html`, 'utf8') },
    '/main.js': { type: 'text/javascript', body: await bundlePage(sdk) },
  };
  const server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname];
    if (!file) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    response.writeHead(200, { 'content-type': `${file.type}; charset=utf-8`, 'cache-control': 'no-store' }).end(file.body);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}/` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, host: { type: 'string', default: '127.0.0.1' }, server: { type: 'string' } } });
  let gameUrl = values.server;
  if (!gameUrl) {
    const { loadConfig } = await import('../../src/config/config.ts');
    const { createLogger } = await import('../../src/log/logger.ts');
    const { startServer } = await import('../../src/server.ts');
    const config = loadConfig(process.env);
    if (!config.usingDevSecret) throw new Error('the demo logs in with development tokens: run it without TOKEN_SECRET (or give --server)');
    const game = await startServer(config, createLogger(config));
    gameUrl = `ws://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${game.port}`;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void game.stop().then(() => process.exit(0)));
  }
  const { url } = await servePage(values.host as string, Number(values.port));
  const page = gameUrl === `ws://${values.host}:7777` ? url : `${url}?server=${encodeURIComponent(gameUrl)}`;
  console.log(`demo: open ${page} (in two windows, to see two players walk)`);
}
