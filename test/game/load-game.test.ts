/** Loading a game module: a good one binds its actions and events; a broken one says what is wrong. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { GameModuleError, loadGame } from '../../src/game/load-game.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'game-module-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROTO = 'syntax = "proto3"; package t; message A { uint32 n = 1; } message E { string s = 1; }';
writeFileSync(path.join(dir, 't.proto'), PROTO);
writeFileSync(path.join(dir, 'broken.proto'), 'syntax = "proto3"; message {');

let files = 0;
/** A module file whose default export is `source` (a JavaScript expression). */
function moduleFile(source: string): string {
  const file = path.join(dir, `module-${++files}.mjs`);
  writeFileSync(file, `export default ${source};\n`);
  return file;
}

const good = (overrides = ''): string =>
  moduleFile(`{ name: 'g', proto: './t.proto', actions: { a: { id: 1, message: 't.A' } }, events: { e: { id: 1, message: 't.E' } }, hooks: { action() {} }${overrides} }`);

async function refused(file: string, pattern: RegExp): Promise<void> {
  await assert.rejects(loadGame(file), (err: unknown) => {
    assert.ok(err instanceof GameModuleError, `a GameModuleError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('loading a game module', () => {
  it('binds actions by id and events by name to their compiled message types', async () => {
    const game = await loadGame(good());
    assert.equal(game.module.name, 'g');
    assert.equal(game.actionsById.get(1)?.name, 'a');
    assert.equal(game.actionsById.get(1)?.type.fullName, '.t.A');
    assert.equal(game.eventsByName.get('e')?.id, 1);
  });

  it('refuses what is not a module, and says what is wrong', async () => {
    await refused(path.join(dir, 'nowhere.mjs'), /no such file/);
    await refused(moduleFile('42'), /default export must be a game module/);
    await refused(moduleFile(`{ proto: './t.proto' }`), /`name` must be a non-empty string/);
    await refused(moduleFile(`{ name: 'g' }`), /`proto` must be the path/);
    await refused(good(', hooks: { onJoin() {} }'), /hooks\.onJoin is not a hook/);
    await refused(good(', hooks: { tick: 3 }'), /hooks\.tick must be a function/);
    const throwing = path.join(dir, 'throwing.mjs');
    writeFileSync(throwing, 'throw new Error("not today");\n');
    await refused(throwing, /failed to load: not today/);
    await refused(good(', hooks: { async action() {} }'), /hooks\.action is async/);
    await refused(good(', hooks: {}'), /declares actions but no action hook/);
    await refused(good(', npcKinds: { wolf: null }'), /npcKinds\.wolf must be an object/);
  });

  it('refuses a proto file that is missing or does not compile', async () => {
    await refused(good(", proto: './missing.proto'"), /does not exist/);
    await refused(good(", proto: './broken.proto'"), /does not compile/);
  });

  it('refuses a binding to a message the proto file lacks, and ids out of range or used twice', async () => {
    await refused(good(", actions: { a: { id: 1, message: 't.Nope' } }"), /actions\.a: \.\/t\.proto has no message t\.Nope/);
    await refused(good(", actions: { a: { id: 0, message: 't.A' } }"), /actions\.a: id must be a whole number from 1/);
    await refused(good(", events: { e: { id: 2 ** 32, message: 't.E' } }"), /events\.e: id must be a whole number/);
    await refused(good(", actions: { a: { id: 1, message: 't.A' }, b: { id: 1, message: 't.A' } }"), /actions\.b: id 1 is used twice/);
  });
});
