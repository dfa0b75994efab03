/**
 * An operator's changes to players a zone holds (the admin API's PATCH): asked for at any time,
 * applied at the zone's next tick, right after its jobs, so that a change is in that tick's frames,
 * write-back and journal like any move. The player is told in the same tick: its stats by a
 * CharacterStats, a teleport within the zone by a correction (reason TELEPORTED), a teleport into
 * another zone by the hand-over's ZoneChanged, with a fresh view as after a portal.
 */
import type { ZoneConfig } from '../config/world.ts';
import { MoveField, teleportedCorrection, type ServerMessageInit } from '../protocol/messages.ts';
import type { ChangeOutcome, PlayerChange } from '../thread-messages/zone-control.ts';
import type { Crossing, Crossings } from './crossings.ts';
import { liveViewOf } from './player-records.ts';
import type { Player, World } from './world/world.ts';

/** What the zone lends its operator changes. */
export interface ChangeTarget {
  readonly world: World;
  readonly zone: ZoneConfig;
  readonly crossings: Crossings;
  send(sessionId: number, message: ServerMessageInit): void;
  /** Whether the player may leave the zone now (nothing is being decided for it here). */
  mayLeave(player: Player): boolean;
  /** Hands the player over to the crossing's zone, facing `heading`. */
  handOver(player: Player, crossing: Crossing, heading: number): void;
}

interface Asked {
  readonly playerId: number;
  readonly change: PlayerChange;
  readonly answer: (outcome: ChangeOutcome) => void;
}

export class OperatorChanges {
  private asked: Asked[] = [];

  /** Queues a change for the next tick; settles once it is applied or refused. */
  ask(playerId: number, change: PlayerChange): Promise<ChangeOutcome> {
    return new Promise((answer) => this.asked.push({ playerId, change, answer }));
  }

  /** Applies the changes asked since the last tick, in order. */
  apply(target: ChangeTarget): void {
    if (this.asked.length === 0) return;
    const asked = this.asked;
    this.asked = [];
    for (const { playerId, change, answer } of asked) answer(applyOne(target, playerId, change));
  }
}

function applyOne(target: ChangeTarget, playerId: number, change: PlayerChange): ChangeOutcome {
  const { world, zone } = target;
  const player = world.playersById.get(playerId);
  if (!player) return { refusal: 'PLAYER_NOT_ONLINE' };
  // Everything is checked before anything changes.
  let crossing: Crossing | undefined;
  if (change.x !== undefined && change.y !== undefined) {
    const to = target.crossings.teleportTo(change.x, change.y);
    if (to === 'nowhere') return { refusal: 'OUTSIDE_WORLD' };
    if (to && !target.mayLeave(player)) return { refusal: 'PLAYER_BUSY' };
    crossing = to;
  }
  if (change.hp !== undefined || change.level !== undefined || change.exp !== undefined) {
    player.hp = change.hp ?? player.hp;
    player.level = change.level ?? player.level;
    player.exp = change.exp ?? player.exp;
    player.persisted.version++;
    target.send(player.sessionId, { stats: { hp: player.hp, level: player.level, exp: player.exp } });
  }
  const heading = change.heading ?? player.heading;
  if (crossing) {
    const { to } = crossing;
    const arriving = { ...liveViewOf(zone, player), zoneId: to.id, x: crossing.x + to.originXM, y: crossing.y + to.originYM, heading };
    target.handOver(player, crossing, heading);
    return { player: arriving };
  }
  let fields = 0;
  if (change.x !== undefined && change.y !== undefined) {
    player.x = change.x - zone.originXM;
    player.y = change.y - zone.originYM;
    fields |= MoveField.MOVE_FIELD_POSITION;
  }
  if (heading !== player.heading) {
    player.heading = heading;
    fields |= MoveField.MOVE_FIELD_HEADING;
  }
  if (fields !== 0) {
    world.markChanged(player, fields);
    player.persisted.version++;
    target.send(player.sessionId, { correction: teleportedCorrection(player.lastMoveSeq, player.x + zone.originXM, player.y + zone.originYM, player.heading) });
  }
  return { player: liveViewOf(zone, player) };
}
