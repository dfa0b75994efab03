/**
 * Builds the client SDK (src/client/ and the protocol code it uses) as a package of its own in
 * sdk/dist/: JavaScript and type declarations, the generated protocol code, and a package.json
 * whose only dependency is protobufjs. It runs in browsers (through any bundler) and in Node 20
 * and later, with no TypeScript toolchain.
 *
 *   npm run build:sdk                  # then: npm pack ./sdk/dist, or npm install ./sdk/dist
 *   npm run build:sdk -- --out DIR     # elsewhere (the tests build into a temporary directory)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SDK = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(SDK, '..');
const { values: args } = parseArgs({ options: { out: { type: 'string' } } });
const DIST = args.out ? resolve(args.out) : join(SDK, 'dist');
/** What the package is called where a game installs it. */
const SDK_PACKAGE_NAME = 'zone-server-client';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

rmSync(DIST, { recursive: true, force: true });
execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(SDK, 'tsconfig.json'), '--outDir', DIST], { stdio: 'inherit' });
// tsc rewrites `.ts` in the JavaScript's imports, not in the declarations'.
for (const file of filesUnder(DIST).filter((path) => path.endsWith('.d.ts'))) {
  writeFileSync(file, readFileSync(file, 'utf8').replace(/(from\s+['"]\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1.js$2'));
}
mkdirSync(join(DIST, 'protocol/generated'), { recursive: true });
for (const name of ['zone.js', 'zone.d.ts']) copyFileSync(join(ROOT, 'src/protocol/generated', name), join(DIST, 'protocol/generated', name));
copyFileSync(join(SDK, 'README.md'), join(DIST, 'README.md'));

const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string; dependencies: Record<string, string> };
const entry = (path: string): { types: string; default: string } => ({ types: `./${path}.d.ts`, default: `./${path}.js` });
const manifest = {
  name: SDK_PACKAGE_NAME,
  version: root.version,
  description: 'Client SDK for zone-server: connect, log in, move, trade, mail and follow the world, in browsers and Node',
  license: root.license,
  type: 'module',
  engines: { node: '>=20' },
  exports: { '.': entry('client/zone-client'), './game': entry('client/game-channel'), './protocol': entry('protocol/messages') },
  types: './client/zone-client.d.ts',
  dependencies: { protobufjs: root.dependencies.protobufjs },
};
writeFileSync(join(DIST, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`built ${SDK_PACKAGE_NAME}@${root.version} in ${DIST}`);
