/**
 * The operations HTTP port (METRICS_PORT, on METRICS_HOST, loopback by default):
 *   GET /metrics  Prometheus exposition merged from every thread
 *   GET /healthz  200 while the process is up
 *   GET /readyz   200 while the gateway accepts and every zone is ticking, else 503
 *   /admin/…      the admin API (admin-api.ts), behind ADMIN_TOKEN
 *   /console      the operator console (console-pages.ts, its page in console/), behind ADMIN_TOKEN
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BindError } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import type { MetricsHub } from '../metrics/metrics-hub.ts';
import type { AdminApi } from './admin-api.ts';
import type { ConsolePages } from './console-pages.ts';

export interface Readiness {
  /** Whether the server takes players now, each zone's state, and the store worker's. */
  readiness(): { ready: boolean; zones: Record<string, string>; store: 'running' | 'restarting' };
}

export class OpsServer {
  private readonly server: Server;
  private readonly host: string;
  private readonly port: number;

  private readonly admin: AdminApi;

  constructor(host: string, port: number, metrics: MetricsHub, readiness: Readiness, admin: AdminApi, consolePages: ConsolePages, log: Logger) {
    this.admin = admin;
    this.host = host;
    this.port = port;
    this.server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://ops');
      const path = url.pathname;
      if (path.startsWith('/admin/')) return admin.handle(request, response, url);
      if (path === '/console' || path.startsWith('/console/')) return consolePages.handle(request, response, path);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      switch (path) {
        case '/metrics':
          metrics.exposition().then(
            (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
            (err: unknown) => {
              log.error({ err }, 'metrics scrape failed');
              response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
            },
          );
          return;
        case '/healthz':
          response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
          return;
        case '/readyz': {
          const state = readiness.readiness();
          response.writeHead(state.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(state)}\n`);
          return;
        }
        default:
          response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
  }

  /** Binds METRICS_PORT on METRICS_HOST; rejects with a BindError that names the settings. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => reject(new BindError('METRICS_PORT', 'METRICS_HOST', this.host, this.port, err));
      this.server.once('error', failed);
      this.server.listen(this.port, this.host, () => {
        this.server.off('error', failed);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  close(): Promise<void> {
    this.admin.close();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
