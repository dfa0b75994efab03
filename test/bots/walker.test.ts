import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterCentre, clusterOf, Walker, type Point } from '../../bench/bots/walker.ts';

/** A repeatable stand-in for Math.random. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const layout = { size: 50, radius: 20, spacing: 100 };

describe('bots walker', () => {
  it('numbers clusters from the zone centre outwards, each zone\'s consecutive bots together', () => {
    assert.deepEqual(clusterCentre(0, 1000, 1000, layout), { x: 500, y: 500 });
    for (let c = 1; c <= 8; c++) {
      const { x, y } = clusterCentre(c, 1000, 1000, layout);
      assert.equal(Math.max(Math.abs(x - 500), Math.abs(y - 500)), 100, `cluster ${c} is in the first ring`);
    }
    // Four zones: ids 1, 5, 9 … are zone 1's bots 0, 1, 2 …; its 50th bot (id 201) opens cluster 1.
    assert.equal(clusterOf(197, 1, 4, 50), 0);
    assert.equal(clusterOf(201, 1, 4, 50), 1);
    assert.equal(clusterOf(204, 1, 4, 50), 1);
  });

  it('walks home in steps of its step length, then wanders without leaving the disc', () => {
    const home = clusterCentre(3, 1000, 1000, layout);
    const walker = new Walker(home, layout.radius, 0.4, { x: 1000, y: 1000 }, seeded(7));
    let at: Point = { x: 500, y: 500 };
    let steps = 0;
    while (!walker.isHome(at)) {
      const next = walker.next(at);
      assert.ok(Math.abs(Math.hypot(next.x - at.x, next.y - at.y) - 0.4) < 1e-9);
      at = next;
      assert.ok(++steps < 1000, 'reached home');
    }
    for (let i = 0; i < 5000; i++) {
      const next = walker.next(at);
      assert.ok(Math.abs(Math.hypot(next.x - at.x, next.y - at.y) - 0.4) < 1e-9, 'every step moves by the step length');
      assert.ok(walker.isHome(next), `step ${i} stays within ${layout.radius} m`);
      at = next;
    }
  });

  it('keeps clusters inside a small zone', () => {
    for (let c = 0; c < 20; c++) {
      const { x, y } = clusterCentre(c, 150, 150, layout);
      assert.ok(x >= layout.radius && x <= 150 - layout.radius && y >= layout.radius && y <= 150 - layout.radius, `cluster ${c} at ${x},${y}`);
    }
  });
});
