/**
 * A zone's player as others are told of it: the row the database should hold (a snapshot for the
 * write-back, a record for the journal), all of it for the zone it is handed to, and the zone and
 * place LoginAccepted and ZoneChanged tell its client.
 */
import type { ZoneConfig } from '../config/world.ts';
import { toCentimetres } from '../protocol/messages.ts';
import type { JournalRecord } from '../journal/journal-format.ts';
import type { LivePlayer } from '../thread-messages/zone-control.ts';
import type { CharacterSnapshot } from '../storage/character-store.ts';
import type { ArriveJob } from '../thread-messages/jobs.ts';
import type { Crossing } from './crossings.ts';
import type { Player } from './world/world.ts';

/** The player's state as the database should have it, at zone time `nowMs`. */
export function snapshotOf(zone: ZoneConfig, player: Player, nowMs: number): CharacterSnapshot {
  return {
    playerId: player.playerId,
    epoch: player.persisted.epoch,
    version: player.persisted.version,
    state: {
      zoneId: zone.id,
      x: player.x,
      y: player.y,
      heading: player.heading,
      hp: player.hp,
      level: player.level,
      exp: player.exp,
      playTimeS: playTimeOf(player, nowMs),
    },
  };
}

/** The same state as snapshotOf, into the journal's record. */
export function recordOf(zone: ZoneConfig, player: Player, nowMs: number, into: JournalRecord): void {
  into.playerId = player.playerId;
  into.epoch = player.persisted.epoch;
  into.version = player.persisted.version;
  into.zoneId = zone.id;
  into.x = player.x;
  into.y = player.y;
  into.heading = player.heading;
  into.hp = player.hp;
  into.level = player.level;
  into.exp = player.exp;
  into.playTimeS = playTimeOf(player, nowMs);
}

/**
 * Everything the zone `crossing` leads to needs of the player, handed over at zone time `nowMs`
 * facing `heading`; `knownIds`: the entities its client knows and keeps (none after a portal).
 */
export function arriveJobOf(player: Player, crossing: Crossing, heading: number, nowMs: number, knownIds: number[]): ArriveJob {
  const { inventory } = player;
  return {
    playerId: player.playerId,
    entityId: player.id,
    epoch: player.persisted.epoch,
    portal: crossing.portal,
    x: crossing.x,
    y: crossing.y,
    heading,
    hp: player.hp,
    level: player.level,
    exp: player.exp,
    playTimeS: player.playTimeS + (nowMs - player.joinedAtMs) / 1000,
    lastMoveSeq: player.lastMoveSeq,
    moveBudgetM: player.moveBudgetM,
    handedOverAtMs: Date.now(),
    knownIds,
    // The move itself is a change the database has not seen.
    version: player.persisted.version + 1,
    savedVersion: player.persisted.savedVersion,
    inventory: inventory ? { gold: inventory.gold, items: inventory.items.map((item) => ({ itemId: item.itemId, templateId: item.templateId, count: item.count })) } : undefined,
  };
}

/** Whole seconds played, fractions of seconds played in zones before this one included. */
function playTimeOf(player: Player, nowMs: number): number {
  return Math.floor(player.playTimeS + (nowMs - player.joinedAtMs) / 1000);
}

/** The player as an operator is shown it: its state now, in world coordinates. */
export function liveViewOf(zone: ZoneConfig, player: Player): LivePlayer {
  const { inventory } = player;
  return {
    zoneId: zone.id,
    x: player.x + zone.originXM,
    y: player.y + zone.originYM,
    heading: player.heading,
    hp: player.hp,
    level: player.level,
    exp: player.exp,
    // Copied by postMessage on its way to the main thread.
    inventory: inventory && { gold: inventory.gold, items: inventory.items },
  };
}

/** The zone, and where the player stands in the world. */
export function placeOf(zone: ZoneConfig, player: Player): { zoneId: number; zoneName: string; zoneX: number; zoneY: number; zoneWidth: number; zoneHeight: number; xCm: number; yCm: number; heading: number } {
  return {
    zoneId: zone.id,
    zoneName: zone.name,
    zoneX: zone.originXM,
    zoneY: zone.originYM,
    zoneWidth: zone.widthM,
    zoneHeight: zone.heightM,
    xCm: toCentimetres(player.x + zone.originXM),
    yCm: toCentimetres(player.y + zone.originYM),
    heading: player.heading,
  };
}
