import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TokenBucket } from '../../src/gateway/token-bucket.ts';

it('allows a burst, then the refill rate, and never more than the burst after idling', () => {
  const bucket = new TokenBucket(10, 5, 0);
  for (let i = 0; i < 5; i++) assert.ok(bucket.take(0), `burst message ${i}`);
  assert.equal(bucket.take(0), false);
  assert.equal(bucket.take(99), false, '0.99 of a token after 99 ms');
  assert.ok(bucket.take(100));
  assert.ok(bucket.take(10_000));
  let taken = 0;
  while (bucket.take(10_000)) taken++;
  assert.equal(taken, 4, 'idling refills only up to the burst');
});
