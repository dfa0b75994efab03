/**
 * A zone worker's own prom-client registry, every series labelled with its zone. The main
 * thread collects it on each scrape (metrics/metrics-hub.ts) and merges it into one exposition.
 * Per-job counts live in plain numbers on the Zone and are folded in when scraped, so the tick
 * pays nothing per job for metrics.
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { Counter, exponentialBuckets, Gauge, Histogram, Registry } from 'prom-client';
import { foldedCounter } from '../metrics/folded-counter.ts';
import { FoldedHistogram } from '../metrics/folded-histogram.ts';
import { GAME_HOOK_NAMES } from '../game/game-module.ts';
import type { GameHookName } from './game/game-host.ts';
import type { TickTiming } from './tick-loop.ts';
import type { Zone, ZoneCounters } from './zone.ts';

/** Ticks the p99 gauge looks back over: 30 s at the default TICK_HZ. */
const RECENT_TICKS = 600;

export class ZoneMetrics {
  readonly registry = new Registry();
  private readonly tickDuration: Histogram;
  private readonly overruns: Counter;
  private readonly ticks: Counter;
  private readonly viewDuration: Histogram;
  /** Size of each frame sent to a player, bytes. */
  readonly frameBytes: FoldedHistogram;
  /** Entities a player sees, at each recomputation of its view. */
  readonly visibleEntities: FoldedHistogram;
  /** Time each game module hook took in one tick (all its calls); absent without a module. */
  private readonly gameHookDuration: Histogram | undefined;
  private readonly gameModule: string;
  /** The last RECENT_TICKS tick durations, seconds, as a ring. */
  private readonly recentTicks = new Float64Array(RECENT_TICKS);
  private recentCount = 0;

  constructor(zone: Zone, skippedTicks: () => number) {
    const registry = this.registry;
    registry.setDefaultLabels({ zone: String(zone.id) });
    this.tickDuration = new Histogram({
      name: 'zone_tick_duration_seconds',
      help: 'Time spent in one zone tick (all phases).',
      // 0.1 ms to about 1 s, each bucket a quarter above the last.
      buckets: exponentialBuckets(0.0001, 1.25, 42),
      registers: [registry],
    });
    this.overruns = new Counter({ name: 'zone_tick_overruns_total', help: 'Ticks that took longer than the tick period.', registers: [registry] });
    this.ticks = new Counter({ name: 'zone_ticks_total', help: 'Ticks run.', registers: [registry] });
    this.viewDuration = new Histogram({
      name: 'zone_view_duration_seconds',
      help: 'Time spent in the view phase of one tick (who sees whom, and what each viewer is told).',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
      registers: [registry],
    });
    this.frameBytes = new FoldedHistogram(registry, 'zone_frame_bytes', 'Size of the frames sent to players, bytes.', [32, 64, 128, 256, 512, 1024, 2048, 4096, 16384]);
    this.visibleEntities = new FoldedHistogram(registry, 'zone_visible_entities', 'Entities a player sees, sampled whenever its view is recomputed.', [0, 5, 10, 20, 40, 60, 80, 100, 150, 250, 500]);
    const metrics = this;
    new Gauge({
      name: 'zone_tick_p99_seconds',
      help: `The 99th percentile of the zone's last ${RECENT_TICKS} tick durations (exact, unlike the histogram's buckets).`,
      registers: [registry],
      collect() {
        this.set(metrics.recentTickP99Seconds());
      },
    });
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
    // The main thread's heap is in nodejs_heap_size_*; each worker has a heap of its own.
    new Gauge({
      name: 'zone_heap_used_bytes',
      help: 'V8 heap in use by the zone worker (its own isolate), bytes.',
      labelNames: ['space'],
      registers: [registry],
      collect() {
        for (const space of getHeapSpaceStatistics()) this.set({ space: space.space_name }, space.space_used_size);
      },
    });
    new Gauge({
      name: 'zone_heap_committed_bytes',
      help: 'V8 heap the zone worker holds from the system, bytes (what it adds to the process RSS).',
      registers: [registry],
      collect() {
        this.set(getHeapStatistics().total_physical_size);
      },
    });
    const counters: ZoneCounters = zone.counters;
    foldedCounter(registry, 'zone_jobs_processed_total', 'Jobs drained from the inbound ring.', () => counters.jobs);
    foldedCounter(registry, 'zone_frames_out_total', 'Frames written to the outbound ring.', () => counters.framesOut);
    foldedCounter(registry, 'zone_frame_bytes_out_total', 'Bytes of frames written to the outbound ring.', () => counters.bytesOut);
    foldedCounter(registry, 'zone_frames_rejected_total', 'Frames that did not fit in the outbound ring; each dropped its session.', () => counters.framesRejected);
    foldedCounter(registry, 'zone_moves_rejected_total', 'Moves rejected by validation and answered with a correction.', () => counters.movesRejected);
    foldedCounter(registry, 'zone_handovers_out_total', 'Players this zone handed to another, across a border or through a portal.', () => counters.handoversByBorder + counters.handoversByPortal);
    foldedCounter(registry, 'zone_handovers_in_total', 'Players handed over to this zone by another.', () => counters.arrivals);
    foldedCounter(registry, 'zone_jobs_forwarded_total', 'Jobs that reached this zone after it had handed their player over, sent on to the new zone.', () => counters.jobsForwarded);
    const sight = zone.borderSight;
    if (sight) {
      new Gauge({
        name: 'zone_ghosts',
        help: 'Entities of other zones seen across the borders in this zone now.',
        registers: [registry],
        collect() {
          this.set(sight.ghostCount);
        },
      });
      foldedCounter(registry, 'zone_border_board_overflows_total', 'Ticks in which more entities stood near a border than its board holds (ZoneLimits.borderSightMaxEntities); the rest were not shown across.', () => sight.counters.boardOverflows);
    }
    const journal = zone.journal;
    if (journal) {
      foldedCounter(registry, 'zone_journal_bytes_total', 'Bytes appended to the zone\'s journal.', () => journal.counters.bytes);
      foldedCounter(registry, 'zone_journal_syncs_total', 'fdatasync calls that made the zone\'s journal durable.', () => journal.counters.syncs);
      new Gauge({
        name: 'zone_journal_segments',
        help: 'Journal segment files the zone holds: those with states the database may not have yet, and the one being written.',
        registers: [registry],
        collect() {
          this.set(journal.counters.segments);
        },
      });
    }
    const game = zone.game;
    this.gameModule = game?.name ?? '';
    this.gameHookDuration = game
      ? new Histogram({
          name: 'zone_game_hook_seconds',
          help: 'Time the game module spent in each hook during one tick (all of its calls in the tick), by hook.',
          labelNames: ['module', 'hook'],
          buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05],
          registers: [registry],
        })
      : undefined;
    if (game) {
      new Counter({
        name: 'zone_game_hook_errors_total',
        help: 'Calls of a game module hook that threw (each logged with the module, the hook and the player); the zone went on.',
        labelNames: ['module', 'hook'],
        registers: [registry],
        collect() {
          this.reset();
          for (const hook of GAME_HOOK_NAMES) this.inc({ module: game.name, hook }, game.errors[hook]);
        },
      });
    }
    const writeBack = zone.writeBack;
    if (writeBack) {
      new Gauge({
        name: 'zone_dirty_players',
        help: 'Players whose latest state is not in the database yet (leavers waiting for their final write included).',
        registers: [registry],
        collect() {
          this.set(writeBack.dirtyCount(zone.world.playersBySession.values()));
        },
      });
      foldedCounter(registry, 'zone_flush_retries_total', 'Write-back calls (batches and releases) that failed and will be retried with backoff.', () => writeBack.counters.retries);
      foldedCounter(registry, 'zone_flush_batches_total', 'Write-back batches committed.', () => writeBack.counters.batches);
    }
  }

  /** The 99th percentile of the last RECENT_TICKS tick durations, seconds; 0 before the first. */
  recentTickP99Seconds(): number {
    const count = Math.min(this.recentCount, RECENT_TICKS);
    if (count === 0) return 0;
    const sorted = this.recentTicks.slice(0, count).sort();
    return sorted[Math.min(count - 1, Math.floor(0.99 * count))] as number;
  }

  /** The game module's hook took `ms` in all during the last tick. */
  observeGameHook(hook: GameHookName, ms: number): void {
    this.gameHookDuration?.observe({ module: this.gameModule, hook }, ms / 1000);
  }

  observeTick(timing: TickTiming, viewMs: number): void {
    this.ticks.inc();
    this.viewDuration.observe(viewMs / 1000);
    this.tickDuration.observe(timing.durationMs / 1000);
    this.recentTicks[this.recentCount++ % RECENT_TICKS] = timing.durationMs / 1000;
    if (timing.overran) this.overruns.inc();
  }
}
