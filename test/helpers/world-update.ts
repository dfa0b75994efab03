/** Reads the packed move columns of a decoded WorldUpdate back into one record per entity. */
import { MoveField } from '../../src/protocol/messages.ts';
import type { zone } from '../../src/protocol/generated/zone.js';

type WorldUpdateInit = zone.v1.WorldUpdate.$Properties;

export interface DecodedMove {
  entityId: number;
  mask: number;
  dxCm?: number;
  dyCm?: number;
  headingMrad?: number;
}

export function movesOf(update: WorldUpdateInit | null | undefined): DecodedMove[] {
  if (!update) return [];
  const moves: DecodedMove[] = [];
  let position = 0;
  let heading = 0;
  (update.moveEntityIds ?? []).forEach((entityId, i) => {
    const mask = update.moveMasks?.[i] ?? 0;
    const move: DecodedMove = { entityId, mask };
    if (mask & MoveField.MOVE_FIELD_POSITION) {
      move.dxCm = update.moveDxCm?.[position];
      move.dyCm = update.moveDyCm?.[position++];
    }
    if (mask & MoveField.MOVE_FIELD_HEADING) move.headingMrad = update.moveHeadingMrad?.[heading++];
    moves.push(move);
  });
  return moves;
}
