/**
 * What one zone shows a neighbour across their border: each tick, the positions of its entities
 * near that border, written into shared memory that only the neighbour reads. No message and no
 * main thread on the way: the writer overwrites the whole list every tick, and the reader takes
 * the latest complete one (a seqlock): a torn read is noticed and that tick's list skipped.
 *
 * Layout (the platform's byte order: both sides are threads of one process; in a SharedArrayBuffer of `BorderBoard.bytes(capacity)`):
 *   0   i32 seq        odd while the writer writes, even when the list is complete
 *   4   i32 count
 *   8   f64 writtenAtMs (Date.now() of the last complete list: a dead writer's list goes stale)
 *   16  records, 40 bytes each:
 *       [u32 entityId][u8 kind][u8 flags][2 pad][f64 playerId][f64 x][f64 y][f32 heading][4 pad]
 *       x, y: world coordinates, metres. flags: DEPARTING (a player this zone has handed over to
 *       the reader and still shows where it left, until the reader lists it as its own).
 */
const HEADER_BYTES = 16;
const RECORD_BYTES = 40;
export const DEPARTING = 1;

/** One entity as a board lists it. */
export interface BoardEntry {
  entityId: number;
  kind: number;
  flags: number;
  playerId: number;
  x: number;
  y: number;
  heading: number;
}

export class BorderBoard {
  readonly capacity: number;
  private readonly control: Int32Array;
  /** The records through typed arrays (every field is aligned to its size). */
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly floats: Float32Array;
  private readonly doubles: Float64Array;

  static bytes(capacity: number): number {
    return HEADER_BYTES + RECORD_BYTES * capacity;
  }

  constructor(buffer: SharedArrayBuffer) {
    this.capacity = Math.floor((buffer.byteLength - HEADER_BYTES) / RECORD_BYTES);
    this.control = new Int32Array(buffer, 0, 2);
    this.words = new Uint32Array(buffer);
    this.bytes = new Uint8Array(buffer);
    this.floats = new Float32Array(buffer);
    this.doubles = new Float64Array(buffer);
  }

  // ---------------------------------------------------------------- the writer's side

  private writing = 0;

  /** Starts a new list (the reader skips the board until `end`). */
  begin(): void {
    // A writer that died halfway left seq odd; a new one starts from the next even value.
    const seq = Atomics.load(this.control, 0);
    if ((seq & 1) === 0) Atomics.store(this.control, 0, seq + 1);
    this.writing = 0;
  }

  /** Adds an entity; false when the board is full. */
  add(entityId: number, kind: number, flags: number, playerId: number, x: number, y: number, heading: number): boolean {
    if (this.writing >= this.capacity) return false;
    const at = HEADER_BYTES + RECORD_BYTES * this.writing++;
    this.words[at >> 2] = entityId;
    this.bytes[at + 4] = kind;
    this.bytes[at + 5] = flags;
    this.doubles[(at + 8) >> 3] = playerId;
    this.doubles[(at + 16) >> 3] = x;
    this.doubles[(at + 24) >> 3] = y;
    this.floats[(at + 32) >> 2] = heading;
    return true;
  }

  /** Publishes the list. */
  end(nowMs: number): void {
    this.doubles[1] = nowMs;
    Atomics.store(this.control, 1, this.writing);
    // Even again: the list is complete. Seq-cst, so the reader that sees it sees the records.
    Atomics.add(this.control, 0, 1);
  }

  // ---------------------------------------------------------------- the reader's side

  /**
   * Copies the latest complete list into `into` (reused; its first `n` entries are valid) and
   * returns n, or -1 when the writer is writing or was writing meanwhile (try next tick), or
   * when the list is older than `staleMs` (-2: the writer is gone).
   */
  read(into: BoardEntry[], nowMs: number, staleMs: number): number {
    const before = Atomics.load(this.control, 0);
    if ((before & 1) !== 0) return -1;
    const count = Math.min(Atomics.load(this.control, 1), this.capacity);
    const writtenAtMs = this.doubles[1] as number;
    const { words, bytes, doubles, floats } = this;
    for (let i = 0; i < count; i++) {
      const at = HEADER_BYTES + RECORD_BYTES * i;
      let entry = into[i];
      if (!entry) into[i] = entry = { entityId: 0, kind: 0, flags: 0, playerId: 0, x: 0, y: 0, heading: 0 };
      entry.entityId = words[at >> 2] as number;
      entry.kind = bytes[at + 4] as number;
      entry.flags = bytes[at + 5] as number;
      entry.playerId = doubles[(at + 8) >> 3] as number;
      entry.x = doubles[(at + 16) >> 3] as number;
      entry.y = doubles[(at + 24) >> 3] as number;
      entry.heading = floats[(at + 32) >> 2] as number;
    }
    if (Atomics.load(this.control, 0) !== before) return -1;
    if (before === 0 || nowMs - writtenAtMs > staleMs) return -2;
    return count;
  }
}
