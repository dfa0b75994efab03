/**
 * The flush benchmark's second question: how many statements does write-back issue for players
 * who move all the time, against write-through (one UPDATE per accepted move)?
 *
 * A real zone (rings, view system, write-back) runs in this thread at its tick rate, in real
 * time, with `players` players who each send a move every tick; its write-back goes to a real
 * store worker. Counted over `seconds` after everyone has joined: moves the zone applied (what
 * write-through would turn into statements) and `store_statements_total` (BEGIN and COMMIT
 * included).
 */
import type { Config } from '../../src/config/config.ts';
import { JobWriter } from '../../src/thread-messages/jobs.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { createSpatialIndex } from '../../src/zone/spatial/create-index.ts';
import { StoreWorkerHandle } from '../../src/supervisor/store-worker-handle.ts';
import { ViewSystem } from '../../src/zone/view/view-system.ts';
import { TickLoop } from '../../src/zone/tick-loop.ts';
import { Zone } from '../../src/zone/zone.ts';
import type { MetricsSnapshot } from '../../src/metrics/metrics-hub.ts';
import { moveJob } from '../../test/helpers/move-job.ts';

export interface StatementCount {
  readonly players: number;
  readonly seconds: number;
  readonly flushIntervalMs: number;
  /** Moves the zone applied: the UPDATEs write-through would have issued. */
  readonly writeThroughStatements: number;
  readonly writeBackStatements: number;
  readonly batches: number;
}

function statementsOf(snapshot: MetricsSnapshot | undefined): number {
  const metric = snapshot?.find((m) => m.name === 'store_statements_total');
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
}

export async function countStatements(config: Config, players: number, seconds: number): Promise<StatementCount> {
  const handle = await StoreWorkerHandle.start(config);
  const store = handle.connect();
  try {
    await store.migrate();
    const side = 1000;
    const zoneConfig = { id: 1, widthM: side, heightM: side };
    const inbound = RingBuffer.create(1 << 22);
    const outbound = RingBuffer.create(1 << 26);
    const view = new ViewSystem(
      { radiusM: config.viewRadiusM, marginM: config.viewMarginM, maxVisible: config.viewMaxEntities, refreshTicks: config.viewRefreshTicks },
      createSpatialIndex('auto', zoneConfig, config.viewRadiusM + config.viewMarginM),
    );
    const zone = new Zone(
      { zone: zoneConfig, tickHz: config.tickHz, maxSpeedMps: 10, speedTolerance: 1.25, npcs: 0, npcSeed: 1, flushIntervalMs: config.flushIntervalMs, flushBatchRows: config.flushBatchRows },
      inbound,
      outbound,
      view,
      {
        sessionDropped: (sessionId) => {
          throw new Error(`session ${sessionId} dropped: the benchmark's rings are too small`);
        },
      },
      store,
    );
    const jobs = new JobWriter();
    // Log-ins as the gateway does them: exclusive ownership first, then JOIN with the epoch.
    const positions: { x: number; y: number; seq: number }[] = [];
    for (let id = 1; id <= players; id++) {
      const x = 1 + ((id * 7.31) % (side - 2));
      const y = 1 + ((id * 3.77) % (side - 2));
      const owned = await store.acquire(id, config.nodeId, { zoneId: 1, x, y, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 });
      if (!inbound.tryWrite(id, jobs.join({ playerId: id, epoch: owned.epoch, ...owned.state }))) throw new Error('inbound ring full');
      positions.push({ x, y, seq: 0 });
    }

    const step = 8 / config.tickHz; // 8 m/s, under the speed limit
    const loop = new TickLoop(
      config.tickHz,
      (nowMs) => {
        positions.forEach((p, i) => {
          // Back and forth along x, inside the zone.
          p.x = p.x + step < side - 1 ? p.x + step : 1;
          if (!inbound.tryWrite(i + 1, moveJob(++p.seq, p.x, p.y, 0, 0))) throw new Error('inbound ring full');
        });
        zone.tick(nowMs);
        outbound.drainRaw(() => {});
      },
      () => {},
    );
    const movesApplied = (): number => zone.counters.jobs - zone.counters.movesRejected;
    loop.start();
    // Everyone has joined once the first tick ran; count from the second second on.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const statementsAtStart = statementsOf(await store.collectMetrics(5000));
    const batchesAtStart = zone.writeBack?.counters.batches ?? 0;
    const movesAtStart = movesApplied();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    loop.stop();
    const writeThroughStatements = movesApplied() - movesAtStart;
    const writeBackStatements = statementsOf(await store.collectMetrics(5000)) - statementsAtStart;
    return {
      players,
      seconds,
      flushIntervalMs: config.flushIntervalMs,
      writeThroughStatements,
      writeBackStatements,
      batches: (zone.writeBack?.counters.batches ?? 0) - batchesAtStart,
    };
  } finally {
    await handle.stop(Date.now() + 10_000);
  }
}
