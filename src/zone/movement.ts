/**
 * Authoritative movement (R6): a move is checked for finite values, sequence, bounds and speed.
 * Positions are the zone's own coordinates.
 *
 * Speed is checked against a distance budget rather than per move: the budget fills at
 * maxSpeed × tolerance metres per second of zone time, up to one second's worth, and each
 * accepted move spends its distance. Moves that network jitter bunches into one tick are then
 * judged by the time that really passed, and a client cannot bank more than a second of travel.
 */
import { MoveRejectReason } from '../protocol/messages.ts';
import type { MoveJob } from '../thread-messages/jobs.ts';
import type { Player } from './world/world.ts';
import { ZoneLimits } from '../config/limits.ts';

export interface MoveRules {
  readonly maxSpeedMps: number;
  readonly speedTolerance: number;
  /** Whether a move may end there: inside the zone, or across a border (crossings.ts). */
  allows(x: number, y: number): boolean;
}

export function fullMoveBudget(rules: MoveRules): number {
  return rules.maxSpeedMps * rules.speedTolerance * ZoneLimits.moveBudgetS;
}

/** Returns 0 (MOVE_REJECT_REASON_UNSPECIFIED) for a valid move, after spending its budget. */
export function checkMove(player: Player, move: MoveJob, nowMs: number, rules: MoveRules): MoveRejectReason {
  if (!Number.isFinite(move.x) || !Number.isFinite(move.y) || !Number.isFinite(move.heading)) {
    return MoveRejectReason.MOVE_REJECT_REASON_INVALID_VALUE;
  }
  if (move.seq <= player.lastMoveSeq) return MoveRejectReason.MOVE_REJECT_REASON_OUT_OF_SEQUENCE;
  player.lastMoveSeq = move.seq;
  if (!rules.allows(move.x, move.y)) return MoveRejectReason.MOVE_REJECT_REASON_OUT_OF_BOUNDS;
  const full = fullMoveBudget(rules);
  const elapsedS = Math.max(0, nowMs - player.budgetAtMs) / 1000;
  player.moveBudgetM = Math.min(full, player.moveBudgetM + elapsedS * rules.maxSpeedMps * rules.speedTolerance);
  player.budgetAtMs = nowMs;
  const distance = Math.hypot(move.x - player.x, move.y - player.y);
  if (distance > player.moveBudgetM) return MoveRejectReason.MOVE_REJECT_REASON_TOO_FAST;
  player.moveBudgetM -= distance;
  return MoveRejectReason.MOVE_REJECT_REASON_UNSPECIFIED;
}
