/**
 * bench:zone's fighting workload: the zone runs the sample game (examples/skirmish/), as many
 * wolves as players roam it, and every player attacks the nearest entity within reach once a
 * second (a twentieth of them each tick), as a client's attack action would arrive. Players are
 * given hp enough never to die, so that the walk the benchmark sends stays theirs (a death would
 * put a player back at the spawn point, away from its next move).
 */
import { loadGame, type LoadedGame } from '../../src/game/load-game.ts';
import { gameJobBytes } from '../../src/thread-messages/jobs.ts';
import type { Zone } from '../../src/zone/zone.ts';
import { spawnWolf } from '../../examples/skirmish/monsters.ts';
import { PLAYER } from '../../examples/skirmish/rules.ts';

const SKIRMISH = new URL('../../examples/skirmish/game.ts', import.meta.url).pathname;

/** More hp than any benchmark run can take off. */
export const IMMORTAL_HP = 2_000_000_000;

export async function loadSkirmish(): Promise<LoadedGame> {
  return loadGame(SKIRMISH);
}

/** Spawns wolves at random spots of the zone (seeded) until it has `count`. */
export function populate(zone: Zone, count: number, sideM: number, random: () => number): void {
  const game = zone.game;
  if (!game) throw new Error('the fighting zone runs no game module');
  while (game.npcs.count < count) spawnWolf(game.context, random() * sideM, random() * sideM);
}

/**
 * Writes this tick's attacks: each player whose turn it is (player i on ticks t ≡ i mod tickHz)
 * attacks the nearest wolf or player within reach, if any. Returns how many.
 */
export function writeAttacks(zone: Zone, game: LoadedGame, tick: number, tickHz: number, write: (sessionId: number, bytes: Uint8Array) => void): number {
  const host = zone.game;
  const attack = game.actionsById.get(1);
  if (!host || !attack) throw new Error('the fighting zone runs no skirmish');
  const context = host.context;
  let written = 0;
  for (const player of zone.world.playersBySession.values()) {
    if (player.playerId % tickHz !== tick % tickHz) continue;
    const near = [...context.npcsNear(player.x, player.y, PLAYER.attackRangeM), ...context.playersNear(player.x, player.y, PLAYER.attackRangeM)];
    let target = 0;
    let best = Infinity;
    for (const entity of near) {
      const distance = Math.hypot(entity.x - player.x, entity.y - player.y);
      if (entity.entityId !== player.id && distance < best) [target, best] = [entity.entityId, distance];
    }
    if (target === 0) continue;
    write(player.sessionId, gameJobBytes({ seq: tick, gameAction: attack.id, payload: attack.type.encode({ targetEntityId: target }).finish() }));
    written++;
  }
  return written;
}
