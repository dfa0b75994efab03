/**
 * Which spatial index a zone uses (bench/README.md, "Spatial index"). The uniform grid was
 * faster than the quadtree in every measured case, uniform and clustered, so it is the default;
 * but its per-tick re-sort walks every cell, so a zone too large for its cell size (more than
 * MAX_GRID_CELLS cells) gets the quadtree, whose cost does not grow with the zone's area.
 */
import type { SpatialIndexKind } from '../../config/config.ts';
import { Quadtree } from './quadtree.ts';
import type { SpatialIndex } from './spatial-index.ts';
import { UniformGrid } from './uniform-grid.ts';
import type { ZoneConfig } from '../../config/world.ts';

/** About 1.3 ms of re-sorting per tick at this many cells (npm run bench:spatial-upkeep). */
const MAX_GRID_CELLS = 1_000_000;

/** `queryRadiusM`: the radius the view system queries with (view radius plus margin). */
export function createSpatialIndex(kind: SpatialIndexKind, zone: Pick<ZoneConfig, 'widthM' | 'heightM'>, queryRadiusM: number): SpatialIndex {
  // Half the query radius was within 9% of the best cell size in every measured spread.
  const cellSizeM = queryRadiusM / 2;
  const cells = Math.ceil(zone.widthM / cellSizeM) * Math.ceil(zone.heightM / cellSizeM);
  if (kind === 'grid' || (kind === 'auto' && cells <= MAX_GRID_CELLS)) return new UniformGrid(zone.widthM, zone.heightM, cellSizeM);
  return new Quadtree(zone.widthM, zone.heightM);
}
