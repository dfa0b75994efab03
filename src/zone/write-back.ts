/**
 * Write-back of one zone's players to the store (DESIGN.md R8). The game never waits on it:
 * state lives in the players, every change bumps the player's `version`, and each tick this
 * sends at most one batch of due dirty players to the store worker, asynchronously.
 *
 * - Due: a dirty player is written at least every FLUSH_INTERVAL_MS (plus up to GATHER_MS). Each
 *   player keeps its own phase (a newcomer's first write is due at a random point of the first
 *   interval), so a zone writes a batch now and then rather than everyone at once.
 * - A batch is one store `save`: one transaction, multi-row statements, every row fenced by the
 *   player's owner epoch. After it commits, a player counts as clean only if its version is still
 *   the one its snapshot was taken at; one that changed meanwhile stays dirty.
 * - A row refused as stale means another log-in owns the character now: this zone's copy is
 *   outdated, so the player is dropped from the zone without another write.
 * - A failed batch (database down, say) leaves everyone dirty and is retried with exponential
 *   backoff; play goes on meanwhile. When the database is back, everything pending is written.
 * - A player leaving is released: its final state is written and its online flag cleared, in
 *   one statement. Until that succeeds it is kept here and retried like a failed batch, and the
 *   character stays owned and online in the database, so nobody else can load it.
 */
import type { CharacterSnapshot, CharacterStore } from '../storage/character-store.ts';
import type { Persisted, Player } from './world/world.ts';

export interface WriteBackSettings {
  readonly zoneId: number;
  readonly flushIntervalMs: number;
  readonly flushBatchRows: number;
}

export type WriteBackStore = Pick<CharacterStore, 'save' | 'release'>;

export interface WriteBackEvents {
  /** A leaver's final state was written (or refused as stale) and its character released. */
  released(playerId: number, sessionId: number, saved: boolean): void;
  /** Another log-in owns this player's character now; the zone drops the player. */
  staleOwner(player: Player): void;
  /** A store call failed; it will be retried after `retryInMs`. */
  failed(err: unknown, what: 'save' | 'release', retryInMs: number): void;
}

/** How long due players may wait to be gathered into a larger batch. */
const GATHER_MS = 1000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 30_000;

interface Leaver {
  readonly snapshot: CharacterSnapshot;
  readonly sessionId: number;
  inFlight: boolean;
}

export class WriteBack {
  /** Counters folded into metrics. */
  readonly counters = { rowsWritten: 0, staleRejects: 0, retries: 0, batches: 0 };
  private readonly settings: WriteBackSettings;
  private readonly store: WriteBackStore;
  private readonly events: WriteBackEvents;
  private readonly snapshotOf: (player: Player) => CharacterSnapshot;
  private readonly leavers = new Map<number, Leaver>();
  private saving = false;
  private retryDelayMs = 0;
  private retryAtMs = 0;
  private readonly now: () => number;

  /** `now` is the wall clock (ms) for due times and backoff; the tick's own clock may differ. */
  constructor(settings: WriteBackSettings, store: WriteBackStore, events: WriteBackEvents, snapshotOf: (player: Player) => CharacterSnapshot, now: () => number = Date.now) {
    this.settings = settings;
    this.store = store;
    this.events = events;
    this.snapshotOf = snapshotOf;
    this.now = now;
  }

  /** Players that have changes the database does not have yet, leavers included. */
  dirtyCount(players: Iterable<Player>): number {
    let count = this.leavers.size;
    for (const player of players) if (player.persisted.version !== player.persisted.savedVersion) count++;
    return count;
  }

  /** Player ids whose last state is not in the database yet (for the shutdown report). */
  unsaved(players: Iterable<Player>): number[] {
    const ids = [...this.leavers.keys()];
    for (const player of players) if (player.persisted.version !== player.persisted.savedVersion) ids.push(player.playerId);
    return ids.sort((a, b) => a - b);
  }

  /** A new player's persistence state: its first write is due at a random point of its first interval. */
  track(epoch: number): Persisted {
    return { epoch, version: 0, savedVersion: 0, nextSaveAtMs: this.now() + Math.random() * this.settings.flushIntervalMs };
  }

  /** Once per tick: sends the due dirty players (one batch at a time) and retries leavers. */
  tick(players: Iterable<Player>): void {
    if (this.now() < this.retryAtMs) return;
    for (const leaver of this.leavers.values()) if (!leaver.inFlight) void this.release(leaver);
    if (!this.saving) void this.save(players, false);
  }

  /** A player left the zone: write its final state and release its character. */
  leave(player: Player, sessionId: number): void {
    const leaver: Leaver = { snapshot: this.snapshotOf(player), sessionId, inFlight: false };
    this.leavers.set(player.playerId, leaver);
    if (this.now() >= this.retryAtMs) void this.release(leaver);
  }

  /**
   * Shutdown: writes every dirty player and releases every leaver, retrying with backoff, until
   * all is written or `deadlineMs` passes. What is still unsaved is then in `unsaved()`.
   */
  async drain(players: readonly Player[], deadlineMs: number): Promise<void> {
    while (this.now() < deadlineMs) {
      while (this.saving || [...this.leavers.values()].some((leaver) => leaver.inFlight)) await new Promise((resolve) => setTimeout(resolve, 5));
      const dirty = players.filter((p) => p.persisted.version !== p.persisted.savedVersion);
      if (dirty.length === 0 && this.leavers.size === 0) return;
      const failuresBefore = this.counters.retries;
      await Promise.all([...[...this.leavers.values()].map((leaver) => this.release(leaver)), this.save(dirty, true)]);
      if (this.counters.retries > failuresBefore) await new Promise((resolve) => setTimeout(resolve, Math.min(this.retryDelayMs, Math.max(0, deadlineMs - this.now()))));
    }
  }

  /**
   * Sends one batch of due dirty players (every dirty one when `all`), at most flushBatchRows.
   * Due players are gathered until the batch is full or the longest-waiting one has been due for
   * GATHER_MS, so that a zone sends a few large batches rather than a small one every tick.
   */
  private async save(players: Iterable<Player>, all: boolean): Promise<void> {
    const nowMs = this.now();
    const due: Player[] = [];
    let oldestDueMs = nowMs;
    for (const player of players) {
      const p = player.persisted;
      if (p.version === p.savedVersion || (!all && p.nextSaveAtMs > nowMs)) continue;
      due.push(player);
      if (p.nextSaveAtMs < oldestDueMs) oldestDueMs = p.nextSaveAtMs;
      if (due.length === this.settings.flushBatchRows) break;
    }
    if (due.length === 0) return;
    if (!all && due.length < this.settings.flushBatchRows && nowMs - oldestDueMs < GATHER_MS) return;
    const snapshots = due.map(this.snapshotOf);
    const versions = due.map((player) => player.persisted.version);
    this.saving = true;
    try {
      const result = await this.store.save(snapshots);
      this.succeeded();
      this.counters.batches++;
      this.counters.rowsWritten += result.written.length;
      const stale = new Set(result.stale);
      due.forEach((player, i) => {
        const p = player.persisted;
        p.nextSaveAtMs = nowMs + this.settings.flushIntervalMs;
        if (stale.has(player.playerId)) {
          this.counters.staleRejects++;
          p.savedVersion = p.version;
          if (!player.removed) this.events.staleOwner(player);
        } else {
          p.savedVersion = versions[i] as number;
        }
      });
    } catch (err) {
      this.failed(err, 'save');
    } finally {
      this.saving = false;
    }
  }

  private async release(leaver: Leaver): Promise<void> {
    leaver.inFlight = true;
    try {
      const saved = await this.store.release(leaver.snapshot);
      this.succeeded();
      if (saved) this.counters.rowsWritten++;
      else this.counters.staleRejects++;
      this.leavers.delete(leaver.snapshot.playerId);
      this.events.released(leaver.snapshot.playerId, leaver.sessionId, saved);
    } catch (err) {
      this.failed(err, 'release');
    } finally {
      leaver.inFlight = false;
    }
  }

  private succeeded(): void {
    this.retryDelayMs = 0;
    this.retryAtMs = 0;
  }

  private failed(err: unknown, what: 'save' | 'release'): void {
    this.counters.retries++;
    this.retryDelayMs = Math.min(MAX_RETRY_MS, this.retryDelayMs === 0 ? FIRST_RETRY_MS : this.retryDelayMs * 2);
    this.retryAtMs = this.now() + this.retryDelayMs;
    this.events.failed(err, what, this.retryDelayMs);
  }
}
