/** /metrics merges every thread into one exposition; /healthz and /readyz answer. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../helpers/wait.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '2' });
});
after(async () => {
  await server.stop();
});

it('/metrics shows the zone, ring, gateway and process metrics, each zone labelled, defaults once', async () => {
  const client = await server.player(1);
  client.move((client.self?.x as number) + 1, client.self?.y as number, 0);
  await client.ping();
  // Each zone has ticked at least once (its first tick comes a tick interval after it starts).
  await eventually(async () => (await Promise.all(['1', '2'].map(async (zone) => (sampleValue(await server.metricsText(), 'zone_tick_duration_seconds_count', { zone }) ?? 0) > 0))).every(Boolean), 'both zones to have ticked');
  const text = await server.metricsText();
  for (const zone of ['1', '2']) {
    assert.ok((sampleValue(text, 'zone_tick_duration_seconds_count', { zone }) ?? 0) > 0, `tick histogram for zone ${zone}`);
    assert.notEqual(sampleValue(text, 'zone_tick_duration_seconds_bucket', { zone, le: '+Inf' }), undefined);
    assert.notEqual(sampleValue(text, 'zone_tick_overruns_total', { zone }), undefined, `overruns for zone ${zone}`);
    assert.notEqual(sampleValue(text, 'zone_players', { zone }), undefined, `players for zone ${zone}`);
    assert.notEqual(sampleValue(text, 'gateway_jobs_enqueued_total', { zone }), undefined);
    assert.notEqual(sampleValue(text, 'gateway_jobs_rejected_total', { zone }), undefined);
    assert.notEqual(sampleValue(text, 'ring_used_bytes', { zone, ring: 'inbound' }), undefined);
    assert.notEqual(sampleValue(text, 'ring_used_bytes', { zone, ring: 'outbound' }), undefined);
    assert.equal(sampleValue(text, 'zone_up', { zone }), 1);
  }
  assert.equal(sampleValue(text, 'zone_players', { zone: '1' }), 1);
  assert.equal(sampleValue(text, 'zone_players', { zone: '2' }), 0);
  assert.ok((sampleValue(text, 'gateway_jobs_enqueued_total', { zone: '1' }) ?? 0) >= 2, 'join and move enqueued');
  assert.equal(sampleValue(text, 'gateway_sessions'), 1);
  assert.ok((sampleValue(text, 'gateway_frames_received_total') ?? 0) >= 3);
  assert.ok((sampleValue(text, 'gateway_bytes_received_total') ?? 0) > 0);
  assert.ok((sampleValue(text, 'gateway_frames_sent_total') ?? 0) >= 2);
  assert.ok((sampleValue(text, 'gateway_bytes_sent_total') ?? 0) > 0);
  assert.match(text, /^# TYPE gateway_protocol_errors_total counter$/m);
  // Default process metrics come from the main thread only: one sample, not one per thread.
  assert.equal(text.match(/^process_cpu_user_seconds_total /gm)?.length, 1);
  assert.equal(text.match(/^nodejs_eventloop_lag_seconds /gm)?.length, 1);
  await client.close();
});

it('/healthz is 200 and /readyz reports every zone and the store', async () => {
  const base = `http://127.0.0.1:${server.metricsPort}`;
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  const ready = await fetch(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { ready: true, zones: { 1: 'running', 2: 'running' }, store: 'running' });
  assert.equal((await fetch(`${base}/nope`)).status, 404);
});
