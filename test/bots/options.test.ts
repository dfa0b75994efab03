/** The bots' options: a bot run stays away from the player ids people use by hand. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DEFAULT_FIRST_ID, parseBotArgs } from '../../bench/bots/options.ts';

it('numbers bots from 1000001 unless told otherwise', () => {
  assert.equal(DEFAULT_FIRST_ID, 1_000_001);
  assert.equal(parseBotArgs(['--count', '5']).firstId, 1_000_001);
  assert.equal(parseBotArgs(['--count', '5', '--first-id', '7']).firstId, 7);
});
