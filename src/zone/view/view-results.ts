/**
 * What the view phase hands the frame writer: for each viewer with news this tick, the slots of
 * the entities it starts to see (spawns), the ids of those it stops seeing (despawns) and the
 * slots of the visible ones that changed (moves). Everything sits in flat arrays reused from
 * tick to tick; viewer i's spawns are spawnSlots[spawnStart[i] .. spawnStart[i + 1]), and so on.
 */
export class ViewResults {
  /** Viewers with news this tick. */
  count = 0;
  /** Player slot of each viewer. */
  viewerSlots = new Int32Array(64);
  spawnStart = new Int32Array(65);
  despawnStart = new Int32Array(65);
  moveStart = new Int32Array(65);
  spawnSlots = new Int32Array(1024);
  /** Entity ids (u32). */
  despawnIds = new Uint32Array(256);
  moveSlots = new Int32Array(4096);
  private spawnEnd = 0;
  private despawnEnd = 0;
  private moveEnd = 0;

  clear(): void {
    this.count = 0;
    this.spawnEnd = 0;
    this.despawnEnd = 0;
    this.moveEnd = 0;
  }

  /** Starts the entries of one viewer; `end` keeps them only if there are any. */
  begin(viewerSlot: number): void {
    const i = this.count;
    if (i + 1 >= this.viewerSlots.length) this.growViewers();
    this.viewerSlots[i] = viewerSlot;
    this.spawnStart[i] = this.spawnEnd;
    this.despawnStart[i] = this.despawnEnd;
    this.moveStart[i] = this.moveEnd;
  }

  addSpawn(slot: number): void {
    if (this.spawnEnd === this.spawnSlots.length) this.spawnSlots = grown(this.spawnSlots);
    this.spawnSlots[this.spawnEnd++] = slot;
  }

  addDespawn(entityId: number): void {
    if (this.despawnEnd === this.despawnIds.length) this.despawnIds = grown(this.despawnIds);
    this.despawnIds[this.despawnEnd++] = entityId;
  }

  addMove(slot: number): void {
    if (this.moveEnd === this.moveSlots.length) this.moveSlots = grown(this.moveSlots);
    this.moveSlots[this.moveEnd++] = slot;
  }

  end(): void {
    const i = this.count;
    if (this.spawnEnd === this.spawnStart[i] && this.despawnEnd === this.despawnStart[i] && this.moveEnd === this.moveStart[i]) return;
    this.count = i + 1;
    this.spawnStart[i + 1] = this.spawnEnd;
    this.despawnStart[i + 1] = this.despawnEnd;
    this.moveStart[i + 1] = this.moveEnd;
  }

  private growViewers(): void {
    this.viewerSlots = grown(this.viewerSlots);
    this.spawnStart = grown(this.spawnStart);
    this.despawnStart = grown(this.despawnStart);
    this.moveStart = grown(this.moveStart);
  }
}

function grown<T extends Int32Array | Uint32Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}
