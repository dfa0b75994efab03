/**
 * Control-plane messages between the main thread and a zone worker (postMessage). The hot path
 * (jobs in, frames out) goes through the rings; these are rare: start-up, metrics scrapes,
 * dropping a session the zone could not serve, and stopping.
 */
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Config, ZoneConfig } from '../config/config.ts';

export interface ZoneWorkerData {
  readonly config: Config;
  readonly zone: ZoneConfig;
  /** Jobs from the gateway (key: session id, payload: protocol/jobs.ts layouts). */
  readonly inbound: SharedArrayBuffer;
  /** Ready-to-send frames for the gateway (key: session id, payload: one ServerMessage). */
  readonly outbound: SharedArrayBuffer;
}

export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

export type ToZone =
  | { readonly type: 'collect-metrics'; readonly requestId: number }
  | { readonly type: 'stop' };

export type FromZone =
  | { readonly type: 'ready' }
  | { readonly type: 'metrics'; readonly requestId: number; readonly metrics: MetricsSnapshot }
  /** The zone removed this session's player and will send it nothing more; the gateway closes it. */
  | { readonly type: 'drop-session'; readonly sessionId: number; readonly reason: 'zone_overloaded' }
  | { readonly type: 'stopped' };
