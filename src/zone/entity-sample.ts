/**
 * Every entity a zone simulates, at one moment, for an operator's live map (the console): one
 * pass over the zone's entities into flat columns, whose buffers are moved to the main thread
 * rather than copied. Ghosts (entities of a neighbouring zone seen across a border) are left
 * out: they are on their own zone's map.
 */
import type { ZoneConfig } from '../config/world.ts';
import type { EntitySample } from '../thread-messages/zone-control.ts';
import type { World } from './world/world.ts';

export function sampleEntities(world: World, zone: ZoneConfig, tick: number): EntitySample {
  let count = 0;
  for (const entity of world.entities.values()) if (entity.ghostOf === 0) count++;
  const sample: EntitySample = {
    tick,
    ids: new Uint32Array(count),
    playerIds: new Float64Array(count),
    kinds: new Uint8Array(count),
    x: new Float32Array(count),
    y: new Float32Array(count),
  };
  let at = 0;
  for (const entity of world.entities.values()) {
    if (entity.ghostOf !== 0) continue;
    sample.ids[at] = entity.id;
    sample.playerIds[at] = entity.playerId;
    sample.kinds[at] = entity.kind;
    sample.x[at] = entity.x + zone.originXM;
    sample.y[at] = entity.y + zone.originYM;
    at++;
  }
  return sample;
}

/** The buffers a sample is made of: what postMessage moves instead of copying. */
export function sampleBuffers(sample: EntitySample): ArrayBuffer[] {
  return [sample.ids, sample.playerIds, sample.kinds, sample.x, sample.y].map((column) => column.buffer as ArrayBuffer);
}
