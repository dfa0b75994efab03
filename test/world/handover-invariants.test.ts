/**
 * Many players crossing a border back and forth, every move a hand-over, on a real server: no
 * input is refused as out of sequence (none applied twice), watchers see each crosser's moves in
 * the order they were sent (none applied out of order), every crosser ends where its last move
 * put it (none lost), and the database agrees. Then the same with a zone worker killed in the
 * middle: every player can log in again afterwards, in exactly one zone, and nobody stays online.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { sampleValue, startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually, until } from '../helpers/wait.ts';

const CROSSERS = 24;
const MOVE_EVERY_MS = 40;
const MOVES_EACH = 120;
/** Either side of the meadow–forest border at x = 1000, farther than the hand-over margin. */
const WEST = 985;
const EAST = 1015;

let server: TestServer;
before(async () => {
  server = await startTestServer({ ZONES: '', MAX_SPEED_MPS: '1000', FLUSH_INTERVAL_MS: '300', ZONE_RESTART_DELAY_MS: '2000' });
});
after(() => server.stop());

interface Sent {
  readonly seq: number;
  readonly x: number;
  readonly y: number;
}

/**
 * One crosser: walks WEST ⇄ EAST along its own line (its first move takes it there from its
 * spawn point), each move to a point distinct from the moves just before it.
 */
class Crosser {
  readonly sent: Sent[] = [];
  readonly corrections: string[] = [];
  readonly baseY: number;
  /** Moves refused because a crossing had to be put off. */
  readonly pendingSeqs: number[] = [];
  client: ZoneClient;

  constructor(client: ZoneClient, index: number) {
    this.client = client;
    this.baseY = 100 + index * 30;
    client.on('correction', (c) => {
      this.corrections.push(c.reason);
      if (c.reason === 'ZONE_CHANGE_PENDING') this.pendingSeqs.push(c.seq);
    });
  }

  /** The hand-overs its moves make (a crossing put off changes nothing), and where it ends. */
  crossings(): { count: number; east: boolean } {
    const putOff = new Set(this.pendingSeqs);
    let east = false;
    let count = 0;
    for (const move of this.sent) {
      if (putOff.has(move.seq) || (move.x === EAST) === east) continue;
      east = move.x === EAST;
      count++;
    }
    return { count, east };
  }

  step(i: number): void {
    if (this.client.closed) return;
    const x = i % 2 === 0 ? EAST : WEST;
    const y = this.baseY + (i % 10) * 0.5;
    this.sent.push({ seq: this.client.move(x, y, 0), x, y });
  }
}

/** Follows what a watcher is told about each crosser: the index of the move it showed last. */
function watchOrder(watcher: ZoneClient, crossers: readonly Crosser[], violations: string[]): void {
  const byEntity = new Map(crossers.map((c) => [c.client.self?.entityId as number, c]));
  const seen = new Map<number, number>();
  const check = (entityId: number, x: number, y: number): void => {
    const crosser = byEntity.get(entityId);
    if (!crosser) return;
    const from = seen.get(entityId) ?? 0;
    const at = crosser.sent.findIndex((s, i) => i >= from && Math.abs(s.x - x) < 0.011 && Math.abs(s.y - y) < 0.011);
    if (at < 0) violations.push(`entity ${entityId} shown at (${x}, ${y}), not a move sent after the one shown before`);
    else seen.set(entityId, at);
  };
  watcher.on('spawn', (e) => check(e.id, e.x, e.y));
  watcher.on('move', (e) => check(e.id, e.x, e.y));
}

async function crossersAt(firstId: number): Promise<Crosser[]> {
  const crossers: Crosser[] = [];
  for (let i = 0; i < CROSSERS; i++) crossers.push(new Crosser(await server.player(firstId + i * 4), i));
  return crossers;
}

/** Every crosser moves `moves` times, MOVE_EVERY_MS apart (pacing the load, not waiting on it). */
async function walk(crossers: readonly Crosser[], moves = MOVES_EACH): Promise<void> {
  for (let i = 0; i < moves; i++) {
    for (const crosser of crossers) crosser.step(i);
    await new Promise((resolve) => setTimeout(resolve, MOVE_EVERY_MS));
  }
}

it('hands thousands of players over with no input lost, doubled or reordered', { timeout: 120_000 }, async () => {
  // Player ids 1, 5, 9, … start in the meadow (zone 1): new players go round the four zones.
  const crossers = await crossersAt(1);
  const westWatcher = await server.player(202); // forest (zone 2), moved next to the border below
  const eastWatcher = await server.player(203); // hills (zone 3), walked over to the meadow first
  const violations: string[] = [];
  // Watchers stand at the border's middle, one in each zone, within sight of every crosser line.
  westWatcher.move(1020, 450, 0);
  await until(westWatcher, () => westWatcher.self?.x === 1020, 'the forest watcher to stand at the border');
  eastWatcher.move(500, 995, 0);
  eastWatcher.move(500, 990, 0);
  eastWatcher.move(980, 450, 0);
  await until(eastWatcher, () => eastWatcher.self?.zoneId === 1, 'the second watcher to walk into the meadow');
  watchOrder(westWatcher, crossers, violations);
  watchOrder(eastWatcher, crossers, violations);

  const arrived = async (): Promise<number> => sampleValue(await server.metricsText(), 'gateway_handovers_total', { kind: 'border', outcome: 'arrived' }) ?? 0;
  const before = await arrived();
  await walk(crossers);
  // Crossings queue up behind each other (each waits for the one before to finish), so the
  // last ones finish a while after the last move was sent. Every move that changed sides and was
  // not put off is one hand-over: the count must come out exactly.
  const expected = crossers.reduce((sum, crosser) => sum + crosser.crossings().count, 0);
  assert.ok(expected >= CROSSERS * MOVES_EACH * 0.9, `most moves cross (${expected} of ${CROSSERS * MOVES_EACH})`);
  await eventually(async () => (await arrived()) - before >= expected && (await server.playersInTransit()) === 0, `${expected} hand-overs done`, 60_000);
  assert.equal((await arrived()) - before, expected, 'no crossing lost or made twice');
  for (const crosser of crossers) {
    const wrong = crosser.corrections.filter((reason) => reason !== 'ZONE_CHANGE_PENDING');
    assert.deepEqual(wrong, [], 'only crossings the zone had to put off were refused');
    const { east } = crosser.crossings();
    await until(crosser.client, () => crosser.client.self?.zoneId === (east ? 2 : 1), 'the crosser to be told of its last zone');
  }
  assert.deepEqual(violations, [], "watchers saw every crosser's moves in the order sent");

  await Promise.all(crossers.map((crosser) => crosser.client.logout()));
  for (const crosser of crossers) {
    const { east } = crosser.crossings();
    const row = server.characterInDatabase(crosser.client.self?.playerId as number);
    // In the last zone's own coordinates.
    assert.deepEqual(row && [row.zoneId, row.x, row.online], east ? [2, EAST - 1000, false] : [1, WEST, false], `player ${crosser.client.self?.playerId} saved where its last move put it`);
  }
  await Promise.all([westWatcher.close(), eastWatcher.close()]);
});

it('leaves every player in exactly one zone when a zone worker dies in the middle of hand-overs', { timeout: 120_000 }, async () => {
  const crossers = await crossersAt(401);
  const forest = server.supervisor.zones.find((zone) => zone.id === 2);
  assert.ok(forest?.worker);
  const generation = forest.generation;
  // The forest dies just as everyone's last move heads into it: some are on their way, some
  // there, with held moves behind them.
  await walk(crossers, MOVES_EACH / 2 + 1);
  await forest.worker?.terminate();
  await eventually(async () => forest.state === 'running' && forest.generation > generation, 'the forest to be back');
  await eventually(async () => (await server.playersInTransit()) === 0, 'no player between zones');
  const cut = crossers.filter((crosser) => crosser.client.closed);
  // Those in the forest were disconnected with it; so were those whose held moves walked them
  // into it while it was down, logged out with their state written by the gateway.
  assert.ok(cut.length > 0, 'the forest\'s players were disconnected');
  // Told that their zone restarted, or (on their way into it) that it is unavailable.
  assert.deepEqual([...new Set(cut.map((crosser) => crosser.client.closed?.code))].filter((code) => code !== 4009 && code !== 1013), []);
  // Those the crash disconnected log in again: their characters were released, once each.
  for (const [i, crosser] of crossers.entries()) {
    if (!crosser.client.closed) continue;
    crosser.client = await server.player(401 + i * 4);
    assert.ok([1, 2].includes(crosser.client.self?.zoneId as number));
  }
  await Promise.all(crossers.map((crosser) => crosser.client.logout()));
  for (const [i] of crossers.entries()) {
    const row = server.characterInDatabase(401 + i * 4);
    assert.ok(row && [1, 2].includes(row.zoneId) && !row.online, `player ${401 + i * 4} is saved in one zone and offline: ${JSON.stringify(row)}`);
  }
});

it('logs a player walking into a zone that is down out, with its state written where it crossed to', { timeout: 120_000 }, async () => {
  const crossers = await crossersAt(801);
  for (const crosser of crossers) crosser.client.move(WEST, crosser.baseY, 0);
  for (const crosser of crossers) await until(crosser.client, () => crosser.client.self?.x === WEST, 'the crosser at its place in the meadow');
  const forest = server.supervisor.zones.find((zone) => zone.id === 2);
  assert.ok(forest?.worker);
  const generation = forest.generation;
  const saved = async (): Promise<number> => sampleValue(await server.metricsText(), 'gateway_handovers_total', { kind: 'border', outcome: 'saved' }) ?? 0;
  const savedBefore = await saved();
  // Down for ZONE_RESTART_DELAY_MS (2 s) and its start: the crossings below all find it down.
  await forest.worker.terminate();
  for (const crosser of crossers) crosser.client.move(EAST, crosser.baseY, 0);
  for (const crosser of crossers) await until(crosser.client, () => crosser.client.closed !== undefined, 'the crosser to be logged out');
  assert.deepEqual([...new Set(crossers.map((crosser) => crosser.client.closed?.code))], [1013], 'told to come back shortly (ZONE_UNAVAILABLE)');
  await eventually(async () => (await saved()) - savedBefore >= CROSSERS, 'each to be written by the gateway');
  assert.equal((await saved()) - savedBefore, CROSSERS);
  for (const [i, crosser] of crossers.entries()) {
    const row = server.characterInDatabase(801 + i * 4);
    assert.deepEqual(row && [row.zoneId, row.x, row.y, row.online], [2, EAST - 1000, crosser.baseY, false], 'saved in the forest, where its move took it');
  }
  await eventually(async () => forest.state === 'running' && forest.generation > generation, 'the forest to be back');
  const back = await server.player(801);
  assert.deepEqual([back.self?.zoneId, back.self?.x, back.self?.y], [2, EAST, 100]);
  await back.logout();
});

