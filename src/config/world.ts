/**
 * The world: zones placed side by side in one coordinate space, and portals between them. Read
 * from a JSON world file (WORLD_FILE) or laid out from the quick form (ZONES), checked once at
 * start-up with errors that name the zone and the field, then frozen.
 *
 * The file speaks world coordinates (metres): each zone's bounds, its spawn point, and each
 * portal's area and destination. Inside the server each zone keeps its own coordinates, from
 * (0, 0) at its bounds' corner, so ZoneConfig holds the zone's origin in the world and everything
 * else relative to it.
 *
 *   {
 *     "zones": [
 *       { "id": 1, "name": "meadow", "bounds": { "x": 0, "y": 0, "width": 1000, "height": 1000 },
 *         "spawn": { "x": 500, "y": 500 } },
 *       { "id": 9, "name": "crypt", "bounds": { "x": 0, "y": 5000, "width": 200, "height": 200 },
 *         "spawn": { "x": 100, "y": 5100 }, "newPlayers": false }
 *     ],
 *     "portals": [
 *       { "from": 1, "area": { "x": 900, "y": 900, "width": 10, "height": 10 }, "to": 9, "at": { "x": 100, "y": 5010 } }
 *     ]
 *   }
 */
import { readFileSync } from 'node:fs';

/** One zone: its id, name and size, where it lies in the world, and where newcomers appear. */
export interface ZoneConfig {
  readonly id: number;
  readonly name: string;
  /** Bounds are 0..widthM × 0..heightM in the zone's own coordinates, metres. */
  readonly widthM: number;
  readonly heightM: number;
  /** World coordinates of the zone's (0, 0) corner, metres. */
  readonly originXM: number;
  readonly originYM: number;
  /** Where a new character, or one whose saved place is gone, appears: zone coordinates. */
  readonly spawnXM: number;
  readonly spawnYM: number;
  /** Whether new players start here; a dungeon reached only by a portal does not take them. */
  readonly newPlayers: boolean;
}

/** A rectangle in a zone's own coordinates, metres. */
export interface Area {
  readonly xM: number;
  readonly yM: number;
  readonly widthM: number;
  readonly heightM: number;
}

/** Stepping into `area` of zone `fromZone` takes a player to (toXM, toYM) in zone `toZone`. */
export interface Portal {
  readonly fromZone: number;
  readonly area: Area;
  readonly toZone: number;
  readonly toXM: number;
  readonly toYM: number;
}

export interface WorldMap {
  readonly zones: readonly ZoneConfig[];
  readonly portals: readonly Portal[];
}

/** Two zones whose bounds touch along an edge: a player may walk from one into the other. */
export interface Border {
  readonly a: number;
  readonly b: number;
}

export const WorldLimits = Object.freeze({
  maxZones: 64,
  /** Largest side of a zone, metres: the spatial index and the wire's centimetres both hold it. */
  maxZoneSideM: 100_000,
  /** Largest coordinate anywhere in the world, metres: whole centimetres stay within sint32. */
  maxCoordinateM: 20_000_000,
  maxNameChars: 32,
  maxPortals: 1024,
});

/** A world file or ZONES value that breaks the rules; the message names the zone and the field. */
export class WorldError extends Error {
  override readonly name = 'WorldError';
}

const DEFAULT_ZONE_SIZE_M = 1000;

/**
 * ZONES, the quick form: a count ("4": zones 1..4, each 1000 m square) or a comma-separated list
 * of `id:WIDTHxHEIGHT` in metres ("1:2000x2000,7:500x800"). The zones are laid side by side along
 * x in the order given, each sharing its right edge with the next one's left edge, every zone
 * takes new players, and each spawns them at its centre.
 */
export function parseZones(raw: string | undefined): WorldMap {
  const text = (raw ?? '').trim();
  if (text === '') return defaultWorld();
  const sizes: { id: number; widthM: number; heightM: number }[] = [];
  if (/^\d+$/.test(text)) {
    const count = Number(text);
    if (count < 1 || count > WorldLimits.maxZones) throw new WorldError(`ZONES must be between 1 and ${WorldLimits.maxZones} zones, got ${count}`);
    for (let id = 1; id <= count; id++) sizes.push({ id, widthM: DEFAULT_ZONE_SIZE_M, heightM: DEFAULT_ZONE_SIZE_M });
  } else {
    for (const part of text.split(',')) {
      const match = /^\s*(\d+)\s*:\s*(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
      if (!match) throw new WorldError(`ZONES entry "${part}" is not id:WIDTHxHEIGHT (for example 1:1000x1000)`);
      const id = Number(match[1]);
      const widthM = Number(match[2]);
      const heightM = Number(match[3]);
      if (id < 1 || id > 0xffff_ffff) throw new WorldError(`ZONES id ${id} must be between 1 and 4294967295`);
      if (widthM <= 0 || heightM <= 0 || widthM > WorldLimits.maxZoneSideM || heightM > WorldLimits.maxZoneSideM) {
        throw new WorldError(`ZONES zone ${id} size must be above 0 and at most ${WorldLimits.maxZoneSideM} m on each side`);
      }
      if (sizes.some((z) => z.id === id)) throw new WorldError(`ZONES lists zone ${id} twice`);
      sizes.push({ id, widthM, heightM });
    }
    if (sizes.length > WorldLimits.maxZones) throw new WorldError(`ZONES must list at most ${WorldLimits.maxZones} zones, got ${sizes.length}`);
  }
  let originXM = 0;
  const zones = sizes.map(({ id, widthM, heightM }) => {
    const zone = zoneOfSize(id, widthM, heightM, originXM);
    originXM += widthM;
    return zone;
  });
  return freeze({ zones, portals: [] });
}

/**
 * The world when neither WORLD_FILE nor ZONES is set: four 1000 m zones in a square, each sharing
 * borders with two others, and a crypt reached only through a portal in the lake's far corner
 * (and left through one at its own far end).
 */
export function defaultWorld(): WorldMap {
  return parseWorld(
    {
      zones: [
        { id: 1, name: 'meadow', bounds: { x: 0, y: 0, width: 1000, height: 1000 }, spawn: { x: 500, y: 500 } },
        { id: 2, name: 'forest', bounds: { x: 1000, y: 0, width: 1000, height: 1000 }, spawn: { x: 1500, y: 500 } },
        { id: 3, name: 'hills', bounds: { x: 0, y: 1000, width: 1000, height: 1000 }, spawn: { x: 500, y: 1500 } },
        { id: 4, name: 'lake', bounds: { x: 1000, y: 1000, width: 1000, height: 1000 }, spawn: { x: 1500, y: 1500 } },
        { id: 5, name: 'crypt', bounds: { x: 0, y: 10_000, width: 200, height: 200 }, spawn: { x: 100, y: 10_100 }, newPlayers: false },
      ],
      portals: [
        { from: 4, area: { x: 1980, y: 1980, width: 20, height: 20 }, to: 5, at: { x: 100, y: 10_020 } },
        { from: 5, area: { x: 90, y: 10_180, width: 20, height: 20 }, to: 4, at: { x: 1960, y: 1960 } },
      ],
    },
    'the default world',
  );
}

/** A zone of the quick form: named after its id, spawning new players at its centre. */
export function zoneOfSize(id: number, widthM: number, heightM: number, originXM = 0): ZoneConfig {
  return { id, name: `zone-${id}`, widthM, heightM, originXM, originYM: 0, spawnXM: widthM / 2, spawnYM: heightM / 2, newPlayers: true };
}

/** Reads and checks a world file; errors name the file, the zone and the field. */
export function loadWorldFile(path: string): WorldMap {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WorldError(`WORLD_FILE ${path} cannot be read: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new WorldError(`WORLD_FILE ${path} is not JSON: ${(err as Error).message}`);
  }
  return parseWorld(json, `WORLD_FILE ${path}`);
}

/** Checks a world given as parsed JSON; `where` starts every error message. */
export function parseWorld(json: unknown, where: string): WorldMap {
  const fail = (what: string): never => {
    throw new WorldError(`${where}: ${what}`);
  };
  const top = objectAt(json, 'the world', fail);
  knownKeys(top, ['zones', 'portals'], 'the world', fail);
  if (!Array.isArray(top.zones) || top.zones.length === 0) fail('"zones" must be a list of at least one zone');
  const rawZones = top.zones as unknown[];
  if (rawZones.length > WorldLimits.maxZones) fail(`at most ${WorldLimits.maxZones} zones, got ${rawZones.length}`);

  const zones: ZoneConfig[] = [];
  rawZones.forEach((raw, i) => {
    const entry = objectAt(raw, `zones[${i}]`, fail);
    const id = entry.id;
    if (!Number.isSafeInteger(id) || (id as number) < 1 || (id as number) > 0xffff_ffff) fail(`zones[${i}]: "id" must be a whole number from 1 to 4294967295, got ${JSON.stringify(id)}`);
    const name = entry.name;
    const label = `zone ${id as number}${typeof name === 'string' ? ` (${JSON.stringify(name)})` : ''}`;
    knownKeys(entry, ['id', 'name', 'bounds', 'spawn', 'newPlayers'], label, fail);
    if (typeof name !== 'string' || !/^[A-Za-z0-9 _.-]+$/.test(name) || name.trim() === '' || name.length > WorldLimits.maxNameChars) {
      fail(`${label}: "name" must be 1–${WorldLimits.maxNameChars} letters, digits, spaces, '.', '_' or '-'`);
    }
    if (zones.some((z) => z.id === id)) fail(`${label}: the id ${id as number} is used by another zone`);
    if (zones.some((z) => z.name.toLowerCase() === (name as string).toLowerCase())) fail(`${label}: the name is used by another zone`);
    const bounds = rectAt(entry.bounds, `${label}: "bounds"`, fail);
    if (bounds.widthM > WorldLimits.maxZoneSideM || bounds.heightM > WorldLimits.maxZoneSideM) fail(`${label}: "bounds" may be at most ${WorldLimits.maxZoneSideM} m on each side`);
    const spawn = pointAt(entry.spawn, `${label}: "spawn"`, fail);
    if (!inside(spawn, bounds)) fail(`${label}: "spawn" (${spawn.x}, ${spawn.y}) lies outside the zone's bounds`);
    const newPlayers = entry.newPlayers === undefined ? true : entry.newPlayers;
    if (typeof newPlayers !== 'boolean') fail(`${label}: "newPlayers" must be true or false`);
    for (const other of zones) {
      if (overlapArea(bounds, worldRect(other)) > 0) fail(`${label}: "bounds" overlap those of zone ${other.id} (${JSON.stringify(other.name)})`);
    }
    zones.push({
      id: id as number,
      name: name as string,
      widthM: bounds.widthM,
      heightM: bounds.heightM,
      originXM: bounds.xM,
      originYM: bounds.yM,
      spawnXM: spawn.x - bounds.xM,
      spawnYM: spawn.y - bounds.yM,
      newPlayers: newPlayers as boolean,
    });
  });
  if (!zones.some((zone) => zone.newPlayers)) fail('at least one zone must take new players ("newPlayers" true, the default)');

  const rawPortals = top.portals === undefined ? [] : top.portals;
  if (!Array.isArray(rawPortals)) fail('"portals" must be a list');
  if ((rawPortals as unknown[]).length > WorldLimits.maxPortals) fail(`at most ${WorldLimits.maxPortals} portals`);
  const zoneOf = (id: unknown, label: string): ZoneConfig => {
    const zone = zones.find((z) => z.id === id);
    return zone ?? fail(`${label} names no zone of this world: ${JSON.stringify(id)}`);
  };
  const portals = (rawPortals as unknown[]).map((raw, i): Portal => {
    const label = `portals[${i}]`;
    const entry = objectAt(raw, label, fail);
    knownKeys(entry, ['from', 'area', 'to', 'at'], label, fail);
    const from = zoneOf(entry.from, `${label}: "from"`);
    const to = zoneOf(entry.to, `${label}: "to"`);
    const area = rectAt(entry.area, `${label}: "area"`, fail);
    if (!contains(worldRect(from), area)) fail(`${label}: "area" must lie inside zone ${from.id} (${JSON.stringify(from.name)})`);
    const at = pointAt(entry.at, `${label}: "at"`, fail);
    if (!inside(at, worldRect(to))) fail(`${label}: "at" (${at.x}, ${at.y}) must lie inside zone ${to.id} (${JSON.stringify(to.name)})`);
    return {
      fromZone: from.id,
      area: { xM: area.xM - from.originXM, yM: area.yM - from.originYM, widthM: area.widthM, heightM: area.heightM },
      toZone: to.id,
      toXM: at.x - to.originXM,
      toYM: at.y - to.originYM,
    };
  });
  portals.forEach((portal, i) => {
    const arrival = portals.find((other) => other.fromZone === portal.toZone && insideArea(portal.toXM, portal.toYM, other.area));
    if (arrival) fail(`portals[${i}]: "at" lies inside a portal of zone ${portal.toZone}: a player arriving there would be sent on at once`);
  });
  return freeze({ zones, portals });
}

/** Whether the point (zone coordinates) lies in the area, edges included. */
export function insideArea(xM: number, yM: number, area: Area): boolean {
  return xM >= area.xM && xM <= area.xM + area.widthM && yM >= area.yM && yM <= area.yM + area.heightM;
}

/** The zone whose bounds hold the world point (xM, yM), edges included (the first one, on a shared edge). */
export function zoneAt(zones: readonly ZoneConfig[], xM: number, yM: number): ZoneConfig | undefined {
  return zones.find((zone) => xM >= zone.originXM && yM >= zone.originYM && xM <= zone.originXM + zone.widthM && yM <= zone.originYM + zone.heightM);
}

/**
 * How far from a border an entity is seen from across it: anyone on the other side sees up to
 * the view radius and margin, and may itself stand up to the hand-over margin past the border.
 */
export function sightStripM(settings: { readonly viewRadiusM: number; readonly viewMarginM: number; readonly handoverMarginM: number }): number {
  return settings.viewRadiusM + settings.viewMarginM + settings.handoverMarginM;
}

/**
 * The zones whose bounds come within `distanceM` of those of `zoneId` (touching at a corner
 * included): what stands in them may be seen from it.
 */
export function zonesWithin(world: WorldMap, zoneId: number, distanceM: number): ZoneConfig[] {
  const zone = world.zones.find((z) => z.id === zoneId);
  if (!zone) return [];
  const a = worldRect(zone);
  return world.zones.filter((other) => {
    if (other.id === zoneId) return false;
    const b = worldRect(other);
    const dx = Math.max(b.xM - (a.xM + a.widthM), a.xM - (b.xM + b.widthM), 0);
    const dy = Math.max(b.yM - (a.yM + a.heightM), a.yM - (b.yM + b.heightM), 0);
    return Math.hypot(dx, dy) <= distanceM + EDGE_TOLERANCE_M;
  });
}

/** The pairs of zones whose bounds share a stretch of edge (touching at a corner does not count). */
export function bordersOf(world: WorldMap): Border[] {
  const borders: Border[] = [];
  const zones = world.zones;
  for (let i = 0; i < zones.length; i++) {
    for (let j = i + 1; j < zones.length; j++) {
      const a = worldRect(zones[i] as ZoneConfig);
      const b = worldRect(zones[j] as ZoneConfig);
      const xOverlap = Math.min(a.xM + a.widthM, b.xM + b.widthM) - Math.max(a.xM, b.xM);
      const yOverlap = Math.min(a.yM + a.heightM, b.yM + b.heightM) - Math.max(a.yM, b.yM);
      const touchX = near(a.xM + a.widthM, b.xM) || near(b.xM + b.widthM, a.xM);
      const touchY = near(a.yM + a.heightM, b.yM) || near(b.yM + b.heightM, a.yM);
      if ((touchX && yOverlap > EDGE_TOLERANCE_M) || (touchY && xOverlap > EDGE_TOLERANCE_M)) borders.push({ a: (zones[i] as ZoneConfig).id, b: (zones[j] as ZoneConfig).id });
    }
  }
  return borders;
}

// ---------------------------------------------------------------- checking the file's parts

type Fail = (what: string) => never;
interface Point {
  readonly x: number;
  readonly y: number;
}

function objectAt(value: unknown, label: string, fail: Fail): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${label} must be a JSON object`);
  return value as Record<string, unknown>;
}

/** Refuses keys the format does not know, so that a typo ("spwan") is an error, not a default. */
function knownKeys(entry: Record<string, unknown>, keys: readonly string[], label: string, fail: Fail): void {
  for (const key of Object.keys(entry)) if (!keys.includes(key)) fail(`${label}: unknown field "${key}" (known: ${keys.join(', ')})`);
}

function coordinate(value: unknown, label: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > WorldLimits.maxCoordinateM) fail(`${label} must be a number of metres within ±${WorldLimits.maxCoordinateM}, got ${JSON.stringify(value)}`);
  return value as number;
}

function pointAt(value: unknown, label: string, fail: Fail): Point {
  const entry = objectAt(value, label, fail);
  knownKeys(entry, ['x', 'y'], label, fail);
  return { x: coordinate(entry.x, `${label}.x`, fail), y: coordinate(entry.y, `${label}.y`, fail) };
}

function rectAt(value: unknown, label: string, fail: Fail): Area {
  const entry = objectAt(value, label, fail);
  knownKeys(entry, ['x', 'y', 'width', 'height'], label, fail);
  const xM = coordinate(entry.x, `${label}.x`, fail);
  const yM = coordinate(entry.y, `${label}.y`, fail);
  const widthM = coordinate(entry.width, `${label}.width`, fail);
  const heightM = coordinate(entry.height, `${label}.height`, fail);
  if (widthM <= 0) fail(`${label}.width must be above 0, got ${widthM}`);
  if (heightM <= 0) fail(`${label}.height must be above 0, got ${heightM}`);
  if (Math.abs(xM + widthM) > WorldLimits.maxCoordinateM || Math.abs(yM + heightM) > WorldLimits.maxCoordinateM) fail(`${label} must end within ±${WorldLimits.maxCoordinateM} m`);
  return { xM, yM, widthM, heightM };
}

function worldRect(zone: ZoneConfig): Area {
  return { xM: zone.originXM, yM: zone.originYM, widthM: zone.widthM, heightM: zone.heightM };
}

function inside(point: Point, area: Area): boolean {
  return point.x >= area.xM && point.x <= area.xM + area.widthM && point.y >= area.yM && point.y <= area.yM + area.heightM;
}

function contains(outer: Area, inner: Area): boolean {
  return inner.xM >= outer.xM && inner.yM >= outer.yM && inner.xM + inner.widthM <= outer.xM + outer.widthM && inner.yM + inner.heightM <= outer.yM + outer.heightM;
}

/** Edges this close are one edge: decimal metres in a file (0.1 + 0.2) are not exact in binary. */
const EDGE_TOLERANCE_M = 1e-6;

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= EDGE_TOLERANCE_M;
}

function overlapArea(a: Area, b: Area): number {
  const x = Math.min(a.xM + a.widthM, b.xM + b.widthM) - Math.max(a.xM, b.xM);
  const y = Math.min(a.yM + a.heightM, b.yM + b.heightM) - Math.max(a.yM, b.yM);
  return x > EDGE_TOLERANCE_M && y > EDGE_TOLERANCE_M ? x * y : 0;
}

function freeze(world: WorldMap): WorldMap {
  return Object.freeze({
    zones: Object.freeze(world.zones.map((zone) => Object.freeze({ ...zone }))),
    portals: Object.freeze(world.portals.map((portal) => Object.freeze({ ...portal, area: Object.freeze({ ...portal.area }) }))),
  });
}
