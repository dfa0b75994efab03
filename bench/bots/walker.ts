/**
 * Where bots go. Bots are grouped into clusters so that they see each other: each bot has a
 * home, the centre of its cluster, and random-walks within `radius` metres of it. A new
 * character starts at its zone's centre (and one from an earlier run where it was left), so a
 * bot first walks straight home, then wanders.
 *
 * Cluster centres lie on a square grid of pitch `spacing` around the zone's centre, nearest
 * first: cluster 0 is the centre itself, clusters 1 to 8 the ring around it, and so on. With the
 * defaults (radius 20 m, spacing 100 m) two clusters' discs are 60 m apart, beyond the server's
 * default view radius (50 m) plus hysteresis margin (5 m): a bot sees the other bots of its
 * cluster and no others, so the load per bot is set by the cluster size.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Step extends Point {
  /** Direction of travel, radians. */
  readonly heading: number;
}

export interface ClusterLayout {
  /** Bots per cluster, in each zone. */
  readonly size: number;
  /** Metres a bot wanders from its cluster's centre. */
  readonly radius: number;
  /** Metres between neighbouring cluster centres. */
  readonly spacing: number;
}

/** Grid offsets (in pitches) from the centre, nearest first; computed once per ring count. */
function gridOffsets(rings: number): Point[] {
  const offsets: Point[] = [];
  for (let i = -rings; i <= rings; i++) for (let j = -rings; j <= rings; j++) offsets.push({ x: i, y: j });
  const order = (p: Point): number => Math.max(Math.abs(p.x), Math.abs(p.y)) * 1e6 + Math.hypot(p.x, p.y) * 1e3 + Math.atan2(p.y, p.x);
  return offsets.sort((a, b) => order(a) - order(b));
}

/**
 * The centre of cluster `cluster` in a zone of the given size. When the zone holds fewer
 * clusters than asked for, numbering wraps around and clusters share a centre.
 */
export function clusterCentre(cluster: number, zoneWidth: number, zoneHeight: number, layout: ClusterLayout): Point {
  const rings = Math.ceil(Math.max(zoneWidth, zoneHeight) / layout.spacing / 2);
  const fits = (p: Point): boolean => p.x >= layout.radius && p.x <= zoneWidth - layout.radius && p.y >= layout.radius && p.y <= zoneHeight - layout.radius;
  const centres = gridOffsets(rings)
    .map((o) => ({ x: zoneWidth / 2 + o.x * layout.spacing, y: zoneHeight / 2 + o.y * layout.spacing }))
    .filter(fits);
  // A zone smaller than one cluster's disc: everyone at its centre.
  return centres[cluster % Math.max(1, centres.length)] ?? { x: zoneWidth / 2, y: zoneHeight / 2 };
}

/**
 * Which cluster a player belongs to. Players go to zones round-robin by id (the server's
 * ((id − 1) mod zones)), so a zone's k-th bot is the one with (id − firstId) / zones = k, and
 * consecutive bots of a zone share a cluster.
 */
export function clusterOf(playerId: number, firstId: number, zones: number, size: number): number {
  return Math.floor(Math.floor((playerId - firstId) / zones) / size);
}

/** Largest turn per step while wandering, radians: a smooth path rather than a jitter. */
const MAX_TURN = 1;

export class Walker {
  private heading: number;
  private readonly home: Point;
  private readonly radius: number;
  private readonly stepM: number;
  private readonly bounds: Point;
  private readonly random: () => number;

  /** `stepM` is the distance of every step; `bounds` the zone's far corner. */
  constructor(home: Point, radius: number, stepM: number, bounds: Point, random: () => number = Math.random) {
    this.home = home;
    this.radius = radius;
    this.stepM = stepM;
    this.bounds = bounds;
    this.random = random;
    this.heading = (random() * 2 - 1) * Math.PI;
  }

  isHome(at: Point): boolean {
    return Math.hypot(at.x - this.home.x, at.y - this.home.y) <= this.radius;
  }

  /** The next position from `at`: `stepM` towards home while away, otherwise a wandering step that stays within the radius. */
  next(at: Point): Step {
    const towardsHome = Math.atan2(this.home.y - at.y, this.home.x - at.x);
    if (!this.isHome(at)) {
      this.heading = towardsHome;
    } else {
      this.heading += (this.random() * 2 - 1) * MAX_TURN;
      // About to leave the disc: turn back inwards, within 45° of its centre.
      if (!this.isHome(this.ahead(at))) this.heading = towardsHome + ((this.random() * 2 - 1) * Math.PI) / 4;
    }
    this.heading = Math.atan2(Math.sin(this.heading), Math.cos(this.heading));
    const to = this.ahead(at);
    return { x: clamp(to.x, 0, this.bounds.x), y: clamp(to.y, 0, this.bounds.y), heading: this.heading };
  }

  private ahead(at: Point): Point {
    return { x: at.x + Math.cos(this.heading) * this.stepM, y: at.y + Math.sin(this.heading) * this.stepM };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
