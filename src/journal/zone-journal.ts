/**
 * A zone's journal of volatile state (journal-format.ts has the files). Each tick, the players
 * whose state changed since they were last journaled go into one batch: one write, then one
 * fdatasync off the zone's thread, so the tick never waits on the disk. A write reaches the
 * operating system at once, so a killed process loses nothing written; the sync covers a machine
 * that goes down, at most one tick behind.
 *
 * The write-back's saves are the checkpoints: a segment is closed after `rotateMs` and deleted
 * once everything in it is in the database (each player saved at or past the version journaled,
 * or no longer this zone's to save). Start-up after a crash replays what is left
 * (journal-replay.ts).
 */
import { close, closeSync, fdatasync, mkdirSync, openSync, readdirSync, rm, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BATCH_HEADER_BYTES, emptyRecord, parseSegmentName, RECORD_BYTES, sealBatch, segmentName, writeRecord, type JournalRecord } from './journal-format.ts';

/** What the journal needs to know of a zone's players. */
export interface JournaledPlayer {
  readonly playerId: number;
  readonly persisted: {
    readonly epoch: number;
    readonly version: number;
    readonly savedVersion: number;
    /** The version last journaled: the journal's own (a new log-in's state starts unjournaled). */
    journaledVersion: number;
  };
}

/** Whether the database has what a segment holds of a player (`epoch`, `version`). */
export type Covered = (playerId: number, epoch: number, version: number) => boolean;

interface Segment {
  readonly sequence: number;
  readonly path: string;
  readonly fd: number;
  readonly openedAtMs: number;
  /** The latest version journaled of each player in it, with its epoch. */
  readonly latest: Map<number, { epoch: number; version: number }>;
}

export interface JournalCounters {
  bytes: number;
  syncs: number;
  segments: number;
}

export class ZoneJournal {
  readonly counters: JournalCounters = { bytes: 0, syncs: 0, segments: 0 };
  private readonly dir: string;
  private readonly zoneId: number;
  private readonly rotateMs: number;
  private current: Segment;
  private readonly closed: Segment[] = [];
  private readonly record: JournalRecord = emptyRecord();
  private buffer = new Uint8Array(BATCH_HEADER_BYTES + 64 * RECORD_BYTES);
  /** Segments being deleted (removeLater), one after another. */
  private readonly removing = new Set<string>();
  private removals = Promise.resolve();
  private syncing = false;
  private syncAgain = false;

  /** Starts a new segment after any left in `dir` for this zone (a replay deletes those). */
  constructor(dir: string, zoneId: number, rotateMs: number, nowMs: number) {
    this.dir = dir;
    this.zoneId = zoneId;
    this.rotateMs = rotateMs;
    mkdirSync(dir, { recursive: true });
    const last = Math.max(0, ...readdirSync(dir).map(parseSegmentName).filter((name) => name?.zoneId === zoneId).map((name) => name?.sequence ?? 0));
    this.current = this.open(last + 1, nowMs);
  }

  /**
   * Journals this tick's changes of `players`, each player's record filled in by `recordOf`, and,
   * every so often, closes the segment and deletes those whose contents are `covered` by the
   * database. Nothing is allocated per player: this runs for thousands of them every tick.
   */
  tick<P extends JournaledPlayer>(players: Iterable<P>, recordOf: (player: P, into: JournalRecord) => void, covered: Covered, nowMs: number): void {
    let count = 0;
    let view = new DataView(this.buffer.buffer);
    for (const player of players) {
      const { persisted } = player;
      const { version, epoch } = persisted;
      if (persisted.journaledVersion === version || version === persisted.savedVersion) continue;
      persisted.journaledVersion = version;
      if (BATCH_HEADER_BYTES + (count + 1) * RECORD_BYTES > this.buffer.length) {
        const bigger = new Uint8Array(this.buffer.length * 2);
        bigger.set(this.buffer);
        this.buffer = bigger;
        view = new DataView(this.buffer.buffer);
      }
      recordOf(player, this.record);
      writeRecord(view, BATCH_HEADER_BYTES + count * RECORD_BYTES, this.record);
      const latest = this.current.latest.get(player.playerId);
      if (latest) {
        latest.epoch = epoch;
        latest.version = version;
      } else {
        this.current.latest.set(player.playerId, { epoch, version });
      }
      count++;
    }
    if (count > 0) {
      const batch = sealBatch(this.buffer, count);
      writeSync(this.current.fd, batch);
      this.counters.bytes += batch.length;
      this.sync();
    }
    if (nowMs - this.current.openedAtMs >= this.rotateMs) {
      // Its last batch may not be synced yet; its file stays open until it is deleted.
      fdatasync(this.current.fd, () => undefined);
      this.closed.push(this.current);
      this.current = this.open(this.current.sequence + 1, nowMs);
      this.dropCovered(covered);
    }
  }

  /** A clean stop with everything written back: nothing is left to replay. */
  discard(): void {
    for (const segment of [...this.closed, this.current]) this.remove(segment);
    this.closed.length = 0;
    // Not left to a thread that may be gone with the worker; their files are closed there.
    for (const path of this.removing) rmSync(path, { force: true });
  }

  /** Closes the files, keeping them for the next start's replay. */
  close(): void {
    for (const segment of [...this.closed, this.current]) closeSync(segment.fd);
  }

  private open(sequence: number, nowMs: number): Segment {
    const path = join(this.dir, segmentName(this.zoneId, sequence));
    this.counters.segments++;
    return { sequence, path, fd: openSync(path, 'a'), openedAtMs: nowMs, latest: new Map() };
  }

  private dropCovered(covered: Covered): void {
    // Oldest first: a segment goes only with every one before it, so a replay never sees a gap.
    while (this.closed.length > 0) {
      const oldest = this.closed[0] as Segment;
      for (const [playerId, { epoch, version }] of oldest.latest) if (!covered(playerId, epoch, version)) return;
      this.closed.shift();
      this.removeLater(oldest);
    }
  }

  /**
   * Closes and deletes a segment off the zone's thread, after those before it: unlinking a file
   * of tens of MiB takes milliseconds, which a tick would pay. A covered segment that stays
   * behind (the process died first, or the delete failed) is harmless: replay is fenced by
   * version, and deletes it.
   */
  private removeLater(segment: Segment): void {
    this.counters.segments--;
    this.removing.add(segment.path);
    this.removals = this.removals.then(
      () =>
        new Promise<void>((done) =>
          close(segment.fd, () =>
            rm(segment.path, { force: true }, () => {
              this.removing.delete(segment.path);
              done();
            }),
          ),
        ),
    );
  }

  private remove(segment: Segment): void {
    closeSync(segment.fd);
    rmSync(segment.path, { force: true });
    this.counters.segments--;
  }

  /** One fdatasync at a time; writes made meanwhile are covered by the next. */
  private sync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    const fd = this.current.fd;
    fdatasync(fd, () => {
      this.counters.syncs++;
      this.syncing = false;
      if (this.syncAgain) {
        this.syncAgain = false;
        this.sync();
      }
    });
  }
}
