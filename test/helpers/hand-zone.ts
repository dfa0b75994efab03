/**
 * A zone driven by hand on a real store: real rings, a view that shows everyone within 50 m,
 * write-back due only after an hour of zone time (tests move zone time on themselves), and a
 * `tick` that advances the zone's clock and hands each frame it sent to `onFrame`.
 */
import assert from 'node:assert/strict';
import { zoneOfSize } from '../../src/config/world.ts';
import { ServerMessage } from '../../src/protocol/messages.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { ViewSystem } from '../../src/zone/view/view-system.ts';
import { Zone, type ZoneHooks, type ZoneStore } from '../../src/zone/zone.ts';
import { BruteForceIndex } from './brute-force-index.ts';
import { drainViews } from './ring-drain.ts';

export const HOUR_MS = 3_600_000;

export interface HandZone {
  readonly zone: Zone;
  readonly inbound: RingBuffer;
  /** Runs one tick at zone time `nowMs`, then reads what it sent. */
  tick(nowMs: number, onFrame?: (sessionId: number, message: ServerMessage) => void): void;
}

export function handZone(store: ZoneStore, hooks: Partial<ZoneHooks> = {}, zoneId = 3): HandZone {
  const inbound = RingBuffer.create(1 << 16);
  const outbound = RingBuffer.create(1 << 20);
  const zone = new Zone(
    { zone: zoneOfSize(zoneId, 100, 100), tickHz: 20, maxSpeedMps: 10, speedTolerance: 1.25, npcs: 0, npcSeed: 1, flushIntervalMs: HOUR_MS, flushBatchRows: 100 },
    inbound,
    outbound,
    new ViewSystem({ radiusM: 50, marginM: 5, maxVisible: 100, refreshTicks: 1 }, new BruteForceIndex(100, 100)),
    { sessionDropped: () => assert.fail('no session is dropped'), ...hooks },
    store,
  );
  return {
    zone,
    inbound,
    tick(nowMs, onFrame) {
      zone.tick(nowMs);
      drainViews(outbound, (sessionId, payload) => onFrame?.(sessionId, ServerMessage.decode(payload.slice())));
    },
  };
}
