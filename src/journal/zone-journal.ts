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
import { closeSync, fdatasync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CharacterSnapshot } from '../storage/character-store.ts';
import { BATCH_HEADER_BYTES, parseSegmentName, RECORD_BYTES, sealBatch, segmentName, writeRecord } from './journal-format.ts';

/** What the journal needs to know of a zone's players. */
export interface JournaledPlayer {
  readonly playerId: number;
  readonly persisted: { readonly epoch: number; readonly version: number; readonly savedVersion: number };
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
  /** The version last journaled of each player, by player object (a new log-in is a new object). */
  private readonly journaled = new WeakMap<JournaledPlayer, number>();
  private buffer = new Uint8Array(BATCH_HEADER_BYTES + 64 * RECORD_BYTES);
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
   * Journals this tick's changes of `players` and, every so often, closes the segment and deletes
   * those whose contents are `covered` by the database.
   */
  tick<P extends JournaledPlayer>(players: Iterable<P>, snapshotOf: (player: P) => CharacterSnapshot, covered: Covered, nowMs: number): void {
    let count = 0;
    let view = new DataView(this.buffer.buffer);
    for (const player of players) {
      const { version, epoch } = player.persisted;
      if (this.journaled.get(player) === version || version === player.persisted.savedVersion) continue;
      this.journaled.set(player, version);
      if (BATCH_HEADER_BYTES + (count + 1) * RECORD_BYTES > this.buffer.length) {
        const bigger = new Uint8Array(this.buffer.length * 2);
        bigger.set(this.buffer);
        this.buffer = bigger;
        view = new DataView(this.buffer.buffer);
      }
      writeRecord(view, BATCH_HEADER_BYTES + count * RECORD_BYTES, snapshotOf(player));
      this.current.latest.set(player.playerId, { epoch, version });
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
      this.remove(oldest);
    }
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
