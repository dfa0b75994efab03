/** The SDK's id → slot table agrees with a Map through any mix of sets, deletes and growth. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SlotTable } from '../../src/client/slot-table.ts';

it('answers as a Map does through 200,000 random sets, deletes and lookups, growing from 16 cells', () => {
  const table = new SlotTable(4);
  const map = new Map<number, number>();
  let seed = 7;
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 200_000; i++) {
    // Ids in runs and scattered, up to the top of uint32.
    const id = random() < 0.8 ? 1 + Math.floor(random() * 600) : 1 + Math.floor(random() * 0xfffffffe);
    const op = random();
    if (op < 0.45) {
      table.set(id, i);
      map.set(id, i);
    } else if (op < 0.8) {
      table.delete(id);
      map.delete(id);
    } else {
      assert.equal(table.get(id), map.get(id) ?? -1, `lookup ${i} of id ${id}`);
    }
    assert.equal(table.size, map.size, `size after step ${i}`);
  }
  for (const [id, slot] of map) assert.equal(table.get(id), slot);
  table.clear();
  assert.equal(table.size, 0);
  for (const id of map.keys()) assert.equal(table.get(id), -1);
});
