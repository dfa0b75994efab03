/**
 * Sight across borders: a player near a border sees what stands on the other side, and is seen
 * from there. Each tick a zone lists its entities near each shared border on that neighbour's
 * board (border-board.ts) and turns each neighbour's list into ghosts: entities of its own world
 * that it shows like any other (same id, spawned, moved and despawned by its view system) but
 * does not simulate. A ghost's owner alone moves it.
 *
 * A player crossing a border is the same entity all the way: the old zone keeps showing it,
 * where it left, as a ghost of the new zone (`departed`) and keeps listing it for the new zone
 * until the new zone lists it as its own; the new zone turns its ghost of the player into the
 * player when it arrives (`arriving`). Nobody who sees it is told of a despawn or a spawn.
 */
import { ZoneLimits } from '../../config/limits.ts';
import type { ZoneConfig } from '../../config/world.ts';
import { MoveField } from '../../protocol/messages.ts';
import type { Entity, Player, World } from '../world/world.ts';
import { DEPARTING, type BoardEntry, type BorderBoard } from '../../thread-messages/border-board.ts';

/** A zone across a border, and the two boards between them. */
export interface Neighbour {
  readonly zone: ZoneConfig;
  /** Written here, read there. */
  readonly outgoing: BorderBoard;
  /** Written there, read here. */
  readonly incoming: BorderBoard;
}

export class BorderSight {
  /** Counters folded into metrics: entities left off a full board. */
  readonly counters = { boardOverflows: 0 };
  private readonly zone: ZoneConfig;
  private readonly neighbours: readonly Neighbour[];
  private readonly stripM: number;
  /** This zone's ghosts, by the neighbour that owns them, by entity id. */
  private readonly ghosts = new Map<number, Map<number, Entity>>();
  /** Players handed over across a border, still shown here, by entity id: how many ticks since. */
  private readonly departures = new Map<number, { readonly to: number; ticks: number }>();
  private readonly entries: BoardEntry[] = [];
  private readonly listed = new Set<number>();
  /** Per neighbour, during `publish`: 1 once its board is full. */
  private readonly full: Uint8Array;

  /** `stripM`: how far from a border an entity is shown across it. */
  constructor(zone: ZoneConfig, neighbours: readonly Neighbour[], stripM: number) {
    this.zone = zone;
    this.neighbours = neighbours;
    this.stripM = stripM;
    for (const neighbour of neighbours) this.ghosts.set(neighbour.zone.id, new Map());
    this.full = new Uint8Array(neighbours.length);
  }

  /** How far outside the zone's bounds a ghost may stand, metres. */
  get reachM(): number {
    return this.stripM;
  }

  /** Whether a point (zone coordinates) is near enough to be shown here: within the strip past the bounds. */
  inReach(x: number, y: number): boolean {
    return distanceToZone(x + this.zone.originXM, y + this.zone.originYM, this.zone) <= this.stripM;
  }

  /** Entities of neighbours shown here now. */
  get ghostCount(): number {
    let count = 0;
    for (const ghosts of this.ghosts.values()) count += ghosts.size;
    return count;
  }

  /** Before the view phase: each neighbour's latest list becomes this zone's ghosts of it. */
  receive(world: World): void {
    const nowMs = Date.now();
    for (const neighbour of this.neighbours) {
      const count = neighbour.incoming.read(this.entries, nowMs, ZoneLimits.borderBoardStaleMs);
      // Written this very moment: last tick's ghosts stand one more tick.
      if (count === -1) continue;
      this.apply(world, neighbour.zone.id, count === -2 ? 0 : count);
    }
    for (const [entityId, departure] of this.departures) {
      if (++departure.ticks <= ZoneLimits.departedGhostTicks) continue;
      // The new zone never listed it: the hand-over did not happen there. It goes.
      this.departures.delete(entityId);
      const ghost = this.ghosts.get(departure.to)?.get(entityId);
      if (ghost) {
        this.ghosts.get(departure.to)?.delete(entityId);
        world.removeEntity(ghost);
      }
    }
  }

  /** After the logic phase: this zone's entities near each border go on that neighbour's board. */
  publish(world: World): void {
    const { originXM, originYM, widthM, heightM } = this.zone;
    const strip = this.stripM;
    const neighbours = this.neighbours;
    const full = this.full;
    for (let n = 0; n < neighbours.length; n++) {
      (neighbours[n] as Neighbour).outgoing.begin();
      full[n] = 0;
    }
    for (const entity of world.entities.values()) {
      const departing = entity.ghostOf !== 0;
      // Of ghosts, only players this zone has just handed over: shown where they left until
      // their new zone shows them (to their new zone always, that it may take them over).
      if (departing && !this.departures.has(entity.id)) continue;
      // Most entities stand deeper inside than any neighbour can see: one test rules them out.
      if (!departing && entity.x >= strip && entity.y >= strip && entity.x <= widthM - strip && entity.y <= heightM - strip) continue;
      const x = entity.x + originXM;
      const y = entity.y + originYM;
      for (let n = 0; n < neighbours.length; n++) {
        const to = (neighbours[n] as Neighbour).zone;
        if (full[n] !== 0) continue;
        if (!(departing && entity.ghostOf === to.id) && distanceToZone(x, y, to) > strip) continue;
        if (!(neighbours[n] as Neighbour).outgoing.add(entity.id, entity.kind, departing ? DEPARTING : 0, entity.playerId, x, y, entity.heading)) {
          full[n] = 1;
          this.counters.boardOverflows++;
        }
      }
    }
    const nowMs = Date.now();
    for (const neighbour of neighbours) neighbour.outgoing.end(nowMs);
  }

  /** The player has just been handed to neighbour `to` across the border: shown here as its ghost. */
  departed(world: World, player: Player, to: number): void {
    const ghost = world.demote(player, to);
    this.ghosts.get(to)?.set(ghost.id, ghost);
    this.departures.set(ghost.id, { to, ticks: 0 });
  }

  /** A player handed over to this zone: this zone's ghost of it, if it shows one, taken out of the ghosts. */
  arriving(entityId: number): Entity | undefined {
    this.departures.delete(entityId);
    for (const ghosts of this.ghosts.values()) {
      const ghost = ghosts.get(entityId);
      if (!ghost) continue;
      ghosts.delete(entityId);
      return ghost;
    }
    return undefined;
  }

  /** One neighbour's list of `count` entries (in `entries`) becomes its ghosts here. */
  private apply(world: World, from: number, count: number): void {
    const ghosts = this.ghosts.get(from) as Map<number, Entity>;
    const listed = this.listed;
    listed.clear();
    const { originXM, originYM } = this.zone;
    for (let i = 0; i < count; i++) {
      const entry = this.entries[i] as BoardEntry;
      const id = entry.entityId;
      const known = world.entities.get(id);
      // Ours: a player that arrived here, still listed by the zone it left.
      if (known && known.ghostOf === 0) continue;
      // The neighbour lists as its own a player this zone handed over: it has arrived there.
      if ((entry.flags & DEPARTING) === 0) this.departures.delete(id);
      const x = entry.x - originXM;
      const y = entry.y - originYM;
      if (!known) {
        ghosts.set(id, world.addGhost({ kind: entry.kind, playerId: entry.playerId, x, y, heading: entry.heading }, id, from));
        listed.add(id);
        continue;
      }
      if (known.ghostOf !== from) {
        // Still shown where it left another neighbour: that one's list says where it went.
        if ((entry.flags & DEPARTING) !== 0) continue;
        this.ghosts.get(known.ghostOf)?.delete(id);
        known.ghostOf = from;
        ghosts.set(id, known);
      }
      listed.add(id);
      let fields = 0;
      if (known.x !== x || known.y !== y) fields |= MoveField.MOVE_FIELD_POSITION;
      if (known.heading !== entry.heading) fields |= MoveField.MOVE_FIELD_HEADING;
      if (fields === 0) continue;
      known.x = x;
      known.y = y;
      known.heading = entry.heading;
      world.markChanged(known, fields);
    }
    for (const [id, ghost] of ghosts) {
      if (listed.has(id) || this.departures.has(id)) continue;
      ghosts.delete(id);
      world.removeEntity(ghost);
    }
  }
}

/** How far the world point lies from the zone's bounds (0 inside). */
function distanceToZone(x: number, y: number, zone: ZoneConfig): number {
  const dx = Math.max(zone.originXM - x, 0, x - (zone.originXM + zone.widthM));
  const dy = Math.max(zone.originYM - y, 0, y - (zone.originYM + zone.heightM));
  return Math.hypot(dx, dy);
}
