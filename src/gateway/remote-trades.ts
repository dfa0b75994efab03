/**
 * Trades between players in different zones of this server. Neither zone can run
 * the window alone, so the gateway holds it: the same open, offer, lock and accept steps as a
 * trade within a zone (zone/trades.ts), and the same messages to the clients. When both have
 * accepted:
 *   1. prepare: each player's zone escrows that player's offer (or refuses: not held, spent);
 *   2. decide: the store commits the trade in one transaction under its operation id (the
 *      database checks again what each holds), sent again until it answers;
 *   3. apply: both zones release the escrow and read the inventories back; both players are told.
 * A zone that dies before the decision aborts the trade, with nothing moved: its escrow was only
 * its memory, and the other zone's hold is released. After the decision the database is the
 * truth whatever happens to the zones.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, type ServerMessageInit } from '../protocol/messages.ts';
import { EconomyRefusals, TradeReasons, type TradeReason } from '../protocol/reasons.ts';
import { timerWait, untilAnswered } from '../storage/until-answered.ts';
import { emptyOffers, offerRefusal, replaceOffer, windowUpdate, type Answering, type Offer } from '../economy/trade-window.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import type { Session } from './session.ts';
import type { EconomyStore, TradeRequest } from '../storage/economy-store.ts';

interface RemoteTrade {
  readonly id: number;
  readonly a: Session;
  readonly b: Session;
  readonly offers: Map<Session, Offer>;
  committing: boolean;
}

export type TradeStep = 'offer' | 'lock' | 'accept' | 'cancel';

export class RemoteTrades {
  private readonly bySession = new Map<Session, RemoteTrade>();
  private nextTradeId = 1;
  private readonly store: Pick<EconomyStore, 'trade'>;
  private readonly send: (session: Session, message: ServerMessageInit) => void;
  private readonly failed: (err: unknown, retryInMs: number) => void;

  /** `failed` hears each failed attempt to commit a trade (it is sent again). */
  constructor(store: Pick<EconomyStore, 'trade'>, send: (session: Session, message: ServerMessageInit) => void, failed: (err: unknown, retryInMs: number) => void) {
    this.store = store;
    this.send = send;
    this.failed = failed;
  }

  has(session: Session): boolean {
    return this.bySession.has(session);
  }

  open(session: Session, seq: number, partner: Session | undefined): void {
    if (!partner || partner.state !== 'in-zone') return this.refuse(session, seq, TradeReasons.noSuchPlayer);
    if (partner === session || partner.playerId === session.playerId) return this.refuse(session, seq, EconomyRefusals.samePlayer);
    if (partner.zone === session.zone) return this.refuse(session, seq, TradeReasons.sameZone);
    if (this.bySession.has(session) || this.bySession.has(partner)) return this.refuse(session, seq, TradeReasons.busy);
    const trade: RemoteTrade = {
      id: this.nextTradeId++,
      a: session,
      b: partner,
      offers: emptyOffers(session, partner),
      committing: false,
    };
    this.bySession.set(session, trade);
    this.bySession.set(partner, trade);
    this.show(trade, { side: session, seq });
  }

  step(session: Session, seq: number, step: TradeStep, gold = 0, itemIds: readonly number[] = []): void {
    const trade = this.bySession.get(session);
    if (!trade || trade.committing) return this.refuse(session, seq, trade ? TradeReasons.committing : TradeReasons.noTrade);
    const offer = trade.offers.get(session) as Offer;
    switch (step) {
      case 'offer': {
        const partner = trade.a === session ? trade.b : trade.a;
        // What each player holds is its zone's to check, when the offers are escrowed.
        const refusal = offerRefusal(session.playerId, partner.playerId, gold, itemIds);
        if (refusal) return this.refuse(session, seq, refusal);
        replaceOffer(trade.offers, session, gold, itemIds);
        return this.show(trade, { side: session, seq });
      }
      case 'lock':
        offer.locked = true;
        return this.show(trade, { side: session, seq });
      case 'accept':
        if (![...trade.offers.values()].every((side) => side.locked)) return this.refuse(session, seq, TradeReasons.notLocked);
        offer.accepted = true;
        this.show(trade, { side: session, seq });
        if ([...trade.offers.values()].every((side) => side.accepted)) void this.commit(trade);
        return;
      case 'cancel':
        return this.end(trade, false, TradeReasons.cancelled, '', { side: session, seq });
    }
  }

  /** The session ends: an open trade is cancelled; a committing one runs to its end. */
  left(session: Session, reason: TradeReason = TradeReasons.partnerLeft): void {
    const trade = this.bySession.get(session);
    if (trade && !trade.committing) this.end(trade, false, reason, '');
  }

  private async commit(trade: RemoteTrade): Promise<void> {
    trade.committing = true;
    this.show(trade);
    const sides = [trade.a, trade.b] as const;
    const zones = sides.map((side) => side.zone as ZoneHandle);
    const generations = zones.map((zone) => zone.generation);
    // 1. Prepare: both zones escrow their player's offer.
    const holds = await Promise.all(
      sides.map((side, i) => {
        const offer = trade.offers.get(side) as Offer;
        return (zones[i] as ZoneHandle).holdForTrade(side.playerId, offer.gold, offer.itemIds).catch((): { holdId?: number; reason?: TradeReason } => ({ reason: TradeReasons.zoneRestarted }));
      }),
    );
    const release = (committed: boolean): void => {
      holds.forEach((held, i) => {
        const zone = zones[i] as ZoneHandle;
        if (held.holdId !== undefined && zone.generation === generations[i]) zone.send({ type: 'escrow-release', holdId: held.holdId, committed });
      });
    };
    const refused = holds.find((held) => held.holdId === undefined);
    // A zone that died since it escrowed aborts the trade too: the decision has not been taken.
    const died = zones.some((zone, i) => zone.generation !== generations[i] || zone.state !== 'running');
    if (refused || died) {
      release(false);
      return this.end(trade, false, refused?.reason ?? TradeReasons.zoneRestarted, '');
    }
    // 2. Decide.
    const a = trade.offers.get(trade.a) as Offer;
    const b = trade.offers.get(trade.b) as Offer;
    const request: TradeRequest = { opId: `trade-${randomUUID()}`, a: trade.a.playerId, b: trade.b.playerId, goldFromA: a.gold, goldFromB: b.gold, itemsFromA: a.itemIds, itemsFromB: b.itemIds };
    const result = await untilAnswered(() => this.store.trade(request), this.failed, timerWait);
    if (!result) return; // the store is gone: the process is stopping, the database has the outcome
    // 3. Apply.
    release(result.ok);
    this.end(trade, result.ok, result.ok ? TradeReasons.committed : result.reason, request.opId);
  }

  private end(trade: RemoteTrade, ok: boolean, reason: TradeReason, opId: string, answering?: Answering<Session>): void {
    for (const side of [trade.a, trade.b]) {
      if (this.bySession.get(side) === trade) this.bySession.delete(side);
      this.send(side, { tradeResult: { tradeId: trade.id, ok, reason, opId, seq: answering?.side === side ? answering.seq : 0 } });
    }
  }

  private show(trade: RemoteTrade, answering?: Answering<Session>): void {
    for (const [side, partner] of [
      [trade.a, trade.b],
      [trade.b, trade.a],
    ] as const) {
      this.send(side, windowUpdate(trade.id, 0, partner.playerId, trade.offers.get(side) as Offer, trade.offers.get(partner) as Offer, trade.committing, answering?.side === side ? answering.seq : 0));
    }
  }

  private refuse(session: Session, seq: number, reason: TradeReason): void {
    this.send(session, { error: { code: ErrorCode.ERROR_CODE_TRADE_REFUSED, seq, message: reason } });
  }
}
