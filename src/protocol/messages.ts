/**
 * The wire protocol's generated types and codecs (package zone.v1, from proto/), re-exported
 * under short names. Runs in every thread and in browsers: nothing Node-only here.
 */
import protobuf from 'protobufjs/minimal.js';
import { zone } from './generated/zone.js';

// 64-bit fields (player ids) decode as plain numbers, not Long objects: ids are kept within
// Number.MAX_SAFE_INTEGER (tokens refuse larger ones), and plain numbers compare with ===.
protobuf.util.Long = undefined as never;
protobuf.configure();

export const v1 = zone.v1;

export const ClientMessage = zone.v1.ClientMessage;
export type ClientMessage = zone.v1.ClientMessage;
export type ClientMessageInit = zone.v1.ClientMessage.$Properties;
export const ServerMessage = zone.v1.ServerMessage;
export type ServerMessage = zone.v1.ServerMessage;
export type ServerMessageInit = zone.v1.ServerMessage.$Properties;

export type LoginRequest = zone.v1.LoginRequest;
export type MoveRequest = zone.v1.MoveRequest;
export type LoginAccepted = zone.v1.LoginAccepted;
export type WorldUpdate = zone.v1.WorldUpdate;
export type EntitySpawn = zone.v1.EntitySpawn;
export type EntityMove = zone.v1.EntityMove;
export type EntitySpawnInit = zone.v1.EntitySpawn.$Properties;
export type EntityMoveInit = zone.v1.EntityMove.$Properties;
export type MoveCorrection = zone.v1.MoveCorrection;
export type ServerError = zone.v1.Error;
export type Pong = zone.v1.Pong;

export const ErrorCode = zone.v1.ErrorCode;
export type ErrorCode = zone.v1.ErrorCode;
export const EntityKind = zone.v1.EntityKind;
export type EntityKind = zone.v1.EntityKind;
export const MoveField = zone.v1.MoveField;
export const MoveRejectReason = zone.v1.MoveRejectReason;
export type MoveRejectReason = zone.v1.MoveRejectReason;

/** The protocol version this build speaks; LoginRequest.protocol_version must equal it. */
export const PROTOCOL_VERSION: number = zone.v1.ProtocolVersion.PROTOCOL_VERSION_CURRENT;

/** Positions travel as whole centimetres (sint32): 1 cm precision, ±21,474 km of range. */
export const CM_PER_METRE = 100;

export function toCentimetres(metres: number): number {
  return Math.round(metres * CM_PER_METRE);
}

export function encodeServerMessage(message: ServerMessageInit): Uint8Array {
  return ServerMessage.encode(message).finish();
}

export function encodeClientMessage(message: ClientMessageInit): Uint8Array {
  return ClientMessage.encode(message).finish();
}
