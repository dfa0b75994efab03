/** A border board: the reader gets the latest complete list, skips one being written, and sees a silent writer go stale. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BorderBoard, DEPARTING, type BoardEntry } from '../../src/thread-messages/border-board.ts';

it('hands the reader the latest complete list, field for field', () => {
  const buffer = new SharedArrayBuffer(BorderBoard.bytes(4));
  const writer = new BorderBoard(buffer);
  const reader = new BorderBoard(buffer);
  const into: BoardEntry[] = [];
  assert.equal(reader.read(into, 1000, 1000), -2, 'nothing written yet: no list');
  writer.begin();
  assert.ok(writer.add(7, 1, 0, 42, 1001.25, 2.5, 0.5));
  assert.ok(writer.add(8, 2, DEPARTING, 0, -3, 4, -1));
  assert.equal(reader.read(into, 1000, 1000), -1, 'being written: skipped');
  writer.end(1000);
  assert.equal(reader.read(into, 1000, 1000), 2);
  assert.deepEqual(into.slice(0, 2), [
    { entityId: 7, kind: 1, flags: 0, playerId: 42, x: 1001.25, y: 2.5, heading: 0.5 },
    { entityId: 8, kind: 2, flags: DEPARTING, playerId: 0, x: -3, y: 4, heading: -1 },
  ]);
  writer.begin();
  writer.add(9, 1, 0, 43, 1, 1, 0);
  writer.end(1050);
  assert.equal(reader.read(into, 1100, 1000), 1, 'a new list replaces the old');
  assert.equal(into[0]?.entityId, 9);
  assert.equal(reader.read(into, 2100, 1000), -2, 'a writer silent for longer than staleMs is gone');
});

it('takes no more than its capacity, and a new writer after a dead one starts cleanly', () => {
  const buffer = new SharedArrayBuffer(BorderBoard.bytes(2));
  const writer = new BorderBoard(buffer);
  writer.begin();
  assert.ok(writer.add(1, 1, 0, 0, 0, 0, 0));
  assert.ok(writer.add(2, 1, 0, 0, 0, 0, 0));
  assert.equal(writer.add(3, 1, 0, 0, 0, 0, 0), false, 'full');
  // The writer dies here, mid-list. Its restarted zone attaches the same memory.
  const restarted = new BorderBoard(buffer);
  restarted.begin();
  restarted.add(5, 1, 0, 0, 0, 0, 0);
  restarted.end(10);
  const into: BoardEntry[] = [];
  assert.equal(new BorderBoard(buffer).read(into, 10, 1000), 1);
  assert.equal(into[0]?.entityId, 5);
});
