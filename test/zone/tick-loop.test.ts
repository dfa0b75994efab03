/** The tick schedule, driven by a manual clock: no real time passes in this test. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TickLoop, type TickClock, type TickTiming } from '../../src/zone/tick-loop.ts';

/** A clock whose time moves only when the test (or a tick's work) moves it. */
class ManualClock implements TickClock {
  time = 1000;
  pending: { callback: () => void; dueMs: number } | undefined;
  now(): number {
    return this.time;
  }
  setTimer(callback: () => void, delayMs: number): unknown {
    this.pending = { callback, dueMs: this.time + delayMs };
    return this.pending;
  }
  clearTimer(): void {
    this.pending = undefined;
  }
  /** Fires the pending timer, late by `lateMs`. */
  fire(lateMs = 0): void {
    const pending = this.pending;
    assert.ok(pending, 'a tick is scheduled');
    this.pending = undefined;
    this.time = pending.dueMs + lateMs;
    pending.callback();
  }
}

it('keeps ticks on start + n × period whatever the timer lateness and the work take', () => {
  const clock = new ManualClock();
  const starts: number[] = [];
  const timings: TickTiming[] = [];
  let workMs = 0;
  const loop = new TickLoop(
    20,
    (now) => {
      starts.push(now);
      clock.time += workMs;
    },
    (timing) => timings.push(timing),
    clock,
  );
  loop.start();
  const lateness = [0, 3, 1, 0, 7];
  const work = [2, 10, 49, 30, 0];
  for (let i = 0; i < lateness.length; i++) {
    workMs = work[i] as number;
    clock.fire(lateness[i]);
  }
  // Tick n was due at 1000 + 50 n and started that late; no lateness carried over.
  assert.deepEqual(starts, [1050, 1103, 1151, 1200, 1257]);
  assert.deepEqual(timings.map((t) => t.durationMs), work);
  assert.equal(clock.pending?.dueMs, 1300, 'the next tick is still due on the grid');
  assert.equal(timings.some((t) => t.overran), false);
  loop.stop();
  assert.equal(clock.pending, undefined);
});

it('counts an overrun, and skips ticks rather than bursting when far behind', () => {
  const clock = new ManualClock();
  let workMs = 0;
  const timings: TickTiming[] = [];
  const loop = new TickLoop(
    20,
    () => {
      clock.time += workMs;
    },
    (timing) => timings.push(timing),
    clock,
  );
  loop.start();
  workMs = 60; // longer than the 50 ms period
  clock.fire();
  assert.equal(timings[0]?.overran, true);
  assert.equal(clock.pending?.dueMs, 1110, 'the tick due at 1100 is late: it runs at once');
  workMs = 400; // eight periods
  clock.fire();
  assert.equal(loop.skippedTicks, 7, 'ticks 1150 to 1450 are skipped');
  assert.equal(clock.pending?.dueMs, 1510, 'the tick due at 1500 runs at once');
  workMs = 0;
  clock.fire();
  assert.equal(clock.pending?.dueMs, 1550, 'back on the grid');
  loop.stop();
});
