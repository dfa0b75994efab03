/**
 * A zone worker's own prom-client registry, every series labelled with its zone. The main
 * thread collects it on each scrape (metrics/metrics-hub.ts) and merges it into one exposition.
 * Per-job counts live in plain numbers on the Zone and are folded in when scraped, so the tick
 * pays nothing per job for metrics.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { foldedCounter } from '../metrics/folded-counter.ts';
import type { TickTiming } from './tick-loop.ts';
import type { Zone, ZoneCounters } from './zone.ts';

export class ZoneMetrics {
  readonly registry = new Registry();
  private readonly tickDuration: Histogram;
  private readonly overruns: Counter;
  private readonly ticks: Counter;

  constructor(zone: Zone, skippedTicks: () => number) {
    const registry = this.registry;
    registry.setDefaultLabels({ zone: String(zone.id) });
    this.tickDuration = new Histogram({
      name: 'zone_tick_duration_seconds',
      help: 'Time spent in one zone tick (all phases).',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.overruns = new Counter({ name: 'zone_tick_overruns_total', help: 'Ticks that took longer than the tick period.', registers: [registry] });
    this.ticks = new Counter({ name: 'zone_ticks_total', help: 'Ticks run.', registers: [registry] });
    foldedCounter(registry, 'zone_ticks_skipped_total', 'Ticks skipped after the zone fell too far behind.', skippedTicks);
    new Gauge({
      name: 'zone_players',
      help: 'Players in the zone.',
      registers: [registry],
      collect() {
        this.set(zone.world.playersBySession.size);
      },
    });
    new Gauge({
      name: 'zone_entities',
      help: 'Entities in the zone.',
      registers: [registry],
      collect() {
        this.set(zone.world.entities.size);
      },
    });
    const counters: ZoneCounters = zone.counters;
    foldedCounter(registry, 'zone_jobs_processed_total', 'Jobs drained from the inbound ring.', () => counters.jobs);
    foldedCounter(registry, 'zone_frames_out_total', 'Frames written to the outbound ring.', () => counters.framesOut);
    foldedCounter(registry, 'zone_frame_bytes_out_total', 'Bytes of frames written to the outbound ring.', () => counters.bytesOut);
    foldedCounter(registry, 'zone_frames_rejected_total', 'Frames that did not fit in the outbound ring; each dropped its session.', () => counters.framesRejected);
    foldedCounter(registry, 'zone_moves_rejected_total', 'Moves rejected by validation and answered with a correction.', () => counters.movesRejected);
  }

  observeTick(timing: TickTiming): void {
    this.ticks.inc();
    this.tickDuration.observe(timing.durationMs / 1000);
    if (timing.overran) this.overruns.inc();
  }
}
