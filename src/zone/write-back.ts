/**
 * Write-back of one zone's players to the store. The game never waits on it:
 * state lives in the players, every change bumps the player's `version`, and each tick this
 * sends at most one batch of due dirty players to the store worker, asynchronously.
 *
 * - Due: a dirty player is written at least every FLUSH_INTERVAL_MS (plus up to
 *   ZoneLimits.writeBackGatherMs of gathering). Each player keeps its own phase (a newcomer's first write is due at a random point of the first
 *   interval), so a zone writes a batch now and then rather than everyone at once.
 * - A batch is one store `save`: one transaction, multi-row statements, every row fenced by the
 *   player's owner epoch. After it commits, a player counts as clean only if its version is still
 *   the one its snapshot was taken at; one that changed meanwhile stays dirty.
 * - A row refused as stale means another log-in owns the character now: this zone's copy is
 *   outdated, so the player is dropped from the zone without another write.
 * - A failed batch (database down, say) leaves everyone dirty and is retried with exponential
 *   backoff (StoreRetryBackoff); play goes on meanwhile. When the database is back, everything
 *   pending is written.
 * - Time is the zone's tick time: due times and backoff are counted in it, never in timers.
 * - A player leaving is released: its final state is written and its online flag cleared, in
 *   one statement. Until that succeeds it is kept here and retried like a failed batch, and the
 *   character stays owned and online in the database, so nobody else can load it.
 */
import { StoreRetryBackoff, ZoneLimits } from '../config/limits.ts';
import { Backoff } from '../retry/backoff.ts';
import type { CharacterSnapshot, CharacterStore } from '../storage/character-store.ts';
import type { Persisted, Player } from './world/world.ts';


export interface WriteBackSettings {
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
  /** Players that left and whose final write has not succeeded yet, by player id. */
  private readonly leavers = new Map<number, Leaver>();
  private saving = false;
  /** The players of the batch being saved now. */
  private readonly inBatch = new Set<Player>();
  private readonly backoff = new Backoff(StoreRetryBackoff);
  /** Zone time before which no store call is retried after a failure. */
  private retryAtMs = 0;
  /** The latest tick's time. */
  private nowMs = 0;

  constructor(settings: WriteBackSettings, store: WriteBackStore, events: WriteBackEvents, snapshotOf: (player: Player) => CharacterSnapshot) {
    this.settings = settings;
    this.store = store;
    this.events = events;
    this.snapshotOf = snapshotOf;
  }

  /** Players that have changes the database does not have yet, leavers included. */
  dirtyCount(players: Iterable<Player>): number {
    let count = this.leavers.size;
    for (const player of players) if (player.persisted.version !== player.persisted.savedVersion) count++;
    return count;
  }

  /** True while a leaver's final write has not succeeded: a stopping zone waits for this. */
  get hasLeavers(): boolean {
    return this.leavers.size > 0;
  }

  /** Leavers whose last state is not in the database yet, ascending (for the shutdown report). */
  unsavedLeavers(): number[] {
    return [...this.leavers.keys()].sort((a, b) => a - b);
  }

  /** True while the player's final write (it left) has not succeeded. */
  isLeaving(playerId: number): boolean {
    return this.leavers.has(playerId);
  }

  /** True while a batch holding the player is being saved: its saved version is not known yet. */
  isSaving(player: Player): boolean {
    return this.inBatch.has(player);
  }

  /** A new player's persistence state: its first write is due at a random point of its first interval. */
  track(epoch: number, nowMs: number): Persisted {
    return { epoch, version: 0, savedVersion: 0, nextSaveAtMs: nowMs + Math.random() * this.settings.flushIntervalMs, journaledVersion: 0 };
  }

  /** Once per tick: sends the due dirty players (one batch at a time) and retries leavers. */
  tick(players: Iterable<Player>, nowMs: number): void {
    this.nowMs = nowMs;
    if (nowMs < this.retryAtMs) return;
    for (const leaver of this.leavers.values()) if (!leaver.inFlight) void this.release(leaver);
    if (!this.saving) void this.save(players, nowMs);
  }

  /** A player left the zone: write its final state and release its character. */
  leave(player: Player, sessionId: number): void {
    const leaver: Leaver = { snapshot: this.snapshotOf(player), sessionId, inFlight: false };
    this.leavers.set(player.playerId, leaver);
    if (this.nowMs >= this.retryAtMs) void this.release(leaver);
  }

  /**
   * Sends one batch of due dirty players, at most flushBatchRows. Due players are gathered until
   * the batch is full or the longest-waiting one has been due for ZoneLimits.writeBackGatherMs,
   * so that a zone sends a few large batches rather than a small one every tick.
   */
  private async save(players: Iterable<Player>, nowMs: number): Promise<void> {
    const due: Player[] = [];
    let oldestDueMs = nowMs;
    for (const player of players) {
      const p = player.persisted;
      if (p.version === p.savedVersion || p.nextSaveAtMs > nowMs) continue;
      due.push(player);
      if (p.nextSaveAtMs < oldestDueMs) oldestDueMs = p.nextSaveAtMs;
      if (due.length === this.settings.flushBatchRows) break;
    }
    if (due.length === 0) return;
    if (due.length < this.settings.flushBatchRows && nowMs - oldestDueMs < ZoneLimits.writeBackGatherMs) return;
    const snapshots = due.map(this.snapshotOf);
    const versions = due.map((player) => player.persisted.version);
    this.saving = true;
    for (const player of due) this.inBatch.add(player);
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
      this.inBatch.clear();
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
    this.backoff.reset();
    this.retryAtMs = 0;
  }

  private failed(err: unknown, what: 'save' | 'release'): void {
    this.counters.retries++;
    // Calls sent in one round fail together when the database goes away: they are one failure,
    // so the wait grows one step, not one per leaver.
    if (this.retryAtMs <= this.nowMs) this.retryAtMs = this.nowMs + this.backoff.next();
    this.events.failed(err, what, this.retryAtMs - this.nowMs);
  }
}
