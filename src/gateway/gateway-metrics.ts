/**
 * The gateway's metrics, on the main thread's registry. Per-frame counts are plain numbers
 * folded in at scrape time; only rare events (closes, protocol errors) touch prom-client
 * directly.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { foldedCounter } from '../metrics/folded-counter.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';

export interface GatewayTraffic {
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** Frames from a zone for a session that had already gone. */
  framesOrphaned: number;
}

export class GatewayMetrics {
  readonly traffic: GatewayTraffic = { framesIn: 0, bytesIn: 0, framesOut: 0, bytesOut: 0, framesOrphaned: 0 };
  readonly protocolErrors: Counter<'kind'>;
  readonly sessionCloses: Counter<'kind'>;
  readonly sessionsOpened: Counter;
  readonly resumes: Counter<'outcome'>;
  /** Sessions whose connection dropped, waiting to be resumed. */
  sessionsDetached = 0;

  constructor(registry: Registry, zones: readonly ZoneHandle[], sessionCount: () => number) {
    const traffic = this.traffic;
    const registers = [registry];
    foldedCounter(registry, 'gateway_frames_received_total', 'WebSocket frames received from clients.', () => traffic.framesIn);
    foldedCounter(registry, 'gateway_bytes_received_total', 'Bytes of WebSocket frames received from clients.', () => traffic.bytesIn);
    foldedCounter(registry, 'gateway_frames_sent_total', 'WebSocket frames sent to clients.', () => traffic.framesOut);
    foldedCounter(registry, 'gateway_bytes_sent_total', 'Bytes of WebSocket frames sent to clients.', () => traffic.bytesOut);
    foldedCounter(registry, 'gateway_frames_orphaned_total', 'Frames from a zone for a session that had already closed.', () => traffic.framesOrphaned);
    this.protocolErrors = new Counter({ name: 'gateway_protocol_errors_total', help: 'Client protocol violations, by kind.', labelNames: ['kind'], registers });
    this.sessionCloses = new Counter({ name: 'gateway_session_closes_total', help: 'Sessions closed by the server, by reason.', labelNames: ['kind'], registers });
    this.sessionsOpened = new Counter({ name: 'gateway_sessions_opened_total', help: 'WebSocket connections accepted.', registers });
    this.resumes = new Counter({ name: 'gateway_resumes_total', help: 'Dropped sessions: taken back by their client (resumed), refused a resume (refused), or not taken back within RESUME_WINDOW_MS (expired).', labelNames: ['outcome'], registers });
    const metrics = this;
    new Gauge({
      name: 'gateway_sessions_detached',
      help: 'Sessions whose connection dropped, their players still in the world, waiting to be resumed.',
      registers,
      collect() {
        this.set(metrics.sessionsDetached);
      },
    });
    new Gauge({
      name: 'gateway_sessions',
      help: 'Open sessions.',
      registers,
      collect() {
        this.set(sessionCount());
      },
    });
    const perZone = (name: string, help: string, read: (zone: ZoneHandle) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['zone'],
        registers,
        collect() {
          this.reset();
          for (const zone of zones) this.inc({ zone: String(zone.id) }, read(zone));
        },
      });
    };
    perZone('gateway_jobs_enqueued_total', 'Jobs written into a zone inbound ring.', (zone) => zone.traffic.jobsEnqueued);
    perZone('gateway_jobs_rejected_total', 'Jobs refused because the zone inbound ring was full (the client got SERVER_BUSY).', (zone) => zone.traffic.jobsRejected);
    perZone('zone_restarts_total', 'Times a zone worker died and was restarted.', (zone) => zone.traffic.restarts);
    perZone('zone_watchdog_kills_total', 'Zone workers ended by the watchdog because their tick stopped advancing (each then restarts).', (zone) => zone.traffic.hangs);
    new Gauge({
      name: 'ring_used_bytes',
      help: 'Bytes held in a zone ring: inbound, jobs not yet drained by the zone; outbound, frames not yet sent by the gateway.',
      labelNames: ['zone', 'ring'],
      registers,
      collect() {
        for (const zone of zones) {
          this.set({ zone: String(zone.id), ring: 'inbound' }, zone.inbound.usedBytes());
          this.set({ zone: String(zone.id), ring: 'outbound' }, zone.outbound.usedBytes());
        }
      },
    });
    new Gauge({
      name: 'ring_capacity_bytes',
      help: 'Size of a zone ring.',
      labelNames: ['zone', 'ring'],
      registers,
      collect() {
        for (const zone of zones) {
          this.set({ zone: String(zone.id), ring: 'inbound' }, zone.inbound.capacityBytes);
          this.set({ zone: String(zone.id), ring: 'outbound' }, zone.outbound.capacityBytes);
        }
      },
    });
    new Gauge({
      name: 'zone_up',
      help: '1 while the zone is ticking, 0 while it starts, restarts or stops.',
      labelNames: ['zone'],
      registers,
      collect() {
        for (const zone of zones) this.set({ zone: String(zone.id) }, zone.state === 'running' ? 1 : 0);
      },
    });
  }
}
