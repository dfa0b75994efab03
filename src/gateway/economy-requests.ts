/**
 * Trade and mail requests, routed: a trade with a player of another zone is run by the gateway
 * (remote-trades.ts); everything else goes to the player's zone as an ECONOMY job, behind the
 * moves staged before it, where the zone's trades and mailroom answer it.
 */
import { EconomyLimits } from '../config/limits.ts';
import { EconomyRefusals, RefusalMessages, type RefusalMessage } from '../protocol/reasons.ts';
import { ErrorCode, type ClientMessage, type ServerMessageInit } from '../protocol/messages.ts';
import { EconomyAction, type EconomyJob } from '../thread-messages/jobs.ts';
import type { RemoteTrades } from './remote-trades.ts';
import type { Session } from './session.ts';
import type { ZoneLink } from './zone-link.ts';

/** What economy requests need of the gateway. */
export interface EconomyHost {
  send(session: Session, message: ServerMessageInit): void;
  refuse(session: Session, seq: number, refusal: RefusalMessage): void;
  /** The link to the zone of a session that is in a zone. */
  linkOf(session: Session): ZoneLink;
  sessionOf(playerId: number): Session | undefined;
}

type TradeOpen = NonNullable<ClientMessage['tradeOpen']>;
type TradeOffer = NonNullable<ClientMessage['tradeOffer']>;
type MailSend = NonNullable<ClientMessage['mailSend']>;
type MailClaim = NonNullable<ClientMessage['mailClaim']>;

const TOO_MANY_ITEMS: RefusalMessage = { code: ErrorCode.ERROR_CODE_TRADE_REFUSED, message: EconomyRefusals.tooManyItems };

export class EconomyRequests {
  private readonly remoteTrades: RemoteTrades;
  private readonly host: EconomyHost;

  constructor(remoteTrades: RemoteTrades, host: EconomyHost) {
    this.remoteTrades = remoteTrades;
    this.host = host;
  }

  tradeOpen(session: Session, seq: number, open: TradeOpen): void {
    // By player id (and no entity id): a partner in another zone, whose window the gateway holds.
    const partnerPlayerId = open.partnerEntityId ? 0 : (open.partnerPlayerId ?? 0);
    if (partnerPlayerId !== 0) return this.remoteTrades.open(session, seq, this.host.sessionOf(partnerPlayerId));
    this.toZone(session, { action: EconomyAction.TRADE_OPEN, seq, target: open.partnerEntityId ?? 0, gold: 0, itemIds: [], clientKey: 0 });
  }

  tradeOffer(session: Session, seq: number, offer: TradeOffer): void {
    const gold = offer.gold ?? 0;
    const itemIds = offer.itemIds ?? [];
    if (this.remoteTrades.has(session)) return this.remoteTrades.step(session, seq, 'offer', gold, itemIds);
    if (itemIds.length > EconomyLimits.maxItemsPerOp) return this.host.refuse(session, seq, TOO_MANY_ITEMS);
    this.toZone(session, { action: EconomyAction.TRADE_OFFER, seq, target: 0, gold, itemIds, clientKey: 0 });
  }

  tradeLock(session: Session, seq: number): void {
    if (this.remoteTrades.has(session)) return this.remoteTrades.step(session, seq, 'lock');
    this.toZone(session, { action: EconomyAction.TRADE_LOCK, seq, target: 0, gold: 0, itemIds: [], clientKey: 0 });
  }

  tradeAccept(session: Session, seq: number): void {
    if (this.remoteTrades.has(session)) return this.remoteTrades.step(session, seq, 'accept');
    this.toZone(session, { action: EconomyAction.TRADE_ACCEPT, seq, target: 0, gold: 0, itemIds: [], clientKey: 0 });
  }

  tradeCancel(session: Session, seq: number): void {
    if (this.remoteTrades.has(session)) return this.remoteTrades.step(session, seq, 'cancel');
    this.toZone(session, { action: EconomyAction.TRADE_CANCEL, seq, target: 0, gold: 0, itemIds: [], clientKey: 0 });
  }

  mailSend(session: Session, seq: number, mail: MailSend): void {
    const itemIds = mail.itemIds ?? [];
    if (itemIds.length > EconomyLimits.maxItemsPerOp) return this.host.send(session, { mailResult: { seq, ok: false, reason: EconomyRefusals.tooManyItems } });
    this.toZone(session, { action: EconomyAction.MAIL_SEND, seq, target: mail.toPlayerId ?? 0, gold: mail.gold ?? 0, itemIds, clientKey: mail.clientKey ?? 0 });
  }

  mailList(session: Session, seq: number): void {
    this.toZone(session, { action: EconomyAction.MAIL_LIST, seq, target: 0, gold: 0, itemIds: [], clientKey: 0 });
  }

  mailClaim(session: Session, seq: number, claim: MailClaim): void {
    this.toZone(session, { action: EconomyAction.MAIL_CLAIM, seq, target: claim.mailId ?? 0, gold: 0, itemIds: [], clientKey: 0 });
  }

  private toZone(session: Session, job: EconomyJob): void {
    if (!this.host.linkOf(session).writeEconomy(session.id, job)) this.host.refuse(session, job.seq, RefusalMessages.zoneBusy);
  }
}
