/**
 * Character creation through the protocol, on both backends: a player without a character is
 * asked for one, names are checked and unique whatever their case, and the character exists in
 * the world only once the database has it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LoginRefusedError, ZoneClient } from '../../src/client/zone-client.ts';
import { ErrorCode } from '../../src/protocol/messages.ts';
import { startTestServerOn, type TestServer } from '../helpers/server.ts';

function refusedWith(code: ErrorCode, message?: RegExp) {
  return (err: unknown): boolean => err instanceof LoginRefusedError && err.code === code && (!message || message.test(err.message));
}

for (const backend of ['SQLite', 'MySQL'] as const) {
  describe(`character creation (${backend})`, () => {
    let server: TestServer | undefined;
    before(async () => {
      server = await startTestServerOn(backend, {});
    });
    after(() => server?.stop());

    it('asks a new player for a character, checks the name, and refuses a taken one whatever its case', async (t) => {
      if (!server) return t.skip('no MySQL available (see the message above)');
      const bob = await ZoneClient.connect(server.url);
      await assert.rejects(bob.login(server.token(1)), refusedWith(ErrorCode.ERROR_CODE_CHARACTER_REQUIRED));
      assert.equal(bob.closed, undefined, 'the session stays open');
      const early = bob.next('error');
      bob.move(1, 1, 0);
      assert.equal((await early).code, ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, 'no moves without a character');
      for (const [name, why] of [
        ['Bo', /NAME_TOO_SHORT/],
        ['Bob_the_builder', /NAME_BAD_CHARACTER/],
        ['9lives', /NAME_MUST_START_WITH_LETTER/],
        ['Moderator', /NAME_RESERVED/],
        ['AdminBob', /NAME_RESERVED/],
        ['Abcdefghijklmnopq', /NAME_TOO_LONG/],
      ] as const) {
        await assert.rejects(bob.createCharacter(name), refusedWith(ErrorCode.ERROR_CODE_NAME_INVALID, why), name);
      }
      const self = await bob.createCharacter('Bob');
      assert.equal(self.playerId, 1);

      const other = await ZoneClient.connect(server.url);
      await assert.rejects(other.login(server.token(2)), refusedWith(ErrorCode.ERROR_CODE_CHARACTER_REQUIRED));
      await assert.rejects(other.createCharacter('bob'), refusedWith(ErrorCode.ERROR_CODE_NAME_TAKEN), "'bob' collides with 'Bob'");
      await assert.rejects(other.createCharacter('BOB'), refusedWith(ErrorCode.ERROR_CODE_NAME_TAKEN));
      const robert = await other.createCharacter('Robert');
      assert.equal(robert.playerId, 2);

      // Next time, no creation: the character is there.
      await bob.close();
      const again = await ZoneClient.connect(server.url);
      assert.equal((await again.login(server.token(1))).playerId, 1);
      await assert.rejects(again.createCharacter('Bobby'), refusedWith(ErrorCode.ERROR_CODE_ALREADY_AUTHENTICATED));
      await Promise.all([again.close(), other.close()]);
    });
  });
}
