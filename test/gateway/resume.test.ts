/**
 * Session resume: a connection lost without a close frame leaves the player in the world for
 * RESUME_WINDOW_MS; the SDK reconnects by itself and takes the session back (same entity, nobody
 * sees it leave, a fresh view, an open trade kept, a mail resent once); after the window the
 * session ends as a log-out does.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ZoneClient } from '../../src/client/zone-client.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { cuttableProxy, type CuttableProxy } from '../helpers/cuttable-proxy.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until, within } from '../helpers/wait.ts';

let server: TestServer;
let proxy: CuttableProxy;
before(async () => {
  server = await startTestServer({ ZONES: '1', RESUME_WINDOW_MS: '3000' });
  proxy = await cuttableProxy(server.port);
});
after(async () => {
  await proxy.close();
  await server.stop();
});

/** A player whose connection goes through the proxy. */
async function playerThroughProxy(playerId: number): Promise<ZoneClient> {
  const client = await ZoneClient.connect(proxy.url);
  await client.enter(server.token(playerId), `Player${playerId}`);
  await until(client, () => client.inventory !== undefined, 'the first inventory');
  return client;
}

it('takes a dropped session back: the same entity, never despawned for a watcher, a fresh view, its moves go on', { timeout: 30_000 }, async () => {
  const dropped = await playerThroughProxy(1);
  const watcher = await server.player(2);
  const entityId = dropped.self?.entityId as number;
  await until(watcher, () => watcher.entities.has(entityId), 'the watcher to see the player');
  await until(dropped, () => dropped.entities.has(watcher.self?.entityId as number), 'the player to see the watcher');
  let despawned = false;
  watcher.on('despawn', (entity) => (despawned ||= entity.id === entityId));

  const reconnecting = dropped.next('reconnecting');
  const resumed = dropped.next('resumed');
  proxy.cut();
  await within(reconnecting, 'the SDK to start reconnecting');
  const self = await within(resumed, 'the session to be resumed');
  assert.equal(self.entityId, entityId, 'the same entity');
  await until(dropped, () => dropped.entities.has(watcher.self?.entityId as number), 'the fresh view to show the watcher again');
  await until(dropped, () => dropped.inventory !== undefined, 'the inventory after the resume');

  dropped.move((dropped.self?.x ?? 0) + 2, dropped.self?.y ?? 0, 0);
  await until(watcher, () => watcher.entities.get(entityId)?.x === dropped.self?.x, 'the watcher to see the resumed player move');
  assert.equal(despawned, false, 'the watcher never saw the player leave');
  assert.equal(sampleValue(await server.metricsText(), 'gateway_resumes_total', { outcome: 'resumed' }), 1);
  await Promise.all([dropped.close(), watcher.close()]);
});

it('keeps an open trade across a resume, and the trade then commits', { timeout: 30_000 }, async () => {
  const a = await playerThroughProxy(3);
  await server.grant('resume-trade-3', 3, 50);
  const b = await server.player(4);
  await until(a, () => a.inventory?.gold === 50, 'a’s gold');
  await until(a, () => a.entities.has(b.self?.entityId as number), 'a to see b');
  a.tradeOpen(b.self?.entityId as number);
  await b.next('trade');
  a.tradeOffer(20);
  await b.next('trade', (t) => t.theirs?.gold === 20);
  let ended = false;
  b.on('tradeResult', () => (ended = true));

  const resumed = a.next('resumed');
  proxy.cut();
  await within(resumed, 'a’s session to be resumed');
  const bothLocked = b.next('trade', (t) => t.mine?.locked === true && t.theirs?.locked === true);
  a.tradeLock();
  b.tradeLock();
  await bothLocked;
  assert.equal(ended, false, 'the trade was not cancelled by the drop');
  const results = Promise.all([a.next('tradeResult'), b.next('tradeResult')]);
  a.tradeAccept();
  await b.next('trade', (t) => t.theirs?.accepted === true);
  b.tradeAccept();
  for (const result of await results) assert.deepEqual([result.ok, result.reason], [true, 'COMMITTED']);
  await until(b, () => b.inventory?.gold === 20, 'b to have a’s gold');
  assert.equal(server.inventoryInDatabase(3).gold, 30);
  await Promise.all([a.close(), b.close()]);
});

it('sends a mail in flight at the drop once: the SDK sends it again under its key after the resume', { timeout: 30_000 }, async () => {
  const sender = await playerThroughProxy(5);
  await server.grant('resume-mail-5', 5, 40);
  await (await server.player(6)).logout();
  await until(sender, () => sender.inventory?.gold === 40, 'the sender’s gold');
  const resumed = sender.next('resumed');
  const sent = sender.mailSend(6, 15);
  // The request may or may not have reached the server; the SDK does not know, and sends it again.
  proxy.cut();
  await within(resumed, 'the session to be resumed');
  // Its promise outlived the drop: it is the answer to the mail sent again.
  const result = await within(sent, 'the mail’s result');
  assert.equal(result.ok, true, result.reason);
  await until(sender, () => sender.inventory?.gold === 25, 'one mail’s gold gone');
  await eventually(async () => server.inventoryInDatabase(5).gold === 25, 'the database to hold one mail sent');
  const receiver = await server.player(6);
  const box = await within(receiver.mailList(), 'the receiver’s mailbox');
  assert.equal(box.mails.filter((mail) => mail.fromPlayerId === 5).length, 1, 'exactly one mail');
  await Promise.all([sender.close(), receiver.close()]);
});

it('ends a session nobody takes back within the window as a log-out: written, released, gone for the others', { timeout: 30_000 }, async () => {
  const gone = await playerThroughProxy(7);
  const watcher = await server.player(8);
  const entityId = gone.self?.entityId as number;
  await until(watcher, () => watcher.entities.has(entityId), 'the watcher to see the player');
  gone.move((gone.self?.x ?? 0) + 3, gone.self?.y ?? 0, 0);
  await until(watcher, () => watcher.entities.get(entityId)?.x === gone.self?.x, 'the move to be seen');
  const x = gone.self?.x;
  const closed = gone.next('close');
  // The network goes down and stays down: every reconnect attempt is refused until the window has passed.
  proxy.down();
  try {
    await until(watcher, () => !watcher.entities.has(entityId), 'the player to leave once the window has passed', 10_000);
    assert.equal((await within(closed, 'the SDK to give up')).code, 1006);
  } finally {
    proxy.up();
  }
  await eventually(async () => server.characterInDatabase(7)?.online === false, 'the character to be released');
  assert.equal(server.characterInDatabase(7)?.x, x, 'its last position written');
  assert.ok((sampleValue(await server.metricsText(), 'gateway_resumes_total', { outcome: 'expired' }) ?? 0) >= 1);
  await watcher.close();
});

it('refuses a resume token that was used already', { timeout: 30_000 }, async () => {
  const client = await playerThroughProxy(9);
  const offered = (client as unknown as { resumable?: { token: string } }).resumable?.token as string;
  const resumed = client.next('resumed');
  proxy.cut();
  await within(resumed, 'the session to be resumed');
  // The token of before the resume is spent.
  const thief = await ZoneClient.connect(server.url);
  const answer = thief.next('close');
  thief.send({ resume: { resumeToken: offered, protocolVersion: PROTOCOL_VERSION } });
  assert.equal((await within(answer, 'the refusal')).code, 4012, 'ERROR_CODE_RESUME_REFUSED closes with 4012');
  assert.equal(client.closed, undefined, 'the real client plays on');
  await client.close();
});
