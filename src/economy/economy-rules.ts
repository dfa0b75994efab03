/**
 * The economy's rules for a request, checked before any database work: by the zones before they
 * escrow, by the admin API before it asks, and by the store again. A refusal comes back as a
 * reason (nothing is done); a broken request (not a whole number, a malformed opId) throws
 * StoreError STORE_BAD_REQUEST.
 */
import { EconomyLimits } from '../config/limits.ts';
import { EconomyRefusals, type EconomyRefusal } from '../protocol/reasons.ts';
import type { ClaimMailRequest, GrantRequest, ItemStack, SendMailRequest, TradeRequest } from '../storage/economy-store.ts';
import { StoreError, StoreErrorCodes } from '../storage/store-error.ts';

/** Operation ids: 1–64 characters of this set, compared case-sensitively. */
export const OP_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** Refusals a trade request earns before any database work; throws StoreError on a broken request. */
export function checkTrade(request: TradeRequest): EconomyRefusal | undefined {
  requireOpId(request.opId);
  requireId(request.a, 'a');
  requireId(request.b, 'b');
  requireIdList(request.itemsFromA, 'itemsFromA');
  requireIdList(request.itemsFromB, 'itemsFromB');
  if (request.a === request.b) return EconomyRefusals.samePlayer;
  const gold = checkGold(request.goldFromA) ?? checkGold(request.goldFromB);
  if (gold) return gold;
  if (request.itemsFromA.length > EconomyLimits.maxItemsPerOp || request.itemsFromB.length > EconomyLimits.maxItemsPerOp) return EconomyRefusals.tooManyItems;
  const all = [...request.itemsFromA, ...request.itemsFromB];
  if (new Set(all).size !== all.length) return EconomyRefusals.duplicateItem;
  if (request.goldFromA === 0 && request.goldFromB === 0 && all.length === 0) return EconomyRefusals.nothingToDo;
  return undefined;
}

export function checkGrant(request: GrantRequest): EconomyRefusal | undefined {
  requireOpId(request.opId);
  requireId(request.playerId, 'playerId');
  if (!Array.isArray(request.items)) throw badRequest('items must be an array');
  return checkGold(request.gold) ?? checkStacks(request.items) ?? (request.gold === 0 && request.items.length === 0 ? EconomyRefusals.nothingToDo : undefined);
}

export function checkSendMail(request: SendMailRequest): EconomyRefusal | undefined {
  requireOpId(request.opId);
  requireId(request.to, 'to');
  const itemIds = request.itemIds ?? [];
  const newItems = request.newItems ?? [];
  requireIdList(itemIds, 'itemIds');
  if (!Array.isArray(newItems)) throw badRequest('newItems must be an array');
  if (request.from !== undefined) {
    requireId(request.from, 'from');
    if (newItems.length > 0) throw badRequest('only system mail (no sender) may create items');
    if (request.from === request.to) return EconomyRefusals.samePlayer;
  } else if (itemIds.length > 0) {
    throw badRequest('system mail (no sender) has no items to move: use newItems');
  }
  const refusal = checkGold(request.gold) ?? checkStacks(newItems);
  if (refusal) return refusal;
  if (itemIds.length > EconomyLimits.maxItemsPerOp) return EconomyRefusals.tooManyItems;
  if (new Set(itemIds).size !== itemIds.length) return EconomyRefusals.duplicateItem;
  if (request.gold === 0 && itemIds.length === 0 && newItems.length === 0) return EconomyRefusals.nothingToDo;
  return undefined;
}

export function checkClaimMail(request: ClaimMailRequest): undefined {
  requireOpId(request.opId);
  requireId(request.mailId, 'mailId');
  requireId(request.playerId, 'playerId');
  return undefined;
}

function checkGold(gold: number): EconomyRefusal | undefined {
  if (!Number.isSafeInteger(gold)) throw badRequest(`gold must be a whole number, got ${gold}`);
  if (gold < 0) return EconomyRefusals.negativeGold;
  if (gold > EconomyLimits.maxGoldPerOp) return EconomyRefusals.goldOverLimit;
  return undefined;
}

function checkStacks(stacks: readonly ItemStack[]): EconomyRefusal | undefined {
  if (stacks.length > EconomyLimits.maxItemsPerOp) return EconomyRefusals.tooManyItems;
  for (const stack of stacks as readonly (ItemStack | null)[]) {
    if (typeof stack !== 'object' || stack === null) throw badRequest('each item stack must be an object {templateId, count}');
    if (!Number.isSafeInteger(stack.templateId) || !Number.isSafeInteger(stack.count)) throw badRequest('item stacks need whole-number templateId and count');
    if (stack.templateId < 1 || stack.templateId > EconomyLimits.maxTemplateId || stack.count < 1 || stack.count > EconomyLimits.maxStackCount) return EconomyRefusals.badStack;
  }
  return undefined;
}

function requireOpId(opId: string): void {
  if (typeof opId !== 'string' || !OP_ID_PATTERN.test(opId)) throw badRequest(`opId must match ${OP_ID_PATTERN}, got ${JSON.stringify(opId)}`);
}

function requireId(id: number, what: string): void {
  if (!Number.isSafeInteger(id) || id < 1) throw badRequest(`${what} must be a positive whole number, got ${id}`);
}

function requireIdList(ids: readonly number[], what: string): void {
  if (!Array.isArray(ids)) throw badRequest(`${what} must be an array`);
  for (const id of ids) requireId(id, `${what}[]`);
}

function badRequest(message: string): StoreError {
  return new StoreError(message, StoreErrorCodes.badRequest);
}
