/**
 * The wire protocol's generated types and codecs (package zone.v1, from proto/), re-exported
 * under short names. Runs in every thread and in browsers: nothing Node-only here.
 */
import './numbers-not-longs.ts';
import { zone } from './generated/zone.js';

export const ClientMessage = zone.v1.ClientMessage;
export type ClientMessage = zone.v1.ClientMessage;
export type ClientMessageInit = zone.v1.ClientMessage.$Properties;
export const ServerMessage = zone.v1.ServerMessage;
export type ServerMessage = zone.v1.ServerMessage;
export type ServerMessageInit = zone.v1.ServerMessage.$Properties;

export type LoginRequest = zone.v1.LoginRequest;
export type MoveRequest = zone.v1.MoveRequest;
export type CreateCharacterRequest = zone.v1.CreateCharacterRequest;
export type LoginAccepted = zone.v1.LoginAccepted;
export type WorldUpdate = zone.v1.WorldUpdate;
export const EntitySpawn = zone.v1.EntitySpawn;
export type EntitySpawn = zone.v1.EntitySpawn;
export type MoveCorrection = zone.v1.MoveCorrection;
export type ServerError = zone.v1.Error;
export type Pong = zone.v1.Pong;
export type InventoryUpdate = zone.v1.InventoryUpdate;
export type CharacterStats = zone.v1.CharacterStats;
export type TradeUpdate = zone.v1.TradeUpdate;
export type TradeResult = zone.v1.TradeResult;
export type Mailbox = zone.v1.Mailbox;
export type MailResult = zone.v1.MailResult;
export type ChatSend = zone.v1.ChatSend;
export type ChatMessage = zone.v1.ChatMessage;
export type ZoneChanged = zone.v1.ZoneChanged;

export const ErrorCode = zone.v1.ErrorCode;
export type ErrorCode = zone.v1.ErrorCode;
export const EntityKind = zone.v1.EntityKind;
export type EntityKind = zone.v1.EntityKind;
export const ChatChannel = zone.v1.ChatChannel;
export type ChatChannel = zone.v1.ChatChannel;
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

/**
 * The correction that tells a client the server put its player at (x, y) in world metres, facing
 * `heading` (an operator's teleport, a game's respawn); `seq` is its last move applied.
 */
export function teleportedCorrection(seq: number, x: number, y: number, heading: number): NonNullable<ServerMessageInit['correction']> {
  return { seq, reason: MoveRejectReason.MOVE_REJECT_REASON_TELEPORTED, xCm: toCentimetres(x), yCm: toCentimetres(y), heading };
}

/** Headings in moves travel as whole milliradians in [-3142, 3142] (sint32, two bytes). */
export function toMilliradians(radians: number): number {
  // Into (-π, π] first, so that the value stays small whatever turns the client made.
  const turns = radians / (2 * Math.PI);
  return Math.round((turns - Math.round(turns)) * 2 * Math.PI * 1000);
}

export function encodeServerMessage(message: ServerMessageInit): Uint8Array {
  return ServerMessage.encode(message).finish();
}
