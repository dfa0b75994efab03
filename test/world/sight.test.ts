/**
 * Sight across borders on a real server: players near a border see each other from both sides,
 * a crossing shows no despawn to anyone, and after a random walk around the corner where four
 * zones meet, every client's picture of the world is the brute-force truth over the whole world.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { ChatChannel, toCentimetres } from '../../src/protocol/messages.ts';
import { mulberry32 } from '../../src/zone/random.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';

const VIEW_RADIUS_M = 50;
const VIEW_MARGIN_M = 5;

let server: TestServer;
before(async () => {
  // No write-back during the test: no crossing is ever put off, so no move is refused and each
  // client's own position is the server's.
  server = await startTestServer({ ZONES: '', MAX_SPEED_MPS: '1000', VIEW_RADIUS_M: String(VIEW_RADIUS_M), VIEW_MARGIN_M: String(VIEW_MARGIN_M), VIEW_REFRESH_TICKS: '2', FLUSH_INTERVAL_MS: '3600000' });
});
after(() => server.stop());

/** Each entity id's despawns, as one client was told them. */
function despawnsSeenBy(client: ZoneClient): Map<number, number> {
  const despawns = new Map<number, number>();
  client.on('despawn', (entity) => despawns.set(entity.id, (despawns.get(entity.id) ?? 0) + 1));
  return despawns;
}

it('shows players to each other across a border, and a crossing despawns nobody for anyone', async () => {
  const west = await server.player(1); // meadow
  const east = await server.player(2); // forest
  const watcher = await server.player(5); // meadow
  west.move(990, 500, 0);
  east.move(1010, 500, 0);
  watcher.move(980, 510, 0);
  const westId = west.self?.entityId as number;
  const eastId = east.self?.entityId as number;
  await until(west, () => west.entities.get(eastId)?.x === 1010, 'the meadow player to see the forest player across the border');
  await until(east, () => east.entities.get(westId)?.x === 990, 'the forest player to see the meadow player across the border');
  await until(watcher, () => watcher.entities.get(westId)?.x === 990, 'the watcher to see the meadow player');

  const seenByEast = despawnsSeenBy(east);
  const seenByWatcher = despawnsSeenBy(watcher);
  const seenByWest = despawnsSeenBy(west);
  const fresh: boolean[] = [];
  west.on('zoneChanged', (change) => fresh.push(change.freshView));
  west.move(1006, 505, 1);
  await until(west, () => west.self?.zoneId === 2, 'the crossing');
  west.move(1015, 505, 1);
  await until(watcher, () => watcher.entities.get(westId)?.x === 1015, 'the watcher in the meadow to see the crosser walk on in the forest');
  await until(east, () => east.entities.get(westId)?.x === 1015, 'the forest player to see it walk on');
  assert.deepEqual(fresh, [false], 'a border crossing keeps the view');
  assert.equal(west.entities.get(eastId)?.x, 1010, 'the crosser still knows the forest player');
  assert.ok(west.entities.has(watcher.self?.entityId as number), 'and, across the border now, the watcher');
  assert.equal(seenByEast.get(westId), undefined);
  assert.equal(seenByWatcher.get(westId), undefined);
  assert.deepEqual([...seenByWest.keys()], [], 'the crosser was told of no despawn');
  await Promise.all([west.close(), east.close(), watcher.close()]);
});

it("rebuilds, in every client, the whole world's truth after a random walk around the corner of four zones", { timeout: 120_000 }, async () => {
  const random = mulberry32(11);
  const clients: ZoneClient[] = [];
  // Ids 21..52 start in all four zones; each walks to a random point near (1000, 1000).
  for (let id = 21; id <= 52; id++) clients.push(await server.player(id));
  let corrections = 0;
  for (const client of clients) client.on('correction', () => corrections++);
  const near = (): number => 1000 + (random() - 0.5) * 160;
  for (const client of clients) client.move(near(), near(), 0);
  for (let step = 0; step < 40; step++) {
    for (const client of clients) {
      const self = client.self;
      if (!self) continue;
      client.move(self.x + (random() - 0.5) * 16, self.y + (random() - 0.5) * 16, random() * 6 - 3);
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  assert.equal(corrections, 0, 'every move was accepted: each client knows where it is');
  const zones = new Set(clients.map((client) => client.self?.zoneId));
  assert.equal(zones.size, 4, 'the players ended spread over the four zones');

  // The truth: every player's own position (what its zone told it last). Each client must know
  // exactly those within the view radius (none beyond radius and margin), where they stand.
  const mismatch = (): string | undefined => {
    for (const client of clients) {
      const self = client.self;
      if (!self) return 'a client has no self';
      for (const other of clients) {
        if (other === client) continue;
        const o = other.self;
        if (!o) return 'a client has no self';
        const distance = Math.hypot(o.x - self.x, o.y - self.y);
        const known = client.entities.get(o.entityId);
        if (distance <= VIEW_RADIUS_M && !known) return `player ${self.playerId} (zone ${self.zoneId}) does not see player ${o.playerId} (zone ${o.zoneId}) ${distance.toFixed(1)} m away`;
        if (distance > VIEW_RADIUS_M + VIEW_MARGIN_M && known) return `player ${self.playerId} (zone ${self.zoneId}, at ${self.x}, ${self.y}) still sees player ${o.playerId} (zone ${o.zoneId}) ${distance.toFixed(1)} m away, at (${known.x}, ${known.y}); it is at (${o.x}, ${o.y})`;
        if (known && (known.xCm !== toCentimetres(o.x) || known.yCm !== toCentimetres(o.y))) return `player ${self.playerId} sees player ${o.playerId} at (${known.x}, ${known.y}), it is at (${o.x}, ${o.y})`;
      }
      for (const id of client.entities.keys()) {
        if (!clients.some((other) => other.self?.entityId === id)) return `player ${self.playerId} knows entity ${id}, which is nobody`;
      }
    }
    return undefined;
  };
  let last: string | undefined;
  await eventually(async () => (last = mismatch()) === undefined, 'every client to see the truth', 10_000).catch(async (err: Error) => {
    console.log('TRANSIT', await server.playersInTransit());
    const lines = clients.map((c) => `${c.self?.playerId}: zone ${c.self?.zoneId} at (${c.self?.x.toFixed(2)}, ${c.self?.y.toFixed(2)}) sees ${[...c.entities.values()].map((e) => `${e.playerId}@${e.x},${e.y}`).join(' ')}`);
    throw new Error(`${err.message}: ${last}\n${lines.join('\n')}`);
  });
  await Promise.all(clients.map((client) => client.close()));
});

it('lets those who see a speaker across a border hear what it says, and nobody else', async () => {
  const speaker = await server.player(61); // meadow
  const near = await server.player(62); // forest
  const far = await server.player(66); // forest, at its spawn far from the border
  speaker.move(995, 300, 0);
  near.move(1010, 300, 0);
  const speakerId = speaker.self?.entityId as number;
  await until(near, () => near.entities.get(speakerId)?.x === 995, 'the forest player to see the speaker across the border');
  const heardFar: string[] = [];
  far.on('chat', (message) => heardFar.push(message.fromName));
  speaker.chat(ChatChannel.CHAT_CHANNEL_SAY, 'over the fence');
  const heard = await near.next('chat');
  assert.deepEqual([heard.fromEntityId, heard.fromName, heard.text], [speakerId, 'Player61', 'over the fence']);
  // The far player hears it only if it is told anything at all: a zone message proves the order.
  far.chat(ChatChannel.CHAT_CHANNEL_ZONE, 'marker');
  await far.next('chat', (message) => message.fromName === 'Player66');
  assert.deepEqual(heardFar, ['Player66'], 'the far player heard only its own marker');
  await Promise.all([speaker.close(), near.close(), far.close()]);
});
