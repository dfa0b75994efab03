/**
 * Entity id → slot, for the client's known world: an open-addressing hash table (linear probing,
 * backward-shift deletion) in two typed arrays. A client applies dozens of moves a frame, each
 * a lookup by id; a Map's lookup was most of that cost, and this one touches one cache line
 * where a Map touches several. Ids are positive 32-bit integers (0 marks an empty cell).
 */
export class SlotTable {
  private keys: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  /** 32 − log2(table size): the hash's top bits are the cell. */
  private shift: number;
  private count = 0;

  constructor(capacity = 64) {
    const bits = Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.keys = new Uint32Array(2 ** bits);
    this.slots = new Int32Array(2 ** bits);
    this.mask = 2 ** bits - 1;
    this.shift = 32 - bits;
  }

  get size(): number {
    return this.count;
  }

  /** The slot of `id`, or -1. */
  get(id: number): number {
    const { keys, mask } = this;
    for (let at = this.cellOf(id); ; at = (at + 1) & mask) {
      const key = keys[at] as number;
      if (key === id) return this.slots[at] as number;
      if (key === 0) return -1;
    }
  }

  set(id: number, slot: number): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const { keys, mask } = this;
    let at = this.cellOf(id);
    while (keys[at] !== 0 && keys[at] !== id) at = (at + 1) & mask;
    if (keys[at] === 0) this.count++;
    keys[at] = id;
    this.slots[at] = slot;
  }

  delete(id: number): void {
    const { keys, slots, mask } = this;
    let at = this.cellOf(id);
    while (keys[at] !== id) {
      if (keys[at] === 0) return;
      at = (at + 1) & mask;
    }
    this.count--;
    // Shift back the entries after it that would no longer be found past the hole.
    for (let next = (at + 1) & mask; keys[next] !== 0; next = (next + 1) & mask) {
      const home = this.cellOf(keys[next] as number);
      // Does the hole lie cyclically in [home, next)? Then the entry may move into it.
      if ((next - home & mask) >= (next - at & mask)) {
        keys[at] = keys[next] as number;
        slots[at] = slots[next] as number;
        at = next;
      }
    }
    keys[at] = 0;
  }

  clear(): void {
    this.keys.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const { keys, slots } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.slots = new Int32Array(keys.length * 2);
    this.mask = this.keys.length - 1;
    this.shift--;
    this.count = 0;
    for (let at = 0; at < keys.length; at++) if (keys[at] !== 0) this.set(keys[at] as number, slots[at] as number);
  }

  /** Fibonacci hashing: ids come in runs, and the product's top bits spread them over the table. */
  private cellOf(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> this.shift;
  }
}
