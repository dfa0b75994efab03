/**
 * Wandering non-player characters. Each walks in a straight line at its own pace towards a
 * random point of the zone, then picks another. They are entities like players for the view
 * system, so a zone's view system can be loaded without any client.
 *
 * The walk comes from a seeded generator, so a zone with the same seed replays the same walks.
 */
import { EntityKind, MoveField } from '../protocol/messages.ts';
import { mulberry32 } from './random.ts';
import type { Entity, World } from './world/world.ts';

const MIN_SPEED_MPS = 0.5;
const MAX_SPEED_MPS = 3;

interface Walk {
  readonly entity: Entity;
  targetX: number;
  targetY: number;
  speedMps: number;
}

export class Wanderers {
  private readonly walks: Walk[] = [];
  private readonly widthM: number;
  private readonly heightM: number;
  private readonly random: () => number;

  constructor(world: World, count: number, widthM: number, heightM: number, seed: number) {
    this.widthM = widthM;
    this.heightM = heightM;
    this.random = mulberry32(seed);
    for (let i = 0; i < count; i++) {
      const entity = world.addEntity({ kind: EntityKind.ENTITY_KIND_NPC, playerId: 0, x: this.random() * widthM, y: this.random() * heightM, heading: 0 });
      const walk: Walk = { entity, targetX: 0, targetY: 0, speedMps: 0 };
      this.pickTarget(walk);
      this.walks.push(walk);
    }
  }

  /** Moves every NPC by `dtS` seconds of walking. */
  step(world: World, dtS: number): void {
    for (const walk of this.walks) {
      const { entity } = walk;
      const dx = walk.targetX - entity.x;
      const dy = walk.targetY - entity.y;
      const distance = Math.hypot(dx, dy);
      const stride = walk.speedMps * dtS;
      if (distance <= stride) {
        entity.x = walk.targetX;
        entity.y = walk.targetY;
        this.pickTarget(walk);
        world.markChanged(entity, MoveField.MOVE_FIELD_POSITION | MoveField.MOVE_FIELD_HEADING);
      } else {
        entity.x += (dx / distance) * stride;
        entity.y += (dy / distance) * stride;
        world.markChanged(entity, MoveField.MOVE_FIELD_POSITION);
      }
    }
  }

  private pickTarget(walk: Walk): void {
    walk.targetX = this.random() * this.widthM;
    walk.targetY = this.random() * this.heightM;
    walk.speedMps = MIN_SPEED_MPS + this.random() * (MAX_SPEED_MPS - MIN_SPEED_MPS);
    walk.entity.heading = Math.atan2(walk.targetY - walk.entity.y, walk.targetX - walk.entity.x);
  }
}
