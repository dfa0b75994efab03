/**
 * Chat: checked here, delivered by the zones. A message is refused (ERROR_CODE_CHAT_REFUSED with
 * the request's seq, the session stays) when it comes faster than the chat rate limit, is empty,
 * longer than CHAT_MAX_CHARS characters, not valid UTF-8 or holds control characters, names no
 * channel a client may use, or whispers to a name nobody online has. Otherwise it travels as a
 * CHAT job through the rings like any request: said and zone messages to the speaker's zone,
 * which knows who hears them; a whisper to the listener's zone, keyed by the listener's session;
 * a system message (from the admin API) to every zone.
 */
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config/config.ts';
import { sightStripM, zonesWithin } from '../config/world.ts';
import { ChatChannel, ErrorCode, type ClientMessage } from '../protocol/messages.ts';
import { ChatRefusals, RefusalMessages, type ChatRefusal, type RefusalMessage } from '../protocol/reasons.ts';
import type { ChatJob } from '../thread-messages/jobs.ts';
import type { Session } from './session.ts';
import type { ZoneLink } from './zone-link.ts';

/** What chat needs of the gateway. */
export interface ChatHost {
  refuse(session: Session, seq: number, refusal: RefusalMessage): void;
  /** The link to the zone of a session that is in a zone. */
  linkOf(session: Session): ZoneLink;
  sessionNamed(name: string): Session | undefined;
  /** Runs `work` once the session, now changing zones, is in its new one; false if it cannot wait. */
  whenInZone(session: Session, work: () => void): boolean;
  /** Every zone's link, for system messages. */
  links(): Iterable<ZoneLink>;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text, or undefined when the bytes are not valid UTF-8. */
function decodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}
/** C0 and C1 control characters, and DEL, but not the tab. */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

const CHANNEL_LABELS: Readonly<Record<number, string>> = {
  [ChatChannel.CHAT_CHANNEL_SAY]: 'say',
  [ChatChannel.CHAT_CHANNEL_ZONE]: 'zone',
  [ChatChannel.CHAT_CHANNEL_WHISPER]: 'whisper',
  [ChatChannel.CHAT_CHANNEL_SYSTEM]: 'system',
};

export class Chat {
  private readonly maxChars: number;
  private readonly host: ChatHost;
  private readonly messages: Counter<'channel'>;
  private readonly refusals: Counter<'reason'>;

  /** The zones that see into each zone (sight across borders), by zone id: they hear its SAY too. */
  private readonly seenFrom = new Map<number, Set<number>>();

  constructor(config: Pick<Config, 'chatMaxChars' | 'world' | 'sightAcrossBorders' | 'viewRadiusM' | 'viewMarginM' | 'handoverMarginM'>, registry: Registry, host: ChatHost) {
    this.maxChars = config.chatMaxChars;
    this.host = host;
    if (config.sightAcrossBorders) {
      for (const zone of config.world.zones) this.seenFrom.set(zone.id, new Set(zonesWithin(config.world, zone.id, sightStripM(config)).map((z) => z.id)));
    }
    this.messages = new Counter({ name: 'gateway_chat_messages_total', help: 'Chat messages sent on to the zones, by channel.', labelNames: ['channel'], registers: [registry] });
    this.refusals = new Counter({ name: 'gateway_chat_refusals_total', help: 'Chat messages refused, by reason.', labelNames: ['reason'], registers: [registry] });
  }

  /** A player's chat message. */
  say(session: Session, seq: number, request: NonNullable<ClientMessage['chat']>): void {
    const channel = request.channel;
    if (channel !== ChatChannel.CHAT_CHANNEL_SAY && channel !== ChatChannel.CHAT_CHANNEL_ZONE && channel !== ChatChannel.CHAT_CHANNEL_WHISPER) {
      return this.refuse(session, seq, ChatRefusals.unknownChannel);
    }
    if (!session.chatBucket.take(performance.now())) return this.refuse(session, seq, ChatRefusals.rateLimited);
    const text = decodeStrict(request.text ?? new Uint8Array(0));
    if (text === undefined) return this.refuse(session, seq, ChatRefusals.badText);
    const refusal = this.refusalOf(text);
    if (refusal) return this.refuse(session, seq, refusal);
    let target = session;
    if (channel === ChatChannel.CHAT_CHANNEL_WHISPER) {
      const listener = this.host.sessionNamed(request.toName ?? '');
      if (!listener || (listener.state !== 'in-zone' && listener.state !== 'handing-over')) return this.refuse(session, seq, ChatRefusals.noSuchCharacter);
      target = listener;
    }
    const job: ChatJob = { channel, seq, fromPlayerId: session.playerId, fromName: session.name, text };
    const deliver = (): void => {
      const link = this.host.linkOf(target);
      if (!link.writeChat(target.id, job)) return this.host.refuse(session, seq, RefusalMessages.zoneBusy);
      // Said near a border, it is heard by those who see the speaker from the zones beside
      // (key 0: the speaker is not theirs; each finds its ghost of it).
      if (channel === ChatChannel.CHAT_CHANNEL_SAY) {
        const beside = this.seenFrom.get(link.zone.id);
        if (beside) for (const other of this.host.links()) if (beside.has(other.zone.id) && other.zone.state === 'running') other.writeChat(0, job);
      }
      this.messages.inc({ channel: CHANNEL_LABELS[channel] as string });
    };
    // A listener changing zones hears it in its new zone.
    if (target.state === 'handing-over') {
      if (!this.host.whenInZone(target, deliver)) this.host.refuse(session, seq, RefusalMessages.zoneBusy);
      return;
    }
    deliver();
  }

  /**
   * A system message to everyone on the server; resolves to the zones it reached (a zone that is
   * down, or whose ring is full, misses it). Refused text is answered with its reason.
   */
  system(text: string): { zones: number } | { refusal: ChatRefusal } {
    const refusal = this.refusalOf(text);
    if (refusal) return { refusal };
    const job: ChatJob = { channel: ChatChannel.CHAT_CHANNEL_SYSTEM, seq: 0, fromPlayerId: 0, fromName: '', text };
    let reached = 0;
    for (const link of this.host.links()) {
      if (link.zone.state === 'running' && link.writeChat(0, job)) reached++;
    }
    this.messages.inc({ channel: 'system' });
    return { zones: reached };
  }

  /** Why `text` cannot be said, or undefined when it can. */
  private refusalOf(text: string): ChatRefusal | undefined {
    if (CONTROL.test(text)) return ChatRefusals.badText;
    if (text.trim() === '') return ChatRefusals.empty;
    // Characters as people count them (code points), not UTF-16 units.
    let chars = 0;
    for (const _ of text) if (++chars > this.maxChars) return ChatRefusals.tooLong;
    return undefined;
  }

  private refuse(session: Session, seq: number, reason: ChatRefusal): void {
    this.refusals.inc({ reason });
    this.host.refuse(session, seq, { code: ErrorCode.ERROR_CODE_CHAT_REFUSED, message: reason });
  }
}
