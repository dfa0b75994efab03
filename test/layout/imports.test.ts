/**
 * The layout's rules, read from the sources' imports: no two folders of src/ import each other
 * (directly or round a longer loop), and each thread's folder imports only what that thread may
 * run, so that a zone never pulls in the gateway, the store or mysql2.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

interface Source {
  /** Folder relative to src/, e.g. 'zone/view'. */
  readonly folder: string;
  readonly file: string;
  /** Relative imports resolved to folders, and package imports by name. */
  readonly folders: readonly string[];
  readonly packages: readonly string[];
}

function sources(dir = SRC): Source[] {
  const found: Source[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (name === 'generated') continue;
    if (statSync(file).isDirectory()) found.push(...sources(file));
    else if (name.endsWith('.ts')) {
      const text = readFileSync(file, 'utf8');
      // Worker entry files (`new URL('../zone/zone-worker.ts', …)`) are started, not imported.
      const specs = [...text.matchAll(/(?:^import|^export)[^'";]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map((m) => (m[1] ?? m[2]) as string);
      const folderOf = (target: string): string => path.relative(SRC, path.dirname(target)) || '.';
      found.push({
        folder: folderOf(file),
        file: path.relative(SRC, file),
        folders: specs.filter((s) => s.startsWith('.')).map((s) => folderOf(path.resolve(path.dirname(file), s))),
        packages: specs.filter((s) => !s.startsWith('.')).map((s) => s.split('/')[0] as string),
      });
    }
  }
  return found;
}

const all = sources();

describe('layout', () => {
  it('has no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const source of all) {
      for (const folder of source.folders) {
        if (folder === source.folder) continue;
        let out = edges.get(source.folder);
        if (!out) edges.set(source.folder, (out = new Set()));
        out.add(folder);
      }
    }
    // Depth-first search for a back edge; the path found is the cycle.
    const state = new Map<string, 'open' | 'done'>();
    const trail: string[] = [];
    const visit = (folder: string): void => {
      state.set(folder, 'open');
      trail.push(folder);
      for (const next of edges.get(folder) ?? []) {
        if (state.get(next) === 'open') assert.fail(`folders import each other: ${[...trail.slice(trail.indexOf(next)), next].join(' → ')}`);
        if (!state.has(next)) visit(next);
      }
      trail.pop();
      state.set(folder, 'done');
    };
    for (const folder of edges.keys()) if (!state.has(folder)) visit(folder);
    assert.ok(edges.size > 10, 'the imports were read');
  });

  it('has every folder of src/ in the README layout table, with what it is and where it runs', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'));
    const tops = [...new Set(all.map((source) => source.folder.split('/')[0] as string))].filter((folder) => folder !== '.');
    assert.ok(tops.length >= 15, 'the folders were read');
    for (const folder of tops) {
      const row = new RegExp(`^\\| \`src/${folder}/\` \\| [^|]+ \\| [^|]+ \\|$`, 'm');
      assert.match(layout, row, `src/${folder}/ has a row in the README's layout table`);
    }
  });

  it("keeps each thread's folder to what that thread runs", () => {
    const under = (folder: string, top: string): boolean => folder === top || folder.startsWith(`${top}/`);
    const rules: { readonly top: string; readonly mayNot: readonly string[]; readonly packages?: readonly string[] }[] = [
      { top: 'zone', mayNot: ['gateway', 'supervisor', 'store', 'ops', 'client'], packages: ['mysql2', 'ws'] },
      { top: 'store', mayNot: ['gateway', 'supervisor', 'zone', 'ops', 'client'], packages: ['ws'] },
      { top: 'gateway', mayNot: ['zone', 'store', 'client'], packages: ['mysql2'] },
      { top: 'supervisor', mayNot: ['gateway', 'zone', 'store', 'ops', 'client'], packages: ['mysql2'] },
      { top: 'client', mayNot: ['gateway', 'supervisor', 'zone', 'store', 'ops', 'storage', 'economy', 'thread-messages', 'ring'], packages: ['mysql2', 'ws', 'pino', 'prom-client'] },
    ];
    for (const { top, mayNot, packages = [] } of rules) {
      const files = all.filter((source) => under(source.folder, top));
      assert.ok(files.length > 0, `src/${top} has sources`);
      for (const source of files) {
        for (const folder of source.folders) {
          assert.ok(!mayNot.some((other) => under(folder, other)), `${source.file} imports src/${folder}, which its thread does not run`);
        }
        for (const name of source.packages) assert.ok(!packages.includes(name), `${source.file} imports ${name}`);
      }
    }
  });
});
