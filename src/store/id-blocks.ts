/**
 * Item and mail ids, handed out from blocks reserved in the `id_sequences` table (002_economy.sql)
 * by a statement that commits on its own, before the transaction that uses them begins: a block
 * is never handed out twice, whichever node asks and whether or not its transaction commits. Ids
 * of a transaction that rolls back are simply not used (gaps are fine; reuse would not be).
 */
import type { Footprint, IdSource } from './economy-plan.ts';
import { StoreLimits } from '../config/limits.ts';

export type Sequence = 'items' | 'mail';

/** Reserves `count` ids of `sequence` in the database; resolves to the first. */
export type ReserveIds = (sequence: Sequence, count: number) => number | Promise<number>;

export class IdBlocks {
  /** Reserved ids not yet handed out, ascending. */
  private readonly spare: Record<Sequence, number[]> = { items: [], mail: [] };

  /**
   * The ids a group with this footprint may use, taken out of the spare ones at once, so that
   * groups committing side by side never share one; reserves more blocks first when short.
   */
  async forGroup(footprint: Footprint, reserve: ReserveIds): Promise<IdSource> {
    const items = await this.take('items', footprint.newItems, reserve);
    const mail = await this.take('mail', footprint.newMails, reserve);
    return groupIds({ items, mail });
  }

  /** The same, for a backend whose `reserve` is synchronous (SQLite). */
  forGroupSync(footprint: Footprint, reserve: (sequence: Sequence, count: number) => number): IdSource {
    for (const [sequence, needed] of [['items', footprint.newItems], ['mail', footprint.newMails]] as const) {
      const short = this.shortfall(sequence, needed);
      if (short > 0) this.add(sequence, reserve(sequence, short), short);
    }
    return groupIds({ items: this.spare.items.splice(0, footprint.newItems), mail: this.spare.mail.splice(0, footprint.newMails) });
  }

  private async take(sequence: Sequence, needed: number, reserve: ReserveIds): Promise<number[]> {
    // Another group may take what a reservation added while this one waited: ask again until enough.
    for (let short = this.shortfall(sequence, needed); short > 0; short = this.shortfall(sequence, needed)) {
      this.add(sequence, await reserve(sequence, short), short);
    }
    return this.spare[sequence].splice(0, needed);
  }

  private shortfall(sequence: Sequence, needed: number): number {
    const missing = needed - this.spare[sequence].length;
    return missing <= 0 ? 0 : Math.max(missing, StoreLimits.idBlockSize);
  }

  private add(sequence: Sequence, first: number, count: number): void {
    for (let i = 0; i < count; i++) this.spare[sequence].push(first + i);
  }
}

function groupIds(ids: Record<Sequence, number[]>): IdSource {
  return {
    next(sequence) {
      const id = ids[sequence].shift();
      // The footprint counts every id a group's operations can ask for, so this is a bug.
      if (id === undefined) throw new Error(`no ${sequence} id reserved for this group`);
      return id;
    },
  };
}
