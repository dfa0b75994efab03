/**
 * Producer-side staging for `RingBuffer.tryWriteBatch` (docs/architecture.md, R3): records laid
 * out exactly as the ring lays them out, so that the ring takes many of them with one
 * reservation, one or two `Uint8Array.set` calls and one commit store, instead of four atomic
 * operations and a copy per record (bench/README.md, "Ring").
 *
 * Layout (the ring's record layout, see ring-buffer.ts): each record is 8-byte aligned, an i32
 * header word (payload length + 1), a u32 key, the payload, then zero padding to 8 bytes. Records
 * follow each other with no gaps, so any run of consecutive records is one contiguous byte range
 * that can be copied into the ring as it is. The staging memory is a plain ArrayBuffer owned by
 * one thread: a batch is not shared, and needs no atomics.
 *
 * A batch holds at most `capacityBytes` of records. `append` returns -1 when the next record
 * does not fit (flush with `tryWriteBatch`, `clear`, append again); it never grows the staging
 * area. Nothing here is allocated per record once the offset table has grown to the batch's
 * record count (it starts at 64 entries and doubles, up to one entry per 8 bytes of capacity).
 */

const HEADER_BYTES = 8;
/** Same bound as the ring's capacity: keeps every offset within a positive i32. */
const MAX_CAPACITY = 1 << 30;
const INITIAL_RECORDS = 64;

export class RecordBatch {
  /** Size of the staging area, bytes (headers and alignment included). */
  readonly capacityBytes: number;
  /** Largest payload `append` can ever accept: `capacityBytes` minus the 8-byte header. */
  readonly maxPayloadBytes: number;

  readonly #bytes: Uint8Array;
  readonly #words: Int32Array;
  /**
   * #starts[i] = byte offset of record i, for i in [0, count]; #starts[count] = the bytes staged
   * (where the next record goes). The ring reads it to find how many records fit.
   */
  #starts: Int32Array;
  #count = 0;
  /** Largest payload length staged since the last clear(), so the ring checks its limit once. */
  #maxPayloadLength = 0;

  /** capacityBytes: staging size, a multiple of 8 in [8, 2^30]. */
  constructor(capacityBytes: number) {
    if (!Number.isInteger(capacityBytes) || capacityBytes < HEADER_BYTES || capacityBytes > MAX_CAPACITY || capacityBytes % 8 !== 0) {
      throw new RangeError(`capacityBytes must be a multiple of 8 in [${HEADER_BYTES}, ${MAX_CAPACITY}], got ${capacityBytes}`);
    }
    this.capacityBytes = capacityBytes;
    this.maxPayloadBytes = capacityBytes - HEADER_BYTES;
    const buffer = new ArrayBuffer(capacityBytes);
    this.#bytes = new Uint8Array(buffer);
    this.#words = new Int32Array(buffer);
    this.#starts = new Int32Array(Math.min(INITIAL_RECORDS, capacityBytes / HEADER_BYTES) + 1);
  }

  /** Records staged since the last clear(). */
  get count(): number {
    return this.#count;
  }

  /** Largest payload staged since the last clear(), bytes (0 when empty). */
  get maxPayloadLength(): number {
    return this.#maxPayloadLength;
  }

  /**
   * Appends a record of `length` payload bytes for the caller to fill in place, with no copy:
   * returns the payload's byte offset in `bytes`, or -1, staging nothing, when the batch has no
   * room left. The payload bytes hold whatever was staged there before: the caller writes every
   * one of them, and nothing outside them, before the batch is written to a ring.
   */
  append(key: number, length: number): number {
    if ((key >>> 0) !== key) throw new RangeError(`key must be a u32, got ${key}`);
    if (!Number.isInteger(length) || length < 0) throw new RangeError(`payload length must be a whole number, got ${length}`);
    if (length > this.maxPayloadBytes) {
      throw new RangeError(`payload of ${length} bytes exceeds the batch's maxPayloadBytes ${this.maxPayloadBytes}`);
    }
    const count = this.#count;
    const at = this.#starts[count] as number;
    const recordBytes = (HEADER_BYTES + length + 7) & ~7;
    if (at + recordBytes > this.capacityBytes) return -1;
    if (count + 1 >= this.#starts.length) this.#grow();
    const words = this.#words;
    const w = at >> 2;
    // The staging area is reused after clear(), so the alignment tail may hold old bytes: zero
    // it, as the ring's invariant wants every byte outside records' header, key and payload to
    // be zero. It is under 8 bytes, so within the record's last two words; the header and key
    // written next, and the payload the caller writes, overwrite whatever else those zeroed.
    const last = w + (recordBytes >> 2) - 1;
    words[last - 1] = 0;
    words[last] = 0;
    words[w] = length + 1;
    words[w + 1] = key | 0;
    this.#starts[count + 1] = at + recordBytes;
    this.#count = count + 1;
    if (length > this.#maxPayloadLength) this.#maxPayloadLength = length;
    return at + HEADER_BYTES;
  }

  /** The staging memory, for filling the payloads `append` hands out; the same object always. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Forgets every staged record (the staging memory is reused as it is; `append` rewrites it). */
  clear(): void {
    this.#count = 0;
    this.#maxPayloadLength = 0;
  }

  // ------------------------------------------------------------ read by RingBuffer.tryWriteBatch
  // Read-only views of the staged layout. Headers and keys are written only by `append` (its
  // caller writes only inside the payload it was handed), so every header the ring copies is
  // one this class wrote.

  /** Byte offset of record `index` in the staging area; offsetOf(count) is the bytes staged. */
  offsetOf(index: number): number {
    if (!(index >= 0 && index <= this.#count)) throw new RangeError(`record index ${index} outside [0, ${this.#count}]`);
    return this.#starts[index] as number;
  }

  /**
   * Largest j in [from, count] such that records [from, j) take at most `limitBytes`
   * (offsetOf(j) - offsetOf(from) <= limitBytes). Binary search over the offset table.
   */
  fitting(from: number, limitBytes: number): number {
    if (!(from >= 0 && from <= this.#count)) throw new RangeError(`record index ${from} outside [0, ${this.#count}]`);
    const starts = this.#starts;
    const limit = (starts[from] as number) + limitBytes;
    let lo = from;
    let hi = this.#count;
    if ((starts[hi] as number) <= limit) return hi;
    // Invariant: starts[lo] <= limit < starts[hi].
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] as number) <= limit) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** The header word of record `index`: its payload length + 1 (the ring's commit value). */
  headerOf(index: number): number {
    if (!(index >= 0 && index < this.#count)) throw new RangeError(`record index ${index} outside [0, ${this.#count})`);
    return this.#words[(this.#starts[index] as number) >> 2] as number;
  }

  /**
   * Copies staging bytes [fromOffset, toOffset) to target[targetOffset...], with one set() call.
   * Offsets are bytes in the staging area (see offsetOf); nothing past offsetOf(count) is meaningful.
   */
  copyTo(target: Uint8Array, targetOffset: number, fromOffset: number, toOffset: number): void {
    target.set(this.#bytes.subarray(fromOffset, toOffset), targetOffset);
  }

  #grow(): void {
    const longest = this.capacityBytes / HEADER_BYTES + 1; // every record takes 8 bytes or more
    const grown = new Int32Array(Math.min(longest, 2 * (this.#starts.length - 1) + 1));
    grown.set(this.#starts);
    this.#starts = grown;
  }
}
