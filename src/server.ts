/**
 * Puts one node together: the supervisor and its zone workers, the gateway, metrics and the
 * operations port. `startServer` resolves once every zone ticks and both ports listen;
 * `stop` drains in order (stop accepting and tell clients, stop zones, close ports).
 */
import type { Config } from './config/config.ts';
import { Gateway } from './gateway/gateway.ts';
import type { Logger } from './log/logger.ts';
import { MetricsHub } from './metrics/metrics-hub.ts';
import { OpsServer } from './ops/ops-server.ts';
import { Supervisor } from './supervisor/supervisor.ts';

export interface RunningServer {
  /** The WebSocket port actually bound (useful with PORT=0). */
  readonly port: number;
  readonly metricsPort: number;
  readonly supervisor: Supervisor;
  readonly gateway: Gateway;
  /** Drains and stops everything; rejects if that took longer than SHUTDOWN_DEADLINE_MS. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const supervisor = new Supervisor(config, log);
  const hub = new MetricsHub(supervisor.zones);
  const gateway = new Gateway(config, log.child({ part: 'gateway' }), supervisor.zones, hub.registry);
  supervisor.on('zone-up', (zone) => gateway.zoneUp(zone));
  supervisor.on('zone-down', (zone) => gateway.zoneDown(zone));
  supervisor.on('session-dropped', (_zone, sessionId) => gateway.sessionDroppedByZone(sessionId));
  let stopping = false;
  const ops = new OpsServer(config.metricsHost, config.metricsPort, hub, {
    readiness() {
      const zones: Record<string, string> = {};
      for (const zone of supervisor.zones) zones[zone.id] = zone.state;
      return { ready: !stopping && supervisor.zones.every((zone) => zone.state === 'running'), zones };
    },
  }, log);

  try {
    await supervisor.start();
  } catch (err) {
    await supervisor.stop(Date.now() + config.shutdownDeadlineMs);
    throw err;
  }
  const [port, metricsPort] = await Promise.all([gateway.listen(), ops.listen()]).catch(async (err: unknown) => {
    await supervisor.stop(Date.now() + config.shutdownDeadlineMs);
    throw err;
  });
  log.info({ port, metricsPort, host: config.host, zones: config.zones.map((zone) => zone.id), tickHz: config.tickHz }, 'server ready');

  return {
    port,
    metricsPort,
    supervisor,
    gateway: gateway,
    async stop() {
      if (stopping) return;
      stopping = true;
      const startedAt = Date.now();
      const deadline = startedAt + config.shutdownDeadlineMs;
      log.info('shutting down: closing sessions');
      // Clients get half the time for their close handshakes (a silent one is then cut off);
      // the other half is the zones'.
      await gateway.close(startedAt + config.shutdownDeadlineMs / 2);
      await supervisor.stop(deadline);
      await ops.close();
      if (Date.now() > deadline) throw new Error(`shutdown took longer than SHUTDOWN_DEADLINE_MS (${config.shutdownDeadlineMs} ms)`);
      log.info('stopped');
    },
  };
}
