/**
 * The economy as one zone hosts it: its players' inventories as last read from the database,
 * trades within the zone, mail, grants from outside, and the escrow held for trades across zones
 * (which the gateway runs). The database alone changes gold and items; this reads them back
 * after every change and keeps what is promised to a transaction in flight out of reach (escrow).
 */
import type { EconomyStore, GrantRequest, GrantResult, Inventory } from '../../storage/economy-store.ts';
import { untilAnswered, type Wait } from '../../storage/until-answered.ts';
import { EconomyAction, type EconomyJob } from '../../thread-messages/jobs.ts';
import { TradeReasons, type TradeReason } from '../../protocol/reasons.ts';
import type { ServerMessageInit } from '../../protocol/messages.ts';
import type { Player, World } from '../world/world.ts';
import type { AuditDraft } from '../../storage/admin-store.ts';
import { Escrows } from './escrow.ts';
import { Mailroom } from './mailroom.ts';
import { Trades } from './trades.ts';

/** What a zone needs of the store for its economy. */
export type ZoneEconomyStore = Pick<EconomyStore, 'loadInventory' | 'grant' | 'trade' | 'sendMail' | 'claimMail' | 'listMail'>;

export interface ZoneEconomyHooks {
  send(sessionId: number, message: ServerMessageInit): void;
  /** A store call failed: trades, mail and the zone's own grants are sent again after `retryInMs`; an inventory read is not (the next change reads again). */
  failed(err: unknown, what: 'load inventory' | 'trade' | 'mail' | 'grant', retryInMs: number): void;
}

export class ZoneEconomy {
  readonly trades: Trades;
  private readonly mailroom: Mailroom;
  private readonly escrows = new Escrows();
  /** Escrow held here for trades across zones, by hold id. */
  private readonly remoteHolds = new Map<number, { player: Player; release: () => void }>();
  private nextHoldId = 1;
  /** The latest inventory read asked for each player: older answers are dropped. */
  private readonly inventoryReads = new Map<number, number>();
  private nextInventoryRead = 1;
  private readonly store: ZoneEconomyStore;
  private readonly hooks: ZoneEconomyHooks;
  private readonly wait: Wait;
  /** Grants the zone asked for itself, not answered yet. */
  private grantsInFlight = 0;

  /** `wait` counts retries' backoff in the zone's ticks. */
  constructor(store: ZoneEconomyStore, wait: Wait, hooks: ZoneEconomyHooks) {
    this.store = store;
    this.hooks = hooks;
    this.wait = wait;
    const parts = (what: 'trade' | 'mail') => ({
      send: hooks.send,
      refreshInventory: (player: Player) => this.refreshInventory(player),
      failed: (err: unknown, retryInMs: number) => hooks.failed(err, what, retryInMs),
      wait,
    });
    this.trades = new Trades(store, this.escrows, parts('trade'));
    this.mailroom = new Mailroom(store, this.escrows, parts('mail'));
  }

  /** Trades, mail and the zone's own grants waiting for the store: a stopping zone waits for their answers. */
  get inFlight(): number {
    return this.trades.inFlight + this.mailroom.inFlight + this.grantsInFlight;
  }

  /** A trade or mail request of `player`. */
  handle(world: World, player: Player, job: EconomyJob): void {
    if (job.action === EconomyAction.MAIL_SEND) this.mailroom.send(player, job);
    else if (job.action === EconomyAction.MAIL_CLAIM) this.mailroom.claim(player, job);
    else if (job.action === EconomyAction.MAIL_LIST) this.mailroom.list(player, job);
    else this.trades.handle(world, player, job);
  }

  /** Once per tick, after the moves: windows whose players walked apart close. */
  afterMoves(): void {
    this.trades.checkRange();
  }

  /** The player left the zone (`reason`: how): an open trade window is cancelled. */
  left(player: Player, reason?: TradeReason): void {
    this.trades.left(player, reason);
  }

  /**
   * Whether the store is deciding something for the player here: escrow held (a trade being
   * committed, a mail being sent) or a mail request waiting. Its zone keeps it until then.
   */
  busy(player: Player): boolean {
    return this.escrows.holdsAny(player) || this.mailroom.waitsFor(player);
  }

  /**
   * Reads the player's gold and items from the database, which alone changes them, and shows them
   * to the player. Done at log-in and after every economy operation, so memory never counts a
   * change twice; an answer overtaken by a newer read is dropped.
   */
  refreshInventory(player: Player): void {
    const read = this.nextInventoryRead++;
    this.inventoryReads.set(player.playerId, read);
    this.store.loadInventory(player.playerId).then(
      (inventory) => {
        if (this.inventoryReads.get(player.playerId) !== read || player.removed || !inventory) return;
        this.inventoryReads.delete(player.playerId);
        // Two reads can both see one change (a log-in's first read answered after a grant that
        // reads again): the player is told of each inventory once.
        const unchanged = player.inventory !== undefined && sameInventory(player.inventory, inventory);
        player.inventory = inventory;
        if (unchanged) return;
        this.hooks.send(player.sessionId, { inventory: { gold: inventory.gold, items: inventory.items.map((item) => ({ ...item })) } });
      },
      (err: unknown) => this.hooks.failed(err, 'load inventory', 0),
    );
  }

  /**
   * A grant from outside for a player who may be here: committed in the database first, then, if
   * the player is here, its inventory is read back and shown to it.
   */
  async grant(request: GrantRequest, world: World, audit?: AuditDraft): Promise<GrantResult> {
    const result = await this.store.grant(request, audit);
    const player = world.playersById.get(request.playerId);
    if (result.ok && player) this.refreshInventory(player);
    return result;
  }

  /**
   * A grant the zone asks for itself (a game module's loot): sent with its operation id until the
   * store answers (undefined: the store worker is gone, and the database has the outcome), then
   * shown to the player as any grant.
   */
  async grantUntilAnswered(request: GrantRequest, world: World): Promise<GrantResult | undefined> {
    this.grantsInFlight++;
    try {
      return await untilAnswered(() => this.grant(request, world), (err, retryInMs) => this.hooks.failed(err, 'grant', retryInMs), this.wait);
    } finally {
      this.grantsInFlight--;
    }
  }

  /**
   * A trade across zones: holds this player's offer in escrow here, so that nothing else spends it
   * while the gateway has the store commit the trade. Returns the hold's id, or why it cannot.
   */
  holdForTrade(world: World, playerId: number, gold: number, itemIds: readonly number[]): { holdId: number } | { reason: TradeReason } {
    const player = world.playersById.get(playerId);
    if (!player) return { reason: TradeReasons.partnerLeft };
    if (!player.inventory) return { reason: TradeReasons.inventoryLoading };
    const reason = this.escrows.refusal(player, gold, itemIds);
    if (reason) return { reason };
    const hold = this.escrows.hold(player, gold, itemIds);
    const holdId = this.nextHoldId++;
    this.remoteHolds.set(holdId, { player, release: () => this.escrows.release(player, hold) });
    return { holdId };
  }

  /** Ends a hold; after a committed trade the player's inventory is read back. */
  releaseTradeHold(holdId: number, committed: boolean): void {
    const held = this.remoteHolds.get(holdId);
    if (!held) return;
    this.remoteHolds.delete(holdId);
    held.release();
    if (committed && !held.player.removed) this.refreshInventory(held.player);
  }
}

function sameInventory(a: Inventory, b: Inventory): boolean {
  if (a.gold !== b.gold || a.items.length !== b.items.length) return false;
  return a.items.every((item, i) => {
    const other = b.items[i];
    return other !== undefined && item.itemId === other.itemId && item.templateId === other.templateId && item.count === other.count;
  });
}
