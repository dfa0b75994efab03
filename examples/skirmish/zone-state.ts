/**
 * What Skirmish keeps about one zone: each player's last strike, the wolves waiting to come back,
 * the id of this run of the zone (it makes loot keys unique across restarts) and a seeded
 * random source. Keyed by the zone's context, so zones sharing a thread (tests) keep their own.
 */
import type { GameContext } from '../../src/game/game-module.ts';

export interface ZoneState {
  /** Player id → when it last struck, zone ms. */
  readonly lastStrikeMs: Map<number, number>;
  /** Wolves to bring back: where they live and when. */
  readonly respawns: { x: number; y: number; atMs: number }[];
  /** Unique to this run of the zone: a kill's loot key holds it, so a restarted zone never reuses one. */
  readonly runId: string;
  readonly random: () => number;
}

const zones = new WeakMap<GameContext, ZoneState>();

export function zoneState(game: GameContext): ZoneState {
  let state = zones.get(game);
  if (!state) {
    state = { lastStrikeMs: new Map(), respawns: [], runId: globalThis.crypto.randomUUID().slice(0, 8), random: seeded(game.zoneId) };
    zones.set(game, state);
  }
  return state;
}

/**
 * A small seeded generator (mulberry32, as the server has one; a module imports nothing of the
 * server but its API): the same zone wanders the same way every run.
 */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
