/**
 * Loading a game module (GAME_MODULE): its file, checked against the API (game-module.ts), and
 * its .proto file, compiled with protobufjs at run time. The main thread loads it once at start,
 * so that a broken module stops the server with a clear error before any zone starts; each zone
 * worker then loads its own instance.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import protobuf from 'protobufjs';
import { GAME_HOOK_NAMES, type GameModule, type MessageBinding } from './game-module.ts';

/** A module that cannot be loaded: the file, its shape or its .proto file. */
export class GameModuleError extends Error {
  override readonly name = 'GameModuleError';
}

/** One of the module's actions or events, its message type compiled. */
export interface BoundMessage {
  readonly name: string;
  readonly id: number;
  readonly type: protobuf.Type;
}

export interface LoadedGame {
  readonly module: GameModule;
  /** The module file, resolved. */
  readonly file: string;
  readonly actionsById: ReadonlyMap<number, BoundMessage>;
  readonly eventsByName: ReadonlyMap<string, BoundMessage>;
}

const MAX_ID = 2 ** 32 - 1;

/** Loads the module at `modulePath` (relative to the working directory, or absolute). */
export async function loadGame(modulePath: string): Promise<LoadedGame> {
  const file = path.resolve(modulePath);
  if (!existsSync(file)) throw new GameModuleError(`GAME_MODULE ${modulePath}: no such file (${file})`);
  let exported: unknown;
  try {
    exported = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (err) {
    throw new GameModuleError(`GAME_MODULE ${modulePath}: the module failed to load: ${(err as Error).message}`, { cause: err });
  }
  const module = checkShape(exported, modulePath);
  const protoFile = path.resolve(path.dirname(file), module.proto);
  if (!existsSync(protoFile)) throw new GameModuleError(`game module ${module.name}: its proto file ${module.proto} does not exist (${protoFile})`);
  let root: protobuf.Root;
  try {
    root = await protobuf.load(protoFile);
  } catch (err) {
    throw new GameModuleError(`game module ${module.name}: ${module.proto} does not compile: ${(err as Error).message}`, { cause: err });
  }
  const actions = bind(module, root, 'actions');
  const events = bind(module, root, 'events');
  checkIds(module, 'npcKinds', Object.entries(module.npcKinds ?? {}).map(([name, kind]) => [name, kind.id]));
  return {
    module,
    file,
    actionsById: new Map(actions.map((action) => [action.id, action])),
    eventsByName: new Map(events.map((event) => [event.name, event])),
  };
}

function checkShape(exported: unknown, modulePath: string): GameModule {
  const problem = (what: string): GameModuleError => new GameModuleError(`GAME_MODULE ${modulePath}: ${what}`);
  if (typeof exported !== 'object' || exported === null) throw problem('its default export must be a game module (defineGame({ … }))');
  const module = exported as Partial<GameModule>;
  if (typeof module.name !== 'string' || module.name === '') throw problem('`name` must be a non-empty string');
  if (typeof module.proto !== 'string' || module.proto === '') throw problem('`proto` must be the path of its .proto file');
  for (const key of ['actions', 'events', 'npcKinds', 'hooks'] as const) {
    const value = module[key];
    if (value !== undefined && (typeof value !== 'object' || value === null)) throw problem(`\`${key}\` must be an object`);
  }
  for (const [hook, fn] of Object.entries(module.hooks ?? {})) {
    if (!(GAME_HOOK_NAMES as readonly string[]).includes(hook)) throw problem(`hooks.${hook} is not a hook (${GAME_HOOK_NAMES.join(', ')})`);
    if (typeof fn !== 'function') throw problem(`hooks.${hook} must be a function`);
    // A hook runs inside the tick; one that awaits would go on between ticks.
    if (fn.constructor.name === 'AsyncFunction') throw problem(`hooks.${hook} is async: hooks run inside the zone's tick and must not wait (ask the economy with grant, and hear back in granted)`);
  }
  for (const key of ['actions', 'events', 'npcKinds'] as const) {
    for (const [name, binding] of Object.entries(module[key] ?? {})) {
      if (typeof binding !== 'object' || binding === null) throw problem(`${key}.${name} must be an object`);
    }
  }
  if (Object.keys(module.actions ?? {}).length > 0 && !module.hooks?.action) throw problem('it declares actions but no action hook to take them');
  return module as GameModule;
}

/** The module's actions or events with their message types; every id and type checked. */
function bind(module: GameModule, root: protobuf.Root, key: 'actions' | 'events'): BoundMessage[] {
  const bindings = Object.entries<MessageBinding>(module[key] ?? {});
  checkIds(module, key, bindings.map(([name, binding]) => [name, binding.id]));
  const bound: BoundMessage[] = [];
  for (const [name, { id, message }] of bindings) {
    let type: protobuf.Type;
    try {
      type = root.lookupType(message);
    } catch {
      throw new GameModuleError(`game module ${module.name}: ${key}.${name}: ${module.proto} has no message ${message}`);
    }
    bound.push({ name, id, type });
  }
  return bound;
}

/** Each id a whole number in range, none used twice within `key`. */
function checkIds(module: GameModule, key: string, ids: readonly (readonly [string, number])[]): void {
  const seen = new Set<number>();
  for (const [name, id] of ids) {
    const where = `game module ${module.name}: ${key}.${name}`;
    if (!(Number.isInteger(id) && id >= 1 && id <= MAX_ID)) throw new GameModuleError(`${where}: id must be a whole number from 1 to ${MAX_ID}, got ${id}`);
    if (seen.has(id)) throw new GameModuleError(`${where}: id ${id} is used twice among the ${key}`);
    seen.add(id);
  }
}
