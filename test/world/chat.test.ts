/**
 * Chat through the protocol: say reaches those who see the speaker, zone the speaker's zone,
 * whisper one character by name in any zone, system every player; each refusal has its reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { ChatChannel, ErrorCode, type ChatMessage } from '../../src/protocol/messages.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { until, within } from '../helpers/wait.ts';

describe('chat', () => {
  let server: TestServer;
  before(async () => {
    // Two zones: odd player ids in zone 1, even ones in zone 2. Chat allows 20 at once, then
    // hardly any more, so the rate limit can be reached without waiting.
    server = await startTestServer({ ZONES: '2', MAX_SPEED_MPS: '1000', CHAT_MAX_CHARS: '10', CHAT_BURST: '20', CHAT_RATE_PER_SEC: '0.01' });
  });
  after(() => server.stop());

  /** Every chat message the client hears, in order. */
  function heard(client: ZoneClient): ChatMessage[] {
    const messages: ChatMessage[] = [];
    client.on('chat', (message) => messages.push(message));
    return messages;
  }

  function refusal(client: ZoneClient, seq: number): Promise<string> {
    return within(
      client.next('error', (error) => error.seq === seq),
      `the refusal of chat request ${seq}`,
    ).then((error) => {
      assert.equal(error.code, ErrorCode.ERROR_CODE_CHAT_REFUSED);
      return error.message;
    });
  }

  it('delivers say to those who see the speaker, zone to its zone, whisper by name anywhere, and system to all', async () => {
    const [a, b, c, d] = (await Promise.all([61, 63, 65, 64].map((id) => server.player(id)))) as [ZoneClient, ZoneClient, ZoneClient, ZoneClient];
    const [toA, toB, toC, toD] = [heard(a), heard(b), heard(c), heard(d)];
    // c walks out of everyone's sight (the view radius is 50 m).
    c.move((c.self?.x ?? 0) + 300, c.self?.y ?? 0, 0);
    await until(b, () => b.entities.has(a.self?.entityId as number) && !b.entities.has(c.self?.entityId as number), 'b seeing a but not c');
    await until(a, () => !a.entities.has(c.self?.entityId as number), 'a no longer seeing c');
    // Sight is each viewer's own: c hears a say only while c sees a.
    await until(c, () => !c.entities.has(a.self?.entityId as number), 'c no longer seeing a');

    a.chat(ChatChannel.CHAT_CHANNEL_SAY, 'hello');
    a.chat(ChatChannel.CHAT_CHANNEL_ZONE, 'all of you');
    await until(c, () => toC.length === 1, 'c hearing the zone message');
    await until(b, () => toB.length === 2, 'b hearing both');
    await until(a, () => toA.length === 2, 'a hearing itself');
    assert.deepEqual(
      toB.map((m) => [m.channel, m.text, m.fromName, m.fromPlayerId, m.fromEntityId]),
      [
        [ChatChannel.CHAT_CHANNEL_SAY, 'hello', 'Player61', 61, a.self?.entityId],
        [ChatChannel.CHAT_CHANNEL_ZONE, 'all of you', 'Player61', 61, a.self?.entityId],
      ],
    );
    assert.deepEqual(toC.map((m) => m.text), ['all of you'], 'c, out of sight, did not hear the say (it would have come first)');

    // A whisper by name, whatever its case, to a player in the other zone.
    a.chat(ChatChannel.CHAT_CHANNEL_WHISPER, 'psst', 'pLaYeR64');
    await until(d, () => toD.length === 1, 'd hearing the whisper');
    assert.deepEqual([toD[0]?.channel, toD[0]?.text, toD[0]?.fromName, toD[0]?.fromPlayerId], [ChatChannel.CHAT_CHANNEL_WHISPER, 'psst', 'Player61', 61]);

    const { status, json } = await server.admin('/admin/chat', { text: 'reboot 5m' });
    assert.deepEqual([status, json.zones], [200, 2]);
    for (const [client, messages] of [[a, toA], [b, toB], [c, toC], [d, toD]] as const) {
      await until(client, () => messages.some((m) => m.channel === ChatChannel.CHAT_CHANNEL_SYSTEM), 'the system message');
      assert.deepEqual(
        messages.filter((m) => m.channel === ChatChannel.CHAT_CHANNEL_SYSTEM).map((m) => [m.text, m.fromName, m.fromPlayerId]),
        [['reboot 5m', '', 0]],
      );
    }
    // d, in the other zone, heard only what was meant for it: the zone message would have come before the system one.
    assert.deepEqual(toD.map((m) => m.channel), [ChatChannel.CHAT_CHANNEL_WHISPER, ChatChannel.CHAT_CHANNEL_SYSTEM]);
    const metrics = await server.metricsText();
    for (const channel of ['say', 'zone', 'whisper', 'system']) assert.equal(sampleValue(metrics, 'gateway_chat_messages_total', { channel }), 1, channel);
    await Promise.all([a, b, c, d].map((client) => client.close()));
  });

  it('refuses empty, long, broken and controlled text, unknown channels and names, and chat past the rate limit', async () => {
    const a = await server.player(71);
    const said = heard(a);
    assert.equal(await refusal(a, a.chat(ChatChannel.CHAT_CHANNEL_SAY, '   ')), 'EMPTY');
    assert.equal(await refusal(a, a.chat(ChatChannel.CHAT_CHANNEL_SAY, 'eleven char')), 'TOO_LONG');
    assert.equal(await refusal(a, a.chat(ChatChannel.CHAT_CHANNEL_SAY, 'bell\u0007')), 'BAD_TEXT');
    assert.equal(await refusal(a, a.send({ chat: { channel: ChatChannel.CHAT_CHANNEL_SAY, text: Uint8Array.of(0x68, 0xff, 0x69) } })), 'BAD_TEXT');
    assert.equal(await refusal(a, a.chat(ChatChannel.CHAT_CHANNEL_SYSTEM, 'I am root')), 'UNKNOWN_CHANNEL');
    assert.equal(await refusal(a, a.chat(ChatChannel.CHAT_CHANNEL_UNSPECIFIED, 'hm')), 'UNKNOWN_CHANNEL');
    assert.equal(await refusal(a, a.chat(ChatChannel.CHAT_CHANNEL_WHISPER, 'hi', 'Nobody')), 'NO_SUCH_CHARACTER');
    // Ten characters, counted as people count them: one emoji is one character.
    a.chat(ChatChannel.CHAT_CHANNEL_SAY, '😀😀😀😀😀😀😀😀😀😀');
    await until(a, () => said.length === 1, 'a hearing its ten emoji');
    assert.equal(said[0]?.text, '😀😀😀😀😀😀😀😀😀😀');

    const admin = await server.admin('/admin/chat', { text: '' });
    assert.deepEqual([admin.status, admin.json.reason], [400, 'EMPTY']);

    // Six chat messages spent above (the two bad channels take no token): fourteen more fit in the burst.
    for (let i = 0; i < 14; i++) a.chat(ChatChannel.CHAT_CHANNEL_SAY, `n${i}`);
    await until(a, () => said.length === 15, 'the burst heard');
    assert.equal(await refusal(a, a.chat(ChatChannel.CHAT_CHANNEL_SAY, 'one more')), 'CHAT_RATE_LIMITED');
    const metrics = await server.metricsText();
    assert.equal(sampleValue(metrics, 'gateway_chat_refusals_total', { reason: 'CHAT_RATE_LIMITED' }), 1);
    assert.equal(a.closed, undefined, 'refusals leave the session open');
    await a.close();
  });
});
