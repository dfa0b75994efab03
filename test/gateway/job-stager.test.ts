/** The per-turn job batch: order, refusals, and answers that re-enter the stager. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { JobStager, type RefusedJob } from '../../src/gateway/job-stager.ts';
import { JobKind, JobReader, type MoveJob } from '../../src/thread-messages/jobs.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';

const LEAVER_BASE = 100_000;

it('writes every job whole and in order, and refuses the rest, when answering refusals re-enters the stager', () => {
  const ring = RingBuffer.create(1024);
  const refusedMoves: RefusedJob[] = [];
  const stager: JobStager = new JobStager(
    () => ring,
    (_written, refused) => {
      const moves = refused.filter((job) => job.kind === JobKind.MOVE);
      refusedMoves.push(...moves);
      // What the gateway does when a refusal ends a slow session: stage its LEAVE, from inside
      // the add() that triggered the flush. One per flush, so that the job staged right after
      // it fits in the small ring at the next flush and can be checked.
      const first = moves[0];
      if (first) stager.addLeave(LEAVER_BASE + first.sessionId);
    },
  );

  const reader = new JobReader();
  const move: MoveJob = { seq: 0, x: 0, y: 0, heading: 0, clientTimeMs: 0 };
  const seen: { key: number; kind: number; length: number; move: MoveJob | undefined }[] = [];
  const drain = (): void => {
    ring.drainRaw((key, data, offset, length) => {
      const kind = reader.kind(data, offset, length);
      seen.push({ key, kind, length, move: kind === JobKind.MOVE ? { ...reader.move(data, offset, move) } : undefined });
    });
  };

  // Enough moves that the 64 KiB batch fills (and flushes from inside add) more than once.
  for (let session = 1; session <= 4000; session++) {
    stager.addMove(session, session, 1.5, 2.5, 0.25, session * 10);
    if (session % 500 === 0) drain();
  }
  drain();
  while (stager.size > 0) {
    stager.flush();
    drain();
  }

  assert.ok(refusedMoves.length > 0, 'the small ring refused some moves');
  assert.ok(seen.some((record) => record.kind === JobKind.MOVE), 'some moves went in');
  for (const record of seen) {
    if (record.key < LEAVER_BASE) {
      assert.equal(record.kind, JobKind.MOVE, `session ${record.key} sent a move, and a move arrived`);
      assert.equal(record.length, 32);
      assert.deepEqual(record.move, { seq: record.key, x: 1.5, y: 2.5, heading: 0.25, clientTimeMs: record.key * 10 });
    } else {
      assert.equal(record.kind, JobKind.LEAVE);
      assert.equal(record.length, 1);
    }
  }
  const written = seen.filter((record) => record.key < LEAVER_BASE).map((record) => record.key);
  assert.deepEqual(written, [...written].sort((a, b) => a - b), 'moves arrive in the order they were staged');
  const refusedIds = new Set(refusedMoves.map((job) => job.sessionId));
  for (const key of written) assert.ok(!refusedIds.has(key), `move ${key} was not both refused and written`);
  assert.equal(written.length + refusedIds.size, 4000, 'every move was either written or refused');
});
