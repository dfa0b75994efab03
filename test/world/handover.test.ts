/**
 * Players handed between zones on a real server: across a border (with the margin that keeps a
 * player walking along it from bouncing), through a portal, with the inputs sent meanwhile
 * applied once and in order by the new zone, and the database following.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until, within } from '../helpers/wait.ts';

let server: TestServer;
// The default world: four 1000 m zones in a square, and the crypt behind the lake's portal.
// A fast walker crosses a zone in one move, and saves come often.
before(async () => {
  server = await startTestServer({ ZONES: '', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '200' });
});
after(() => server.stop());

/** Moves and waits until the client's own position is the server's answer to it (none is sent for an accepted move). */
function zoneAfter(client: ZoneClient, x: number, y: number): Promise<number> {
  const seq = client.move(x, y, 0);
  return within(
    new Promise<number>((resolve, reject) => {
      const offZone = client.on('zoneChanged', (change) => {
        offZone();
        resolve(change.zoneId);
      });
      client.on('correction', (c) => {
        if (c.seq === seq) reject(new Error(`move ${seq} corrected: ${c.reason}`));
      });
    }),
    `move ${seq} to change zones`,
  );
}

it('hands a player across a border: the same entity, a watcher there sees it arrive, and the database follows', async () => {
  const walker = await server.player(1); // meadow, zone 1, at (500, 500)
  const watcher = await server.player(2); // forest, zone 2, at (1500, 500)
  assert.equal(walker.self?.zoneId, 1);
  const entityId = walker.self?.entityId as number;

  watcher.move(1020, 500, 0);
  assert.equal(await zoneAfter(walker, 1010, 500), 2);
  assert.deepEqual([walker.self?.zoneId, walker.self?.zoneName, walker.self?.zoneX, walker.self?.x, walker.self?.entityId], [2, 'forest', 1000, 1010, entityId]);
  await until(watcher, () => watcher.entities.get(entityId)?.x === 1010, 'the watcher in zone 2 to see the walker arrive with its entity id');
  await until(walker, () => [...walker.entities.values()].some((e) => e.playerId === 2), 'the walker to see the watcher in its new zone');

  await walker.logout();
  const row = server.characterInDatabase(1);
  assert.deepEqual(row && [row.zoneId, row.x, row.y, row.online], [2, 10, 500, false], 'saved in zone 2, in its coordinates');
  await watcher.close();
});

it('applies the moves sent during a hand-over in the new zone, each once and in order', async () => {
  const walker = await server.player(3); // hills, zone 3, at (500, 1500)
  const watcher = await server.player(4); // lake, zone 4, at (1500, 1500)
  const entityId = walker.self?.entityId as number;
  const corrections: string[] = [];
  walker.on('correction', (c) => corrections.push(c.reason));
  watcher.move(1040, 1500, 0);
  // The crossing move, then twenty more at once: the last ones reach the old zone after it let
  // the player go, or the gateway while it holds them.
  walker.move(1010, 1500, 0);
  for (let i = 1; i <= 20; i++) walker.move(1010 + i, 1500, 0);
  await until(watcher, () => watcher.entities.get(entityId)?.x === 1030, 'the watcher to see the last move');
  await until(walker, () => walker.self?.zoneId === 4, 'the walker to be told of zone 4');
  assert.deepEqual(corrections, [], 'no move was refused: none out of sequence, none lost');
  await walker.logout();
  const row = server.characterInDatabase(3);
  assert.deepEqual(row && [row.zoneId, row.x], [4, 30]);
  await watcher.close();
});

it('keeps a player walking along a border in its zone until it is the margin past it', async () => {
  const walker = await server.player(5); // meadow
  let changes = 0;
  walker.on('zoneChanged', () => changes++);
  const corrections: string[] = [];
  walker.on('correction', (c) => corrections.push(c.reason));
  // HANDOVER_MARGIN_M is 4: up to 1004 is still the meadow's; back to 996 is the forest's.
  for (const x of [1003, 998, 1003.5, 999]) walker.move(x, 500, 0);
  assert.equal(await zoneAfter(walker, 1005, 500), 2);
  for (const x of [997, 1002, 996.5]) walker.move(x, 500, 0);
  assert.equal(await zoneAfter(walker, 995, 500), 1);
  assert.equal(changes, 2);
  assert.deepEqual(corrections, []);
  await walker.close();
});

it('takes a player through a portal to the crypt and back, each with a fresh view', async () => {
  const walker = await server.player(8); // lake, zone 4
  assert.equal(walker.self?.zoneId, 4);
  const fresh: boolean[] = [];
  walker.on('zoneChanged', (change) => fresh.push(change.freshView));
  assert.equal(await zoneAfter(walker, 1990, 1990), 5);
  assert.deepEqual([walker.self?.zoneName, walker.self?.x, walker.self?.y], ['crypt', 100, 10_020]);
  assert.equal(walker.entities.size, 0, 'nothing of the lake is still known');
  assert.equal(await zoneAfter(walker, 100, 10_190), 4);
  assert.deepEqual([walker.self?.zoneName, walker.self?.x, walker.self?.y], ['lake', 1960, 1960]);
  assert.deepEqual(fresh, [true, true]);
  await walker.logout();
  const row = server.characterInDatabase(8);
  assert.deepEqual(row && [row.zoneId, row.x, row.y], [4, 960, 960]);
});

it('refuses a move that lands in no zone, and counts the hand-overs', async () => {
  const walker = await server.player(9); // meadow
  const seq = walker.move(-10, 500, 0);
  const correction = await walker.next('correction', (c) => c.seq === seq);
  assert.equal(correction.reason, 'OUT_OF_BOUNDS');
  await walker.close();
  const metrics = await server.metricsText();
  assert.match(metrics, /gateway_handovers_total\{kind="border",outcome="arrived"\} [1-9]/);
  assert.match(metrics, /gateway_handovers_total\{kind="portal",outcome="arrived"\} 2/);
});
