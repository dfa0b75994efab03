/**
 * Entry point of a zone worker thread: attaches the zone's two rings, runs the tick loop, and
 * answers the main thread's control messages (thread-messages/zone-control.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { StoreLimits, ZoneLimits } from '../config/limits.ts';
import { createLogger } from '../log/logger.ts';
import type { FromZone, ToZone, ZoneWorkerData } from '../thread-messages/zone-control.ts';
import { sightStripM, type ZoneConfig } from '../config/world.ts';
import { RingBuffer } from '../ring/ring-buffer.ts';
import { TickLoop } from './tick-loop.ts';
import { createSpatialIndex } from './spatial/create-index.ts';
import { StoreClient } from '../storage/store-client.ts';
import { ViewSystem } from './view/view-system.ts';
import { Zone } from './zone.ts';
import { SharedEntityIds } from './world/entity-ids.ts';
import { ZoneMetrics } from './zone-metrics.ts';
import { crossingsOf } from './crossings.ts';
import { BorderBoard } from '../thread-messages/border-board.ts';
import { BorderSight } from './borders/border-sight.ts';
import { ZoneHeartbeat } from '../thread-messages/zone-heartbeat.ts';
import { ZoneJournal } from '../journal/zone-journal.ts';
import { sampleBuffers, sampleEntities } from './entity-sample.ts';
import { loadGame } from '../game/load-game.ts';

if (!parentPort) throw new Error('zone-worker.ts runs only as a worker thread');
const port = parentPort;
const data = workerData as ZoneWorkerData;
const log = createLogger(data.config, { zone: data.zone.id });

/** Sight across the zone's borders, when it has any and SIGHT_ACROSS_BORDERS is on. */
function sightOf(worker: ZoneWorkerData, stripM: number): BorderSight | undefined {
  if (worker.borderBoards.length === 0) return undefined;
  const neighbours = worker.borderBoards.map((boards) => ({
    zone: worker.config.zones.find((zone) => zone.id === boards.neighbour) as ZoneConfig,
    outgoing: new BorderBoard(boards.outgoing),
    incoming: new BorderBoard(boards.incoming),
  }));
  return new BorderSight(worker.zone, neighbours, stripM);
}

function post(message: FromZone): void {
  port.postMessage(message);
}

const inbound = RingBuffer.attach(data.inbound);
const outbound = RingBuffer.attach(data.outbound);
const { config } = data;
const store = new StoreClient(data.storePort, config.storeCallTimeoutMs + StoreLimits.clientTimeoutMarginMs);
const crossings = crossingsOf(config.world, data.zone, config.handoverMarginM);
// A segment a flush interval long: by the time the next closes, the write-back has saved what it holds.
const journal = config.journalDir === '' ? undefined : new ZoneJournal(config.journalDir, data.zone.id, config.flushIntervalMs, performance.now());
const borderSight = sightOf(data, sightStripM(config));
// The main thread loaded it once already, so it loads; this zone gets an instance of its own.
const game = config.gameModule === '' ? undefined : await loadGame(config.gameModule);
const view = new ViewSystem(
  {
    radiusM: config.viewRadiusM,
    marginM: config.viewMarginM,
    maxVisible: config.viewMaxEntities,
    refreshTicks: config.viewRefreshTicks,
    originXM: data.zone.originXM,
    originYM: data.zone.originYM,
  },
  // Ghosts stand up to the strip's width outside the bounds, players up to the hand-over margin.
  createSpatialIndex(config.spatialIndex, data.zone, config.viewRadiusM + config.viewMarginM, borderSight ? borderSight.reachM : crossings.reachM),
  (count) => metrics.visibleEntities.observe(count),
);
const zone = new Zone(
  {
    zone: data.zone,
    tickHz: config.tickHz,
    viewSendTicks: config.viewSendTicks,
    maxSpeedMps: config.maxSpeedMps,
    speedTolerance: config.speedTolerance,
    npcs: config.npcsPerZone,
    npcSeed: data.zone.id,
    entityIds: new SharedEntityIds(data.entityIds),
    flushIntervalMs: config.flushIntervalMs,
    flushBatchRows: config.flushBatchRows,
    crossings,
    ...(borderSight ? { borderSight } : {}),
    heartbeat: new ZoneHeartbeat(data.heartbeat),
    ...(journal ? { journal } : {}),
    ...(game ? { game } : {}),
  },
  inbound,
  outbound,
  view,
  {
    sessionDropped(sessionId, reason) {
      if (reason === 'zone_overloaded') log.warn({ sessionId }, 'outbound ring full: dropping session');
      else log.warn({ sessionId }, 'another log-in owns this character now (stale owner epoch): dropping session');
      post({ type: 'drop-session', sessionId, reason });
    },
    frameSent: (bytes) => metrics.frameBytes.observe(bytes),
    released: (playerId, sessionId, saved) => post({ type: 'released', playerId, sessionId, saved }),
    handedOver: (sessionId, toZone, player) => post({ type: 'hand-over', sessionId, toZone, player }),
    forwarded: (sessionId, jobs) =>
      port.postMessage(
        { type: 'forwarded', sessionId, jobs } satisfies FromZone,
        jobs.map((job) => job.buffer as ArrayBuffer),
      ),
    arrived: (sessionId, playerId) => post({ type: 'arrived', sessionId, playerId }),
    gameFailed: (err, hook, playerId) => log.error({ err, module: game?.module.name, hook, ...(playerId !== 0 ? { playerId } : {}) }, `game module hook ${hook} threw; the zone goes on`),
    storeFailed(err, what, retryInMs) {
      if (what === 'load inventory') log.warn({ err }, 'reading an inventory failed');
      else if (what === 'trade' || what === 'mail') log.warn({ err, retryInMs }, `committing a ${what} failed: the escrow holds and it is sent again`);
      else if (what === 'grant') log.warn({ err, retryInMs }, 'committing a game module\'s grant failed: it is sent again');
      else log.warn({ err, retryInMs }, `write-back ${what} failed: players stay dirty and it is retried`);
    },
  },
  store,
);
/** Set by a stop request: the wall-clock time by which the zone must have stopped. */
let stopDeadlineMs: number | undefined;
let stopCheck: NodeJS.Timeout | undefined;

function checkStop(): void {
  if (stopDeadlineMs !== undefined && (zone.stopped || Date.now() >= stopDeadlineMs)) finishStop();
}
const loop = new TickLoop(
  config.tickHz,
  (nowMs) => zone.tick(nowMs),
  (timing) => {
    metrics.observeTick(timing, zone.phases.view);
    zone.game?.endTick((hook, ms) => metrics.observeGameHook(hook, ms));
    checkStop();
  },
);

function finishStop(): void {
  if (stopDeadlineMs === undefined) return;
  stopDeadlineMs = undefined;
  clearInterval(stopCheck);
  loop.stop();
  const unsaved = zone.unsaved();
  if (zone.economyInFlight > 0) log.error({ trades: zone.economyInFlight }, 'zone stopped with trades or mail still waiting for the store: the database has their outcome');
  if (unsaved.length > 0) log.error({ unsaved }, 'zone stopped with players whose last state is not in the database');
  else log.info({ ticks: zone.tickNumber }, 'zone stopped, everything written back');
  // Everything in the database: nothing to replay. Otherwise the next start replays the journal.
  if (unsaved.length === 0) journal?.discard();
  else journal?.close();
  post({ type: 'stopped', unsaved });
  void store.close();
  port.close();
}
const metrics = new ZoneMetrics(zone, () => loop.skippedTicks);

port.on('message', (message: ToZone) => {
  switch (message.type) {
    case 'collect-metrics':
      metrics.registry
        .getMetricsAsJSON()
        .then((snapshot) => post({ type: 'metrics', requestId: message.requestId, metrics: snapshot }))
        .catch((err: unknown) => log.error({ err }, 'metrics collection failed'));
      return;
    case 'grant':
      zone.grant(message.request, message.audit).then(
        (result) => post({ type: 'grant-result', requestId: message.requestId, result }),
        (err: unknown) => {
          const { message: text, code } = err as { message?: string; code?: string };
          post({ type: 'grant-result', requestId: message.requestId, error: { message: text ?? String(err), code } });
        },
      );
      return;
    case 'escrow-hold': {
      const held = zone.holdForTrade(message.playerId, message.gold, message.itemIds);
      post({ type: 'escrow-held', requestId: message.requestId, ...held });
      return;
    }
    case 'escrow-release':
      zone.releaseTradeHold(message.holdId, message.committed);
      return;
    case 'zone-status':
      post({ type: 'zone-status', requestId: message.requestId, status: { tickP99Ms: metrics.recentTickP99Seconds() * 1000, players: zone.roster() } });
      return;
    case 'sample-entities': {
      // Between ticks, never inside one: the zone's tick is not made longer by a map watching it.
      const sample = sampleEntities(zone.world, data.zone, zone.tickNumber);
      port.postMessage({ type: 'entities-sampled', requestId: message.requestId, sample } satisfies FromZone, sampleBuffers(sample));
      return;
    }
    case 'inspect-player':
      post({ type: 'player-inspected', requestId: message.requestId, player: zone.inspect(message.playerId) });
      return;
    case 'change-player':
      void zone.changePlayer(message.playerId, message.change).then((outcome) => post({ type: 'player-changed', requestId: message.requestId, outcome }));
      return;
    case 'store-port':
      store.replacePort(message.port);
      return;
    case 'take-jobs':
      zone.takeJobsNow();
      return;
    case 'stop':
      // The zone keeps ticking while it stops, so that its players' last writes are retried in
      // zone time; the worker ends once everything is written or the deadline (wall clock) passes.
      // One tick now takes the last jobs and lets everyone leave; the check then runs often,
      // not only after the next tick, which may be far off at a low TICK_HZ.
      stopDeadlineMs = message.deadlineMs;
      zone.beginStop();
      zone.tick(performance.now());
      stopCheck = setInterval(checkStop, ZoneLimits.stopCheckMs);
      return;
  }
});

loop.start();
log.info({ widthM: data.zone.widthM, heightM: data.zone.heightM, tickHz: config.tickHz, npcs: config.npcsPerZone }, 'zone ticking');
post({ type: 'ready' });
