/**
 * A client's picture of the world: the entities it was told about, rebuilt from each
 * WorldUpdate's despawns, spawns and move columns (proto/zone/v1/zone.proto). Plain data, no
 * socket: the SDK feeds it frames, and tests and bots can use it on its own.
 */
import { CM_PER_METRE, MoveField, type EntityKind, type EntitySpawn, type WorldUpdate } from '../protocol/messages.ts';

/**
 * An entity as this client last heard of it. The server sends whole centimetres (xCm, yCm, as
 * a spawn and then as deltas); x and y are the same in metres.
 */
export interface KnownEntity {
  readonly id: number;
  readonly kind: EntityKind;
  readonly playerId: number;
  xCm: number;
  yCm: number;
  x: number;
  y: number;
  /** Radians; from moves, to the nearest milliradian. */
  heading: number;
}

export interface WorldEvents {
  spawn?: ((entity: KnownEntity) => void) | undefined;
  despawn?: ((entity: KnownEntity) => void) | undefined;
  move?: ((entity: KnownEntity) => void) | undefined;
}

export class KnownWorld {
  readonly entities = new Map<number, KnownEntity>();

  /** Forgets every entity (a fresh view follows). */
  clear(): void {
    this.entities.clear();
  }

  apply(update: WorldUpdate, events: WorldEvents = {}): void {
    for (const id of update.despawns) {
      const entity = this.entities.get(id);
      if (!entity) continue;
      this.entities.delete(id);
      events.despawn?.(entity);
    }
    for (const spawn of update.spawns as EntitySpawn[]) {
      // Known already (it was seen from the zone the player came from): the spawn says where
      // it is now, and is a move to whoever watches it.
      const known = this.entities.get(spawn.entityId);
      if (known) {
        Object.assign(known, { xCm: spawn.xCm, yCm: spawn.yCm, x: spawn.xCm / CM_PER_METRE, y: spawn.yCm / CM_PER_METRE, heading: spawn.heading });
        events.move?.(known);
        continue;
      }
      const entity: KnownEntity = {
        id: spawn.entityId,
        kind: spawn.kind,
        playerId: spawn.playerId,
        xCm: spawn.xCm,
        yCm: spawn.yCm,
        x: spawn.xCm / CM_PER_METRE,
        y: spawn.yCm / CM_PER_METRE,
        heading: spawn.heading,
      };
      this.entities.set(entity.id, entity);
      events.spawn?.(entity);
    }
    // Moves are columns: the field columns have an entry only for entities whose mask has the
    // field's bit, so each keeps its own cursor.
    const { moveEntityIds: ids, moveMasks: masks, moveDxCm: dx, moveDyCm: dy, moveHeadingMrad: headings } = update;
    const moved = events.move;
    let position = 0;
    let heading = 0;
    for (let i = 0; i < ids.length; i++) {
      const mask = masks[i] ?? 0;
      const entity = this.entities.get(ids[i] as number);
      if (mask & MoveField.MOVE_FIELD_POSITION) {
        if (entity) {
          entity.xCm += dx[position] ?? 0;
          entity.yCm += dy[position] ?? 0;
          entity.x = entity.xCm / CM_PER_METRE;
          entity.y = entity.yCm / CM_PER_METRE;
        }
        position++;
      }
      if (mask & MoveField.MOVE_FIELD_HEADING) {
        if (entity) entity.heading = (headings[heading] ?? 0) / 1000;
        heading++;
      }
      if (entity && moved) moved(entity);
    }
  }
}
