/**
 * Calls many actions once per period each, spread evenly over the period, without drift. One
 * timer per group of bots instead of one per bot: each action sits in one of a few dozen slots,
 * and the slots due by the clock are run on every wake-up. A timer that wakes late runs every
 * slot it missed, so the rate holds; after a stall of more than a period, each action runs
 * once rather than once per missed period.
 */
export class Metronome {
  private readonly slots: Set<() => void>[];
  private readonly slotMs: number;
  private readonly startedAt = performance.now();
  /** The next slot to run, counted from startedAt. */
  private nextSlot = 0;
  private readonly timer: NodeJS.Timeout;

  /** Slots are 1 ms wide, or period / 50 for periods over 50 ms. */
  constructor(periodMs: number) {
    const slots = Math.min(50, Math.max(1, Math.round(periodMs)));
    this.slotMs = periodMs / slots;
    this.slots = Array.from({ length: slots }, () => new Set());
    this.timer = setInterval(() => this.run(), this.slotMs);
  }

  /** Runs `action` once a period from now on, in a random slot; returns what stops it. */
  add(action: () => void): () => void {
    const slot = this.slots[Math.floor(Math.random() * this.slots.length)] as Set<() => void>;
    slot.add(action);
    return () => slot.delete(action);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private run(): void {
    const count = this.slots.length;
    const due = Math.floor((performance.now() - this.startedAt) / this.slotMs);
    this.nextSlot = Math.max(this.nextSlot, due - count + 1);
    for (; this.nextSlot <= due; this.nextSlot++) for (const action of this.slots[this.nextSlot % count] as Set<() => void>) action();
  }
}
