/**
 * Wolves: they wander near home, notice a player who comes close, chase and bite it, give up
 * past their leash and walk home (healing on the way back), and come back where they lived a
 * while after they die.
 */
import type { GameContext, GameNpc } from '../../src/game/game-module.ts';
import { strikePlayer } from './combat.ts';
import { WOLF, WOLVES_PER_ZONE } from './rules.ts';
import { zoneState } from './zone-state.ts';

export interface Wolf {
  homeX: number;
  homeY: number;
  hp: number;
  mode: 'idle' | 'chase' | 'return';
  /** The player it goes for (entity id), while chasing. */
  target: number;
  lastBiteMs: number;
  /** When it last moved, zone ms: how far it walks each tick follows from it. */
  lastMs: number;
  wanderX: number;
  wanderY: number;
}

/** The wolf's own state, kept in the NPC's `state`. */
export function wolfOf(npc: GameNpc): Wolf {
  return npc.state as unknown as Wolf;
}

export function spawnWolf(game: GameContext, x: number, y: number): GameNpc {
  const npc = game.spawnNpc('wolf', x, y);
  const wolf: Wolf = { homeX: npc.x, homeY: npc.y, hp: WOLF.hp, mode: 'idle', target: 0, lastBiteMs: -Infinity, lastMs: game.nowMs, wanderX: npc.x, wanderY: npc.y };
  Object.assign(npc.state, wolf);
  return npc;
}

/** A zone's wolves, around its spawn point, 30 to 100 m out. */
export function spawnPack(game: GameContext): void {
  const { random } = zoneState(game);
  for (let i = 0; i < WOLVES_PER_ZONE; i++) {
    const angle = random() * 2 * Math.PI;
    const radius = 30 + random() * 70;
    spawnWolf(game, game.spawnPoint.x + radius * Math.cos(angle), game.spawnPoint.y + radius * Math.sin(angle));
  }
}

/** Gone: it comes back home after WOLF.respawnMs. */
export function wolfDied(game: GameContext, npc: GameNpc): void {
  const wolf = wolfOf(npc);
  zoneState(game).respawns.push({ x: wolf.homeX, y: wolf.homeY, atMs: game.nowMs + WOLF.respawnMs });
  game.removeNpc(npc);
}

/** Brings back the wolves whose time has come. */
export function respawnWolves(game: GameContext): void {
  const { respawns } = zoneState(game);
  for (let i = respawns.length - 1; i >= 0; i--) {
    const due = respawns[i];
    if (!due || due.atMs > game.nowMs) continue;
    respawns.splice(i, 1);
    spawnWolf(game, due.x, due.y);
  }
}

/** One tick of a wolf's life. */
export function behave(game: GameContext, npc: GameNpc): void {
  const wolf = wolfOf(npc);
  const stride = (WOLF.speedMps * Math.max(0, game.nowMs - wolf.lastMs)) / 1000;
  wolf.lastMs = game.nowMs;
  if (wolf.mode === 'chase') {
    const target = game.player(wolf.target);
    if (!target || Math.hypot(npc.x - wolf.homeX, npc.y - wolf.homeY) > WOLF.leashM) {
      wolf.mode = 'return';
    } else if (Math.hypot(target.x - npc.x, target.y - npc.y) > WOLF.attackRangeM) {
      step(game, npc, target.x, target.y, stride);
    } else if (game.nowMs - wolf.lastBiteMs >= WOLF.cooldownMs) {
      wolf.lastBiteMs = game.nowMs;
      strikePlayer(game, npc.entityId, target, WOLF.damage);
    }
    return;
  }
  if (wolf.mode === 'return') {
    if (step(game, npc, wolf.homeX, wolf.homeY, stride)) Object.assign(wolf, { mode: 'idle', hp: WOLF.hp, target: 0 });
    return;
  }
  const [noticed] = game.playersNear(npc.x, npc.y, WOLF.noticeRadiusM);
  if (noticed) {
    Object.assign(wolf, { mode: 'chase', target: noticed.entityId });
    return;
  }
  if (step(game, npc, wolf.wanderX, wolf.wanderY, stride / 4)) {
    const { random } = zoneState(game);
    const angle = random() * 2 * Math.PI;
    const radius = random() * WOLF.wanderM;
    wolf.wanderX = wolf.homeX + radius * Math.cos(angle);
    wolf.wanderY = wolf.homeY + radius * Math.sin(angle);
  }
}

/** Walks at most `stride` towards (x, y); true once there. */
function step(game: GameContext, npc: GameNpc, x: number, y: number, stride: number): boolean {
  const dx = x - npc.x;
  const dy = y - npc.y;
  const distance = Math.hypot(dx, dy);
  if (distance <= stride) {
    if (distance > 0) game.moveNpc(npc, x, y, Math.atan2(dy, dx));
    return true;
  }
  game.moveNpc(npc, npc.x + (dx / distance) * stride, npc.y + (dy / distance) * stride, Math.atan2(dy, dx));
  return false;
}
