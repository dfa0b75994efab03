/**
 * Which spatial index a zone uses (bench/README.md, "Spatial index"). Both get the radius the
 * view system queries with: the grid's cells are half of it, and the quadtree's directory cells
 * about half of it (quadtree.ts). The quadtree is the default: it measured as fast as the grid
 * on the whole zone tick, and its directory stops growing past 256 × 256 cells, so its cost does
 * not grow with a zone's area.
 */
import type { SpatialIndexKind } from '../../config/config.ts';
import { PaddedIndex } from './padded-index.ts';
import { Quadtree } from './quadtree.ts';
import type { SpatialIndex } from './spatial-index.ts';
import { UniformGrid } from './uniform-grid.ts';
import type { ZoneConfig } from '../../config/world.ts';

/**
 * `queryRadiusM`: the radius the view system queries with (view radius plus margin). `padM`: how
 * far outside the zone's bounds an entity may stand (padded-index.ts); 0 for none.
 */
export function createSpatialIndex(kind: SpatialIndexKind, zone: Pick<ZoneConfig, 'widthM' | 'heightM'>, queryRadiusM: number, padM = 0): SpatialIndex {
  const widthM = zone.widthM + 2 * padM;
  const heightM = zone.heightM + 2 * padM;
  // Half the query radius was within 9% of the best cell size in every measured spread.
  const index = kind === 'grid' ? new UniformGrid(widthM, heightM, queryRadiusM / 2) : new Quadtree(widthM, heightM, { queryRadiusM });
  return padM > 0 ? new PaddedIndex(index, padM) : index;
}
