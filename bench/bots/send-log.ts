/**
 * When each bot sent each of its recent moves, keyed by where the server will show it: the
 * zone and entity id (entity ids are numbered per zone) and the position in whole centimetres. All bots of one process share one log, so
 * that an observer bot that sees an entity arrive at (xCm, yCm) can look up when the mover
 * asked to go there.
 *
 * The key is computed the way the server computes what viewers see: a move's x and y travel
 * as protobuf `float` (float32), the zone keeps that float32 value as the position, and viewers
 * are sent Math.round(position × 100) (src/protocol/messages.ts, toCentimetres). So
 * Math.round(Math.fround(x) × 100) here is the same number, to the centimetre.
 */

/** Moves kept per entity: 6.4 s at 20 Hz, far more than any delivery takes unless the bots stall. */
const KEPT_PER_ENTITY = 128;

export function wireCentimetres(metres: number): number {
  return Math.round(Math.fround(metres) * 100);
}

/** One entity's last KEPT_PER_ENTITY moves in a ring, newest at `next - 1`. */
class EntityMoves {
  readonly xCm = new Int32Array(KEPT_PER_ENTITY);
  readonly yCm = new Int32Array(KEPT_PER_ENTITY);
  readonly sentAt = new Float64Array(KEPT_PER_ENTITY);
  next = 0;
  size = 0;
}

export class SendLog {
  /** By zone id, then entity id. */
  private readonly zones = new Map<number, Map<number, EntityMoves>>();

  /** Records that the move of entity `entityId` of zone `zoneId` to (x, y) metres was sent at `sentAt` (performance.now()). */
  record(zoneId: number, entityId: number, x: number, y: number, sentAt: number): void {
    let zone = this.zones.get(zoneId);
    if (!zone) this.zones.set(zoneId, (zone = new Map()));
    let moves = zone.get(entityId);
    if (!moves) zone.set(entityId, (moves = new EntityMoves()));
    const at = moves.next;
    moves.xCm[at] = wireCentimetres(x);
    moves.yCm[at] = wireCentimetres(y);
    moves.sentAt[at] = sentAt;
    moves.next = (at + 1) % KEPT_PER_ENTITY;
    moves.size = Math.min(moves.size + 1, KEPT_PER_ENTITY);
  }

  /** Whether the entity belongs to a bot of this process (whose moves can be looked up). */
  owns(zoneId: number, entityId: number): boolean {
    return this.zones.get(zoneId)?.has(entityId) ?? false;
  }

  /** Forgets an entity, so that a bot that left and a new one given the same id are not confused. */
  forget(zoneId: number, entityId: number): void {
    this.zones.get(zoneId)?.delete(entityId);
  }

  /**
   * When the entity's newest move to (xCm, yCm) was sent, or undefined when none of its
   * kept moves went there. Searching from the newest finds the move the server is showing.
   */
  sentAt(zoneId: number, entityId: number, xCm: number, yCm: number): number | undefined {
    const moves = this.zones.get(zoneId)?.get(entityId);
    if (!moves) return undefined;
    for (let back = 1; back <= moves.size; back++) {
      const at = (moves.next - back + KEPT_PER_ENTITY) % KEPT_PER_ENTITY;
      if (moves.xCm[at] === xCm && moves.yCm[at] === yCm) return moves.sentAt[at];
    }
    return undefined;
  }
}
