/**
 * The population the spatial and zone benchmarks move around: N entities in a zone, spread
 * uniformly or mostly in towns, walking at player speed, their heading wandering a little every
 * tick or turning now and then (`turnChance`). Everything is drawn
 * from a seeded generator, so every index under test sees exactly the same positions.
 */
import { mulberry32 as prng } from '../../src/zone/random.ts';

export type Spread = 'uniform' | 'clustered';

export interface WorldSettings {
  readonly widthM: number;
  readonly heightM: number;
  /** Distance walked per tick: 10 m/s at 20 Hz. */
  readonly stepM: number;
  /** Clustered spread: this share of the entities live in towns, the rest anywhere. */
  readonly townShare: number;
  readonly towns: number;
  /** Standard deviation of a town's gaussian, metres. */
  readonly townSigmaM: number;
  /**
   * Chance per tick that an entity turns to a new heading at random; without it, every heading
   * wanders a little every tick. (Only the zone benchmark cares: a heading sent unchanged costs
   * no bytes.)
   */
  readonly turnChance?: number;
}


export class World {
  readonly count: number;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  readonly #settings: WorldSettings;
  readonly #random: () => number;
  /** Each entity's heading, radians. */
  readonly headings: Float64Array;
  /** Town of each entity, -1 for none. */
  readonly #home: Int32Array;
  readonly #townX: Float64Array;
  readonly #townY: Float64Array;

  constructor(count: number, spread: Spread, settings: WorldSettings, seed: number) {
    const { widthM, heightM } = settings;
    this.count = count;
    this.#settings = settings;
    const random = prng(seed);
    this.#random = random;
    this.xs = new Float64Array(count);
    this.ys = new Float64Array(count);
    this.headings = new Float64Array(count);
    this.#home = new Int32Array(count).fill(-1);
    // Towns keep 15% of the zone clear of their centres on every side.
    this.#townX = Float64Array.from({ length: settings.towns }, () => widthM * (0.15 + 0.7 * random()));
    this.#townY = Float64Array.from({ length: settings.towns }, () => heightM * (0.15 + 0.7 * random()));
    for (let i = 0; i < count; i++) {
      this.headings[i] = 2 * Math.PI * random();
      if (spread === 'clustered' && random() < settings.townShare) {
        const town = Math.floor(random() * settings.towns);
        this.#home[i] = town;
        // Box-Muller: a gaussian offset from the town centre.
        const distance = settings.townSigmaM * Math.sqrt(-2 * Math.log(1 - random()));
        const angle = 2 * Math.PI * random();
        const x = (this.#townX[town] as number) + distance * Math.cos(angle);
        this.#place(i, x, (this.#townY[town] as number) + distance * Math.sin(angle));
      } else {
        this.#place(i, widthM * random(), heightM * random());
      }
    }
  }

  /**
   * One tick: every entity turns (a little, or now and then) and walks one step; town dwellers
   * head back home when they stray more than two sigmas from its centre.
   */
  step(): void {
    const { stepM, townSigmaM, turnChance } = this.#settings;
    const random = this.#random;
    const strayM2 = 4 * townSigmaM * townSigmaM;
    for (let i = 0; i < this.count; i++) {
      const x = this.xs[i] as number;
      const y = this.ys[i] as number;
      let heading = this.headings[i] as number;
      if (turnChance === undefined) heading += (random() - 0.5) * 0.5;
      else if (random() < turnChance) heading = 2 * Math.PI * random();
      const town = this.#home[i] as number;
      if (town !== -1) {
        const dx = (this.#townX[town] as number) - x;
        const dy = (this.#townY[town] as number) - y;
        if (dx * dx + dy * dy > strayM2) heading = Math.atan2(dy, dx);
      }
      this.headings[i] = heading;
      this.#place(i, x + stepM * Math.cos(heading), y + stepM * Math.sin(heading));
    }
  }

  /** Puts the entity at (x, y), clamped into the zone; an entity that hits an edge turns around. */
  #place(i: number, x: number, y: number): void {
    const { widthM, heightM } = this.#settings;
    const clampedX = Math.min(widthM, Math.max(0, x));
    const clampedY = Math.min(heightM, Math.max(0, y));
    if (clampedX !== x || clampedY !== y) this.headings[i] = (this.headings[i] as number) + Math.PI;
    this.xs[i] = clampedX;
    this.ys[i] = clampedY;
  }
}

/**
 * The radius within which an entity sees `inView` others on average (itself not counted), from
 * the distances of up to 1000 entities to all the others.
 */
export function radiusForMeanInView(world: World, inView: number, maxRadiusM: number): number {
  const binM = 0.05;
  const bins = new Float64Array(Math.ceil(maxRadiusM / binM) + 1);
  const viewers = Math.min(world.count, 1000);
  const { xs, ys } = world;
  for (let v = 0; v < viewers; v++) {
    const x = xs[v] as number;
    const y = ys[v] as number;
    for (let i = 0; i < world.count; i++) {
      if (i === v) continue;
      const distance = Math.hypot((xs[i] as number) - x, (ys[i] as number) - y);
      if (distance >= maxRadiusM) continue;
      const bin = Math.floor(distance / binM);
      bins[bin] = (bins[bin] as number) + 1;
    }
  }
  const wanted = inView * viewers;
  let seen = 0;
  for (let b = 0; b < bins.length; b++) {
    seen += bins[b] as number;
    if (seen >= wanted) return (b + 1) * binM;
  }
  return maxRadiusM;
}
