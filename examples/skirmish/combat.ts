/**
 * Strikes, deaths and what a kill earns. A player's attack is checked here (a target, in range,
 * off cooldown); wolves strike through `strikePlayer` from their behaviour (monsters.ts).
 */
import type { GameContext, GameNpc, GamePlayer } from '../../src/game/game-module.ts';
import { damageAt, levelFor, maxHpAt, PLAYER, WOLF } from './rules.ts';
import { wolfOf, wolfDied } from './monsters.ts';
import { zoneState } from './zone-state.ts';

export const Refusals = { outOfRange: 'OUT_OF_RANGE', coolingDown: 'COOLING_DOWN', noTarget: 'NO_TARGET' } as const;

function distance(a: { x: number; y: number }, b: { x: number; y: number }): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** A player's attack on the entity `targetId`, as the client asked with request `seq`. */
export function attack(game: GameContext, attacker: GamePlayer, targetId: number, seq: number): void {
  const target = game.npc(targetId) ?? game.player(targetId);
  if (!target || target.entityId === attacker.entityId) return refuse(game, attacker, seq, Refusals.noTarget);
  if (distance(attacker, target) > PLAYER.attackRangeM) return refuse(game, attacker, seq, Refusals.outOfRange);
  const { lastStrikeMs } = zoneState(game);
  const last = lastStrikeMs.get(attacker.playerId);
  if (last !== undefined && game.nowMs - last < PLAYER.cooldownMs) return refuse(game, attacker, seq, Refusals.coolingDown);
  lastStrikeMs.set(attacker.playerId, game.nowMs);
  const damage = damageAt(attacker.level);
  if ('kind' in target) strikeWolf(game, attacker, target, damage);
  else strikePlayer(game, attacker.entityId, target, damage);
}

function refuse(game: GameContext, player: GamePlayer, seq: number, reason: string): void {
  game.send(player, 'refused', { seq, reason });
}

/** `damage` to a player, from the entity `attackerId`; at 0 hp it dies and is back at the spawn point, whole. */
export function strikePlayer(game: GameContext, attackerId: number, target: GamePlayer, damage: number): void {
  const hp = Math.max(0, target.hp - damage);
  game.setStats(target, { hp });
  game.sendToViewers(target, 'hit', { attackerEntityId: attackerId, targetEntityId: target.entityId, damage, targetHp: hp, targetMaxHp: maxHpAt(target.level) });
  if (hp > 0) return;
  game.sendToViewers(target, 'died', { entityId: target.entityId, killerEntityId: attackerId });
  game.placePlayer(target, game.spawnPoint.x, game.spawnPoint.y);
  game.setStats(target, { hp: maxHpAt(target.level) });
}

function strikeWolf(game: GameContext, attacker: GamePlayer, wolf: GameNpc, damage: number): void {
  const state = wolfOf(wolf);
  state.hp = Math.max(0, state.hp - damage);
  game.sendToViewers(wolf, 'hit', { attackerEntityId: attacker.entityId, targetEntityId: wolf.entityId, damage, targetHp: state.hp, targetMaxHp: WOLF.hp }, attacker);
  // Struck, it goes for whoever struck it.
  if (state.mode === 'idle') Object.assign(state, { mode: 'chase', target: attacker.entityId });
  if (state.hp > 0) return;
  game.sendToViewers(wolf, 'died', { entityId: wolf.entityId, killerEntityId: attacker.entityId }, attacker);
  wolfDied(game, wolf);
  earn(game, attacker, wolf);
}

/** The kill's experience (and a level, and full hp with it), and its loot through the economy. */
function earn(game: GameContext, killer: GamePlayer, wolf: GameNpc): void {
  const exp = killer.exp + WOLF.exp;
  const level = levelFor(exp);
  if (level > killer.level) {
    game.setStats(killer, { exp, level, hp: maxHpAt(level) });
    game.send(killer, 'levelUp', { level, maxHp: maxHpAt(level) });
  } else {
    game.setStats(killer, { exp });
  }
  const { random, runId } = zoneState(game);
  const gold = WOLF.goldMin + Math.floor(random() * (WOLF.goldMax - WOLF.goldMin + 1));
  const items = random() < WOLF.peltChance ? [{ templateId: WOLF.peltTemplateId, count: 1 }] : [];
  // One key per kill: however often the grant is sent, the database gives it once.
  game.grant(killer, { gold, items }, lootKey(runId, wolf.entityId));
}

/** The idempotency key of the loot of a wolf killed in this run of the zone. */
export function lootKey(runId: string, wolfEntityId: number): string {
  return `kill.${runId}.${wolfEntityId}`;
}
