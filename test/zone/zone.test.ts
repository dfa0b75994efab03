/** Zone logic driven by hand: real rings, `tick()` called directly, no threads, no timers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobWriter } from '../../src/thread-messages/jobs.ts';
import { MoveField, MoveRejectReason, ServerMessage, type WorldUpdate } from '../../src/protocol/messages.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { BruteForceIndex } from '../helpers/brute-force-index.ts';
import { ViewSystem } from '../../src/zone/view/view-system.ts';
import { Zone } from '../../src/zone/zone.ts';
import { drainMessages } from '../helpers/ring-drain.ts';
import { movesOf } from '../helpers/world-update.ts';
import { moveJob } from '../helpers/move-job.ts';
import { zoneOfSize } from '../../src/config/world.ts';
import { KnownWorld } from '../../src/client/known-world.ts';
import { worldFrameOf } from '../../src/client/world-frame-reader.ts';

const TICK_MS = 50;

class Harness {
  readonly inbound = RingBuffer.create(1 << 16);
  readonly outbound: RingBuffer;
  readonly jobs = new JobWriter();
  readonly dropped: number[] = [];
  readonly zone: Zone;
  nowMs = 1000;

  constructor(outboundBytes = 1 << 20, viewSendTicks = 1) {
    this.outbound = RingBuffer.create(outboundBytes);
    this.zone = new Zone(
      { zone: zoneOfSize(7, 100, 100), tickHz: 20, viewSendTicks, maxSpeedMps: 10, speedTolerance: 1.25, npcs: 0, npcSeed: 1, flushIntervalMs: 1000, flushBatchRows: 100 },
      this.inbound,
      this.outbound,
      // A view radius wider than the zone: everyone sees everyone, recomputed every tick.
      new ViewSystem({ radiusM: 200, marginM: 10, maxVisible: 1000, refreshTicks: 1 }, new BruteForceIndex(100, 100)),
      { sessionDropped: (sessionId) => this.dropped.push(sessionId) },
    );
  }

  join(sessionId: number, playerId: number): void {
    assert.ok(this.inbound.tryWrite(sessionId, this.jobs.join({ playerId, epoch: 1, x: 50, y: 50, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 })));
  }

  leave(sessionId: number): void {
    assert.ok(this.inbound.tryWrite(sessionId, this.jobs.leave()));
  }

  move(sessionId: number, seq: number, x: number, y: number, heading = 0): void {
    assert.ok(this.inbound.tryWrite(sessionId, moveJob(seq, x, y, heading, 0)));
  }

  /** Runs one tick and returns what each session was sent. */
  tick(): Map<number, ServerMessage[]> {
    this.nowMs += TICK_MS;
    this.zone.tick(this.nowMs);
    return drainMessages(this.outbound);
  }
}

function entityIdOf(messages: ServerMessage[] | undefined): number {
  const accepted = messages?.find((m) => m.login?.accepted)?.login?.accepted;
  assert.ok(accepted, 'a login response');
  return accepted.entityId as number;
}

describe('zone', () => {
  it('answers a join with the player’s state, shows a newcomer the world and the world the newcomer', () => {
    const h = new Harness();
    h.join(1, 100);
    const first = h.tick();
    const accepted = first.get(1)?.[0]?.login?.accepted;
    assert.equal(accepted?.playerId, 100);
    assert.equal(accepted?.zoneId, 7);
    assert.deepEqual([accepted?.xCm, accepted?.yCm], [5000, 5000]);
    const stats = first.get(1)?.[1]?.stats;
    assert.deepEqual([stats?.hp, stats?.level, stats?.exp], [100, 1, 0], 'then its own stats');
    assert.equal(first.get(1)?.length, 2, 'alone: nothing else to tell');

    h.join(2, 200);
    const second = h.tick();
    const aId = entityIdOf(first.get(1));
    const bId = entityIdOf(second.get(2));
    const bWorld = second.get(2)?.[2]?.update;
    assert.deepEqual(bWorld?.spawns?.map((s) => s.entityId), [aId]);
    const aNews = second.get(1)?.[0]?.update;
    assert.deepEqual(aNews?.spawns?.map((s) => [s.entityId, s.playerId]), [[bId, 200]]);
    assert.equal(second.get(1)?.length, 1, 'one frame per viewer per tick');
  });

  it('sends moves with a change mask of only what changed, and nothing when nothing changed', () => {
    const h = new Harness();
    h.join(1, 100);
    h.join(2, 200);
    const joined = h.tick();
    const bId = entityIdOf(joined.get(2));

    h.move(2, 1, 50.5, 50, 0);
    const moved = movesOf(h.tick().get(1)?.[0]?.update);
    assert.deepEqual(moved, [{ entityId: bId, mask: MoveField.MOVE_FIELD_POSITION, dxCm: 50, dyCm: 0 }], 'a delta from the spawn position');

    h.move(2, 2, 50.5, 50, 1.5);
    const turned = movesOf(h.tick().get(1)?.[0]?.update);
    assert.deepEqual(turned, [{ entityId: bId, mask: MoveField.MOVE_FIELD_HEADING, headingMrad: 1500 }], 'position left out');

    assert.equal(h.tick().size, 0, 'a quiet tick sends nothing');
    h.move(2, 3, 50.5, 50, 1.5);
    assert.equal(h.tick().size, 0, 'a move to where it already is changes nothing');
  });

  it('corrects moves that are too fast, out of bounds, out of sequence or not finite', () => {
    const h = new Harness();
    h.join(1, 100);
    h.tick();
    const cases: [number, number, number, MoveRejectReason][] = [
      [5, 80, 50, MoveRejectReason.MOVE_REJECT_REASON_TOO_FAST],
      [6, 101, 50, MoveRejectReason.MOVE_REJECT_REASON_OUT_OF_BOUNDS],
      [6, 51, 50, MoveRejectReason.MOVE_REJECT_REASON_OUT_OF_SEQUENCE],
      [3, 51, 50, MoveRejectReason.MOVE_REJECT_REASON_OUT_OF_SEQUENCE],
      [7, Number.NaN, 50, MoveRejectReason.MOVE_REJECT_REASON_INVALID_VALUE],
    ];
    for (const [seq, x, y, reason] of cases) {
      h.move(1, seq, x, y);
      const correction = h.tick().get(1)?.[0]?.correction;
      assert.equal(correction?.reason, reason, `seq ${seq} to (${x}, ${y})`);
      assert.equal(correction?.seq, seq);
      assert.deepEqual([correction?.xCm, correction?.yCm], [5000, 5000], 'the authoritative position');
    }
    h.move(1, 8, 51, 50);
    assert.equal(h.tick().get(1), undefined, 'a valid move after corrections is accepted silently');
    assert.equal(h.zone.counters.movesRejected, cases.length);
  });

  it('lets a player move at full speed for a long time, even when moves bunch into one tick', () => {
    const h = new Harness();
    h.join(1, 100);
    h.tick();
    let x = 10;
    let seq = 0;
    h.move(1, ++seq, 45, 50); // 5 m: within the one-second budget
    assert.equal(h.tick().get(1), undefined);
    x = 45;
    for (let t = 0; t < 40; t++) {
      // 10 m/s: 0.5 m per tick, sent as two moves in odd ticks and none in even ones.
      if (t % 2 === 1) {
        h.move(1, ++seq, (x += 0.5), 50);
        h.move(1, ++seq, (x += 0.5), 50);
      }
      assert.equal(h.tick().get(1), undefined, `tick ${t}`);
    }
  });

  it('despawns a leaver for the others, and a join and leave in one tick shows nothing', () => {
    const h = new Harness();
    h.join(1, 100);
    h.join(2, 200);
    const joined = h.tick();
    const bId = entityIdOf(joined.get(2));
    h.leave(2);
    assert.deepEqual(h.tick().get(1)?.[0]?.update?.despawns, [bId]);
    h.join(3, 300);
    h.leave(3);
    const quiet = h.tick();
    assert.equal(quiet.get(1), undefined, 'nobody was told about the visitor');
    assert.equal(h.zone.world.entities.size, 1);
  });

  it('keeps one entity per player when the same player joins again', () => {
    const h = new Harness();
    h.join(1, 100);
    h.join(2, 999);
    h.tick();
    h.join(3, 100);
    const rejoined = h.tick();
    assert.equal(h.zone.world.playersById.size, 2);
    assert.equal(h.zone.world.entities.size, 2);
    const news = rejoined.get(2)?.[0]?.update;
    assert.equal(news?.despawns?.length, 1);
    assert.equal(news?.spawns?.length, 1);
    h.leave(1); // the replaced session's leave finds nothing
    h.tick();
    assert.equal(h.zone.world.entities.size, 2);
  });

  it('drops a session whose frames do not fit in the outbound ring', () => {
    const h = new Harness(1024);
    for (let i = 1; i <= 40; i++) h.join(i, i);
    h.tick();
    assert.ok(h.dropped.length > 0, 'some sessions were dropped');
    assert.ok(h.zone.counters.framesRejected > 0);
    h.tick();
    for (const sessionId of h.dropped) assert.equal(h.zone.world.playersBySession.has(sessionId), false);
  });
});

describe('zone sending views every 3 ticks (VIEW_SEND_TICKS=3)', () => {
  const SEND_TICKS = 3;

  it('sends frames on every third tick only, with the moves in between as one delta, and everything else at once', () => {
    const h = new Harness(1 << 20, SEND_TICKS);
    h.join(1, 100);
    h.join(2, 200);
    // Tick 1: the log-ins are answered at once; the views wait for tick 3.
    const first = h.tick();
    const bId = entityIdOf(first.get(2));
    assert.ok(!first.get(1)?.some((m) => m.update), 'no view on tick 1');
    assert.ok(!h.tick().get(1)?.some((m) => m.update), 'nor on tick 2');
    const third = h.tick();
    assert.deepEqual(third.get(1)?.find((m) => m.update)?.update?.spawns?.map((s) => s.entityId), [bId], 'tick 3 shows the other player');

    h.move(2, 1, 50.5, 50, 0);
    assert.equal(h.tick().get(1), undefined, 'tick 4: nothing for the viewer');
    h.move(2, 2, 51, 50.25, 0);
    // A move out of sequence is corrected at once, not at the next send.
    h.move(1, 9, 50, 50, 0);
    h.move(1, 3, 90, 90, 0);
    const fifth = h.tick();
    assert.equal(fifth.get(1)?.length, 1, 'tick 5: the correction alone');
    assert.ok(fifth.get(1)?.[0]?.correction, 'the correction');
    const sixth = h.tick();
    assert.deepEqual(movesOf(sixth.get(1)?.[0]?.update), [{ entityId: bId, mask: MoveField.MOVE_FIELD_POSITION, dxCm: 100, dyCm: 25 }], 'tick 6: both moves as one');
    assert.equal(sixth.get(1)?.[0]?.update?.tick, 6);
  });

  it('shows nobody a player who came and went between two sends, and despawns one who left', () => {
    const h = new Harness(1 << 20, SEND_TICKS);
    h.join(1, 100);
    h.join(2, 200);
    const bId = entityIdOf(h.tick().get(2));
    h.tick();
    h.tick();
    h.join(3, 300);
    h.tick();
    h.leave(3);
    h.leave(2);
    h.tick();
    const sent = h.tick();
    assert.deepEqual(sent.get(1)?.[0]?.update?.despawns, [bId]);
    assert.deepEqual(sent.get(1)?.[0]?.update?.spawns, [], 'the visitor was never shown');
    assert.equal(h.zone.world.entities.size, 1);
  });

  it('keeps every viewer’s picture exact through a long random walk', () => {
    const h = new Harness(1 << 20, SEND_TICKS);
    let seed = 3;
    const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const players = [1, 2, 3, 4, 5];
    for (const id of players) h.join(id, id * 100);
    const clients = new Map(players.map((id) => [id, new KnownWorld()]));
    const at = new Map(players.map((id) => [id, { x: 50, y: 50, seq: 0 }]));
    let frames = 0;
    for (let tick = 1; tick <= 300; tick++) {
      for (const id of players) {
        const p = at.get(id) as { x: number; y: number; seq: number };
        // Within the speed limit: at most 0.45 m a tick, inside the zone.
        p.x = Math.min(99, Math.max(1, p.x + (random() - 0.5) * 0.9));
        p.y = Math.min(99, Math.max(1, p.y + (random() - 0.5) * 0.9));
        h.move(id, ++p.seq, p.x, p.y, random() * 6 - 3);
      }
      for (const [sessionId, messages] of h.tick()) {
        for (const message of messages) {
          if (message.correction) assert.fail(`session ${sessionId} was corrected at tick ${tick}`);
          if (!message.update) continue;
          assert.equal(tick % SEND_TICKS, 0, `a view on tick ${tick}`);
          frames++;
          clients.get(sessionId)?.apply(worldFrameOf(message.update as WorldUpdate));
        }
      }
      if (tick % SEND_TICKS !== 0) continue;
      for (const [sessionId, client] of clients) {
        const viewer = h.zone.world.playersBySession.get(sessionId);
        for (const entity of h.zone.world.entities.values()) {
          if (entity === viewer) continue;
          const known = client.entities.get(entity.id);
          assert.ok(known, `session ${sessionId} knows entity ${entity.id} at tick ${tick}`);
          assert.deepEqual([known.xCm, known.yCm], [Math.round(entity.x * 100), Math.round(entity.y * 100)], `where session ${sessionId} sees entity ${entity.id} at tick ${tick}`);
        }
      }
    }
    assert.equal(frames, (300 / SEND_TICKS) * players.length, 'one frame per viewer per send');
  });
});
