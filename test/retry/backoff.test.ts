/** The one backoff policy, and the store retry built on it. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreRetryBackoff } from '../../src/config/limits.ts';
import { Backoff } from '../../src/retry/backoff.ts';
import { StoreError, StoreErrorCodes } from '../../src/storage/store-error.ts';
import { untilAnswered } from '../../src/storage/until-answered.ts';

it('doubles from the first wait up to the cap, and starts over after a success', () => {
  const backoff = new Backoff({ firstMs: 100, maxMs: 1000 });
  assert.equal(backoff.delayMs(), 0);
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()], [100, 200, 400, 800, 1000]);
  assert.equal(backoff.failuresInARow, 5);
  backoff.reset();
  assert.equal(backoff.next(), 100);
});

it('asks the store again after each failure, waiting as the policy says, until it answers', async () => {
  let calls = 0;
  const waits: number[] = [];
  const heard: number[] = [];
  const answer = await untilAnswered(
    async () => {
      if (++calls <= 3) throw new StoreError('database away', 'ECONNREFUSED');
      return 'committed';
    },
    (_err, retryInMs) => heard.push(retryInMs),
    async (ms) => {
      waits.push(ms);
    },
  );
  assert.equal(answer, 'committed');
  assert.equal(calls, 4);
  const first = StoreRetryBackoff.firstMs;
  assert.deepEqual(waits, [first, 2 * first, 4 * first]);
  assert.deepEqual(heard, waits);
});

it('stops asking once the store worker is gone, with no answer', async () => {
  let calls = 0;
  const answer = await untilAnswered(
    async () => {
      calls++;
      throw new StoreError('gone', StoreErrorCodes.workerGone);
    },
    () => assert.fail('a gone worker is not a failure to retry'),
    async () => assert.fail('nothing to wait for'),
  );
  assert.equal(answer, undefined);
  assert.equal(calls, 1);
});
