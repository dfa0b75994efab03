/**
 * Gold and items a zone has promised to a transaction in flight (a committing trade, a mail
 * being sent): until the store answers, nothing else may offer or spend them. Memory only: the
 * database decides, and a restart, which forgets this, leaves nothing half-moved there.
 */
import { EconomyRefusals, type EconomyRefusal } from '../../protocol/reasons.ts';
import type { Player } from '../world/world.ts';

interface Hold {
  readonly gold: number;
  readonly itemIds: ReadonlySet<number>;
}

export class Escrows {
  private readonly held = new Map<Player, Hold[]>();

  /** Why `player` cannot put up this gold and these items now, or undefined when it can. */
  refusal(player: Player, gold: number, itemIds: readonly number[]): EconomyRefusal | undefined {
    const holds = this.held.get(player) ?? [];
    const escrowedGold = holds.reduce((sum, hold) => sum + hold.gold, 0);
    if (gold > (player.inventory?.gold ?? 0) - escrowedGold) return EconomyRefusals.insufficientGold;
    const owned = new Set(player.inventory?.items.map((item) => item.itemId));
    if (itemIds.some((id) => !owned.has(id) || holds.some((hold) => hold.itemIds.has(id)))) return EconomyRefusals.itemNotOwned;
    return undefined;
  }

  /** Whether anything of the player's is in escrow now. */
  holdsAny(player: Player): boolean {
    return this.held.has(player);
  }

  /** Puts them in escrow; returns what `release` takes back. */
  hold(player: Player, gold: number, itemIds: readonly number[]): Hold {
    const hold: Hold = { gold, itemIds: new Set(itemIds) };
    const holds = this.held.get(player);
    if (holds) holds.push(hold);
    else this.held.set(player, [hold]);
    return hold;
  }

  release(player: Player, hold: Hold): void {
    const holds = this.held.get(player);
    if (!holds) return;
    const at = holds.indexOf(hold);
    if (at >= 0) holds.splice(at, 1);
    if (holds.length === 0) this.held.delete(player);
  }
}
