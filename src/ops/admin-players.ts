/**
 * The admin API's players:
 *   GET    /admin/players/{id}          the player: live from its zone when online, else as the
 *                                       database has it (player-view.ts)
 *   PATCH  /admin/players/{id}          {x, y, heading, hp, level, exp}, any of them (x and y
 *                                       together, world coordinates): through its zone when
 *                                       online, seen by the player at once; in the database when
 *                                       offline, refused while another node owns the row
 *   POST   /admin/players/{id}/kick     {reason}: ends its session, the client shown the reason
 *   POST   /admin/players/{id}/isolate  ends its session, waits for its final write, and locks the
 *                                       character: no log-in, no server writes it
 *   DELETE /admin/players/{id}/isolate  releases it: the next log-in loads what the row holds
 */
import { OpsLimits } from '../config/limits.ts';
import type { AdminWriteResult } from '../storage/admin-store.ts';
import type { PlayerChange } from '../thread-messages/zone-control.ts';
import { AdminErrors, failure, InvalidRequest, ok, type Answer } from './admin-answers.ts';
import type { AdminActions, ChangeAnswer, IsolateAnswer } from './admin-actions.ts';
import type { AdminCall, AdminRoute } from './admin-api.ts';

const PLAYER = /^\/admin\/players\/([^/]+)$/;
const KICK = /^\/admin\/players\/([^/]+)\/kick$/;
const ISOLATION = /^\/admin\/players\/([^/]+)\/isolate$/;

/** The largest hp and level (INT columns) and experience (exact in JavaScript). */
const MAX_INT = 2_147_483_647;

export const playerRoutes: readonly AdminRoute[] = [
  { method: 'GET', path: PLAYER, handle: showPlayer },
  { method: 'PATCH', path: PLAYER, action: 'player.change', takesBody: true, handle: changePlayer },
  { method: 'POST', path: KICK, action: 'player.kick', takesBody: true, handle: kick },
  { method: 'POST', path: ISOLATION, action: 'player.isolate', takesBody: true, handle: isolate },
  { method: 'DELETE', path: ISOLATION, action: 'player.release', handle: release },
];

/** The player id of the path, or an InvalidRequest. */
export function playerIdOf(text: string | undefined): number {
  const playerId = Number(text);
  if (text !== undefined && /^\d+$/.test(text) && Number.isSafeInteger(playerId) && playerId >= 1) return playerId;
  throw new InvalidRequest(`a player id is a positive whole number, not "${text}"`);
}

async function showPlayer(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const playerId = playerIdOf(call.params[0]);
  try {
    const view = await actions.player(playerId);
    return view ? ok({ ...view }) : notFound(playerId);
  } catch (err) {
    call.log.warn({ err, playerId }, 'player view failed');
    return unavailable('the player could not be read; try again');
  }
}

async function changePlayer(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const playerId = playerIdOf(call.params[0]);
  const change = changeOf(call.body);
  let answer: ChangeAnswer;
  try {
    answer = await actions.changePlayer(playerId, change, call.audit(playerId));
  } catch (err) {
    call.log.warn({ err, playerId }, 'player change failed');
    return unavailable('the change could not be made; look at the player and try again');
  }
  call.log.info({ playerId, change, ...answer }, 'player change');
  if (!answer.ok) return { ...refusal(playerId, answer.reason, answer.ownerNode), audited: answer.audited };
  return { ...(await viewAfter(actions, playerId, { source: answer.source })), audited: answer.audited };
}

async function kick(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const playerId = playerIdOf(call.params[0]);
  call.audit(playerId);
  const reason = call.body.reason;
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > OpsLimits.maxKickReasonChars) {
    throw new InvalidRequest(`"reason" must be a text of 1 to ${OpsLimits.maxKickReasonChars} characters`);
  }
  if (!actions.kick(playerId, reason)) return failure(409, AdminErrors.playerNotOnline, `player ${playerId} has no session`);
  call.log.info({ playerId, reason }, 'kicked');
  return ok({ playerId });
}

async function isolate(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const playerId = playerIdOf(call.params[0]);
  let answer: IsolateAnswer;
  try {
    answer = await actions.isolate(playerId, call.audit(playerId));
  } catch (err) {
    call.log.warn({ err, playerId }, 'isolation failed');
    return unavailable('the player could not be isolated; try again');
  }
  if (answer === 'late') return failure(409, AdminErrors.playerBusy, `player ${playerId}'s last state is still being written: try again shortly`);
  call.log.info({ playerId, ok: answer.ok, wasOnline: answer.wasOnline }, 'isolate');
  if (!answer.ok) return { ...written(answer), audited: true };
  return { ...ok({ playerId, isolated: true, wasOnline: answer.wasOnline }), audited: true };
}

async function release(call: AdminCall, actions: AdminActions): Promise<Answer> {
  const playerId = playerIdOf(call.params[0]);
  let result: AdminWriteResult;
  try {
    result = await actions.releaseIsolation(playerId, call.audit(playerId));
  } catch (err) {
    call.log.warn({ err, playerId }, 'release failed');
    return unavailable('the player could not be released; try again');
  }
  call.log.info({ playerId, ok: result.ok }, 'release');
  return { ...written(result), audited: true };
}

/** The answer to a store's write. */
function written(result: AdminWriteResult): Answer {
  return result.ok ? ok({ playerId: result.playerId, isolated: result.isolated }) : refusal(result.playerId, result.reason, result.ownerNode);
}

/** The player as it is after a change, and where the change was made. */
async function viewAfter(actions: AdminActions, playerId: number, extra: Record<string, unknown>): Promise<Answer> {
  const view = await actions.player(playerId).catch(() => undefined);
  return ok({ playerId, ...extra, player: view ?? null });
}

function refusal(playerId: number, reason: Extract<ChangeAnswer, { ok: false }>['reason'], ownerNode?: string | null): Answer {
  switch (reason) {
    case 'PLAYER_NOT_FOUND':
      return notFound(playerId);
    case 'PLAYER_ONLINE':
      return failure(409, AdminErrors.playerOnline, `player ${playerId} is online${ownerNode ? ` on node ${ownerNode}` : ''}: change it there, or try again once it is offline`, { ownerNode: ownerNode ?? null });
    case 'PLAYER_ISOLATED':
      return failure(409, AdminErrors.playerIsolated, `player ${playerId} is isolated: release it first (DELETE /admin/players/${playerId}/isolate), or edit its row by hand`);
    case 'PLAYER_BUSY':
      return failure(409, AdminErrors.playerBusy, `player ${playerId} is changing zones or leaving: try again shortly`);
    case 'OUTSIDE_WORLD':
      return failure(400, AdminErrors.invalidRequest, 'the point (x, y) lies in no zone of the world');
  }
}

function notFound(playerId: number): Answer {
  return failure(404, AdminErrors.playerNotFound, `player ${playerId} has no character`);
}

function unavailable(error: string): Answer {
  return failure(503, AdminErrors.storageUnavailable, error);
}

/** A PATCH body as a change, or an InvalidRequest naming what is wrong with it. */
function changeOf(body: Readonly<Record<string, unknown>>): PlayerChange {
  const known = ['x', 'y', 'heading', 'hp', 'level', 'exp'];
  const unknown = Object.keys(body).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new InvalidRequest(`unknown fields: ${unknown.join(', ')} (a change may set ${known.join(', ')})`);
  if (Object.keys(body).length === 0) throw new InvalidRequest(`nothing to change: set any of ${known.join(', ')}`);
  if ((body.x === undefined) !== (body.y === undefined)) throw new InvalidRequest('"x" and "y" go together: a teleport names both');
  const finite = (name: string): number | undefined => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidRequest(`"${name}" must be a finite number`);
    return value;
  };
  const whole = (name: string, min: number, max: number): number | undefined => {
    const value = body[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new InvalidRequest(`"${name}" must be a whole number from ${min} to ${max}`);
    return value;
  };
  return { x: finite('x'), y: finite('y'), heading: finite('heading'), hp: whole('hp', 0, MAX_INT), level: whole('level', 1, MAX_INT), exp: whole('exp', 0, Number.MAX_SAFE_INTEGER) };
}
