/**
 * A zone's pulse, in shared memory: the zone worker counts every phase it enters, and says which
 * it is in; the main thread's watchdog (supervisor/zone-watchdog.ts) reads both without asking the
 * worker, so a zone stuck in a loop that never returns is seen, and where it got stuck.
 *
 * Layout: two 32-bit words, [beats, phase]. Written by the zone only, read by the main thread.
 */
export const ZONE_HEARTBEAT_BYTES = 8;

/** The phases of a tick (zone/zone.ts), and the time between ticks (timers, control messages). */
export const ZonePhase = { betweenTicks: 0, jobs: 1, logic: 2, view: 3, send: 4, writeBack: 5 } as const;
export type ZonePhase = (typeof ZonePhase)[keyof typeof ZonePhase];
const PHASE_NAMES = ['between ticks', 'jobs', 'logic', 'view', 'send', 'write-back'] as const;

const BEATS = 0;
const PHASE = 1;

export class ZoneHeartbeat {
  private readonly words: Int32Array;

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, 2);
  }

  /** The zone enters `phase`. */
  enter(phase: ZonePhase): void {
    Atomics.add(this.words, BEATS, 1);
    Atomics.store(this.words, PHASE, phase);
  }

  /** Phases entered so far (wraps at 2^32; only changes matter). */
  beats(): number {
    return Atomics.load(this.words, BEATS);
  }

  /** The name of the phase the zone is in. */
  phaseName(): string {
    return PHASE_NAMES[Atomics.load(this.words, PHASE)] ?? 'unknown';
  }
}
