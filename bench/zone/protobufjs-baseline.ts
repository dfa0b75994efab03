/**
 * The zone benchmark's encoding baseline: the same frames the hand-written writer
 * (src/zone/view/world-update-writer.ts) produced in the last tick, built as message objects and
 * encoded by protobufjs's generated code, one per viewer. Returns the bytes, so the benchmark can
 * check the two encoders agree byte for byte, and two times: building the objects from the view
 * tables, and encoding the built objects (protobufjs needs objects, so a server using it would pay
 * both; the encode time alone is the baseline at its best).
 */
import { MoveField, ServerMessage, type ServerMessageInit } from '../../src/protocol/messages.ts';
import type { ViewSystem } from '../../src/zone/view/view-system.ts';
import type { Player } from '../../src/zone/world/world.ts';
import type { Zone } from '../../src/zone/zone.ts';

export interface BaselineFrames {
  readonly buildMs: number;
  readonly encodeMs: number;
  readonly frames: Map<number, Uint8Array>;
}

export function encodeWithProtobufjs(zone: Zone, view: ViewSystem): BaselineFrames {
  const r = view.results;
  const { knownXCm, knownYCm, moveMask, dxCm, dyCm, headingMrad } = view.tables;
  const bySlot = zone.world.bySlot;
  const sessions: number[] = [];
  const messages: ServerMessageInit[] = [];
  const started = performance.now();
  for (let i = 0; i < r.count; i++) {
    const viewer = bySlot[r.viewerSlots[i] as number] as Player;
    const spawns = [];
    for (let k = r.spawnStart[i] as number; k < (r.spawnStart[i + 1] as number); k++) {
      const slot = r.spawnSlots[k] as number;
      const entity = bySlot[slot];
      if (!entity) throw new Error('spawn of a gone entity');
      // Zero scalars left out, as the hand-written writer leaves them out.
      spawns.push({
        entityId: entity.id,
        ...(entity.kind !== 0 && { kind: entity.kind }),
        ...(entity.playerId !== 0 && { playerId: entity.playerId }),
        ...(knownXCm[slot] !== 0 && { xCm: knownXCm[slot] }),
        ...(knownYCm[slot] !== 0 && { yCm: knownYCm[slot] }),
        ...(entity.heading !== 0 && { heading: entity.heading }),
        ...((entity.npcKind ?? 0) !== 0 && { npcKind: entity.npcKind }),
      });
    }
    const moveEntityIds: number[] = [];
    const moveMasks: number[] = [];
    const moveDxCm: number[] = [];
    const moveDyCm: number[] = [];
    const moveHeadingMrad: number[] = [];
    for (let k = r.moveStart[i] as number; k < (r.moveStart[i + 1] as number); k++) {
      const slot = r.moveSlots[k] as number;
      const mask = moveMask[slot] as number;
      moveEntityIds.push((bySlot[slot] as Player).id);
      moveMasks.push(mask);
      if (mask & MoveField.MOVE_FIELD_POSITION) {
        moveDxCm.push(dxCm[slot] as number);
        moveDyCm.push(dyCm[slot] as number);
      }
      if (mask & MoveField.MOVE_FIELD_HEADING) moveHeadingMrad.push(headingMrad[slot] as number);
    }
    const despawns = Array.from(r.despawnIds.subarray(r.despawnStart[i] as number, r.despawnStart[i + 1] as number));
    sessions.push(viewer.sessionId);
    messages.push({ update: { tick: zone.tickNumber, spawns, despawns, moveEntityIds, moveMasks, moveDxCm, moveDyCm, moveHeadingMrad } });
  }
  const built = performance.now();
  const encoded: Uint8Array[] = [];
  for (const message of messages) encoded.push(ServerMessage.encode(message).finish());
  const finished = performance.now();
  const frames = new Map<number, Uint8Array>();
  encoded.forEach((bytes, i) => frames.set(sessions[i] as number, bytes));
  return { buildMs: built - started, encodeMs: finished - built, frames };
}
