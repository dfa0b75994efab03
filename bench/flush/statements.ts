/**
 * The flush benchmark's second question: how many statements does write-back issue for players
 * who move all the time, against write-through (one UPDATE per accepted move)? Both are run.
 *
 * A real zone (rings, view system) runs in this thread at its tick rate, in real time, with
 * `players` players who each send a move every tick. Log-ins go through a real store worker.
 * - `write-back`: the zone's own write-back to that store worker (src/zone/write-back.ts).
 * - `write-through`: the zone has no store; after every tick, each player whose move was
 *   accepted is handed to the write-through thread (write-through.ts), which sends one UPDATE
 *   per move.
 *
 * Counted over `seconds` after everyone has joined: the statements the server executed (its
 * `Questions` status counter, BEGIN and COMMIT included), `store_statements_total` for
 * write-back, the moves the zone applied and the ticks it ran and skipped.
 */
import { createLogger } from '../../src/log/logger.ts';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
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
import { startWriteThrough, WRITE_THROUGH_FIELDS, type WriteThrough } from './write-through.ts';
import { zoneOfSize } from '../../src/config/world.ts';

export type WriteMode = 'write-back' | 'write-through';

export interface ActiveRun {
  readonly mode: WriteMode;
  readonly players: number;
  readonly seconds: number;
  readonly ticks: number;
  readonly skippedTicks: number;
  /** Moves the zone accepted: what write-through has to write, one UPDATE each. */
  readonly movesApplied: number;
  /** Statements the server executed in the window (`Questions`). */
  readonly serverStatements: number;
  /** Write-back: `store_statements_total`; write-through: the UPDATEs handed to its thread. */
  readonly statementsSent: number;
  /** Write-back: the batches written. */
  readonly batches: number | undefined;
  /** Write-through: changes still queued, unwritten, when the run stopped (just after the window). */
  readonly backlog: number | undefined;
}

function storeStatementsOf(snapshot: MetricsSnapshot | undefined): number {
  const metric = snapshot?.find((m) => m.name === 'store_statements_total');
  return metric?.values.reduce((sum, value) => sum + value.value, 0) ?? 0;
}

/** The server's `Questions` counter: statements executed, server-wide, this SHOW STATUS included. */
async function serverQuestions(conn: Connection): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'");
  return Number(rows[0]?.Value);
}

/** A zone of `players` players moving every tick for `seconds`, writing the way `mode` says, to the database `config.mysqlUrl` names. */
export async function runActiveZone(config: Config, mode: WriteMode, players: number, seconds: number, writeThroughConnections: number): Promise<ActiveRun> {
  const handle = await StoreWorkerHandle.start(config, createLogger(config));
  const store = handle.connect();
  let writeThrough: WriteThrough | undefined;
  let monitor: Connection | undefined;
  try {
    // Opened before the window: a new connection counts in Questions too.
    monitor = await createConnection({ uri: config.mysqlUrl });
    const server = monitor;
    await store.migrate();
    const side = 1000;
    const zoneConfig = zoneOfSize(1, side, side);
    const inbound = RingBuffer.create(1 << 22);
    const outbound = RingBuffer.create(1 << 26);
    const view = new ViewSystem(
      { radiusM: config.viewRadiusM, marginM: config.viewMarginM, maxVisible: config.viewMaxEntities, refreshTicks: config.viewRefreshTicks },
      createSpatialIndex(config.spatialIndex, zoneConfig, config.viewRadiusM + config.viewMarginM),
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
      mode === 'write-back' ? store : undefined,
    );
    if (mode === 'write-through') writeThrough = await startWriteThrough(config.mysqlUrl, writeThroughConnections);
    const jobs = new JobWriter();
    // Log-ins as the gateway does them: exclusive ownership first, then JOIN with the epoch.
    const positions: { x: number; y: number; dx: number; seq: number }[] = [];
    for (let id = 1; id <= players; id++) {
      const x = 1 + ((id * 7.31) % (side - 2));
      const y = 1 + ((id * 3.77) % (side - 2));
      const owned = await store.acquire(id, config.nodeId, { zoneId: 1, x, y, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 });
      if (!inbound.tryWrite(id, jobs.join({ playerId: id, epoch: owned.epoch, ...owned.state }))) throw new Error('inbound ring full');
      positions.push({ x, y, dx: 1, seq: 0 });
    }

    /** Write-through: every player whose state changed this tick, one row each; returns how many. */
    const sendChanges = (through: WriteThrough): number => {
      const rows = new Float64Array(zone.world.playersBySession.size * WRITE_THROUGH_FIELDS);
      let n = 0;
      for (const player of zone.world.playersBySession.values()) {
        const p = player.persisted;
        if (p.version === p.savedVersion) continue;
        // Without write-back nothing else uses savedVersion: here it is the version last handed over.
        p.savedVersion = p.version;
        rows.set([player.playerId, p.epoch, player.x, player.y, player.heading, player.hp, player.level, player.exp, player.playTimeS], n);
        n += WRITE_THROUGH_FIELDS;
      }
      if (n > 0) through.send(rows.slice(0, n));
      return n / WRITE_THROUGH_FIELDS;
    };

    const step = 8 / config.tickHz; // 8 m/s, under the speed limit
    let updatesSent = 0;
    const loop = new TickLoop(
      config.tickHz,
      (nowMs) => {
        positions.forEach((p, i) => {
          // Back and forth along x, inside the zone: turning at the edges, never jumping, so the
          // zone accepts every move.
          if (p.x + p.dx * step < 1 || p.x + p.dx * step > side - 1) p.dx = -p.dx;
          p.x += p.dx * step;
          if (!inbound.tryWrite(i + 1, moveJob(++p.seq, p.x, p.y, 0, 0))) throw new Error('inbound ring full');
        });
        zone.tick(nowMs);
        outbound.drainRaw(() => {});
        if (writeThrough) updatesSent += sendChanges(writeThrough);
      },
      () => {},
    );
    const movesApplied = (): number => zone.counters.jobs - zone.counters.movesRejected;
    loop.start();
    // Everyone has joined once the first tick ran; count from the second second on.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const at = async () => ({
      questions: await serverQuestions(server),
      store: storeStatementsOf(await store.collectMetrics(5000)),
      batches: zone.writeBack?.counters.batches ?? 0,
      moves: movesApplied(),
      ticks: zone.tickNumber,
      skipped: loop.skippedTicks,
      updates: updatesSent,
    });
    const start = await at();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    loop.stop();
    const end = await at();
    const written = await writeThrough?.stop();
    writeThrough = undefined;
    if (written && written.failed > 0) throw new Error(`write-through: ${written.failed} UPDATEs failed`);
    return {
      mode,
      players,
      seconds,
      ticks: end.ticks - start.ticks,
      skippedTicks: end.skipped - start.skipped,
      movesApplied: end.moves - start.moves,
      // Less the SHOW STATUS that took the second reading.
      serverStatements: end.questions - start.questions - 1,
      statementsSent: mode === 'write-back' ? end.store - start.store : end.updates - start.updates,
      batches: mode === 'write-back' ? end.batches - start.batches : undefined,
      backlog: written ? updatesSent - written.written : undefined,
    };
  } finally {
    await monitor?.end();
    await writeThrough?.stop();
    await handle.stop(Date.now() + 10_000);
  }
}
