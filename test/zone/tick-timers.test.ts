/** Waits in zone time: nothing resolves until a tick reaches its due time, and they resolve in due order. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TickTimers } from '../../src/zone/tick-timers.ts';

it('resolves a wait at the first tick at or past its due time, soonest first', async () => {
  const timers = new TickTimers();
  timers.advance(1000);
  const resolved: string[] = [];
  void timers.after(500).then(() => resolved.push('500'));
  void timers.after(100).then(() => resolved.push('100'));
  void timers.after(250).then(() => resolved.push('250'));
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  timers.advance(1099);
  await settle();
  assert.deepEqual(resolved, [], 'nothing is due before 1100');
  timers.advance(1250);
  await settle();
  assert.deepEqual(resolved, ['100', '250']);
  assert.equal(timers.now, 1250);
  timers.advance(5000);
  await settle();
  assert.deepEqual(resolved, ['100', '250', '500']);
});
