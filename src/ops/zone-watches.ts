/**
 * The live maps' streams (GET /admin/zones/{id}/entities/live): Server-Sent Events, one `map`
 * event per sample of the zone (zone-map.ts). However many watch a zone, it is sampled once per
 * interval, and only while someone watches; the sample is taken by the zone between two ticks
 * and encoded here once for every watcher. A sample is not asked for while the last one is still
 * on its way, so a busy zone is asked less, never more. A watcher whose connection does not keep
 * up misses samples until it has drained, instead of having them pile up in memory.
 */
import type { ServerResponse } from 'node:http';
import type { ZoneMap } from './zone-map.ts';

interface Watcher {
  readonly response: ServerResponse;
  congested: boolean;
}

interface WatchedZone {
  readonly watchers: Set<Watcher>;
  readonly timer: NodeJS.Timeout;
  sampling: boolean;
}

export class ZoneWatches {
  private readonly zones = new Map<number, WatchedZone>();
  /** The zone's map now; rejects while the zone is not running. */
  private readonly sample: (zoneId: number) => Promise<ZoneMap>;
  private readonly intervalMs: number;
  private readonly maxWatchers: number;

  constructor(sample: (zoneId: number) => Promise<ZoneMap>, intervalMs: number, maxWatchers: number) {
    this.sample = sample;
    this.intervalMs = intervalMs;
    this.maxWatchers = maxWatchers;
  }

  /** Streams zone `zoneId`'s map into `response` until it closes; false (nothing written) when the zone has its most watchers already. */
  watch(zoneId: number, response: ServerResponse): boolean {
    let zone = this.zones.get(zoneId);
    if (zone && zone.watchers.size >= this.maxWatchers) return false;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    // A browser's EventSource reconnects this long after the stream breaks.
    response.write('retry: 2000\n\n');
    if (!zone) {
      const created: WatchedZone = { watchers: new Set(), timer: setInterval(() => this.sampleZone(zoneId, created), this.intervalMs), sampling: false };
      zone = created;
      this.zones.set(zoneId, zone);
    }
    const watcher: Watcher = { response, congested: false };
    zone.watchers.add(watcher);
    response.on('close', () => this.unwatch(zoneId, watcher));
    this.sampleZone(zoneId, zone);
    return true;
  }

  /** Watchers now, by zone id. */
  counts(): Map<number, number> {
    return new Map([...this.zones].map(([id, zone]) => [id, zone.watchers.size]));
  }

  close(): void {
    for (const zone of this.zones.values()) {
      clearInterval(zone.timer);
      for (const watcher of zone.watchers) watcher.response.end();
    }
    this.zones.clear();
  }

  private unwatch(zoneId: number, watcher: Watcher): void {
    const zone = this.zones.get(zoneId);
    if (!zone?.watchers.delete(watcher) || zone.watchers.size > 0) return;
    clearInterval(zone.timer);
    this.zones.delete(zoneId);
  }

  private sampleZone(zoneId: number, zone: WatchedZone): void {
    if (zone.sampling) return;
    zone.sampling = true;
    this.sample(zoneId)
      .then(
        (map) => `event: map\ndata: ${JSON.stringify(map)}\n\n`,
        (err: unknown) => `event: unavailable\ndata: ${JSON.stringify({ zoneId, error: err instanceof Error ? err.message : String(err) })}\n\n`,
      )
      .then((event) => {
        zone.sampling = false;
        for (const watcher of zone.watchers) send(watcher, event);
      });
  }
}

function send(watcher: Watcher, event: string): void {
  if (watcher.congested) return;
  if (watcher.response.write(event)) return;
  watcher.congested = true;
  watcher.response.once('drain', () => {
    watcher.congested = false;
  });
}
