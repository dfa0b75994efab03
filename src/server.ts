/**
 * Puts one node together: the store worker, the supervisor and its zone workers, the gateway,
 * metrics and the operations port. `startServer` opens the database (migrations, then start-up
 * recovery: characters this node left online are released) and resolves once every zone ticks
 * and both ports listen. `stop` drains in order: stop accepting and tell clients; stop the zones,
 * which release their players and write everything back; close the store and the ports.
 */
import { loadGame } from './game/load-game.ts';
import type { Config } from './config/config.ts';
import { bordersOf } from './config/world.ts';
import { DataDirLock } from './lease/data-dir-lock.ts';
import { NodeLease } from './lease/node-lease.ts';
import { replayJournals } from './journal/journal-replay.ts';
import { Gateway } from './gateway/gateway.ts';
import type { Logger } from './log/logger.ts';
import { MetricsHub } from './metrics/metrics-hub.ts';
import { AdminApi } from './ops/admin-api.ts';
import { adminActions } from './ops/admin-actions.ts';
import { OpsServer } from './ops/ops-server.ts';
import { OpsLimits } from './config/limits.ts';
import { AdminCredential } from './ops/admin-credential.ts';
import { ConsolePages } from './ops/console-pages.ts';
import { ConsoleSessions } from './ops/console-sessions.ts';
import { StoreWorkerHandle } from './supervisor/store-worker-handle.ts';
import { Supervisor } from './supervisor/supervisor.ts';

export interface RunningServer {
  /** The WebSocket port actually bound (useful with PORT=0). */
  readonly port: number;
  readonly metricsPort: number;
  readonly supervisor: Supervisor;
  readonly store: StoreWorkerHandle;
  /**
   * Resolves if the server must stop serving on its own: another process took its NODE_ID's
   * lease. Whoever started it then stops it (main.ts exits 3).
   */
  readonly fatal: Promise<Error>;
  /**
   * Drains and stops everything; rejects if that took longer than SHUTDOWN_DEADLINE_MS or left
   * any player's state unwritten (the error names them).
   */
  stop(): Promise<void>;
}

/** How a server is put together beyond its configuration: for tests. */
export interface ServerOptions {
  /** The zone workers' entry point (a test wraps the real one to make a zone hang). */
  readonly zoneWorkerUrl?: URL;
}

export async function startServer(config: Config, log: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  // A module that cannot load stops the start here (GameModuleError), before any zone starts.
  if (config.gameModule !== '') log.info({ module: (await loadGame(config.gameModule)).module.name, file: config.gameModule }, 'game module loaded');
  // The embedded database is this server's alone; MySQL arbitrates its writers itself (epochs).
  const lock = config.mysqlUrl === '' ? DataDirLock.take(config.dataDir) : undefined;
  let store: StoreWorkerHandle;
  try {
    store = await StoreWorkerHandle.start(config, log.child({ part: 'store' }));
  } catch (err) {
    lock?.release();
    throw err;
  }
  const storeClient = store.connect();
  let lease: NodeLease | undefined;
  try {
    const migrations = await storeClient.migrate();
    // On MySQL, recovery below is this NODE_ID's alone to run: the lease says whose it is.
    if (config.mysqlUrl !== '') lease = await NodeLease.take(config.mysqlUrl, config.nodeId, config.nodeLeaseMs, log);
    // What the zones journaled since their last write-back, if this node crashed, goes in first.
    if (config.journalDir !== '') {
      const journal = await replayJournals(config.journalDir, storeClient);
      if (journal.segments > 0) log.warn({ ...journal, dir: config.journalDir }, 'start-up recovery: replayed the journal of a server that did not stop cleanly');
    }
    const released = await storeClient.releaseNode(config.nodeId);
    if (released > 0) log.warn({ released, nodeId: config.nodeId }, 'start-up recovery: released characters this node had left online; their state is the last one written back');
    log.info({ backend: store.backend, migrationsApplied: migrations }, 'store ready');
  } catch (err) {
    await store.stop(Date.now() + config.shutdownDeadlineMs);
    await lease?.release();
    lock?.release();
    throw err;
  }
  log.info(
    {
      zones: config.zones.map((zone) => `${zone.id} ${zone.name} ${zone.widthM}x${zone.heightM} m at (${zone.originXM}, ${zone.originYM})${zone.newPlayers ? '' : ', no new players'}`),
      borders: bordersOf(config.world).map((border) => `${border.a}-${border.b}`),
      portals: config.world.portals.map((portal) => `${portal.fromZone}->${portal.toZone}`),
    },
    'world',
  );
  const supervisor = new Supervisor(config, log, store, options.zoneWorkerUrl);
  const hub = new MetricsHub([...supervisor.zones, storeClient]);
  store.registerMetrics(hub.registry);
  const gateway = new Gateway(config, log.child({ part: 'gateway' }), supervisor.zones, hub.registry, storeClient);
  supervisor.on('zone-up', (zone) => gateway.zoneUp(zone));
  supervisor.on('zone-down', (zone) => gateway.zoneDown(zone));
  supervisor.on('session-dropped', (_zone, sessionId, reason) => gateway.sessionDroppedByZone(sessionId, reason));
  supervisor.on('released', (_zone, playerId, sessionId, saved) => gateway.released(playerId, sessionId, saved));
  supervisor.on('hand-over', (zone, sessionId, toZone, player) => gateway.handOver(zone, sessionId, toZone, player));
  supervisor.on('forwarded', (zone, sessionId, jobs) => gateway.forwarded(zone, sessionId, jobs));
  supervisor.on('arrived', (zone, sessionId) => gateway.arrived(zone, sessionId));
  let stopping = false;
  const credential = new AdminCredential(config.adminToken);
  const consoleSessions = new ConsoleSessions(OpsLimits.consoleSessionMs, OpsLimits.maxConsoleSessions);
  const admin = new AdminApi(credential, consoleSessions, adminActions(config, gateway, supervisor.zones, storeClient), log.child({ part: 'admin' }));
  const consolePages = new ConsolePages(credential, consoleSessions, log.child({ part: 'console' }));
  const ops = new OpsServer(config.metricsHost, config.metricsPort, hub, {
    readiness() {
      const zones: Record<string, string> = {};
      for (const zone of supervisor.zones) zones[zone.id] = zone.state;
      return { ready: !stopping && store.up && supervisor.zones.every((zone) => zone.state === 'running'), zones, store: store.up ? 'running' : 'restarting' };
    },
  }, admin, consolePages, log);

  const abandon = async (err: unknown): Promise<never> => {
    const deadline = Date.now() + config.shutdownDeadlineMs;
    await supervisor.stop(deadline);
    await store.stop(deadline);
    await lease?.release();
    lock?.release();
    throw err;
  };
  await supervisor.start().catch(abandon);
  const [port, metricsPort] = await Promise.all([gateway.listen(), ops.listen()]).catch(abandon);
  log.info({ port, metricsPort, host: config.host, zones: config.zones.map((zone) => zone.id), tickHz: config.tickHz }, 'server ready');

  return {
    port,
    metricsPort,
    supervisor,
    store,
    fatal: lease?.lost ?? new Promise<Error>(() => {}),
    async stop() {
      if (stopping) return;
      stopping = true;
      const startedAt = Date.now();
      const deadline = startedAt + config.shutdownDeadlineMs;
      log.info('shutting down: closing sessions');
      // Clients get half the time for their close handshakes (a silent one is then cut off);
      // the other half is the zones'.
      await gateway.close(startedAt + config.shutdownDeadlineMs / 2);
      const report = await supervisor.stop(deadline);
      await store.stop(deadline);
      await lease?.release();
      lock?.release();
      await ops.close();
      if (report.unsaved.length > 0 || report.killedZones.length > 0) {
        log.fatal({ unsavedPlayers: report.unsaved, killedZones: report.killedZones }, 'SHUTDOWN LOST DATA: these players\' last state is not in the database');
        throw new Error(`shutdown left ${report.unsaved.length} players unsaved (${report.unsaved.join(', ')})${report.killedZones.length > 0 ? ` and killed zones ${report.killedZones.join(', ')}` : ''}`);
      }
      if (Date.now() > deadline) throw new Error(`shutdown took longer than SHUTDOWN_DEADLINE_MS (${config.shutdownDeadlineMs} ms)`);
      log.info('stopped: everything written back');
    },
  };
}
