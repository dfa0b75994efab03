/**
 * The trade window's rules, shared by trades within a zone (zone/economy/trades.ts) and across zones
 * (gateway/remote-trades.ts): two offers, each replaced whole, and a changed offer unlocking both.
 */
import type { ServerMessageInit } from '../protocol/messages.ts';
import { EconomyRefusals, type EconomyRefusal } from '../protocol/reasons.ts';
import { checkTrade } from './economy-rules.ts';

export interface Offer {
  gold: number;
  itemIds: number[];
  locked: boolean;
  accepted: boolean;
}

/** A new window's two empty, unlocked offers. */
export function emptyOffers<Side>(a: Side, b: Side): Map<Side, Offer> {
  return new Map([
    [a, { gold: 0, itemIds: [], locked: false, accepted: false }],
    [b, { gold: 0, itemIds: [], locked: false, accepted: false }],
  ]);
}

/** Replaces one side's offer; a changed offer needs both to look again, so both are unlocked. */
export function replaceOffer<Side>(offers: Map<Side, Offer>, side: Side, gold: number, itemIds: readonly number[]): void {
  const offer = offers.get(side) as Offer;
  offer.gold = gold;
  offer.itemIds = [...itemIds];
  for (const each of offers.values()) {
    each.locked = false;
    each.accepted = false;
  }
}

/** The store's rules (checkTrade) for one side's offer from `from` to `to`. */
export function offerRefusal(from: number, to: number, gold: number, itemIds: readonly number[]): EconomyRefusal | undefined {
  if (!Number.isSafeInteger(gold)) return EconomyRefusals.goldOverLimit;
  if (itemIds.some((id) => !Number.isSafeInteger(id) || id < 1)) return EconomyRefusals.itemNotOwned;
  const refusal = checkTrade({ opId: 'check', a: from, b: to, goldFromA: gold, goldFromB: 0, itemsFromA: itemIds, itemsFromB: [] });
  // An empty offer is fine on one side; the trade as a whole is checked again by the store.
  return refusal === EconomyRefusals.nothingToDo ? undefined : refusal;
}

/**
 * The TradeUpdate one side sees. `partnerEntityId` is 0 for a partner in another zone; `seq` is
 * that side's request the change answers, or 0.
 */
export function windowUpdate(tradeId: number, partnerEntityId: number, partnerPlayerId: number, mine: Offer, theirs: Offer, committing: boolean, seq: number): ServerMessageInit {
  return { trade: { tradeId, partnerEntityId, partnerPlayerId, mine: { ...mine }, theirs: { ...theirs }, committing, seq } };
}

/** Which side's request a change answers, and its seq. */
export interface Answering<Side> {
  readonly side: Side;
  readonly seq: number;
}
