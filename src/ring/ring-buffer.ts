/**
 * Bounded lock-free ring of variable-length records over a SharedArrayBuffer (docs/architecture.md, R3).
 *
 * Multi-producer, single-consumer:
 * - Producers (any number of threads at once, each holding its own `RingBuffer` from `create` or
 *   `attach`) reserve space by compare-and-swap on a shared reservation tail, copy their payload
 *   into the reserved bytes, then commit the record by an atomic store of its header. Each record
 *   header is its own commit word (Vyukov's per-slot sequence, applied to variable-length
 *   records), so the consumer never reads a record that is reserved but not yet written.
 * - A producer may also write many records at once (`tryWriteBatch`, from a `RecordBatch` staged
 *   in the ring's own record layout): one reservation CAS for all of them, one copy per contiguous
 *   part, and one commit store, that of the first header word of the reservation, which the
 *   consumer must pass before it can reach any of the others.
 * - Exactly one thread at a time may consume (`drainRaw`, `waitForRecords`). Two
 *   consumers would read and free the same records; nothing here detects that. A consumer that
 *   stops may be replaced by another thread attaching the same buffer (the head lives in it).
 * - `usedBytes` may be called from any thread.
 *
 * "Full" means that the bytes reserved and not yet consumed, plus the bytes the new record needs
 * (its 8-byte header, its payload rounded up to 8 bytes, and any padding to skip the unused end of
 * the data area when the record would not fit there), exceed the capacity. A full ring is
 * backpressure: `tryWrite` returns false having written nothing, and the caller decides (count
 * it, reject the job, drop the session). It never blocks and never waits for the consumer.
 * `tryWriteBatch` writes the longest prefix of the batch that fits, and returns 0 having written
 * nothing when not even its first record fits.
 *
 * Records are consumed in reservation order. A producer that has reserved but not yet committed
 * holds up the records behind it until it commits; it does so within the same `tryWrite` (or
 * `tryWriteBatch`) call, so the stall is bounded by one payload (or one batch) copy, unless that
 * thread dies mid-call (a producer thread killed by `worker.terminate()` between reservation and
 * commit wedges the ring for good: stop producers by asking them, not by terminating them while
 * they write).
 *
 * Memory layout (byte offsets in the SharedArrayBuffer):
 *
 *   0    meta line:     magic, capacity                      (written once by `create`)
 *   128  producer line: reservation tail                      (CAS by producers)
 *   256  consumer line: head                                  (written by the consumer only)
 *   384  doorbell line: consumer-waiting flag, doorbell count (see `waitForRecords`)
 *   512  data area, `capacityBytes` long, a power of two
 *
 * The tail, the head and the doorbell sit 128 bytes apart so that producers hammering the tail do
 * not keep invalidating the line the consumer writes, and vice versa (128 covers adjacent-line
 * prefetching on x86, and the 128-byte lines of some ARM cores).
 *
 * Tail and head are ever-increasing u32 byte counters (stored in an Int32Array, so read back
 * with `>>> 0` or compared with wrapping arithmetic); the position in the data area is
 * `counter & (capacity - 1)`, and the occupancy is `(tail - head) >>> 0`, correct across the
 * 2^32 wrap because the capacity divides 2^32.
 *
 * Record layout, 8-byte aligned: i32 header word, u32 key, payload, zero padding to 8 bytes.
 * Header word: 0 = not committed (or free), n > 0 = committed record with payload length n - 1
 * (so a 0-length payload still has a non-zero commit word), n < 0 = committed padding of -n bytes
 * that runs to the end of the data area; the record that caused it starts at position 0.
 *
 * Invariant: every byte of the data area outside committed-and-unconsumed records is zero. The
 * consumer restores it by zeroing what it consumed before it publishes the new head; that is what
 * lets "header word == 0" mean "not committed" at any 8-aligned position a future record may
 * start at. A reservation holds non-zero bytes before its commit (a batch's holds whole records,
 * headers included, and maybe a padding header), but all of them lie behind its first header word,
 * which stays 0 until the commit, and the consumer reads records in order, so it never reaches
 * them early; once it has consumed them it zeroes them like any other record.
 *
 * All `Atomics` operations are sequentially consistent, so each one both publishes the plain
 * writes its thread made before it and makes visible, to a thread that later reads the value it
 * stored, everything that came before it. The comments at each call name the pairing relied on.
 */

import type { RecordBatch } from './record-batch.ts';

const MAGIC = 0x52494e47; // "RING"
const MIN_CAPACITY = 1024;
/** 1 GiB: keeps every position and size within a positive i32. */
const MAX_CAPACITY = 1 << 30;

// Control area, indices into the Int32Array over bytes [0, CONTROL_BYTES).
const I_MAGIC = 0;
const I_CAPACITY = 1;
const I_TAIL = 128 >> 2;
const I_HEAD = 256 >> 2;
const I_WAITING = 384 >> 2;
const I_DOORBELL = I_WAITING + 1;
const CONTROL_BYTES = 512;

const HEADER_BYTES = 8;

const RESOLVED: Promise<void> = Promise.resolve();

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export class RingBuffer {
  readonly buffer: SharedArrayBuffer;
  readonly capacityBytes: number;
  /** Largest payload `tryWrite` accepts: a quarter of the capacity minus the header. */
  readonly maxPayloadBytes: number;

  readonly #control: Int32Array;
  /** Data area as bytes: payload copies and the consumer's zeroing. */
  readonly #bytes: Uint8Array;
  /** Data area as i32 words: record headers (index = position >> 2) and keys. */
  readonly #words: Int32Array;
  readonly #mask: number;
  /** Consumer side: publish the head mid-drain once this many bytes have been freed. */
  readonly #publishEveryBytes: number;
  /** Producer side: where this producer's last reservation ended (a guess at the tail). */
  #tailGuess = 0;

  private constructor(buffer: SharedArrayBuffer, capacityBytes: number) {
    this.buffer = buffer;
    this.capacityBytes = capacityBytes;
    this.maxPayloadBytes = capacityBytes / 4 - HEADER_BYTES;
    this.#control = new Int32Array(buffer, 0, CONTROL_BYTES >> 2);
    this.#bytes = new Uint8Array(buffer, CONTROL_BYTES, capacityBytes);
    this.#words = new Int32Array(buffer, CONTROL_BYTES, capacityBytes >> 2);
    this.#mask = capacityBytes - 1;
    this.#publishEveryBytes = capacityBytes >> 3;
  }

  /** Allocates a new ring; capacityBytes must be a power of two >= 1024 (data area size). */
  static create(capacityBytes: number): RingBuffer {
    if (!isPowerOfTwo(capacityBytes) || capacityBytes < MIN_CAPACITY || capacityBytes > MAX_CAPACITY) {
      throw new RangeError(
        `capacityBytes must be a power of two in [${MIN_CAPACITY}, ${MAX_CAPACITY}], got ${capacityBytes}`,
      );
    }
    const buffer = new SharedArrayBuffer(CONTROL_BYTES + capacityBytes);
    const control = new Int32Array(buffer, 0, CONTROL_BYTES >> 2);
    control[I_CAPACITY] = capacityBytes;
    // Stored last and atomically: a thread that attaches and reads the magic sees the capacity.
    // (In practice the buffer reaches other threads by postMessage, which orders this anyway.)
    Atomics.store(control, I_MAGIC, MAGIC);
    return new RingBuffer(buffer, capacityBytes);
  }

  /** Wraps an existing ring's SharedArrayBuffer (e.g. received in another thread via workerData). */
  static attach(buffer: SharedArrayBuffer): RingBuffer {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < CONTROL_BYTES + MIN_CAPACITY) {
      throw new TypeError('RingBuffer.attach: not a ring buffer (wrong type or too small)');
    }
    const control = new Int32Array(buffer, 0, CONTROL_BYTES >> 2);
    // Pairs with the Atomics.store of the magic in create(): seeing it means the capacity is set.
    if (Atomics.load(control, I_MAGIC) !== MAGIC) {
      throw new TypeError('RingBuffer.attach: not a ring buffer (bad magic)');
    }
    const capacityBytes = control[I_CAPACITY] ?? 0;
    if (!isPowerOfTwo(capacityBytes) || buffer.byteLength !== CONTROL_BYTES + capacityBytes) {
      throw new TypeError('RingBuffer.attach: corrupt ring buffer (capacity does not match size)');
    }
    return new RingBuffer(buffer, capacityBytes);
  }

  // ---------------------------------------------------------------- producer side

  /**
   * Copies payload[start, end) into one record tagged with `key` (u32). Returns false, writing
   * nothing, when the ring has not room: that is backpressure, the caller decides. Never blocks;
   * the only loop is the CAS retry, which repeats only when another producer reserved meanwhile.
   * Throws RangeError for a payload above `maxPayloadBytes`, a bad range or a key that is not a u32:
   * those are programming errors, not backpressure.
   */
  tryWrite(key: number, payload: Uint8Array, start = 0, end = payload.length): boolean {
    if ((key >>> 0) !== key) throw new RangeError(`key must be a u32, got ${key}`);
    if (!(start >= 0 && start <= end && end <= payload.length) || (start | 0) !== start || (end | 0) !== end) {
      throw new RangeError(`bad payload range [${start}, ${end}) of ${payload.length} bytes`);
    }
    const length = end - start;
    if (length > this.maxPayloadBytes) {
      throw new RangeError(`payload of ${length} bytes exceeds maxPayloadBytes ${this.maxPayloadBytes}`);
    }
    const control = this.#control;
    const capacity = this.capacityBytes;
    const mask = this.#mask;
    const recordBytes = (HEADER_BYTES + length + 7) & ~7;

    // Reservation. Start from where this producer's last reservation ended: with one producer
    // that is the tail, and the CAS saves a load; when it is stale the CAS fails and hands back
    // the current tail. "Full" is only ever decided on a fresh tail (from a load or a failed
    // CAS), never on the guess.
    let tail = this.#tailGuess;
    let fresh = false;
    let position: number;
    let padBytes: number;
    let next: number;
    for (;;) {
      position = tail & mask;
      const untilEnd = capacity - position;
      // A record never straddles the end: if it does not fit before it, pad to the end and
      // start at 0. untilEnd >= 8 because positions are 8-aligned, so the padding header fits.
      padBytes = recordBytes <= untilEnd ? 0 : untilEnd;
      // The head is loaded on every attempt rather than cached: a cached head that went stale
      // by 2^32 bytes (an idle producer while others stream gigabytes) would wrap around the
      // u32 arithmetic and look like free space. Seq-cst load, paired with the consumer's
      // Atomics.store of the head, which it makes only after zeroing the bytes it freed: space
      // we see as free is zeroed and no longer read by the consumer.
      const head = Atomics.load(control, I_HEAD);
      const used = (tail - head) >>> 0;
      if (used + padBytes + recordBytes > capacity) {
        if (fresh) {
          // The head was loaded after the tail, so the real occupancy at that moment was at
          // least `used`: with used <= capacity there really was no room.
          if (used <= capacity) return false;
          // A fresh tail can only be behind the head by what others reserved between our two
          // loads (used wrapped "negative", far above 2^31). A tail more than a capacity
          // ahead of the head is impossible: fail loudly instead of retrying forever.
          if (used <= 0x7fffffff) throw new Error(`RingBuffer: corrupt indices (tail ${tail >>> 0}, head ${head >>> 0})`);
        }
        // The tail is a stale guess, or so stale that the consumer has since passed it: load
        // the current tail and check again. This repeats only while other producers make
        // progress. Seq-cst load; any value will do, the CAS re-validates it.
        tail = Atomics.load(control, I_TAIL);
        fresh = true;
        continue;
      }
      next = (tail + padBytes + recordBytes) | 0;
      // CAS the reservation: succeeds only if no other producer moved the tail since we read
      // it, so [tail, next) is ours alone. On failure it returns the tail that beat us; retry.
      const seen = Atomics.compareExchange(control, I_TAIL, tail, next);
      if (seen === tail) break;
      tail = seen;
      fresh = true;
    }
    this.#tailGuess = next;

    // The reserved bytes are zero (ring invariant) and nobody else writes them: plain writes.
    const recordAt = padBytes === 0 ? position : 0;
    const bytes = this.#bytes;
    const words = this.#words;
    words[(recordAt >> 2) + 1] = key | 0;
    const payloadAt = recordAt + HEADER_BYTES;
    if (start === 0 && end === payload.length) {
      bytes.set(payload, payloadAt);
    } else if (length <= 64) {
      // Small partial copy: a loop avoids allocating a subarray view on the hot path.
      for (let i = 0; i < length; i++) bytes[payloadAt + i] = payload[start + i] as number;
    } else {
      bytes.set(payload.subarray(start, end), payloadAt);
    }

    // Commit. Seq-cst store of the header word publishes the key and payload written above to
    // the consumer, whose Atomics.load of this word sees either 0 (stop, not yet) or this value
    // and then everything before it.
    Atomics.store(words, recordAt >> 2, length + 1);
    if (padBytes !== 0) {
      // The padding is committed after the record so the consumer, which stops at the padding
      // while it reads 0, finds the record at 0 already committed once it passes the padding.
      Atomics.store(words, position >> 2, -padBytes);
    }

    // Doorbell. Seq-cst load ordered after the commit stores above: if the consumer's emptiness
    // check (in waitForRecords) missed our record, its store of the waiting flag came before
    // that check, hence before our commit, hence before this load, so we see the flag. See
    // waitForRecords for the whole argument. When nobody waits this costs one load, no notify.
    if (Atomics.load(control, I_WAITING) !== 0) this.#ring();
    return true;
  }

  /**
   * Writes records [from, batch.count) of `batch`, in order, with one reservation: the longest
   * prefix of them that fits. Returns how many it wrote, 0 (writing nothing) when not even the
   * first fits; the caller writes the rest later with `from` advanced by the result, or refuses
   * them (backpressure, as with `tryWrite`). Records that do not fit before the end of the data
   * area continue at 0 after padding, by the same rule as `tryWrite`, so a batch may be split in
   * two parts. Throws RangeError, writing nothing, for a `from` outside [0, count] or when one of
   * the records to write has a payload above `maxPayloadBytes` (the batch does not know which ring
   * it is for). Never blocks; the CAS retry loop repeats only when another producer reserved.
   *
   * Costs one head load, one tail CAS, one commit store, one waiting-flag load and one or two
   * copies, however many records the batch holds (against four atomics and a copy per record
   * with `tryWrite`).
   */
  tryWriteBatch(batch: RecordBatch, from = 0): number {
    const count = batch.count;
    if (!(from >= 0 && from <= count) || (from | 0) !== from) {
      throw new RangeError(`from must be an integer in [0, ${count}], got ${from}`);
    }
    if (from === count) return 0;
    // Checked for the whole batch once; only a batch that holds an oversized record scans.
    if (batch.maxPayloadLength > this.maxPayloadBytes) this.#checkPayloadLengths(batch, from);
    const control = this.#control;
    const capacity = this.capacityBytes;
    const mask = this.#mask;
    const base = batch.offsetOf(from);

    // Reservation: as in tryWrite (tail guess, "full" only decided on a fresh tail, the head
    // loaded on every attempt), but for as many records as fit. Part A: records from `from`
    // up to endA, at the tail's position, before the end of the data area. Part B: records
    // endA up to endB, at position 0, after padding the rest of the area. Either may be empty.
    let tail = this.#tailGuess;
    let fresh = false;
    let position: number;
    let endA: number;
    let endB: number;
    let next: number;
    for (;;) {
      position = tail & mask;
      // Seq-cst load, paired with the consumer's Atomics.store of the head (see tryWrite):
      // space we see as free is zeroed and no longer read by the consumer.
      const head = Atomics.load(control, I_HEAD);
      const used = (tail - head) >>> 0;
      if (used <= capacity) {
        const free = capacity - used;
        const untilEnd = capacity - position;
        if (free < untilEnd) {
          // The free space ends before the end of the data area: no wrap possible.
          endA = batch.fitting(from, free);
          endB = endA;
        } else {
          endA = batch.fitting(from, untilEnd);
          // Record endA does not fit before the end: it and those after it go at 0, behind
          // padding of the rest (none if part A ends exactly at the end), if they fit there.
          // free - untilEnd <= capacity - untilEnd = position, so part B ends at or before
          // the tail's position, never at the end of the area again: at most two parts.
          endB = endA < count ? batch.fitting(endA, free - untilEnd) : endA;
        }
        if (endB > from) {
          // Padding is reserved only together with a part B to skip to (as in tryWrite).
          const reserved = endB > endA ? untilEnd + batch.offsetOf(endB) - batch.offsetOf(endA) : batch.offsetOf(endA) - base;
          next = (tail + reserved) | 0;
          // CAS the reservation: [tail, next) is ours alone if no other producer moved the
          // tail since we read it. On failure it returns the tail that beat us; recompute.
          const seen = Atomics.compareExchange(control, I_TAIL, tail, next);
          if (seen === tail) break;
          tail = seen;
          fresh = true;
          continue;
        }
        // Not even the first record fits. On a fresh tail that is the answer (see tryWrite
        // for why a fresh tail with used <= capacity proves it).
        if (fresh) return 0;
      } else if (fresh) {
        // As in tryWrite: a fresh tail more than a capacity ahead of the head is impossible.
        if (used <= 0x7fffffff) throw corruptIndices(tail, head);
        // The head is ahead of a fresh tail: legitimate only if other producers moved the tail
        // between our two loads (and the consumer consumed what they wrote). If the tail has
        // not moved since, the head passed it, which no consumer of this ring can do: fail
        // loudly rather than retry for ever.
        const current = Atomics.load(control, I_TAIL); // seq-cst, after the head load
        if (current === tail) throw corruptIndices(tail, head);
        tail = current;
        continue;
      }
      // A stale guess: load the current tail and recompute. Seq-cst load; any value will do,
      // the CAS re-validates it.
      tail = Atomics.load(control, I_TAIL);
      fresh = true;
    }
    this.#tailGuess = next;

    // Copy. The reserved bytes are zero (ring invariant) and nobody else writes them, and the
    // consumer cannot reach any of them before it reads a non-zero header at `position` (it
    // stops at the first zero header, and every record and the padding here lie behind that
    // word). So everything but that word is written with plain writes, in any order; that word
    // stays 0 until the commit below.
    const bytes = this.#bytes;
    const words = this.#words;
    const bytesA = batch.offsetOf(endA) - base;
    // Part A without its first header word: the key and payload of record `from`, then whole
    // records, whose header words go in with the copy.
    if (bytesA !== 0) batch.copyTo(bytes, position + 4, base + 4, base + bytesA);
    const padBytes = capacity - position - bytesA;
    if (endB > endA) {
      // Padding header (plain write), unless part A ends exactly at the end of the area, or the
      // padding is the reservation's first word (part A empty), which is the commit word.
      if (bytesA !== 0 && padBytes !== 0) words[(position + bytesA) >> 2] = -padBytes;
      batch.copyTo(bytes, 0, batch.offsetOf(endA), batch.offsetOf(endB));
    }

    // Commit: one seq-cst store of the reservation's first header word, the record's header
    // (or, when part A is empty, the padding's). It comes after every plain write above in
    // this thread, so it publishes them: the consumer's Atomics.load of this word sees either
    // 0 (stop, not yet) or this value and then, for every later word of the reservation it
    // reads (headers by Atomics.load, keys and payloads by plain reads), the value written
    // above, not the zero it wrote itself on an earlier lap (that zeroing came before its head
    // store, which came before our head load, which came before these writes).
    Atomics.store(words, position >> 2, bytesA !== 0 ? batch.headerOf(from) : -padBytes);

    // Doorbell, once per batch: the same argument as in tryWrite, with the commit store above
    // as step (1).
    if (Atomics.load(control, I_WAITING) !== 0) this.#ring();
    return endB - from;
  }

  /** Throws RangeError if a record of batch[from, count) has a payload above maxPayloadBytes. */
  #checkPayloadLengths(batch: RecordBatch, from: number): void {
    for (let i = from; i < batch.count; i++) {
      const length = batch.headerOf(i) - 1;
      if (length > this.maxPayloadBytes) {
        throw new RangeError(`batch record ${i}: payload of ${length} bytes exceeds maxPayloadBytes ${this.maxPayloadBytes}`);
      }
    }
  }

  #ring(): void {
    const control = this.#control;
    // CAS 1 -> 0 so that of several producers committing at once only one bumps and notifies.
    if (Atomics.compareExchange(control, I_WAITING, 1, 0) !== 1) return;
    // Bump before notify: a consumer that has read the old count but not yet started waiting
    // finds the count changed and Atomics.waitAsync returns at once ("not-equal"); one already
    // waiting is woken by the notify, which runs after the bump.
    Atomics.add(control, I_DOORBELL, 1);
    Atomics.notify(control, I_DOORBELL);
  }

  // ---------------------------------------------------------------- consumer side

  /**
   * Calls handler(key, data, offset, length) for each committed record in order, up to
   * maxRecords, where `data` is the ring's whole data area (the same object every time) and the
   * payload is data[offset, offset + length), valid only during the call (copy what you keep).
   * Stops at the first reserved-but-not-yet-committed record. Returns the number consumed. If the
   * handler throws, the record it was given counts as consumed and the exception propagates.
   * It allocates nothing per record: a view per record would be half or more of the cost of a
   * small one (bench/README.md, "Ring").
   */
  drainRaw(handler: (key: number, data: Uint8Array, offset: number, length: number) => void, maxRecords = Infinity): number {
    const control = this.#control;
    const bytes = this.#bytes;
    const words = this.#words;
    const mask = this.#mask;
    // Only this (the one consumer) thread writes the head, so this load reads our own last
    // store; loading it rather than caching it in the object lets a restarted consumer attach
    // to a ring and carry on where the previous one stopped.
    let head = Atomics.load(control, I_HEAD);
    let unpublished = 0;
    let consumed = 0;
    try {
      while (consumed < maxRecords) {
        const position = head & mask;
        // Seq-cst load of the commit word, paired with the producer's Atomics.store of it: a
        // non-zero value means the key and payload stored before it are visible to us.
        const header = Atomics.load(words, position >> 2);
        if (header === 0) break; // free, or reserved and not yet committed: stop here
        if (header < 0) {
          // Padding to the end of the data area. Only its header word was ever written.
          if (-header !== this.capacityBytes - position) throw corrupt(position, header);
          words[position >> 2] = 0;
          head = (head - header) | 0;
          unpublished -= header;
          continue;
        }
        const length = header - 1;
        // A header no producer could have written means the ring's memory was overwritten:
        // fail loudly rather than hand over garbage or loop over it.
        if (length > this.maxPayloadBytes) throw corrupt(position, header);
        const payloadAt = position + HEADER_BYTES;
        const key = (words[(position >> 2) + 1] as number) >>> 0;
        const recordBytes = (HEADER_BYTES + length + 7) & ~7;
        try {
          handler(key, bytes, payloadAt, length);
        } finally {
          // Restore the all-zero invariant over the record (its alignment tail is zero
          // already). Plain writes: the head store below publishes them. Small records are
          // zeroed word by word, which is several times cheaper than a fill() call.
          if (recordBytes <= 256) {
            for (let w = position >> 2, end = (position + recordBytes) >> 2; w < end; w++) words[w] = 0;
          } else {
            bytes.fill(0, position, position + recordBytes);
          }
          head = (head + recordBytes) | 0;
          unpublished += recordBytes;
          consumed++;
        }
        if (unpublished >= this.#publishEveryBytes) {
          // Mid-drain publication so a long drain frees space while it runs. Seq-cst store,
          // after the zeroing above: a producer that sees this head sees the zeroed bytes.
          Atomics.store(control, I_HEAD, head);
          unpublished = 0;
        }
      }
    } finally {
      // Seq-cst store, after zeroing everything consumed: releases the space to producers,
      // whose Atomics.load of the head pairs with it. One store per drain, not per record,
      // keeps the head's cache line quiet while producers read it.
      if (unpublished !== 0) Atomics.store(control, I_HEAD, head);
    }
    return consumed;
  }

  /**
   * Doorbell: resolves as soon as there may be a record to drain (at once if the ring holds a
   * committed record). Uses Atomics.waitAsync, so it works on the main thread and never spins or
   * polls. It may resolve with nothing to drain (a record reserved but not yet committed, or a
   * wake meant for an earlier wait); drain and call again. With `timeoutMs`, it resolves after
   * that long at the latest. A pending wait does not keep the process or worker alive.
   *
   * Why no wake-up is lost. All Atomics operations are sequentially consistent, so they fall in
   * one total order. The consumer does (a) store waiting = 1, (b) load doorbell -> seen,
   * (c) load the header at the head, (d) waitAsync(doorbell, seen). A producer does (1) store its
   * header (commit), (2) load waiting, and if it read 1: (3) CAS waiting 1 -> 0, (4) add to
   * doorbell, (5) notify. If (1) precedes (c), the consumer sees the record and returns at once.
   * Otherwise (a) < (c) < (1) < (2), so the producer reads waiting = 1 (or a later producer has
   * already cleared it, and that one rings). Then (4) either precedes (d)'s comparison, and
   * waitAsync sees doorbell != seen and returns "not-equal", or follows it, and then (d) has
   * already queued its waiter (compare and enqueue are one critical section, which notify also
   * enters) so (5) wakes it.
   */
  waitForRecords(timeoutMs?: number): Promise<void> {
    const control = this.#control;
    const words = this.#words;
    const headPosition = Atomics.load(control, I_HEAD) & this.#mask; // our own last store
    // Fast path, seq-cst load of the commit word (pairs with the producer's commit store).
    if (Atomics.load(words, headPosition >> 2) !== 0) return RESOLVED;
    // (a): announce that we are about to sleep; ordered before (c) below.
    Atomics.store(control, I_WAITING, 1);
    // (b): the doorbell value our wait is conditional on.
    const seen = Atomics.load(control, I_DOORBELL);
    // (c): re-check after announcing; a commit ordered before this is seen here, one ordered
    // after it sees the flag and rings.
    if (Atomics.load(words, headPosition >> 2) !== 0) {
      // Not going to sleep. A producer may still clear the flag and ring; that is harmless
      // (one notify with nobody waiting).
      Atomics.store(control, I_WAITING, 0);
      return RESOLVED;
    }
    // (d): sleeps only while the doorbell still equals `seen`.
    const result = Atomics.waitAsync(control, I_DOORBELL, seen, timeoutMs);
    if (!result.async) return RESOLVED; // "not-equal" (rung meanwhile) or a zero timeout
    // After a timeout the flag may stay 1: the next commit then rings once for nobody, harmless.
    return result.value.then(onWaitSettled);
  }

  // ---------------------------------------------------------------- any thread

  /** Bytes reserved and not yet consumed (occupancy, headers and padding included), for metrics. */
  usedBytes(): number {
    // Head first, then tail: head(t1) <= tail(t1) <= tail(t2), so the difference is never
    // negative. It may over-count by what was consumed in between; clamp to the capacity.
    const head = Atomics.load(this.#control, I_HEAD);
    const tail = Atomics.load(this.#control, I_TAIL);
    return Math.min((tail - head) >>> 0, this.capacityBytes);
  }
}

function onWaitSettled(): void {}

function corruptIndices(tail: number, head: number): Error {
  return new Error(`RingBuffer: corrupt indices (tail ${tail >>> 0}, head ${head >>> 0}); the ring is unusable`);
}

function corrupt(position: number, header: number): Error {
  return new Error(`RingBuffer: corrupt record header ${header} at data offset ${position}; the ring is unusable`);
}
