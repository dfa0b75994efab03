/**
 * The client SDK must bundle for browsers: nothing it imports, directly or through other
 * project files, may be a Node built-in module.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The SDK package's entries (sdk/build.ts). */
const ENTRIES = ['zone-client.ts', 'game-channel.ts'].map((name) => fileURLToPath(new URL(`../../src/client/${name}`, import.meta.url)));
/** Imports that stay in the JavaScript: `import type` is erased, so it is not matched. */
const IMPORT = /^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(IMPORT)].map((match) => (match[1] ?? match[2]) as string);
}

it('imports no Node built-in, directly or indirectly', () => {
  const builtins = new Set(builtinModules);
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [...ENTRIES];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of importsOf(file)) {
      assert.ok(!specifier.startsWith('node:') && !builtins.has(specifier.split('/')[0] as string), `${file} imports ${specifier}`);
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier));
      else packages.add(specifier);
    }
  }
  assert.ok(seen.size >= 3, 'followed the SDK into the protocol module');
  assert.deepEqual([...packages].sort(), ['protobufjs/minimal.js'], 'only the browser-safe protobuf runtime');
});
