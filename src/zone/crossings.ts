/**
 * Where a zone's ground ends, and where a player goes from there: across a shared border into
 * the zone beside it, or through a portal.
 *
 * A zone holds its own bounds, and a strip `marginM` wide beyond each border it shares (and
 * around each corner where it touches another zone): a move there is accepted and the player stays. A move farther on, into the zone beside it, hands the
 * player over. The zone beside does the same from its side, so a player walking back has to go
 * `marginM` past the border the other way: a player walking along a border is not handed back
 * and forth. A move into a portal's area hands the player over to the portal's destination.
 * A move that lands in no zone is out of bounds.
 *
 * Coordinates here are the zone's own (from its bounds' corner), as everywhere in a zone.
 */
import { insideArea, zoneAt, zonesWithin, type Portal, type WorldMap, type ZoneConfig } from '../config/world.ts';

/** Where an accepted move takes the player, when it leaves the zone. */
export interface Crossing {
  readonly to: ZoneConfig;
  /** In the destination's coordinates. */
  readonly x: number;
  readonly y: number;
  readonly portal: boolean;
}

export class Crossings {
  private readonly zone: ZoneConfig;
  private readonly neighbours: readonly ZoneConfig[];
  private readonly portals: readonly { readonly portal: Portal; readonly to: ZoneConfig }[];
  private readonly marginM: number;
  /** Every zone of the world, for teleports. */
  private readonly zones: readonly ZoneConfig[];

  constructor(zone: ZoneConfig, neighbours: readonly ZoneConfig[], portals: readonly { readonly portal: Portal; readonly to: ZoneConfig }[], marginM: number, zones: readonly ZoneConfig[] = [zone]) {
    this.zone = zone;
    this.neighbours = neighbours;
    this.portals = portals;
    this.marginM = marginM;
    this.zones = zones;
  }

  /**
   * Where a teleport to the world point (worldX, worldY) takes the player when that point is in
   * another zone (as a portal would, the view starting afresh); undefined when it lies in this
   * zone, or 'nowhere' when it lies in no zone.
   */
  teleportTo(worldX: number, worldY: number): Crossing | 'nowhere' | undefined {
    if (zoneAt([this.zone], worldX, worldY)) return undefined;
    const to = zoneAt(this.zones, worldX, worldY);
    return to ? { to, x: worldX - to.originXM, y: worldY - to.originYM, portal: true } : 'nowhere';
  }

  /** How far outside its bounds the zone ever holds a player, metres (for its spatial index). */
  get reachM(): number {
    return this.neighbours.length > 0 ? this.marginM : 0;
  }

  /** Whether a move may end at (x, y): inside this zone, or inside a zone beside it. */
  allows(x: number, y: number): boolean {
    const { widthM, heightM } = this.zone;
    if (x >= 0 && y >= 0 && x <= widthM && y <= heightM) return true;
    return this.neighbourAt(x, y) !== undefined;
  }

  /** Where an accepted move to (x, y) takes the player; undefined: it stays in this zone. */
  crossingAt(x: number, y: number): Crossing | undefined {
    const { widthM, heightM } = this.zone;
    if (x >= 0 && y >= 0 && x <= widthM && y <= heightM) {
      for (const { portal, to } of this.portals) {
        if (insideArea(x, y, portal.area)) return { to, x: portal.toXM, y: portal.toYM, portal: true };
      }
      return undefined;
    }
    const outX = Math.max(-x, 0, x - widthM);
    const outY = Math.max(-y, 0, y - heightM);
    if (outX * outX + outY * outY <= this.marginM * this.marginM) return undefined;
    const to = this.neighbourAt(x, y);
    if (!to) return undefined;
    return { to, x: x + this.zone.originXM - to.originXM, y: y + this.zone.originYM - to.originYM, portal: false };
  }

  private neighbourAt(x: number, y: number): ZoneConfig | undefined {
    const worldX = x + this.zone.originXM;
    const worldY = y + this.zone.originYM;
    for (const zone of this.neighbours) {
      const localX = worldX - zone.originXM;
      const localY = worldY - zone.originYM;
      if (localX >= 0 && localY >= 0 && localX <= zone.widthM && localY <= zone.heightM) return zone;
    }
    return undefined;
  }
}

/** The crossings out of `zone` in `world`: its borders and corners, and the portals that start in it. */
export function crossingsOf(world: WorldMap, zone: ZoneConfig, marginM: number): Crossings {
  const portals = world.portals
    .filter((portal) => portal.fromZone === zone.id)
    .map((portal) => ({ portal, to: world.zones.find((z) => z.id === portal.toZone) as ZoneConfig }));
  // Zones that touch only at a corner count too: a player may cut across the corner.
  return new Crossings(zone, zonesWithin(world, zone.id, 0), portals, marginM, world.zones);
}
