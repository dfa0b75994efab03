/**
 * Move-to-seen bookkeeping without a server: moves recorded as sent, frames built by hand and
 * applied the way the SDK applies them, at chosen times (ms).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MoveTimer, type SendWindow } from '../../bench/bots/move-timer.ts';
import { KnownWorld } from '../../src/client/known-world.ts';
import { EntityKind, MoveField, encodeServerMessage, type ServerMessageInit } from '../../src/protocol/messages.ts';
import { WorldFrameReader, type WorldFrame } from '../../src/client/world-frame-reader.ts';

const reader = new WorldFrameReader();
function readFrame(bytes: Uint8Array): WorldFrame {
  const frame = reader.read(bytes);
  assert.ok(frame, 'the SDK reads the frame as a WorldUpdate');
  return frame;
}

const ZONE = 1;
const MOVER = 7;

/** A bot that receives frames: it applies each one, then hands it to the timer. */
class Viewer {
  private readonly world = new KnownWorld();
  private readonly timer: MoveTimer;
  constructor(timer: MoveTimer) {
    this.timer = timer;
  }

  private receive(init: NonNullable<ServerMessageInit['update']>, at: number): void {
    // Through the codec and the SDK's reader, so that the timer gets what the SDK gets.
    const update = readFrame(encodeServerMessage({ update: init }));
    this.world.apply(update);
    this.timer.frame(this, ZONE, update, this.world, at);
  }

  spawn(entityId: number, xCm: number, yCm: number, at: number): void {
    this.receive({ spawns: [{ entityId, kind: EntityKind.ENTITY_KIND_PLAYER, playerId: entityId, xCm, yCm, heading: 0 }] }, at);
  }

  /** A frame that shows the entity at (xCm, yCm). */
  shows(entityId: number, xCm: number, yCm: number, at: number): void {
    const known = this.world.entities.get(entityId);
    assert.ok(known, `the viewer knows entity ${entityId}`);
    this.receive({ moveEntityIds: [entityId], moveMasks: [MoveField.MOVE_FIELD_POSITION], moveDxCm: [xCm - known.xCm], moveDyCm: [yCm - known.yCm] }, at);
  }
}

function setUp(window: SendWindow): { timer: MoveTimer; viewer: Viewer } {
  const timer = new MoveTimer(window);
  return { timer, viewer: new Viewer(timer) };
}

describe('bots move timer', () => {
  it('times a move superseded in the same tick to the frame that showed its successor, once per viewer', () => {
    const { timer, viewer } = setUp({ from: 100, to: 1000 });
    const other = new Viewer(timer);
    viewer.spawn(MOVER, 0, 0, 50);
    other.spawn(MOVER, 0, 0, 50);
    timer.log.record(ZONE, MOVER, 1, 0, 110);
    timer.log.record(ZONE, MOVER, 2, 0, 130);
    // One tick took both moves: its frame shows only the second.
    viewer.shows(MOVER, 200, 0, 160);
    other.shows(MOVER, 200, 0, 170);
    const samples = timer.latencyUs.toData();
    assert.equal(samples.count, 4);
    // 50 + 30 ms for the first viewer, 60 + 40 ms for the other.
    assert.equal(samples.sum, 180_000);
    assert.equal(samples.max, 60_000);
    assert.equal(timer.counts.superseded, 2);
    assert.equal(timer.counts.unmatched, 0);
  });

  it('times the moves sent inside the window, also when their frame comes after it closes, and no others', () => {
    const window = { from: 100, to: 1000 };
    const { timer, viewer } = setUp(window);
    viewer.spawn(MOVER, 0, 0, 50);
    timer.log.record(ZONE, MOVER, 1, 0, 90);
    viewer.shows(MOVER, 100, 0, 120);
    assert.equal(timer.latencyUs.count, 0, 'a move sent before the window is not timed');
    timer.log.record(ZONE, MOVER, 2, 0, 990);
    assert.equal(timer.pending(), 1, 'the move sent before the close is awaited');
    timer.log.record(ZONE, MOVER, 3, 0, 1010);
    assert.equal(timer.pending(), 1, 'a move sent after the close is not');
    viewer.shows(MOVER, 200, 0, 1030);
    assert.equal(timer.pending(), 0);
    viewer.shows(MOVER, 300, 0, 1040);
    const { count, sum } = timer.latencyUs.toData();
    assert.deepEqual({ count, sum }, { count: 1, sum: 40_000 }, 'only the move sent at 990 ms, 40 ms before its frame');
  });

  it('does not time the moves a spawn shows, only the ones after it', () => {
    const { timer, viewer } = setUp({ from: 0, to: Infinity });
    timer.log.record(ZONE, MOVER, 1, 0, 110);
    timer.log.record(ZONE, MOVER, 2, 0, 130);
    viewer.spawn(MOVER, 200, 0, 160);
    assert.equal(timer.pending(), 0);
    timer.log.record(ZONE, MOVER, 3, 0, 170);
    viewer.shows(MOVER, 300, 0, 200);
    const { count, sum } = timer.latencyUs.toData();
    assert.deepEqual({ count, sum, superseded: timer.counts.superseded }, { count: 1, sum: 30_000, superseded: 0 }, 'only the move sent at 170 ms');
  });

  it('counts positions that match no move sent, and moves of entities that are no bot of this process, in frames received inside the window', () => {
    const window = { from: 100, to: 1000 };
    const { timer, viewer } = setUp(window);
    const stranger = 99;
    viewer.spawn(MOVER, 0, 0, 50);
    viewer.spawn(stranger, 0, 0, 50);
    timer.log.record(ZONE, MOVER, 1, 0, 60);
    // Where the mover never asked to go (a server's correction, say).
    viewer.shows(MOVER, 555, 0, 120);
    viewer.shows(stranger, 100, 0, 130);
    viewer.shows(stranger, 200, 0, 1100);
    assert.deepEqual(timer.counts, { superseded: 0, unmatched: 1, foreign: 1 });
    assert.equal(timer.latencyUs.count, 0);
  });

  it('awaits nothing for a viewer that has left', () => {
    const { timer, viewer } = setUp({ from: 0, to: 1000 });
    viewer.spawn(MOVER, 0, 0, 50);
    timer.log.record(ZONE, MOVER, 1, 0, 990);
    assert.equal(timer.pending(), 1);
    timer.forgetViewer(viewer);
    assert.equal(timer.pending(), 0);
  });
});
