/**
 * One Prometheus exposition for the whole process. prom-client aggregates only `cluster`
 * workers, so on each scrape the main thread asks every zone worker for its registry as JSON
 * (with a timeout: a dead or stuck zone is left out, not waited for) and merges those with its
 * own registry through AggregatorRegistry.aggregate. Default process metrics are collected on
 * the main thread only, so they appear once.
 */
import { AggregatorRegistry, Registry, collectDefaultMetrics, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { OpsLimits } from '../config/limits.ts';

/** One thread's registry as JSON (`Registry.getMetricsAsJSON()`), as it crosses to the main thread. */
export type MetricsSnapshot = MetricObjectWithValues<MetricValue<string>>[];

export interface MetricsSource {
  collectMetrics(timeoutMs: number): Promise<MetricsSnapshot | undefined>;
}

export class MetricsHub {
  readonly registry = new Registry();
  private readonly sources: readonly MetricsSource[];

  constructor(sources: readonly MetricsSource[]) {
    this.sources = sources;
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async exposition(): Promise<string> {
    const [own, ...zones] = await Promise.all([
      this.registry.getMetricsAsJSON(),
      ...this.sources.map((source) => source.collectMetrics(OpsLimits.scrapeTimeoutMs)),
    ]);
    const snapshots = [own as MetricsSnapshot, ...zones.filter((snapshot): snapshot is MetricsSnapshot => snapshot !== undefined)];
    return AggregatorRegistry.aggregate(snapshots).metrics();
  }
}
