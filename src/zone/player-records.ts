/**
 * A zone's player as others are told of it: the row the database should hold (a snapshot, for
 * the write-back and the journal), and the zone and place LoginAccepted and ZoneChanged tell its
 * client.
 */
import type { ZoneConfig } from '../config/world.ts';
import { toCentimetres } from '../protocol/messages.ts';
import type { CharacterSnapshot } from '../storage/character-store.ts';
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
      // Fractions of seconds played in zones before this one count too.
      playTimeS: Math.floor(player.playTimeS + (nowMs - player.joinedAtMs) / 1000),
    },
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
