/**
 * A travelling bot's route (`--travel`): a tour of the default world (src/config/world.ts,
 * defaultWorld) in world coordinates. From the meadow it walks east into the forest, south into
 * the lake, into the lake's portal to the crypt, through the crypt to its exit portal back to the
 * lake, west into the hills, and north back to the meadow: four border crossings and two portals
 * a lap. Each bot starts its lap at the stop of the zone it logs into.
 */
import type { Step } from './walker.ts';

interface Stop {
  readonly x: number;
  readonly y: number;
  /** Stepping here takes the bot through a portal: it waits for its new zone before going on. */
  readonly portal: boolean;
}

const TOUR: readonly Stop[] = [
  { x: 500, y: 500, portal: false }, // meadow
  { x: 1500, y: 500, portal: false }, // forest
  { x: 1500, y: 1500, portal: false }, // lake
  { x: 1990, y: 1990, portal: true }, // the lake's portal, to the crypt at (100, 10020)
  { x: 100, y: 10_190, portal: true }, // the crypt's portal, back to the lake at (1960, 1960)
  { x: 500, y: 1500, portal: false }, // hills
];

/** The tour's first stop for a bot that logs into zone `zoneId` (1 meadow, 2 forest, 3 hills, 4 lake). */
function firstStop(zoneId: number): number {
  return [0, 0, 1, 5, 2][zoneId] ?? 0;
}

export class Route {
  private next: number;
  private readonly stepM: number;
  private readonly offsetM: number;
  /** Set after stepping into a portal, until the new zone is heard of. */
  waitingForPortal = false;

  /** `stepM`: metres per move; each bot is shifted off the others' line by `offsetM`. */
  constructor(zoneId: number, stepM: number, offsetM: number) {
    this.next = firstStop(zoneId);
    this.stepM = stepM;
    this.offsetM = offsetM;
  }

  /** The next move from `at`, or undefined while waiting for a portal to take the bot. */
  step(at: { x: number; y: number }): Step | undefined {
    if (this.waitingForPortal) return undefined;
    const stop = TOUR[this.next] as Stop;
    // Portals are stepped into exactly; the walk between stops keeps to the bot's own lane.
    const target = stop.portal ? stop : { x: stop.x + this.offsetM, y: stop.y + this.offsetM };
    const dx = target.x - at.x;
    const dy = target.y - at.y;
    const distance = Math.hypot(dx, dy);
    const heading = Math.atan2(dy, dx);
    if (distance <= this.stepM) {
      this.next = (this.next + 1) % TOUR.length;
      if (stop.portal) this.waitingForPortal = true;
      return { x: target.x, y: target.y, heading };
    }
    return { x: at.x + (dx / distance) * this.stepM, y: at.y + (dy / distance) * this.stepM, heading };
  }

  /**
   * The bot is in a new zone. A portal (`freshView`) that took it lets it go on; one it stepped
   * into on the way to the portal's stop (the area is wider than the stop) counts as reached.
   */
  zoneChanged(freshView: boolean): void {
    if (freshView && !this.waitingForPortal && (TOUR[this.next] as Stop).portal) this.next = (this.next + 1) % TOUR.length;
    this.waitingForPortal = false;
  }
}
