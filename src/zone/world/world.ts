/**
 * The entities of one zone and what changed about them during the current tick. Only the
 * zone's tick changes it; the view phase reads the per-tick lists and `endTick` clears them.
 *
 * Every entity has a slot: a small index into the flat per-entity tables of the view system
 * (spatial index, visibility marks, this tick's deltas). A slot is taken on addition and given
 * back at the end of the tick in which its entity left, so that during a tick a slot always
 * names one entity, also after it left (the view phase still despawns it by its id).
 */
import { EntityKind } from '../../protocol/messages.ts';
import type { Inventory } from '../../storage/economy-store.ts';
import { LocalEntityIds, type EntityIdSource } from './entity-ids.ts';

export interface Entity {
  readonly id: number;
  readonly kind: EntityKind;
  /** The player's id for player entities, 0 otherwise. */
  readonly playerId: number;
  readonly slot: number;
  /** Metres, in the zone's coordinates: inside its bounds, or within the hand-over margin past a border. */
  x: number;
  y: number;
  /** Radians. */
  heading: number;
  /** For an NPC of the game module, the number of its kind (zone/game/game-npcs.ts); absent otherwise. */
  readonly npcKind?: number;
  /** MoveField bits changed during the current tick. */
  changed: number;
  /** True from its addition until the end of that tick: it is news as a whole (a spawn). */
  addedThisTick: boolean;
  /** True once it has left the zone; its slot is reused after the tick ends. */
  removed: boolean;
  /**
   * 0 for the zone's own entities. For a ghost, the id of the neighbouring zone that owns the
   * entity and shows it across the border (zone/borders/): seen here, simulated there.
   */
  ghostOf: number;
}

/** What the write-back (zone/write-back.ts) holds on each player. */
export interface Persisted {
  readonly epoch: number;
  /** Bumped by every change of saved state. */
  version: number;
  /** The version the database has. */
  savedVersion: number;
  nextSaveAtMs: number;
  /** The version last journaled (journal/zone-journal.ts). */
  journaledVersion: number;
}

export interface Player extends Entity {
  readonly sessionId: number;
  /** seq of the last move with a valid sequence, accepted or not. */
  lastMoveSeq: number;
  /** Metres the player may still move now (movement.ts). */
  moveBudgetM: number;
  /** Zone time when the budget was last topped up, ms. */
  budgetAtMs: number;
  hp: number;
  level: number;
  exp: number;
  /** Play time before this log-in or arrival, seconds (with a fraction after a hand-over). */
  playTimeS: number;
  /** Zone time (the tick's clock) of this log-in or arrival, ms: play time grows from it. */
  joinedAtMs: number;
  /** Write-back bookkeeping (write-back.ts). */
  persisted: Persisted;
  /**
   * Gold and items as last read from the database, which alone changes them (economy
   * transactions); undefined until the first read after log-in arrives.
   */
  inventory: Inventory | undefined;
}

/** What `World.add*` fills in itself. */
type NewEntity<T extends Entity> = Omit<T, 'id' | 'slot' | 'changed' | 'addedThisTick' | 'removed' | 'ghostOf'>;

export class World {
  /** Where new entities take their ids: unique in the whole world when the server shares one source. */
  private readonly ids: EntityIdSource;

  constructor(ids: EntityIdSource = new LocalEntityIds()) {
    this.ids = ids;
  }

  readonly entities = new Map<number, Entity>();
  readonly playersBySession = new Map<number, Player>();
  readonly playersById = new Map<number, Player>();
  /** Entities by slot; a slot whose entity left during this tick still holds it until endTick. */
  readonly bySlot: (Entity | undefined)[] = [];
  /** Entities added during this tick and still here (shown as spawns). */
  readonly added: Entity[] = [];
  /** Entities removed during this tick that existed before it (shown as despawns). */
  readonly removed: Entity[] = [];
  /** Entities whose state changed during this tick (shown as moves), each once. */
  readonly changed: Entity[] = [];
  private readonly freeSlots: number[] = [];
  /** Slots of entities that left during this tick: free again after endTick. */
  private readonly releasedSlots: number[] = [];

  /** Highest slot in use plus one: the length per-slot tables must have. */
  get slotCount(): number {
    return this.bySlot.length;
  }

  /** `entityId`: the id it had in the zone that handed it over; a new one otherwise. */
  addPlayer(fields: NewEntity<Player>, entityId?: number): Player {
    const player = this.add<Player>(fields, entityId);
    this.playersBySession.set(player.sessionId, player);
    this.playersById.set(player.playerId, player);
    return player;
  }

  addEntity(fields: NewEntity<Entity>): Entity {
    return this.add<Entity>(fields);
  }

  /** A ghost: an entity of zone `ghostOf`, with the id it has there. */
  addGhost(fields: NewEntity<Entity>, id: number, ghostOf: number): Entity {
    const ghost = this.add<Entity>(fields, id);
    ghost.ghostOf = ghostOf;
    return ghost;
  }

  /**
   * The player was handed to zone `ghostOf` and is shown here as that zone's ghost from now on:
   * the same entity to everyone who sees it (same id and slot, no despawn). The player object
   * counts as removed, for anything still holding it.
   */
  demote(player: Player, ghostOf: number): Entity {
    this.playersBySession.delete(player.sessionId);
    if (this.playersById.get(player.playerId) === player) this.playersById.delete(player.playerId);
    const { id, kind, playerId, slot, x, y, heading, changed, addedThisTick } = player;
    const ghost: Entity = { id, kind, playerId, slot, x, y, heading, changed, addedThisTick, removed: false, ghostOf };
    this.replace(player, ghost);
    player.removed = true;
    return ghost;
  }

  /** A ghost becomes a player of this zone (it was handed over here): same id and slot, no spawn. */
  promote(ghost: Entity, fields: NewEntity<Player>): Player {
    const player: Player = { ...fields, id: ghost.id, slot: ghost.slot, changed: ghost.changed, addedThisTick: ghost.addedThisTick, removed: false, ghostOf: 0 };
    this.replace(ghost, player);
    ghost.removed = true;
    this.playersBySession.set(player.sessionId, player);
    this.playersById.set(player.playerId, player);
    return player;
  }

  removePlayer(player: Player): void {
    this.playersBySession.delete(player.sessionId);
    if (this.playersById.get(player.playerId) === player) this.playersById.delete(player.playerId);
    this.removeEntity(player);
  }

  removeEntity(entity: Entity): void {
    if (entity.removed) return;
    entity.removed = true;
    this.entities.delete(entity.id);
    this.releasedSlots.push(entity.slot);
    const addedAt = this.added.indexOf(entity);
    // Added and removed within one tick: nobody was ever told about it.
    if (addedAt >= 0) this.added.splice(addedAt, 1);
    else this.removed.push(entity);
  }

  markChanged(entity: Entity, fields: number): void {
    if (entity.changed === 0) this.changed.push(entity);
    entity.changed |= fields;
  }

  /** Dirty bookkeeping at the end of a tick: forget this tick's changes, free left slots. */
  endTick(): void {
    for (const entity of this.added) entity.addedThisTick = false;
    for (const entity of this.changed) entity.changed = 0;
    for (const slot of this.releasedSlots) {
      this.bySlot[slot] = undefined;
      this.freeSlots.push(slot);
    }
    this.releasedSlots.length = 0;
    this.changed.length = 0;
    this.added.length = 0;
    this.removed.length = 0;
  }

  /** Puts `next` in `previous`'s place: its slot, its id, and this tick's change lists. */
  private replace(previous: Entity, next: Entity): void {
    this.bySlot[next.slot] = next;
    this.entities.set(next.id, next);
    for (const list of [this.added, this.changed]) {
      const at = list.indexOf(previous);
      if (at >= 0) list[at] = next;
    }
  }

  private add<T extends Entity>(fields: NewEntity<T>, id?: number): T {
    const slot = this.freeSlots.pop() ?? this.bySlot.length;
    const entity = { ...fields, id: id !== undefined && !this.entities.has(id) ? id : this.allocateEntityId(), slot, changed: 0, addedThisTick: true, removed: false, ghostOf: 0 } as T;
    this.bySlot[slot] = entity;
    this.entities.set(entity.id, entity);
    this.added.push(entity);
    return entity;
  }

  private allocateEntityId(): number {
    let id = this.ids.next();
    // After the ids wrap (2^32 − 1 of them), one still in use here is skipped.
    while (this.entities.has(id)) id = this.ids.next();
    return id;
  }
}
