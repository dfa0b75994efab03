/**
 * Skirmish's numbers: how far, how often and how hard everyone strikes, how players grow, and
 * what monsters are made of. Everything the server decides comes from here.
 */

export const PLAYER = {
  /** A player strikes what stands within this many metres of it. */
  attackRangeM: 3,
  /** Between two of its strikes, at least this long. */
  cooldownMs: 1000,
} as const;

export const WOLF = {
  hp: 40,
  damage: 6,
  attackRangeM: 2,
  cooldownMs: 1200,
  speedMps: 4,
  /** It notices a player this close, and goes for it. */
  noticeRadiusM: 12,
  /** It gives up past this distance from its home, and walks back (healing). */
  leashM: 25,
  /** It wanders this far from home while nobody is near. */
  wanderM: 8,
  /** It is back this long after it died. */
  respawnMs: 10_000,
  exp: 40,
  /** Loot: gold from `goldMin` to `goldMax`, and a pelt (item template 1) one kill in four. */
  goldMin: 5,
  goldMax: 15,
  peltTemplateId: 1,
  peltChance: 0.25,
} as const;

/** Wolves each zone keeps. */
export const WOLVES_PER_ZONE = 20;

/** Full hp at a level: 100 at level 1, 20 more for each level above. */
export function maxHpAt(level: number): number {
  return 100 + 20 * (level - 1);
}

/** A player's blow: 10 at level 1, 2 more for each level above. */
export function damageAt(level: number): number {
  return 10 + 2 * (level - 1);
}

/** The level `exp` experience makes: level L takes 100 × (L − 1)² (100 for level 2, 400 for 3, …). */
export function levelFor(exp: number): number {
  return Math.floor(Math.sqrt(exp / 100)) + 1;
}
