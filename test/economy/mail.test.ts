/** Mail with attachments through the protocol: sent and claimed whole, each once, refused cleanly. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MailResult } from '../../src/protocol/messages.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

describe('mail', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.stop());

  function result(answer: Promise<MailResult>): Promise<{ ok: boolean; reason: string; mailId: number }> {
    return answer.then((r) => ({ ok: r.ok, reason: r.reason, mailId: r.mailId as number }));
  }

  it('moves gold and items into a mail and out to its recipient, once, even when the claim is sent again', async () => {
    const sender = await server.player(31);
    const recipient = await server.player(32);
    await server.grant('mail-test-1', 31, 100, [{ templateId: 9, count: 2 }]);
    await until(sender, () => sender.inventory?.gold === 100 && sender.inventory.items.length === 1, 'the sender’s goods');
    const potion = sender.inventory?.items[0]?.itemId as number;

    const sent = await result(sender.mailSend(32, 40, [potion]));
    assert.deepEqual([sent.ok, sent.reason], [true, 'COMMITTED']);
    await until(sender, () => sender.inventory?.gold === 60 && sender.inventory.items.length === 0, 'the sender without them');

    const box = recipient.next('mailbox');
    recipient.mailList();
    const [mail] = (await box).mails;
    assert.deepEqual([mail?.mailId, mail?.fromPlayerId, mail?.gold, mail?.items?.[0]?.itemId], [sent.mailId, 31, 40, potion]);

    const claimed = await result(recipient.mailClaim(sent.mailId));
    assert.deepEqual([claimed.ok, claimed.reason], [true, 'COMMITTED']);
    await until(recipient, () => recipient.inventory?.gold === 40 && recipient.inventory.items.length === 1, 'the recipient with them');
    const again = await result(recipient.mailClaim(sent.mailId));
    assert.deepEqual([again.ok, again.reason], [false, 'MAIL_CLAIMED'], 'a claim sent again finds the mail claimed');
    assert.deepEqual(server.inventoryInDatabase(32), { gold: 40, itemIds: [potion] }, 'and moves nothing more in the database');
    assert.deepEqual(server.inventoryInDatabase(31), { gold: 60, itemIds: [] });
    const empty = recipient.next('mailbox');
    recipient.mailList();
    assert.deepEqual((await empty).mails, []);
    await Promise.all([sender.close(), recipient.close()]);
  });

  it('delivers system mail from the admin API, with new items, once per key', async () => {
    const send = (): ReturnType<TestServer['admin']> => server.admin('/admin/mail', { opId: 'event-reward-35', to: 35, gold: 7, items: [{ templateId: 4, count: 2 }] });
    const player = await server.player(35);
    const first = await send();
    assert.equal(first.status, 200);
    const again = await send();
    assert.equal(again.json.replayed, true, 'the same key again is the first mail');
    const box = player.next('mailbox');
    player.mailList();
    const mails = (await box).mails;
    assert.equal(mails.length, 1);
    assert.deepEqual([mails[0]?.fromPlayerId, mails[0]?.gold, mails[0]?.items?.[0]?.templateId, mails[0]?.items?.[0]?.count], [0, 7, 4, 2]);
    const claimed = await result(player.mailClaim(mails[0]?.mailId as number));
    assert.equal(claimed.ok, true);
    await until(player, () => player.inventory?.gold === 7 && player.inventory.items.length === 1, 'the reward in the inventory');
    await player.close();
  });

  it('refuses what the sender lacks, mail to itself or to nobody, and someone else’s claim', async () => {
    const sender = await server.player(33);
    const other = await server.player(34);
    await server.grant('mail-test-2', 33, 10, []);
    await until(sender, () => sender.inventory?.gold === 10, 'the sender’s gold');
    assert.equal((await result(sender.mailSend(34, 11))).reason, 'INSUFFICIENT_GOLD');
    assert.equal((await result(sender.mailSend(34, 0, [123456]))).reason, 'ITEM_NOT_OWNED');
    assert.equal((await result(sender.mailSend(33, 1))).reason, 'SAME_PLAYER');
    assert.equal((await result(sender.mailSend(999_999, 1))).reason, 'UNKNOWN_PLAYER');
    assert.equal((await result(sender.mailSend(34, 0))).reason, 'NOTHING_TO_DO');
    const sent = await result(sender.mailSend(34, 5));
    assert.equal(sent.ok, true);
    assert.equal((await result(sender.mailClaim(sent.mailId))).reason, 'MAIL_NOT_YOURS');
    assert.equal((await result(other.mailClaim(987_654))).reason, 'UNKNOWN_MAIL');
    await until(sender, () => sender.inventory?.gold === 5, 'only the sent mail taken');
    await Promise.all([sender.close(), other.close()]);
  });
});
