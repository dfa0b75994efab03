/**
 * A zone's entities as the admin API shows them (GET /admin/zones/{id}/entities, and each event
 * of the live map's stream): the zone's bounds, and one column per property, a row per entity.
 * Positions are rounded to 0.1 m, which a map never needs finer, and keeps each sample small.
 */
import type { ZoneConfig } from '../config/world.ts';
import { EntityKind } from '../protocol/messages.ts';
import type { EntitySample } from '../thread-messages/zone-control.ts';

export interface ZoneMap {
  readonly zoneId: number;
  /** The zone's tick the sample was taken after. */
  readonly tick: number;
  /** World coordinates, metres: the zone's south-west corner and its size. */
  readonly bounds: { readonly x: number; readonly y: number; readonly width: number; readonly height: number };
  readonly count: number;
  readonly entities: {
    readonly id: number[];
    /** 0 for an NPC. */
    readonly playerId: number[];
    readonly kind: ('player' | 'npc')[];
    readonly x: number[];
    readonly y: number[];
  };
}

const tenth = (metres: number): number => Math.round(metres * 10) / 10;

export function mapOf(zone: ZoneConfig, sample: EntitySample): ZoneMap {
  return {
    zoneId: zone.id,
    tick: sample.tick,
    bounds: { x: zone.originXM, y: zone.originYM, width: zone.widthM, height: zone.heightM },
    count: sample.ids.length,
    entities: {
      id: Array.from(sample.ids),
      playerId: Array.from(sample.playerIds),
      kind: Array.from(sample.kinds, (kind) => (kind === EntityKind.ENTITY_KIND_PLAYER ? 'player' : 'npc')),
      x: Array.from(sample.x, tenth),
      y: Array.from(sample.y, tenth),
    },
  };
}
