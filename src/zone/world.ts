/**
 * The entities of one zone and what changed about them during the current tick. Only the
 * zone's tick changes it; the view phase reads the per-tick lists and `endTick` clears them.
 */
import { EntityKind } from '../protocol/messages.ts';

export interface Entity {
  readonly id: number;
  readonly kind: EntityKind;
  /** The player's id for player entities, 0 otherwise. */
  readonly playerId: number;
  /** Metres, inside the zone's bounds. */
  x: number;
  y: number;
  /** Radians. */
  heading: number;
  /** MoveField bits changed during the current tick. */
  changed: number;
  /** True from its addition until the end of that tick: it is news as a whole (a spawn). */
  addedThisTick: boolean;
}

export interface Player extends Entity {
  readonly sessionId: number;
  /** seq of the last move with a valid sequence, accepted or not. */
  lastMoveSeq: number;
  /** Metres the player may still move now (movement.ts). */
  moveBudgetM: number;
  /** Zone time when the budget was last topped up, ms. */
  budgetAtMs: number;
}

export class World {
  readonly entities = new Map<number, Entity>();
  readonly playersBySession = new Map<number, Player>();
  readonly playersById = new Map<number, Player>();
  /** Entities added during this tick (shown as spawns). */
  readonly added: Entity[] = [];
  /** Ids of entities removed during this tick that existed before it (shown as despawns). */
  readonly removed: number[] = [];
  /** Entities whose state changed during this tick (shown as moves), each once. */
  readonly changed: Entity[] = [];
  private nextEntityId = 1;

  allocateEntityId(): number {
    const id = this.nextEntityId;
    this.nextEntityId = id === 0xffff_ffff ? 1 : id + 1;
    return id;
  }

  addPlayer(player: Player): void {
    this.entities.set(player.id, player);
    this.playersBySession.set(player.sessionId, player);
    this.playersById.set(player.playerId, player);
    this.added.push(player);
  }

  removePlayer(player: Player): void {
    this.entities.delete(player.id);
    this.playersBySession.delete(player.sessionId);
    if (this.playersById.get(player.playerId) === player) this.playersById.delete(player.playerId);
    const addedAt = this.added.indexOf(player);
    // Joined and left within one tick: nobody was ever told about it.
    if (addedAt >= 0) this.added.splice(addedAt, 1);
    else this.removed.push(player.id);
  }

  markChanged(entity: Entity, fields: number): void {
    if (entity.changed === 0) this.changed.push(entity);
    entity.changed |= fields;
  }

  /** Dirty bookkeeping at the end of a tick: forget this tick's changes. */
  endTick(): void {
    for (const entity of this.added) entity.addedThisTick = false;
    for (const entity of this.changed) entity.changed = 0;
    this.changed.length = 0;
    this.added.length = 0;
    this.removed.length = 0;
  }
}
