/**
 * A zone's only clock is its tick: play time and write-back due times are counted in the `nowMs`
 * the tick is given, so a zone driven by hand through two hours of zone time (in well under a
 * second of real time) saves and counts play time as if two hours had passed. Real store worker,
 * real SQLite database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { JobWriter } from '../../src/thread-messages/jobs.ts';
import { eventually } from '../helpers/wait.ts';
import { startStore } from '../store/running-store.ts';
import { moveJob } from '../helpers/move-job.ts';
import { handZone } from '../helpers/hand-zone.ts';

const dir = mkdtempSync(join(tmpdir(), 'zone-clock-'));
const store = await startStore({ DATA_DIR: dir });
await store.client.migrate();
after(async () => {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('counts play time and write-back due times in zone time', async () => {
  const playerId = 41;
  const owned = await store.client.acquire(playerId, store.config.nodeId, { zoneId: 3, x: 10, y: 10, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 5 });
  const released: boolean[] = [];
  // A flush interval of an hour: only zone time can make a write due within this test.
  const { inbound, tick: tickAt } = handZone(store.client, { released: (_player, _session, saved) => released.push(saved) });
  const jobs = new JobWriter();
  let nowMs = 1_000;
  const tick = (): void => tickAt(nowMs);
  assert.ok(inbound.tryWrite(1, jobs.join({ playerId, epoch: owned.epoch, ...owned.state })));
  tick();
  // One step of a metre, then an hour and a half of zone time in one-minute ticks.
  nowMs += 1_000;
  assert.ok(inbound.tryWrite(1, moveJob(1, 11, 10, 0, 0)));
  tick();
  for (let i = 0; i < 90; i++) {
    nowMs += 60_000;
    tick();
  }
  await eventually(async () => (await store.client.load(playerId))?.state.x === 11, 'the write-back of the moved player, due within its first hour of zone time');

  // Half an hour more, then the player leaves: its final write carries two hours of play.
  nowMs += 30 * 60_000 - 1_000;
  tick();
  assert.ok(inbound.tryWrite(1, jobs.leave()));
  tick();
  await eventually(async () => released.length === 1, 'the release of the leaver');
  assert.deepEqual(released, [true]);
  const row = await store.client.load(playerId);
  assert.equal(row?.online, false);
  assert.equal(row?.state.playTimeS, 5 + 2 * 3600, 'play time is the zone time between join and leave');
});

it('tells a player each inventory once, however many reads see it', async () => {
  const playerId = 42;
  const owned = await store.client.acquire(playerId, store.config.nodeId, { zoneId: 3, x: 10, y: 10, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 });
  const { zone, inbound, tick: tickAt } = handZone(store.client);
  const inventories: number[] = [];
  let nowMs = 1_000;
  const tick = (): void =>
    tickAt((nowMs += 50), (_session, message) => {
      if (message.inventory) inventories.push(Number(message.inventory.gold));
    });
  assert.ok(inbound.tryWrite(1, new JobWriter().join({ playerId, epoch: owned.epoch, ...owned.state })));
  tick();
  await eventually(async () => {
    tick();
    return inventories.length === 1;
  }, 'the inventory after log-in');
  // A hold released as committed reads the inventory back; nothing changed, so nothing is sent.
  const held = zone.holdForTrade(playerId, 0, []);
  assert.ok('holdId' in held);
  zone.releaseTradeHold(held.holdId, true);
  await store.client.grant({ opId: 'once-each-1', playerId, gold: 5, items: [] });
  const granted = zone.holdForTrade(playerId, 0, []);
  assert.ok('holdId' in granted);
  zone.releaseTradeHold(granted.holdId, true);
  await eventually(async () => {
    tick();
    return inventories.length === 2;
  }, 'the inventory after the grant');
  tick();
  assert.deepEqual(inventories, [0, 5], 'the unchanged read sent nothing; the changed one was sent once');
});
