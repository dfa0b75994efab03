/**
 * Trades between two players of one zone (docs/architecture.md, R9): the trade window, escrow, and the
 * database transaction that decides.
 *
 * A window opens between two players within ZoneLimits.tradeRangeM. Each puts up an offer (gold and item
 * ids, checked against what the player holds and has not escrowed), locks it, and accepts once
 * both are locked; a new offer unlocks both. When both have accepted, both offers are escrowed in
 * memory (escrowed gold and items cannot be offered again, nor used by anything else) and the
 * store commits the trade in one transaction, which takes its row locks in key order and refuses
 * what the database says is not there. Only then are both players told, the escrow released and
 * both inventories read back from the database. Walking apart, leaving or disconnecting cancels a
 * window that is still open; a committing trade runs to its end either way.
 *
 * A store failure leaves the outcome unknown: the same operation id is sent again, with backoff,
 * until the store answers (storage/until-answered.ts), and the escrow holds until then.
 */
import { randomUUID } from 'node:crypto';
import { EconomyAction, type EconomyJob } from '../../thread-messages/jobs.ts';
import { ErrorCode, type ServerMessageInit } from '../../protocol/messages.ts';
import { EconomyRefusals, TradeReasons, type TradeReason } from '../../protocol/reasons.ts';
import { untilAnswered, type Wait } from '../../storage/until-answered.ts';
import { emptyOffers, offerRefusal, replaceOffer, windowUpdate, type Answering, type Offer } from '../../economy/trade-window.ts';
import type { Escrows } from './escrow.ts';
import type { Player, World } from '../world/world.ts';
import type { EconomyStore } from '../../storage/economy-store.ts';
import { ZoneLimits } from '../../config/limits.ts';

interface Trade {
  readonly id: number;
  readonly a: Player;
  readonly b: Player;
  readonly offers: Map<Player, Offer>;
  committing: boolean;
}

export interface TradeHooks {
  send(sessionId: number, message: ServerMessageInit): void;
  /** Reads the player's inventory back from the database and shows it. */
  refreshInventory(player: Player): void;
  failed(err: unknown, retryInMs: number): void;
  /** Waits between retries, in the zone's time. */
  wait: Wait;
}

export class Trades {
  /** Trades committed, and refused by the database; folded into metrics. */
  readonly counters = { committed: 0, refused: 0, cancelled: 0 };
  private readonly byPlayer = new Map<Player, Trade>();
  /** Trades being committed now. */
  private readonly committing = new Set<Promise<void>>();
  /** The escrow of each committing trade's two offers. */
  private readonly holds = new Map<Trade, (() => void)[]>();
  private nextTradeId = 1;
  private readonly store: Pick<EconomyStore, 'trade'>;
  private readonly escrows: Escrows;
  private readonly hooks: TradeHooks;

  constructor(store: Pick<EconomyStore, 'trade'>, escrows: Escrows, hooks: TradeHooks) {
    this.store = store;
    this.escrows = escrows;
    this.hooks = hooks;
  }

  handle(world: World, player: Player, job: EconomyJob): void {
    const trade = this.byPlayer.get(player);
    switch (job.action) {
      case EconomyAction.TRADE_OPEN:
        return this.open(world, player, job.seq, job.target);
      case EconomyAction.TRADE_OFFER:
        if (!trade || trade.committing) return this.refuse(player, job.seq, trade ? TradeReasons.committing : TradeReasons.noTrade);
        return this.offer(trade, player, job.seq, job.gold, job.itemIds);
      case EconomyAction.TRADE_LOCK:
        if (!trade || trade.committing) return this.refuse(player, job.seq, trade ? TradeReasons.committing : TradeReasons.noTrade);
        (trade.offers.get(player) as Offer).locked = true;
        return this.show(trade, { side: player, seq: job.seq });
      case EconomyAction.TRADE_ACCEPT:
        if (!trade || trade.committing) return this.refuse(player, job.seq, trade ? TradeReasons.committing : TradeReasons.noTrade);
        return this.accept(trade, player, job.seq);
      case EconomyAction.TRADE_CANCEL:
        if (!trade || trade.committing) return this.refuse(player, job.seq, trade ? TradeReasons.committing : TradeReasons.noTrade);
        return this.end(trade, false, TradeReasons.cancelled, '', { side: player, seq: job.seq });
      default:
        return this.refuse(player, job.seq, TradeReasons.unknownAction);
    }
  }

  /** Once per tick: open windows whose players walked apart are cancelled. */
  checkRange(): void {
    for (const trade of new Set(this.byPlayer.values())) {
      if (!trade.committing && !inRange(trade.a, trade.b)) this.end(trade, false, TradeReasons.outOfRange);
    }
  }

  /** The player left the zone (`reason`: how): an open window is cancelled. */
  left(player: Player, reason: TradeReason = TradeReasons.partnerLeft): void {
    const trade = this.byPlayer.get(player);
    if (trade && !trade.committing) this.end(trade, false, reason);
  }

  private open(world: World, player: Player, seq: number, partnerEntityId: number): void {
    const partner = world.entities.get(partnerEntityId);
    if (partner === player) return this.refuse(player, seq, EconomyRefusals.samePlayer);
    if (!partner || !('sessionId' in partner)) return this.refuse(player, seq, TradeReasons.noSuchPlayer);
    const other = partner as Player;
    if (this.byPlayer.has(player) || this.byPlayer.has(other)) return this.refuse(player, seq, TradeReasons.busy);
    if (!inRange(player, other)) return this.refuse(player, seq, TradeReasons.outOfRange);
    if (!player.inventory || !other.inventory) return this.refuse(player, seq, TradeReasons.inventoryLoading);
    const trade: Trade = {
      id: this.nextTradeId++,
      a: player,
      b: other,
      offers: emptyOffers(player, other),
      committing: false,
    };
    this.byPlayer.set(player, trade);
    this.byPlayer.set(other, trade);
    this.show(trade, { side: player, seq });
  }

  private offer(trade: Trade, player: Player, seq: number, gold: number, itemIds: number[]): void {
    const partner = trade.a === player ? trade.b : trade.a;
    // The store's own checks on the request (amounts, limits, duplicates), then what the player holds.
    const refusal = offerRefusal(player.playerId, partner.playerId, gold, itemIds) ?? this.escrows.refusal(player, gold, itemIds);
    if (refusal) return this.refuse(player, seq, refusal);
    replaceOffer(trade.offers, player, gold, itemIds);
    this.show(trade, { side: player, seq });
  }

  private accept(trade: Trade, player: Player, seq: number): void {
    const offers = [...trade.offers.values()];
    if (!offers.every((offer) => offer.locked)) return this.refuse(player, seq, TradeReasons.notLocked);
    (trade.offers.get(player) as Offer).accepted = true;
    if (!offers.every((offer) => offer.accepted)) return this.show(trade, { side: player, seq });
    // Both accepted: the offers must still be there, and then nothing else may touch them.
    for (const [side, offer] of trade.offers) {
      const refusal = this.escrows.refusal(side, offer.gold, offer.itemIds);
      if (refusal) return this.end(trade, false, refusal, '', { side: player, seq });
    }
    this.holds.set(
      trade,
      [...trade.offers].map(([side, offer]) => {
        const hold = this.escrows.hold(side, offer.gold, offer.itemIds);
        return () => this.escrows.release(side, hold);
      }),
    );
    trade.committing = true;
    this.show(trade, { side: player, seq });
    const a = trade.offers.get(trade.a) as Offer;
    const b = trade.offers.get(trade.b) as Offer;
    const committing = this.commit(trade, {
      opId: `trade-${randomUUID()}`,
      a: trade.a.playerId,
      b: trade.b.playerId,
      goldFromA: a.gold,
      goldFromB: b.gold,
      itemsFromA: a.itemIds,
      itemsFromB: b.itemIds,
    });
    this.committing.add(committing);
    void committing.finally(() => this.committing.delete(committing));
  }

  /** Trades waiting for the store's answer now. */
  get inFlight(): number {
    return this.committing.size;
  }

  private async commit(trade: Trade, request: Parameters<EconomyStore['trade']>[0]): Promise<void> {
    const result = await untilAnswered(() => this.store.trade(request), this.hooks.failed, this.hooks.wait);
    // No answer: the store worker is gone, this process is stopping, and the database has the outcome.
    if (!result) return;
    if (result.ok) this.counters.committed++;
    else this.counters.refused++;
    this.end(trade, result.ok, result.ok ? TradeReasons.committed : result.reason, request.opId);
  }

  /** Closes the window, releases the escrow, tells both, and reads inventories back after a commit. */
  private end(trade: Trade, ok: boolean, reason: TradeReason, opId = '', answering?: Answering<Player>): void {
    for (const side of [trade.a, trade.b]) if (this.byPlayer.get(side) === trade) this.byPlayer.delete(side);
    for (const release of this.holds.get(trade) ?? []) release();
    this.holds.delete(trade);
    if (!ok && !trade.committing) this.counters.cancelled++;
    for (const side of [trade.a, trade.b]) {
      if (side.removed) continue;
      this.hooks.send(side.sessionId, { tradeResult: { tradeId: trade.id, ok, reason, opId, seq: answering?.side === side ? answering.seq : 0 } });
      if (ok) this.hooks.refreshInventory(side);
    }
  }

  private show(trade: Trade, answering?: Answering<Player>): void {
    for (const [side, partner] of [
      [trade.a, trade.b],
      [trade.b, trade.a],
    ] as const) {
      const seq = answering?.side === side ? answering.seq : 0;
      this.hooks.send(side.sessionId, windowUpdate(trade.id, partner.id, partner.playerId, trade.offers.get(side) as Offer, trade.offers.get(partner) as Offer, trade.committing, seq));
    }
  }

  private refuse(player: Player, seq: number, reason: TradeReason): void {
    this.hooks.send(player.sessionId, { error: { code: ErrorCode.ERROR_CODE_TRADE_REFUSED, seq, message: reason } });
  }
}

function inRange(a: Player, b: Player): boolean {
  return (a.x - b.x) ** 2 + (a.y - b.y) ** 2 <= ZoneLimits.tradeRangeM ** 2;
}
