/**
 * Entry point of a zone worker thread: attaches the zone's two rings, runs the tick loop, and
 * answers the main thread's control messages (protocol/zone-control.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log/logger.ts';
import type { FromZone, ToZone, ZoneWorkerData } from '../protocol/zone-control.ts';
import { RingBuffer } from '../ring/ring-buffer.ts';
import { TickLoop } from './tick-loop.ts';
import { BruteForceIndex } from '../spatial/brute-force-index.ts';
import { InterestView } from '../view/interest.ts';
import { Zone } from './zone.ts';
import { ZoneMetrics } from './zone-metrics.ts';

if (!parentPort) throw new Error('zone-worker.ts runs only as a worker thread');
const port = parentPort;
const data = workerData as ZoneWorkerData;
const log = createLogger(data.config, { zone: data.zone.id });

function post(message: FromZone): void {
  port.postMessage(message);
}

const inbound = RingBuffer.attach(data.inbound);
const outbound = RingBuffer.attach(data.outbound);
const { config } = data;
const view = new InterestView(
  { radiusM: config.viewRadiusM, marginM: config.viewMarginM, maxVisible: config.viewMaxEntities, refreshTicks: config.viewRefreshTicks },
  new BruteForceIndex(),
  (count) => metrics.visibleEntities.observe(count),
);
const zone = new Zone(
  {
    zone: data.zone,
    tickHz: config.tickHz,
    maxSpeedMps: config.maxSpeedMps,
    speedTolerance: config.speedTolerance,
    npcs: config.npcsPerZone,
    npcSeed: data.zone.id,
  },
  inbound,
  outbound,
  view,
  {
    sessionDropped(sessionId) {
      log.warn({ sessionId }, 'outbound ring full: dropping session');
      post({ type: 'drop-session', sessionId, reason: 'zone_overloaded' });
    },
    frameSent: (bytes) => metrics.frameBytes.observe(bytes),
  },
);
const loop = new TickLoop(
  config.tickHz,
  (nowMs) => zone.tick(nowMs),
  (timing) => metrics.observeTick(timing, zone.phases.view),
);
const metrics = new ZoneMetrics(zone, () => loop.skippedTicks);

port.on('message', (message: ToZone) => {
  switch (message.type) {
    case 'collect-metrics':
      metrics.registry
        .getMetricsAsJSON()
        .then((snapshot) => post({ type: 'metrics', requestId: message.requestId, metrics: snapshot }))
        .catch((err: unknown) => log.error({ err }, 'metrics collection failed'));
      return;
    case 'stop':
      loop.stop();
      log.info({ ticks: zone.tickNumber, players: zone.world.playersBySession.size }, 'zone stopped');
      post({ type: 'stopped' });
      port.close();
      return;
  }
});

loop.start();
log.info({ widthM: data.zone.widthM, heightM: data.zone.heightM, tickHz: config.tickHz, npcs: config.npcsPerZone }, 'zone ticking');
post({ type: 'ready' });
