/**
 * When each bot sent each of its recent moves, and where the server will show each: the entity
 * id (unique in the world, so a move is found whichever zone shows it) and the position in whole
 * centimetres. All
 * bots of one process share one log, so that an observer bot that sees an entity arrive at
 * (xCm, yCm) can look up which move took it there, and when it was sent.
 *
 * The position is computed the way the server computes what viewers see: a move's x and y travel
 * as protobuf `float` (float32), the zone keeps that float32 value as the position, and viewers
 * are sent Math.round(position × 100) (src/protocol/messages.ts, toCentimetres). So
 * Math.round(Math.fround(x) × 100) here is the same number, to the centimetre.
 */

import { SlotTable } from '../../src/client/slot-table.ts';

/** Moves kept per entity: 6.4 s at 20 Hz, far more than any delivery takes unless the bots stall. */
const KEPT_PER_ENTITY = 128;

export function wireCentimetres(metres: number): number {
  return Math.round(Math.fround(metres) * 100);
}

/**
 * One entity's moves, numbered from 0 in the order they were sent; the last KEPT_PER_ENTITY are
 * kept, in a ring. Send times grow with the number.
 */
export class MoveHistory {
  /** A small number of its own among the log's movers, from 0: where viewers keep what they were shown of it. */
  readonly index: number;
  readonly entityId: number;
  /** The zone the entity was in when it sent its latest move. */
  zoneId = 0;
  private readonly xCm = new Int32Array(KEPT_PER_ENTITY);
  private readonly yCm = new Int32Array(KEPT_PER_ENTITY);
  private readonly sentAts = new Float64Array(KEPT_PER_ENTITY);
  /** Moves recorded so far: the next move's number. */
  count = 0;

  constructor(index: number, entityId: number) {
    this.index = index;
    this.entityId = entityId;
  }

  /** The number of the oldest move still kept. */
  get oldest(): number {
    return Math.max(0, this.count - KEPT_PER_ENTITY);
  }

  record(x: number, y: number, sentAt: number): void {
    const at = this.count % KEPT_PER_ENTITY;
    this.xCm[at] = wireCentimetres(x);
    this.yCm[at] = wireCentimetres(y);
    this.sentAts[at] = sentAt;
    this.count++;
  }

  /**
   * The number of the newest kept move to (xCm, yCm), or -1. Searching from the newest finds
   * the move the server is showing, should the entity have been there before.
   */
  find(xCm: number, yCm: number): number {
    for (let n = this.count - 1; n >= this.oldest; n--) {
      const at = n % KEPT_PER_ENTITY;
      if (this.xCm[at] === xCm && this.yCm[at] === yCm) return n;
    }
    return -1;
  }

  /** When move `n` was sent (performance.now()); `n` must be kept (oldest ≤ n < count). */
  sentAt(n: number): number {
    return this.sentAts[n % KEPT_PER_ENTITY] as number;
  }
}

export class SendLog {
  /** The moves of the entities that are bots of this process (and have moved), by index; a mover forgotten leaves its index empty. */
  readonly byIndex: (MoveHistory | undefined)[] = [];
  /**
   * Entity id → index in byIndex. Every viewer looks up every move it is shown here, and one
   * compact table shared by them all stays in cache where a Map would not.
   */
  private readonly indexes = new SlotTable();

  /** The moves of entity `entityId` if it is a bot of this process that has moved. */
  mover(entityId: number): MoveHistory | undefined {
    const index = this.indexes.get(entityId);
    return index < 0 ? undefined : this.byIndex[index];
  }

  /** Records that entity `entityId`, in zone `zoneId`, sent a move to (x, y) metres at `sentAt` (performance.now()). */
  record(zoneId: number, entityId: number, x: number, y: number, sentAt: number): void {
    let moves = this.mover(entityId);
    if (!moves) {
      moves = new MoveHistory(this.byIndex.length, entityId);
      this.indexes.set(entityId, moves.index);
      this.byIndex.push(moves);
    }
    moves.zoneId = zoneId;
    moves.record(x, y, sentAt);
  }

  /** Forgets an entity, so that a bot that left and a new one given the same id are not confused. */
  forget(entityId: number): void {
    const moves = this.mover(entityId);
    if (!moves) return;
    this.indexes.delete(entityId);
    this.byIndex[moves.index] = undefined;
  }
}
