/**
 * The counting sort both indexes rebuild with (uniform-grid.ts, and quadtree.ts's directory):
 * the live points filed by square cell, cells numbered row by row, so that cell c's points end up
 * in sorted*[cellStart[c] .. cellStart[c + 1]). O(points + cells), nothing allocated.
 */
import type { PointSet } from './point-set.ts';

/** The cells: their side and how many columns and rows cover the world. */
export interface CellLayout {
  readonly cellSizeM: number;
  readonly columns: number;
  readonly rows: number;
}

/** Where the sort writes: `cellStart` has columns × rows + 1 entries; the others hold a slot per live point. */
export interface CellSortArrays {
  readonly cellStart: Int32Array;
  /** Scratch: the cell of live[i]. */
  readonly cellOfLive: Int32Array;
  readonly sortedSlots: Int32Array;
  readonly sortedX: Float64Array;
  readonly sortedY: Float64Array;
}

export function sortByCell(points: PointSet, layout: CellLayout, into: CellSortArrays): void {
  const { live, xs, ys, size } = points;
  const { cellSizeM, columns } = layout;
  const { cellStart, cellOfLive, sortedSlots, sortedX, sortedY } = into;
  const cells = cellStart.length - 1;
  const lastColumn = columns - 1;
  const lastRow = layout.rows - 1;
  cellStart.fill(0);
  for (let i = 0; i < size; i++) {
    const slot = live[i] as number;
    // min(): a point on the far edge (x = width) belongs to the last cell.
    const column = Math.min(lastColumn, Math.floor((xs[slot] as number) / cellSizeM));
    const row = Math.min(lastRow, Math.floor((ys[slot] as number) / cellSizeM));
    const cell = row * columns + column;
    cellOfLive[i] = cell;
    cellStart[cell] = (cellStart[cell] as number) + 1;
  }
  // Running sum: cellStart[c] becomes the end of cell c. Filling each cell from its end backwards
  // then leaves cellStart[c] at the cell's beginning.
  let sum = 0;
  for (let cell = 0; cell < cells; cell++) {
    sum += cellStart[cell] as number;
    cellStart[cell] = sum;
  }
  cellStart[cells] = size;
  for (let i = size - 1; i >= 0; i--) {
    const cell = cellOfLive[i] as number;
    const at = (cellStart[cell] as number) - 1;
    cellStart[cell] = at;
    const slot = live[i] as number;
    sortedSlots[at] = slot;
    sortedX[at] = xs[slot] as number;
    sortedY[at] = ys[slot] as number;
  }
}
