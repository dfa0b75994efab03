/**
 * Move-to-seen: for every move a bot of this process sent inside the window, and every other bot
 * of this process that was shown it, one sample from the send to the frame that showed it.
 *
 * A zone shows each entity's position as of the end of a tick, so when a mover's moves n−1 and
 * n land in one tick, viewers are shown only n. The viewer saw n−1's effect in that same frame,
 * so n−1 is timed to it too (and counted as superseded). To know which moves a frame covers,
 * each viewer keeps, per mover, the number of the last move it has been shown; a frame that
 * shows move n covers every move after that one up to n.
 *
 * The window is one of send times: a move sent inside it is timed whenever its frame arrives,
 * so the moves in flight as it closes are still timed (`pending` tells how many are missing).
 */
import type { WorldFrame } from '../../src/client/world-frame-reader.ts';
import { MoveField } from '../../src/protocol/messages.ts';
import { Histogram } from './histogram.ts';
import { SendLog } from './send-log.ts';

/** The measured window: what was sent from `from` to `to` (performance.now()) is measured. */
export interface SendWindow {
  from: number;
  to: number;
}

/** Position changes and samples that say how complete the timing was. */
export interface SeenCounts {
  /** Samples timed to the frame that showed a later move of the same mover. */
  superseded: number;
  /**
   * In frames received inside the window: position changes of this process's bots that match no
   * kept move after the last one shown, and moves shown that had left the log (untimed).
   */
  unmatched: number;
  /** Position changes, in frames received inside the window, of entities that are no bot of this process. */
  foreign: number;
}

/**
 * One viewer: what it knows and, by each mover's index in the send log, 1 + the number of the
 * last move of it the viewer was shown: 0 when it was shown none (it saw the mover appear before
 * its first move), -1 when that is unknown (since a despawn, or a spawn where no kept move
 * went). A flat array rather than a map: a viewer looks up dozens of movers a frame, and
 * thousands of viewers' maps would each be a cache miss.
 */
interface Viewer {
  readonly positions: KnownPositions;
  shownUpTo: Int32Array;
}

/** Where a viewer's known entities are, whole centimetres; NaN for an entity it does not know (the SDK's ZoneClient is one). */
export interface KnownPositions {
  entityXCm(entityId: number): number;
  entityYCm(entityId: number): number;
}

/** shownUpTo's mark for "which moves were shown is unknown". */
const UNKNOWN = -1;

export class MoveTimer {
  /** Move-to-seen, µs. */
  readonly latencyUs = new Histogram();
  /** The same, for moves seen from another zone than the mover's (across a border). */
  readonly acrossLatencyUs = new Histogram();
  readonly counts: SeenCounts = { superseded: 0, unmatched: 0, foreign: 0 };
  /** Every move the bots of this process send is recorded here. */
  readonly log = new SendLog();
  private readonly window: SendWindow;
  /** By the viewer's client. */
  private readonly viewers = new Map<object, Viewer>();

  /** `window` is read, not copied: its owner opens and closes it. */
  constructor(window: SendWindow) {
    this.window = window;
  }

  /**
   * A frame `viewer` (in zone `zoneId`) received at `receivedAt` and has applied: `positions`
   * says where the entities it knows are now. Every frame must come here, inside the window or not, so that each
   * viewer's record of what it was shown stays current.
   */
  frame(viewer: object, zoneId: number, update: WorldFrame, positions: KnownPositions, receivedAt: number): void {
    let state = this.viewers.get(viewer);
    if (!state) this.viewers.set(viewer, (state = { positions, shownUpTo: new Int32Array(64) }));
    const log = this.log;
    if (state.shownUpTo.length < log.byIndex.length) {
      const grown = new Int32Array(Math.max(log.byIndex.length, 2 * state.shownUpTo.length));
      grown.set(state.shownUpTo);
      state.shownUpTo = grown;
    }
    const { shownUpTo } = state;
    for (const id of update.despawns) {
      const moves = log.mover(id);
      if (moves) shownUpTo[moves.index] = UNKNOWN;
    }
    for (const spawn of update.spawns) {
      // A spawn is not a move: the moves it shows were made out of this viewer's sight, and only
      // later ones are timed. A spawn where none of its kept moves went (its log-in position, or
      // one the server put it back to) leaves unknown which moves it shows: the next move shown
      // is timed alone.
      const moves = log.mover(spawn.entityId);
      const shown = moves ? moves.find(spawn.xCm, spawn.yCm) : -1;
      if (moves) shownUpTo[moves.index] = shown >= 0 ? shown + 1 : UNKNOWN;
    }
    const { from, to } = this.window;
    const counted = receivedAt >= from && receivedAt <= to;
    const { moveEntityIds: ids, moveMasks: masks } = update;
    for (let i = 0; i < ids.length; i++) {
      // Only position changes: the position is what identifies the move that was sent.
      if (!((masks[i] ?? 0) & MoveField.MOVE_FIELD_POSITION)) continue;
      const id = ids[i] as number;
      const moves = log.mover(id);
      const xCm = positions.entityXCm(id);
      if (Number.isNaN(xCm)) continue;
      if (!moves) {
        if (counted) this.counts.foreign++;
        continue;
      }
      const known = shownUpTo[moves.index] as number;
      const shown = moves.find(xCm, positions.entityYCm(id));
      if (shown < 0 || (known !== UNKNOWN && shown < known)) {
        if (counted) this.counts.unmatched++;
        continue;
      }
      shownUpTo[moves.index] = shown + 1;
      // The moves after the last one shown, up to this one (this one alone when that is unknown).
      const after = known === UNKNOWN ? shown : known;
      const first = Math.max(after, moves.oldest);
      // Moves no longer kept have lost their send times.
      if (counted) this.counts.unmatched += first - after;
      for (let n = first; n <= shown; n++) {
        const sentAt = moves.sentAt(n);
        if (sentAt < from || sentAt > to) continue;
        this.latencyUs.record((receivedAt - sentAt) * 1000);
        if (moves.zoneId !== zoneId) this.acrossLatencyUs.record((receivedAt - sentAt) * 1000);
        if (n < shown) this.counts.superseded++;
      }
    }
  }

  /** Forgets a viewer whose connection closed: it will be shown nothing more. */
  forgetViewer(viewer: object): void {
    this.viewers.delete(viewer);
  }

  /**
   * Samples still missing: (move sent inside the window, viewer that sees its mover) pairs whose
   * frame has not arrived. Movers go on moving, so each viewer is eventually shown a move sent
   * after the window and then has nothing pending.
   */
  pending(): number {
    const { from, to } = this.window;
    let missing = 0;
    const movers = this.log.byIndex;
    for (const { positions, shownUpTo } of this.viewers.values()) {
      for (let index = 0; index < movers.length && index < shownUpTo.length; index++) {
        const moves = movers[index];
        const known = shownUpTo[index] as number;
        if (!moves || known === UNKNOWN || Number.isNaN(positions.entityXCm(moves.entityId))) continue;
        for (let n = Math.max(known, moves.oldest); n < moves.count && moves.sentAt(n) <= to; n++) if (moves.sentAt(n) >= from) missing++;
      }
    }
    return missing;
  }
}
