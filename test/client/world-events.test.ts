/**
 * The SDK tells per-entity events (spawn, despawn, move) only to those who listen, and keeps the
 * known world the same either way.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { KnownEntity, ZoneClient } from '../../src/client/zone-client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '1' });
});
after(() => server.stop());

/** What a client knows of the entities other than the two watchers. */
const others = (client: ZoneClient, watchers: number[]): KnownEntity[] =>
  [...client.entities.values()].filter((e) => !watchers.includes(e.id)).sort((a, b) => a.id - b.id);

it('a client with no move listener and one with a listener see the same world', async () => {
  const listening = await server.player(1);
  const deaf = await server.player(2);
  const moved: number[] = [];
  const off = listening.on('move', (entity) => moved.push(entity.id));
  const mover = await server.player(3);
  const moverId = mover.self?.entityId as number;
  const sees = (client: ZoneClient, x: number): boolean => Math.abs((client.entities.get(moverId)?.x ?? 0) - x) < 0.011;
  for (let step = 1; step <= 5; step++) {
    const x = (mover.self?.x as number) + 0.5;
    mover.move(x, mover.self?.y as number, 0);
    await until(listening, () => sees(listening, x), `the listening client to see step ${step}`);
    await until(deaf, () => sees(deaf, x), `the other client to see step ${step}`);
  }
  const watchers = [listening.self?.entityId as number, deaf.self?.entityId as number];
  assert.deepEqual(others(deaf, watchers), others(listening, watchers));
  assert.equal(others(deaf, watchers).length, 1, 'the mover');
  // The first step may come with the mover's spawn; each later one is a move event.
  assert.ok(moved.length >= 4 && moved.every((id) => id === moverId), `a move event for each step: ${moved.join(', ')}`);

  // Once its last listener is gone, no more move events, and the world still follows.
  off();
  const heard = moved.length;
  const x = (mover.self?.x as number) + 0.5;
  mover.move(x, mover.self?.y as number, 0);
  await until(listening, () => sees(listening, x), 'the client to see the move without a listener');
  assert.equal(moved.length, heard);
  await Promise.all([listening.close(), deaf.close(), mover.close()]);
});
