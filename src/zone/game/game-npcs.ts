/**
 * The non-player characters a game module spawned in one zone: entities of the zone like any
 * other for the view system (spawned, moved and despawned for whoever sees them), each with its
 * kind and the module's own memory of it. They are not saved: they live and die with the zone.
 */
import type { GameNpc } from '../../game/game-module.ts';
import { EntityKind, MoveField } from '../../protocol/messages.ts';
import type { Entity } from '../world/world.ts';
import type { GameZone } from './game-host.ts';

interface Npc {
  readonly entity: Entity;
  readonly view: GameNpc;
}

export class GameNpcs {
  private readonly zone: GameZone;
  /** The module's NPC kinds: name → the number its spawns carry. */
  private readonly kinds: ReadonlyMap<string, number>;
  private readonly byEntity = new Map<number, Npc>();

  constructor(zone: GameZone, kinds: Readonly<Record<string, { readonly id: number }>>) {
    this.zone = zone;
    this.kinds = new Map(Object.entries(kinds).map(([name, kind]) => [name, kind.id]));
  }

  get count(): number {
    return this.byEntity.size;
  }

  spawn(kind: string, x: number, y: number, heading = 0): GameNpc {
    const npcKind = this.kinds.get(kind);
    if (npcKind === undefined) throw new RangeError(`no NPC kind ${kind} (the module's npcKinds: ${[...this.kinds.keys()].join(', ') || 'none'})`);
    checkFinite(x, y, heading);
    const entity = this.zone.world.addEntity({ kind: EntityKind.ENTITY_KIND_NPC, playerId: 0, x: this.insideX(x), y: this.insideY(y), heading, npcKind });
    const view = npcView(entity, kind, this.zone);
    this.byEntity.set(entity.id, { entity, view });
    return view;
  }

  move(npc: GameNpc, x: number, y: number, heading = npc.heading): void {
    const { entity } = this.ownOf(npc);
    checkFinite(x, y, heading);
    const zoneX = this.insideX(x);
    const zoneY = this.insideY(y);
    let fields = 0;
    if (zoneX !== entity.x || zoneY !== entity.y) fields |= MoveField.MOVE_FIELD_POSITION;
    if (heading !== entity.heading) fields |= MoveField.MOVE_FIELD_HEADING;
    if (fields === 0) return;
    entity.x = zoneX;
    entity.y = zoneY;
    entity.heading = heading;
    this.zone.world.markChanged(entity, fields);
  }

  remove(npc: GameNpc): void {
    const { entity } = this.ownOf(npc);
    this.byEntity.delete(entity.id);
    this.zone.world.removeEntity(entity);
  }

  get(entityId: number): GameNpc | undefined {
    return this.byEntity.get(entityId)?.view;
  }

  *all(): IterableIterator<GameNpc> {
    for (const npc of this.byEntity.values()) yield npc.view;
  }

  /** The NPCs now, as a list: what spawns or goes while the list is walked does not change it. */
  list(): GameNpc[] {
    return Array.from(this.byEntity.values(), (npc) => npc.view);
  }

  /** The module's NPCs among the entities in `slots`. */
  among(slots: ArrayLike<number>): GameNpc[] {
    const found: GameNpc[] = [];
    for (let i = 0; i < slots.length; i++) {
      const entity = this.zone.world.bySlot[slots[i] as number];
      const npc = entity && !entity.removed ? this.byEntity.get(entity.id) : undefined;
      if (npc && npc.entity === entity) found.push(npc.view);
    }
    return found;
  }

  private ownOf(view: GameNpc): Npc {
    const npc = this.byEntity.get(view.entityId);
    if (!npc || npc.view !== view) throw new RangeError(`NPC ${view.entityId} is not one of this zone's (removed, or never spawned here)`);
    return npc;
  }

  private insideX(worldX: number): number {
    return Math.min(this.zone.config.widthM, Math.max(0, worldX - this.zone.config.originXM));
  }

  private insideY(worldY: number): number {
    return Math.min(this.zone.config.heightM, Math.max(0, worldY - this.zone.config.originYM));
  }
}

function checkFinite(x: number, y: number, heading: number): void {
  if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(heading))) throw new RangeError(`an NPC's position and heading must be finite numbers, got (${x}, ${y}), ${heading}`);
}

function npcView(entity: Entity, kind: string, zone: GameZone): GameNpc {
  return {
    entityId: entity.id,
    kind,
    get x() {
      return entity.x + zone.config.originXM;
    },
    get y() {
      return entity.y + zone.config.originYM;
    },
    get heading() {
      return entity.heading;
    },
    state: {},
  };
}
