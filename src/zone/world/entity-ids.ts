/**
 * Entity ids, unique in the whole world: every zone worker of the server takes its ids from one
 * counter in a SharedArrayBuffer, so an entity seen from another zone, or one that moves to
 * another zone, never shares its id with an entity there. Ids are 32-bit on the wire; the counter
 * wraps after 2^32 − 1 ids and never hands out 0. After a wrap a zone skips the ids in use in its
 * own world only, so an entity that outlived four billion others elsewhere could meet its id again.
 */

/** Where a zone's world takes the id of each new entity. */
export interface EntityIdSource {
  next(): number;
}

/** The server's one counter, shared by every zone worker. */
export class SharedEntityIds implements EntityIdSource {
  private readonly counter: Uint32Array;

  /** `buffer`: ENTITY_ID_COUNTER_BYTES (thread-messages/zone-control.ts), made once for the whole server. */
  constructor(buffer: SharedArrayBuffer) {
    this.counter = new Uint32Array(buffer, 0, 1);
  }

  next(): number {
    // Atomics.add returns the value before the add, wrapping at 2^32; several zone threads may
    // take ids at once, and each gets its own.
    const id = (Atomics.add(this.counter, 0, 1) + 1) >>> 0;
    return id === 0 ? this.next() : id;
  }
}

/** A counter of one zone's own, for zones run alone (tests, benchmarks). */
export class LocalEntityIds implements EntityIdSource {
  private last = 0;

  next(): number {
    this.last = this.last === 0xffff_ffff ? 1 : this.last + 1;
    return this.last;
  }
}
