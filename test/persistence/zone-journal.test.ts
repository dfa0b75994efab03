/**
 * The zone journal on its own, on real files: what a tick writes reads back, a torn batch ends a
 * segment, and segments go once the database has what they hold (and only then).
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, it } from 'node:test';
import { readSegment, type JournalRecord } from '../../src/journal/journal-format.ts';
import { ZoneJournal, type JournaledPlayer } from '../../src/journal/zone-journal.ts';
import { eventually } from '../helpers/wait.ts';

interface TestPlayer extends JournaledPlayer {
  x: number;
  readonly persisted: { epoch: number; version: number; savedVersion: number; journaledVersion: number };
}

const ROTATE_MS = 1_000;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zone-journal-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function player(playerId: number): TestPlayer {
  return { playerId, x: 0, persisted: { epoch: 7, version: 0, savedVersion: 0, journaledVersion: 0 } };
}

function recordOf(p: TestPlayer, into: JournalRecord): void {
  Object.assign(into, { playerId: p.playerId, epoch: p.persisted.epoch, version: p.persisted.version, zoneId: 3, x: p.x, y: 2, heading: 0.5, hp: 90, level: 4, exp: 1234, playTimeS: 60 });
}

function moved(p: TestPlayer, x: number): void {
  p.x = x;
  p.persisted.version++;
}

const segments = (): string[] => readdirSync(dir).sort();
const recordsIn = (name: string) => readSegment(readFileSync(join(dir, name)));

it('journals each changed player once a tick, and reads back what it wrote', () => {
  const journal = new ZoneJournal(dir, 3, ROTATE_MS, 0);
  const [a, b] = [player(1), player(2)];
  moved(a, 10);
  journal.tick([a, b], recordOf, () => false, 50); // b never changed: not journaled
  journal.tick([a, b], recordOf, () => false, 100); // nothing changed since
  moved(a, 11);
  moved(b, 20);
  journal.tick([a, b], recordOf, () => false, 150);
  a.persisted.savedVersion = a.persisted.version + 1; // saved meanwhile (a later change, saved at once)
  a.persisted.version++;
  journal.tick([a, b], recordOf, () => false, 200);
  journal.close();

  assert.deepEqual(segments(), ['zone-3-0000000001.journal']);
  const records = recordsIn('zone-3-0000000001.journal');
  assert.deepEqual(
    records.map((r) => [r.playerId, r.version, r.state.x]),
    [
      [1, 1, 10],
      [1, 2, 11],
      [2, 1, 20],
    ],
  );
  assert.deepEqual(records[0], { playerId: 1, epoch: 7, version: 1, state: { zoneId: 3, x: 10, y: 2, heading: 0.5, hp: 90, level: 4, exp: 1234, playTimeS: 60 } });
  assert.equal(journal.counters.bytes, 3 * 88 + 2 * 16, 'two batches of 16-byte headers and 88-byte records');
});

it('a torn batch ends the segment for the reader: the batches before it are read', () => {
  const journal = new ZoneJournal(dir, 3, ROTATE_MS, 0);
  const a = player(1);
  moved(a, 10);
  journal.tick([a], recordOf, () => false, 50);
  moved(a, 11);
  journal.tick([a], recordOf, () => false, 100);
  journal.close();
  const [name] = segments() as [string];
  const whole = readFileSync(join(dir, name));
  // A crash in the middle of a third batch's write: its header and part of its record.
  appendFileSync(join(dir, name), whole.subarray(0, 16 + 40));
  assert.deepEqual(recordsIn(name).map((r) => r.state.x), [10, 11]);
  // A bit flipped in the second batch fails its CRC: only the first is read.
  const flipped = Buffer.from(whole);
  flipped[whole.length - 10] = (flipped[whole.length - 10] as number) ^ 1;
  assert.deepEqual(readSegment(flipped).map((r) => r.state.x), [10]);
});

it('deletes a closed segment once the database covers it, oldest first, and never before', async () => {
  const journal = new ZoneJournal(dir, 3, ROTATE_MS, 0);
  const a = player(1);
  let savedUpTo = 0;
  const covered = (_playerId: number, _epoch: number, version: number): boolean => version <= savedUpTo;
  let now = 0;
  const tickUntil = (untilMs: number): void => {
    for (; now < untilMs; now += 50) {
      moved(a, now / 100);
      journal.tick([a], recordOf, covered, now);
    }
  };
  // A tick's batch goes in before the segment is closed: segment 1 holds versions 1…21 (0 to
  // 1,000 ms), segment 2 22…41, segment 3 42…61, and segment 4 is open.
  tickUntil(3 * ROTATE_MS + 50);
  assert.deepEqual(segments(), ['zone-3-0000000001.journal', 'zone-3-0000000002.journal', 'zone-3-0000000003.journal', 'zone-3-0000000004.journal'], 'nothing saved: every segment kept');

  savedUpTo = 30; // the database has all of segment 1, not all of segment 2
  tickUntil(4 * ROTATE_MS + 50);
  await eventually(async () => !segments().includes('zone-3-0000000001.journal'), 'segment 1 to be deleted');
  assert.ok(segments().includes('zone-3-0000000002.journal'), 'segment 2 is not covered yet: kept');
  assert.equal(journal.counters.segments, segments().length);

  journal.discard(); // a clean stop: nothing left to replay
  assert.deepEqual(segments(), []);
  assert.equal(journal.counters.segments, 0);
});
