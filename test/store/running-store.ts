/** A real store worker thread with a client on this thread, for the store tests. */
import { createLogger } from '../../src/log/logger.ts';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { loadConfig, type Config } from '../../src/config/config.ts';
import type { CharacterState } from '../../src/storage/character-store.ts';
import type { StoreClient } from '../../src/storage/store-client.ts';
import { StoreWorkerHandle } from '../../src/supervisor/store-worker-handle.ts';

export interface RunningStore {
  readonly config: Config;
  readonly handle: StoreWorkerHandle;
  readonly client: StoreClient;
  /** A sample of the store worker's metrics: `store_batch_rows_sum`, or a series by labels; 0 when absent. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

export function storeConfig(env: Record<string, string>): Config {
  return loadConfig({ LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', LOG_FORMAT: 'json', ...env }, false);
}

export async function startStore(env: Record<string, string>): Promise<RunningStore> {
  const config = storeConfig(env);
  const handle = await StoreWorkerHandle.start(config, createLogger(config));
  const client = handle.connect();
  return {
    config,
    handle,
    client,
    async metric(name, labels = {}) {
      const snapshot = await client.collectMetrics(5000);
      if (!snapshot) throw new Error('the store worker did not answer the metrics request');
      return sampleOf(snapshot, name, labels);
    },
    stop: () => handle.stop(Date.now() + 5000),
  };
}

function sampleOf(snapshot: readonly MetricObjectWithValues<MetricValue<string>>[], name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const metric of snapshot) {
    for (const value of metric.values) {
      const sampleName = (value as { metricName?: string }).metricName ?? metric.name;
      const sampleLabels = value.labels as Record<string, unknown>;
      if (sampleName === name && Object.entries(labels).every(([key, wanted]) => String(sampleLabels[key]) === wanted)) total += value.value;
    }
  }
  return total;
}

/** A state with every field set, distinct per `seed`, fractions included. */
export function stateFor(seed: number): CharacterState {
  return { zoneId: 1 + (seed % 4), x: 10.25 + seed, y: 500.5 - seed / 8, heading: (seed % 628) / 100, hp: 100 - (seed % 50), level: 1 + (seed % 60), exp: 1_000_000_000_000 + seed, playTimeS: 3600 * seed };
}
