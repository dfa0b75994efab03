/**
 * The view system: who sees whom, and what each viewer is told this tick. (A "tick" here is one
 * `update`: the zone calls it every tick, or every VIEW_SEND_TICKS ticks, and the world's change
 * lists then hold everything since the last call.)
 *
 * Each player sees the entities within `radiusM` of it, nearest first up to `maxVisible`; an
 * entity it already sees stays in view until it is farther than `radiusM + marginM`, so an
 * entity pacing along the edge does not flicker in and out. A player's visible set is recomputed
 * every `refreshTicks` ticks (staggered by slot, so a share of the players each tick) and on the
 * tick it joins; in between, the set stays as it was except that entities gone from the zone
 * leave it at once. Visible entities that changed are sent every tick.
 *
 * Per tick:
 *   1. the tick's news about entities goes into the spatial index and into flat per-slot
 *      tables: the position viewers know (whole centimetres, world coordinates), this tick's delta from it, the
 *      heading in milliradians and the change mask after quantization. Every viewer of an entity
 *      knows the same position for it (its spawn plus every move since), so one delta serves all;
 *   2. each viewer's spawns, despawns and moves go into `ViewResults` for the frame writer.
 * Nothing is allocated per tick once the tables have grown to the zone's population.
 */
import { MoveField, toCentimetres, toMilliradians } from '../../protocol/messages.ts';
import type { SpatialIndex } from '../spatial/spatial-index.ts';
import type { Player, World } from '../world/world.ts';
import { ViewResults } from './view-results.ts';

export interface ViewSettings {
  readonly radiusM: number;
  readonly marginM: number;
  readonly maxVisible: number;
  readonly refreshTicks: number;
  /**
   * The zone's corner in world coordinates, metres: positions go to clients in world
   * coordinates, which stay the same when a player changes zones. 0 when absent.
   */
  readonly originXM?: number;
  readonly originYM?: number;
}

/** Per-slot state shared by the view phase and the frame writer. */
export interface EntityTables {
  /** The position every viewer of the entity knows, whole centimetres. */
  readonly knownXCm: Int32Array;
  readonly knownYCm: Int32Array;
  readonly headingMrad: Int32Array;
  /** This tick's MoveField bits after quantization (0: nothing a viewer could see changed). */
  readonly moveMask: Uint8Array;
  readonly dxCm: Int32Array;
  readonly dyCm: Int32Array;
}

/** The view system of one zone; the zone calls `update` once per tick, after logic. */
export class ViewSystem {
  readonly results = new ViewResults();
  tables: EntityTables = newTables(0);

  private readonly settings: ViewSettings;
  private readonly index: SpatialIndex;
  private readonly originXM: number;
  private readonly originYM: number;
  private readonly enterSq: number;
  private readonly leaveSq: number;
  /** Slots whose moveMask is set this tick (cleared at the start of the next). */
  readonly movedSlots: number[] = [];
  /** Per slot: position (metres), entity id, and whether it left the zone this tick. */
  private xs = new Float64Array(0);
  private ys = new Float64Array(0);
  private ids = new Uint32Array(0);
  private gone = new Uint8Array(0);
  private readonly goneSlots: number[] = [];
  /** Visible set of the player in each slot (its first visibleCount entries). */
  private readonly visible: (Int32Array | undefined)[] = [];
  private visibleCount = new Int32Array(0);
  /** Stamps marking the viewer's old and new sets during one recomputation. */
  private oldMark = new Uint32Array(0);
  private newMark = new Uint32Array(0);
  private stamp = 0;
  private candidateSlots = new Int32Array(256);
  private candidateDistSq = new Float64Array(256);
  private readonly observeVisible: (count: number) => void;
  /** Players that came from another zone, by slot: the entity ids their client knows already. */
  private readonly welcomes = new Map<number, readonly number[]>();

  /** `observeVisible` hears the size of every recomputed visible set (for the metrics). */
  constructor(settings: ViewSettings, index: SpatialIndex, observeVisible: (count: number) => void = () => {}) {
    this.settings = settings;
    this.index = index;
    this.originXM = settings.originXM ?? 0;
    this.originYM = settings.originYM ?? 0;
    this.enterSq = settings.radiusM * settings.radiusM;
    const leave = settings.radiusM + settings.marginM;
    this.leaveSq = leave * leave;
    this.observeVisible = observeVisible;
  }

  /**
   * Slots of the players who see the entity in `slot`, as of the last update: those near enough to
   * have it in view, whose visible set holds it. Allocates; for rare events (chat), not per tick.
   */
  viewersOf(slot: number): number[] {
    const { radiusM, marginM } = this.settings;
    const found = this.index.queryCircle(this.xs[slot] as number, this.ys[slot] as number, radiusM + marginM);
    const candidates = this.index.results.slice(0, found);
    const viewers: number[] = [];
    for (const candidate of candidates) {
      if (candidate === slot) continue;
      const set = this.visible[candidate];
      const count = this.visibleCount[candidate] ?? 0;
      if (!set) continue;
      for (let i = 0; i < count; i++) {
        if (set[i] === slot) {
          viewers.push(candidate);
          break;
        }
      }
    }
    return viewers;
  }

  /**
   * Slots of the entities within `radiusM` of (x, y), zone coordinates, as of the last update: a
   * view of the index's results, valid until the next query.
   */
  slotsWithin(x: number, y: number, radiusM: number): Int32Array {
    return this.index.results.subarray(0, this.index.queryCircle(x, y, radiusM));
  }

  /**
   * The player in `slot` has just come from another zone: its next update works out its view
   * afresh (spawns for all it sees, an entity it knew already included), and despawns those of
   * `knownIds` (what its client knew in the zone it left) that it does not see here.
   */
  welcome(slot: number, knownIds: readonly number[]): void {
    this.welcomes.set(slot, knownIds);
    // What the slot held before is not this player's.
    if (slot < this.visibleCount.length) this.visibleCount[slot] = 0;
  }

  /**
   * The entity ids the client of the player in `slot` knows now: what it sees, or, for one
   * welcomed this tick and not yet shown anything here, what it knew where it came from.
   */
  knownBy(slot: number): number[] {
    const welcomed = this.welcomes.get(slot);
    if (welcomed) return [...welcomed];
    const ids: number[] = [];
    for (const visible of this.visibleOf(slot)) ids.push(this.ids[visible] as number);
    return ids;
  }

  /** The slots the player in `slot` sees now (a view of internal memory: copy to keep). */
  visibleOf(slot: number): Int32Array {
    return (this.visible[slot] ?? new Int32Array(0)).subarray(0, this.visibleCount[slot] ?? 0);
  }

  /** `tick`: this update's number, counted in updates (recomputations are staggered by it). */
  update(world: World, tick: number): ViewResults {
    this.ensureCapacity(world.slotCount);
    this.applyEntityNews(world);
    const results = this.results;
    results.clear();
    const refresh = this.settings.refreshTicks;
    for (const player of world.playersBySession.values()) {
      results.begin(player.slot);
      const known = this.welcomes.get(player.slot);
      if (known) this.welcomeView(player, known);
      else if (player.addedThisTick) this.recompute(player, 0);
      else if ((tick + player.slot) % refresh === 0) this.recompute(player, this.visibleCount[player.slot] as number);
      else this.carryOver(player);
      results.end();
    }
    return results;
  }

  private welcomeView(player: Player, knownIds: readonly number[]): void {
    this.welcomes.delete(player.slot);
    this.recompute(player, 0);
    if (knownIds.length === 0) return;
    const set = this.visible[player.slot] as Int32Array;
    const seen = new Set<number>();
    for (let i = 0; i < (this.visibleCount[player.slot] as number); i++) seen.add(this.ids[set[i] as number] as number);
    for (const id of knownIds) if (!seen.has(id)) this.results.addDespawn(id);
  }

  // ---------------------------------------------------------------- 1. entity news

  private applyEntityNews(world: World): void {
    const { knownXCm, knownYCm, headingMrad, moveMask, dxCm, dyCm } = this.tables;
    const { xs, ys, gone } = this;
    for (const slot of this.movedSlots) moveMask[slot] = 0;
    this.movedSlots.length = 0;
    for (const slot of this.goneSlots) gone[slot] = 0;
    this.goneSlots.length = 0;
    for (const entity of world.removed) {
      this.index.remove(entity.slot);
      gone[entity.slot] = 1;
      this.goneSlots.push(entity.slot);
      // A slot's next entity starts with no visible set.
      this.visibleCount[entity.slot] = 0;
      this.welcomes.delete(entity.slot);
    }
    for (const entity of world.added) {
      const slot = entity.slot;
      this.index.insert(slot, entity.x, entity.y);
      xs[slot] = entity.x;
      ys[slot] = entity.y;
      this.ids[slot] = entity.id;
      knownXCm[slot] = toCentimetres(entity.x + this.originXM);
      knownYCm[slot] = toCentimetres(entity.y + this.originYM);
      headingMrad[slot] = toMilliradians(entity.heading);
    }
    for (const entity of world.changed) {
      // Removed ones are despawned; added ones are sent whole, as spawns.
      if (entity.removed || entity.addedThisTick) continue;
      const slot = entity.slot;
      let mask = 0;
      if (entity.changed & MoveField.MOVE_FIELD_POSITION) {
        this.index.move(slot, entity.x, entity.y);
        xs[slot] = entity.x;
        ys[slot] = entity.y;
        const xCm = toCentimetres(entity.x + this.originXM);
        const yCm = toCentimetres(entity.y + this.originYM);
        dxCm[slot] = xCm - (knownXCm[slot] as number);
        dyCm[slot] = yCm - (knownYCm[slot] as number);
        // A move smaller than the wire's precision is not news; it adds up in `known` later.
        if (dxCm[slot] !== 0 || dyCm[slot] !== 0) {
          mask |= MoveField.MOVE_FIELD_POSITION;
          knownXCm[slot] = xCm;
          knownYCm[slot] = yCm;
        }
      }
      if (entity.changed & MoveField.MOVE_FIELD_HEADING) {
        const mrad = toMilliradians(entity.heading);
        if (mrad !== headingMrad[slot]) {
          mask |= MoveField.MOVE_FIELD_HEADING;
          headingMrad[slot] = mrad;
        }
      }
      if (mask !== 0) {
        moveMask[slot] = mask;
        this.movedSlots.push(slot);
      }
    }
  }

  // ---------------------------------------------------------------- 2. viewers

  /** A tick without recomputation: gone entities leave the set, changed ones are moves. */
  private carryOver(viewer: Player): void {
    const set = this.visible[viewer.slot];
    if (!set) return;
    const moveMask = this.tables.moveMask;
    const { gone, results } = this;
    let count = this.visibleCount[viewer.slot] as number;
    for (let i = 0; i < count; i++) {
      const slot = set[i] as number;
      if (gone[slot] !== 0) {
        results.addDespawn(this.ids[slot] as number);
        set[i--] = set[--count] as number;
      } else if (moveMask[slot] !== 0) {
        results.addMove(slot);
      }
    }
    this.visibleCount[viewer.slot] = count;
  }

  /** Recomputes the set of `viewer`, whose first `oldCount` entries are what it saw until now. */
  private recompute(viewer: Player, oldCount: number): void {
    const { maxVisible, radiusM, marginM } = this.settings;
    const viewerSlot = viewer.slot;
    const stamp = this.nextStamp();
    const oldMark = this.oldMark;
    const newMark = this.newMark;
    let set = this.visible[viewerSlot];
    if (!set) this.visible[viewerSlot] = set = new Int32Array(maxVisible);
    for (let i = 0; i < oldCount; i++) oldMark[set[i] as number] = stamp;

    // Candidates: within the enter radius, or within the leave radius and seen already.
    const found = this.index.queryCircle(viewer.x, viewer.y, radiusM + marginM);
    const slots = this.index.results;
    if (found > this.candidateSlots.length) this.growCandidates(found);
    const candidateSlots = this.candidateSlots;
    const candidateDistSq = this.candidateDistSq;
    const { xs, ys } = this;
    const vx = viewer.x;
    const vy = viewer.y;
    let count = 0;
    for (let j = 0; j < found; j++) {
      const slot = slots[j] as number;
      if (slot === viewerSlot) continue;
      const dx = (xs[slot] as number) - vx;
      const dy = (ys[slot] as number) - vy;
      const distSq = dx * dx + dy * dy;
      if (distSq <= this.enterSq || (distSq <= this.leaveSq && oldMark[slot] === stamp)) {
        candidateSlots[count] = slot;
        candidateDistSq[count] = distSq;
        count++;
      }
    }
    if (count > maxVisible) count = this.keepNearest(count, maxVisible);

    const results = this.results;
    const moveMask = this.tables.moveMask;
    for (let i = 0; i < count; i++) newMark[candidateSlots[i] as number] = stamp;
    for (let i = 0; i < oldCount; i++) {
      const slot = set[i] as number;
      if (newMark[slot] !== stamp) results.addDespawn(this.ids[slot] as number);
    }
    for (let i = 0; i < count; i++) {
      const slot = candidateSlots[i] as number;
      if (oldMark[slot] !== stamp) results.addSpawn(slot);
      else if (moveMask[slot] !== 0) results.addMove(slot);
      set[i] = slot;
    }
    this.visibleCount[viewerSlot] = count;
    this.observeVisible(count);
  }

  /**
   * Reorders the first `count` candidates so that the `keep` nearest come first (ties: lower
   * entity id first) and returns `keep`: a quickselect, in place, O(count) on average.
   */
  private keepNearest(count: number, keep: number): number {
    const slots = this.candidateSlots;
    const distSq = this.candidateDistSq;
    const ids = this.ids;
    // a before b: nearer, or as near with a lower id.
    const before = (a: number, b: number): boolean => {
      const da = distSq[a] as number;
      const db = distSq[b] as number;
      return da < db || (da === db && (ids[slots[a] as number] as number) < (ids[slots[b] as number] as number));
    };
    const swap = (a: number, b: number): void => {
      const slot = slots[a] as number;
      slots[a] = slots[b] as number;
      slots[b] = slot;
      const d = distSq[a] as number;
      distSq[a] = distSq[b] as number;
      distSq[b] = d;
    };
    let lo = 0;
    let hi = count - 1;
    // Invariant: the `keep` nearest are the first `keep` once [lo, hi] no longer straddles keep.
    while (lo < hi) {
      swap((lo + hi) >>> 1, hi); // middle as pivot, parked at hi
      let store = lo;
      for (let i = lo; i < hi; i++) if (before(i, hi)) swap(i, store++);
      swap(store, hi);
      if (store === keep - 1 || store === keep) break;
      if (store < keep) lo = store + 1;
      else hi = store - 1;
    }
    return keep;
  }

  private nextStamp(): number {
    if (this.stamp === 0xffff_ffff) {
      // Wrapped: old marks could collide with new stamps, so forget them all.
      this.oldMark.fill(0);
      this.newMark.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  private ensureCapacity(slotCount: number): void {
    if (slotCount <= this.oldMark.length) return;
    const capacity = Math.max(64, slotCount * 2);
    const old = this.tables;
    const tables = newTables(capacity);
    tables.knownXCm.set(old.knownXCm);
    tables.knownYCm.set(old.knownYCm);
    tables.headingMrad.set(old.headingMrad);
    tables.moveMask.set(old.moveMask);
    tables.dxCm.set(old.dxCm);
    tables.dyCm.set(old.dyCm);
    this.tables = tables;
    this.visibleCount = copyInto(new Int32Array(capacity), this.visibleCount);
    this.xs = copyInto(new Float64Array(capacity), this.xs);
    this.ys = copyInto(new Float64Array(capacity), this.ys);
    this.ids = copyInto(new Uint32Array(capacity), this.ids);
    this.gone = copyInto(new Uint8Array(capacity), this.gone);
    this.oldMark = copyInto(new Uint32Array(capacity), this.oldMark);
    this.newMark = copyInto(new Uint32Array(capacity), this.newMark);
  }

  private growCandidates(atLeast: number): void {
    let length = this.candidateSlots.length;
    while (length < atLeast) length *= 2;
    this.candidateSlots = new Int32Array(length);
    this.candidateDistSq = new Float64Array(length);
  }
}

function newTables(capacity: number): EntityTables {
  return {
    knownXCm: new Int32Array(capacity),
    knownYCm: new Int32Array(capacity),
    headingMrad: new Int32Array(capacity),
    moveMask: new Uint8Array(capacity),
    dxCm: new Int32Array(capacity),
    dyCm: new Int32Array(capacity),
  };
}

function copyInto<T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(target: T, source: T): T {
  target.set(source);
  return target;
}

