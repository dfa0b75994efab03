/**
 * A client's picture of the world: the entities it was told about, rebuilt from each
 * WorldUpdate's despawns, spawns and move columns (proto/zone/v1/zone.proto). Plain data, no
 * socket: the SDK feeds it frames, and tests and bots can use it on its own.
 */
import { CM_PER_METRE, MoveField, type EntityKind, type EntitySpawn } from '../protocol/messages.ts';
import { SlotTable } from './slot-table.ts';
import type { WorldFrame } from './world-frame-reader.ts';

/** Whole numbers kept per entity, side by side: x and y in centimetres, heading in milliradians. */
const FIELDS = 3;

/** Where entities' state lives: a world's table while they are known, a copy of their own once forgotten. */
interface StateTable {
  values: Int32Array;
}

/**
 * An entity as this client last heard of it. The server sends whole centimetres (a spawn, then
 * deltas) and milliradians; x, y and heading are the same in metres and radians. The numbers
 * live in the known world's table (a client applies dozens of moves a frame, and one flat table
 * is far cheaper to update than dozens of objects); an entity the world has forgotten keeps a
 * copy of its last state.
 */
export class KnownEntity {
  readonly id: number;
  readonly kind: EntityKind;
  readonly playerId: number;
  /** For an NPC of the server's game module, the number of its kind (the module's npcKinds); 0 otherwise. */
  readonly npcKind: number;
  private table: StateTable;
  private slot: number;

  constructor(spawn: EntitySpawn, table: StateTable, slot: number) {
    this.id = spawn.entityId;
    this.kind = spawn.kind;
    this.playerId = spawn.playerId;
    this.npcKind = spawn.npcKind ?? 0;
    this.table = table;
    this.slot = slot;
  }

  /** Whole centimetres, as the server sent them. */
  get xCm(): number {
    return this.table.values[this.slot * FIELDS] as number;
  }

  get yCm(): number {
    return this.table.values[this.slot * FIELDS + 1] as number;
  }

  /** Milliradians in [-3142, 3142]. */
  get headingMrad(): number {
    return this.table.values[this.slot * FIELDS + 2] as number;
  }

  /** Metres. */
  get x(): number {
    return this.xCm / CM_PER_METRE;
  }

  get y(): number {
    return this.yCm / CM_PER_METRE;
  }

  /** Radians, to the nearest milliradian. */
  get heading(): number {
    return this.headingMrad / 1000;
  }

  /** The world forgets it: it keeps its last state from now on. */
  detach(): void {
    const at = this.slot * FIELDS;
    this.table = { values: this.table.values.slice(at, at + FIELDS) };
    this.slot = 0;
  }
}

export interface WorldEvents {
  spawn?: ((entity: KnownEntity) => void) | undefined;
  despawn?: ((entity: KnownEntity) => void) | undefined;
  move?: ((entity: KnownEntity) => void) | undefined;
}

export class KnownWorld {
  readonly entities = new Map<number, KnownEntity>();
  private readonly slots = new SlotTable();
  private readonly table: StateTable = { values: new Int32Array(64 * FIELDS) };
  /** The entity in each slot; a free slot holds undefined. */
  private readonly bySlot: (KnownEntity | undefined)[] = [];
  private readonly freeSlots: number[] = [];

  /** Where the entity with this id is, whole centimetres; NaN when none is known. No object is touched: cheap for many a frame. */
  entityXCm(id: number): number {
    const slot = this.slots.get(id);
    return slot < 0 ? Number.NaN : (this.table.values[slot * FIELDS] as number);
  }

  entityYCm(id: number): number {
    const slot = this.slots.get(id);
    return slot < 0 ? Number.NaN : (this.table.values[slot * FIELDS + 1] as number);
  }

  /** Forgets every entity (a fresh view follows). */
  clear(): void {
    for (const entity of this.entities.values()) entity.detach();
    this.entities.clear();
    this.slots.clear();
    this.bySlot.length = 0;
    this.freeSlots.length = 0;
  }

  apply(update: WorldFrame, events: WorldEvents = {}): void {
    for (const id of update.despawns) {
      const entity = this.entities.get(id);
      if (entity) this.forget(entity, events);
    }
    for (const spawn of update.spawns) this.spawn(spawn, events);
    // Moves are columns: the field columns have an entry only for entities whose mask has the
    // field's bit, so each keeps its own cursor.
    const { moveEntityIds: ids, moveMasks: masks, moveDxCm: dx, moveDyCm: dy, moveHeadingMrad: headings } = update;
    const moved = events.move;
    const values = this.table.values;
    let position = 0;
    let heading = 0;
    for (let i = 0; i < ids.length; i++) {
      const mask = masks[i] ?? 0;
      const slot = this.slots.get(ids[i] as number);
      const at = slot * FIELDS;
      if (mask & MoveField.MOVE_FIELD_POSITION) {
        if (slot >= 0) {
          values[at] = (values[at] as number) + (dx[position] ?? 0);
          values[at + 1] = (values[at + 1] as number) + (dy[position] ?? 0);
        }
        position++;
      }
      if (mask & MoveField.MOVE_FIELD_HEADING) {
        if (slot >= 0) values[at + 2] = headings[heading] ?? 0;
        heading++;
      }
      if (slot >= 0 && moved) moved(this.bySlot[slot] as KnownEntity);
    }
  }

  private spawn(spawn: EntitySpawn, events: WorldEvents): void {
    // Known already (it was seen from the zone the player came from): the spawn says where it is
    // now, and is a move to whoever watches it.
    const knownSlot = this.slots.get(spawn.entityId);
    const slot = knownSlot >= 0 ? knownSlot : this.takeSlot();
    const values = this.table.values;
    values[slot * FIELDS] = spawn.xCm;
    values[slot * FIELDS + 1] = spawn.yCm;
    values[slot * FIELDS + 2] = Math.round(spawn.heading * 1000);
    if (knownSlot >= 0) {
      events.move?.(this.bySlot[slot] as KnownEntity);
      return;
    }
    const entity = new KnownEntity(spawn, this.table, slot);
    this.bySlot[slot] = entity;
    this.slots.set(entity.id, slot);
    this.entities.set(entity.id, entity);
    events.spawn?.(entity);
  }

  private forget(entity: KnownEntity, events: WorldEvents): void {
    const slot = this.slots.get(entity.id);
    entity.detach();
    this.entities.delete(entity.id);
    this.slots.delete(entity.id);
    this.bySlot[slot] = undefined;
    this.freeSlots.push(slot);
    events.despawn?.(entity);
  }

  private takeSlot(): number {
    const free = this.freeSlots.pop();
    if (free !== undefined) return free;
    const slot = this.bySlot.length;
    this.bySlot.push(undefined);
    if ((slot + 1) * FIELDS > this.table.values.length) {
      const grown = new Int32Array(this.table.values.length * 2);
      grown.set(this.table.values);
      this.table.values = grown;
    }
    return slot;
  }
}
