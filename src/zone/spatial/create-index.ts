/**
 * Which spatial index a zone uses (bench/README.md, "Spatial index"). The uniform grid was
 * faster than the quadtree in every measured case, uniform and clustered, so it is the default;
 * but its per-tick re-sort walks every cell, so a zone too large for its cell size (more than
 * MAX_GRID_CELLS cells) gets the quadtree, whose cost does not grow with the zone's area.
 */
import type { SpatialIndexKind } from '../../config/config.ts';
import { PaddedIndex } from './padded-index.ts';
import { Quadtree } from './quadtree.ts';
import type { SpatialIndex } from './spatial-index.ts';
import { UniformGrid } from './uniform-grid.ts';
import type { ZoneConfig } from '../../config/world.ts';

/** About 1.3 ms of re-sorting per tick at this many cells (npm run bench:spatial-upkeep). */
const MAX_GRID_CELLS = 1_000_000;

/**
 * `queryRadiusM`: the radius the view system queries with (view radius plus margin). `padM`: how
 * far outside the zone's bounds an entity may stand (padded-index.ts); 0 for none.
 */
export function createSpatialIndex(kind: SpatialIndexKind, zone: Pick<ZoneConfig, 'widthM' | 'heightM'>, queryRadiusM: number, padM = 0): SpatialIndex {
  const widthM = zone.widthM + 2 * padM;
  const heightM = zone.heightM + 2 * padM;
  // Half the query radius was within 9% of the best cell size in every measured spread.
  const cellSizeM = queryRadiusM / 2;
  const cells = Math.ceil(widthM / cellSizeM) * Math.ceil(heightM / cellSizeM);
  const index = kind === 'grid' || (kind === 'auto' && cells <= MAX_GRID_CELLS) ? new UniformGrid(widthM, heightM, cellSizeM) : new Quadtree(widthM, heightM);
  return padM > 0 ? new PaddedIndex(index, padM) : index;
}
