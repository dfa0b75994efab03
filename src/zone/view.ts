/**
 * The view phase: who is told what about whom this tick. This is the seam where the area-of-
 * interest system plugs in; the zone only calls `collect` once per tick after logic and sends
 * whatever each viewer's update holds.
 *
 * `EveryoneView`, the first implementation, shows every player every other entity of the zone:
 * a viewer that joined this tick is sent the whole world; every other viewer gets this tick's
 * additions, removals and changes. The viewer's own entity is never sent to it (its own state
 * comes in the login response and in corrections).
 */
import type { Entity, Player, World } from './world.ts';

/** One viewer's news for one tick. The arrays are reused: read them during `emit` only. */
export interface ViewUpdate {
  readonly spawns: Entity[];
  readonly despawns: number[];
  readonly moves: Entity[];
}

export interface ViewSystem {
  /** Calls `emit` once for every viewer with something to tell it this tick, and for no other. */
  collect(world: World, emit: (viewer: Player, update: ViewUpdate) => void): void;
}

export class EveryoneView implements ViewSystem {
  private readonly update: ViewUpdate = { spawns: [], despawns: [], moves: [] };

  collect(world: World, emit: (viewer: Player, update: ViewUpdate) => void): void {
    const { spawns, despawns, moves } = this.update;
    for (const viewer of world.playersBySession.values()) {
      spawns.length = 0;
      despawns.length = 0;
      moves.length = 0;
      if (viewer.addedThisTick) {
        for (const entity of world.entities.values()) if (entity !== viewer) spawns.push(entity);
      } else {
        for (const entity of world.added) if (entity !== viewer) spawns.push(entity);
        for (const id of world.removed) despawns.push(id);
        // An entity added this tick is already sent whole as a spawn.
        for (const entity of world.changed) {
          if (entity !== viewer && !entity.addedThisTick) moves.push(entity);
        }
      }
      if (spawns.length + despawns.length + moves.length > 0) emit(viewer, this.update);
    }
  }
}

