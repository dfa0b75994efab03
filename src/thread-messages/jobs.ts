/**
 * Binary layout of the job records the gateway writes into a zone's inbound ring (the ring
 * record's key is the session id). Fixed little-endian layouts read with a DataView: the zone
 * never decodes protobuf for a job, and the gateway never allocates to write one.
 *
 *   JOIN  [u8 kind][3 pad][u32 hp][f64 playerId][f64 epoch][f64 x][f64 y][f64 heading]
 *         [f64 exp][f64 playTimeS][u32 level][4 pad]                                 72 bytes
 *   LEAVE [u8 kind]                                                                 1 byte
 *   MOVE  [u8 kind][3 pad][u32 seq][f32 x][f32 y][f32 heading][4 pad][f64 clientTimeMs] 32 bytes
 *   ECONOMY [u8 kind][u8 action][2 pad][u32 seq][f64 target][f64 gold][u32 n][4 pad]
 *           [f64 clientKey][f64 itemId × n]                              40 + 8n bytes, n ≤ 32
 *           target: the trade partner's entity id (TRADE_OPEN), the mail's recipient
 *           (MAIL_SEND) or the mail's id (MAIL_CLAIM), else 0; gold: offered or sent;
 *           clientKey: the client's idempotency key (MAIL_SEND), else 0
 *   CHAT  [u8 kind][u8 channel][u16 name bytes][u32 seq][f64 fromPlayerId][u32 text bytes]
 *         [4 pad][name, UTF-8][text, UTF-8]                          24 + name + text bytes
 *         the record's key: the speaker's session (say, zone), the listener's (whisper), or 0
 *         (system, to everyone in the zone)
 *   ARRIVE [u8 kind][u8 flags][2 pad][u32 entityId][f64 playerId][f64 epoch][f64 x][f64 y]
 *          [f64 heading][u32 hp][u32 level][f64 exp][f64 playTimeS][u32 lastMoveSeq][4 pad]
 *          [f64 moveBudgetM][f64 version][f64 savedVersion][f64 gold][u32 n][u32 k]
 *          [f64 handedOverAtMs][f64 itemId, f64 templateId, f64 count] × n [u32 entityId] × k
 *                                                                       128 + 24n + 4k bytes
 *          a player handed over from another zone, with all its state (flags: ARRIVE_BY_PORTAL,
 *          ARRIVE_WITH_INVENTORY); x and y are in the new zone's coordinates; the k entity ids
 *          are those the player's client knows (it saw them in the old zone)
 *   FENCE  [u8 kind]                                                                1 byte
 *          the session's last job for a zone that has handed its player over: the zone sends
 *          the session's jobs it took since the hand-over on to the new zone (zone-control.ts)
 *   RESUME [u8 kind]                                                                1 byte
 *          the session's client came back on a new connection: the zone tells it where it is
 *          and shows it everything afresh
 *   GAME   [u8 kind][3 pad][u32 seq][u32 action kind][u32 payload bytes][payload]  16 + n bytes
 *          an action for the game module (game/), its payload as the client sent it
 */
import { EconomyLimits } from '../config/limits.ts';

export const JobKind = Object.freeze({ JOIN: 1, LEAVE: 2, MOVE: 3, ECONOMY: 4, CHAT: 5, ARRIVE: 6, FENCE: 7, RESUME: 8, GAME: 9 } as const);
export type JobKind = (typeof JobKind)[keyof typeof JobKind];

export const JOIN_JOB_BYTES = 72;
export const LEAVE_JOB_BYTES = 1;
export const MOVE_JOB_BYTES = 32;
export const FENCE_JOB_BYTES = 1;
const ARRIVE_JOB_HEADER_BYTES = 128;
const ARRIVE_ITEM_BYTES = 24;
export const ARRIVE_BY_PORTAL = 1;
export const ARRIVE_WITH_INVENTORY = 2;
const ECONOMY_JOB_HEADER_BYTES = 40;
/** Item ids per trade offer or mail: the economy's own limit per operation. */
const MAX_ECONOMY_ITEMS = EconomyLimits.maxItemsPerOp;
const MAX_JOB_BYTES = ECONOMY_JOB_HEADER_BYTES + 8 * MAX_ECONOMY_ITEMS;

export const EconomyAction = Object.freeze({
  TRADE_OPEN: 1,
  TRADE_OFFER: 2,
  TRADE_LOCK: 3,
  TRADE_ACCEPT: 4,
  TRADE_CANCEL: 5,
  MAIL_SEND: 6,
  MAIL_LIST: 7,
  MAIL_CLAIM: 8,
} as const);
export type EconomyAction = (typeof EconomyAction)[keyof typeof EconomyAction];

/** A player's trade or mail request, as the zone reads it. */
export interface EconomyJob {
  action: number;
  seq: number;
  target: number;
  gold: number;
  itemIds: number[];
  /** The client's idempotency key for the request; 0: none. */
  clientKey: number;
}

/** A chat message on its way to the zone that delivers it; `channel` is a ChatChannel. */
export interface ChatJob {
  channel: number;
  seq: number;
  /** The speaker; 0 and '' for system messages. */
  fromPlayerId: number;
  fromName: string;
  text: string;
}

/** A player's action for the game module. */
export interface GameActionJob {
  seq: number;
  /** The action's number, as the module declares it. */
  gameAction: number;
  /** Its message, still encoded. */
  payload: Uint8Array;
}

const GAME_JOB_HEADER_BYTES = 16;

/** A GAME job's bytes (each gets its own buffer: an action is a request, not a move). */
export function gameJobBytes(job: GameActionJob): Uint8Array {
  const bytes = new Uint8Array(GAME_JOB_HEADER_BYTES + job.payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, JobKind.GAME, true);
  view.setUint32(4, job.seq, true);
  view.setUint32(8, job.gameAction, true);
  view.setUint32(12, job.payload.length, true);
  bytes.set(job.payload, GAME_JOB_HEADER_BYTES);
  return bytes;
}

const CHAT_JOB_HEADER_BYTES = 24;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** A CHAT job's bytes (chat is rare: each job gets its own buffer). */
export function chatJobBytes(job: ChatJob): Uint8Array {
  const name = utf8.encode(job.fromName);
  const text = utf8.encode(job.text);
  const bytes = new Uint8Array(CHAT_JOB_HEADER_BYTES + name.length + text.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, JobKind.CHAT);
  view.setUint8(1, job.channel);
  view.setUint16(2, name.length, true);
  view.setUint32(4, job.seq, true);
  view.setFloat64(8, job.fromPlayerId, true);
  view.setUint32(16, text.length, true);
  bytes.set(name, CHAT_JOB_HEADER_BYTES);
  bytes.set(text, CHAT_JOB_HEADER_BYTES + name.length);
  return bytes;
}

/** A player entering its zone: the character as the store loaded it, with its owner epoch. */
export interface JoinJob {
  playerId: number;
  /** The owner epoch of this log-in: every write-back of the player carries it. */
  epoch: number;
  /** Metres and radians. */
  x: number;
  y: number;
  heading: number;
  hp: number;
  level: number;
  exp: number;
  playTimeS: number;
}

export interface MoveJob {
  seq: number;
  x: number;
  y: number;
  heading: number;
  clientTimeMs: number;
}

/**
 * A player on its way from one zone to another: everything its old zone knew of it. Positions
 * are in the new zone's coordinates; play time counts the seconds played in the old zone too.
 */
export interface ArriveJob extends JoinJob {
  /** The entity id it had in the old zone, which it keeps. */
  entityId: number;
  portal: boolean;
  lastMoveSeq: number;
  moveBudgetM: number;
  /** Wall-clock time of the hand-over (Date.now()): the move budget refills during the trip too. */
  handedOverAtMs: number;
  /** The write-back's versions: the state's, and the one the database has. */
  version: number;
  savedVersion: number;
  /** The entities the client knows: what it saw in the old zone (none after a portal). */
  knownIds: number[];
  /** As last read from the database; undefined if not read yet (the new zone reads it). */
  inventory: { gold: number; items: { itemId: number; templateId: number; count: number }[] } | undefined;
}

/** An ARRIVE job's bytes (hand-overs are rare next to moves: each gets its own buffer). */
export function arriveJobBytes(job: ArriveJob): Uint8Array {
  const items = job.inventory?.items ?? [];
  const known = job.knownIds;
  const knownAt = ARRIVE_JOB_HEADER_BYTES + ARRIVE_ITEM_BYTES * items.length;
  const bytes = new Uint8Array(knownAt + 4 * known.length);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, JobKind.ARRIVE);
  view.setUint8(1, (job.portal ? ARRIVE_BY_PORTAL : 0) | (job.inventory ? ARRIVE_WITH_INVENTORY : 0));
  view.setUint32(4, job.entityId, true);
  view.setFloat64(8, job.playerId, true);
  view.setFloat64(16, job.epoch, true);
  view.setFloat64(24, job.x, true);
  view.setFloat64(32, job.y, true);
  view.setFloat64(40, job.heading, true);
  view.setUint32(48, job.hp, true);
  view.setUint32(52, job.level, true);
  view.setFloat64(56, job.exp, true);
  view.setFloat64(64, job.playTimeS, true);
  view.setUint32(72, job.lastMoveSeq, true);
  view.setFloat64(80, job.moveBudgetM, true);
  view.setFloat64(88, job.version, true);
  view.setFloat64(96, job.savedVersion, true);
  view.setFloat64(104, job.inventory?.gold ?? 0, true);
  view.setUint32(112, items.length, true);
  view.setUint32(116, known.length, true);
  view.setFloat64(120, job.handedOverAtMs, true);
  known.forEach((id, i) => view.setUint32(knownAt + 4 * i, id, true));
  items.forEach((item, i) => {
    const at = ARRIVE_JOB_HEADER_BYTES + ARRIVE_ITEM_BYTES * i;
    view.setFloat64(at, item.itemId, true);
    view.setFloat64(at + 8, item.templateId, true);
    view.setFloat64(at + 16, item.count, true);
  });
  return bytes;
}

/** A FENCE job's bytes. */
export const FENCE_JOB = Uint8Array.of(JobKind.FENCE);

export const RESUME_JOB_BYTES = 1;
/** A RESUME job's bytes. */
export const RESUME_JOB = Uint8Array.of(JobKind.RESUME);

/**
 * Job writers: each fills one job's bytes at `at` through `view`, every byte of its layout
 * (padding included), so they can write straight into reused staging memory
 * (RecordBatch.append) with no copy.
 */
export function writeJoin(view: DataView, at: number, join: JoinJob): void {
  view.setUint32(at, JobKind.JOIN, true);
  view.setUint32(at + 4, join.hp, true);
  view.setFloat64(at + 8, join.playerId, true);
  view.setFloat64(at + 16, join.epoch, true);
  view.setFloat64(at + 24, join.x, true);
  view.setFloat64(at + 32, join.y, true);
  view.setFloat64(at + 40, join.heading, true);
  view.setFloat64(at + 48, join.exp, true);
  view.setFloat64(at + 56, join.playTimeS, true);
  view.setUint32(at + 64, join.level, true);
  view.setUint32(at + 68, 0, true);
}

export function writeLeave(view: DataView, at: number): void {
  view.setUint8(at, JobKind.LEAVE);
}

export function writeMove(view: DataView, at: number, seq: number, x: number, y: number, heading: number, clientTimeMs: number): void {
  view.setUint32(at, JobKind.MOVE, true);
  view.setUint32(at + 4, seq, true);
  view.setFloat32(at + 8, x, true);
  view.setFloat32(at + 12, y, true);
  view.setFloat32(at + 16, heading, true);
  view.setUint32(at + 20, 0, true);
  view.setFloat64(at + 24, clientTimeMs, true);
}

export function writeEconomy(view: DataView, at: number, job: EconomyJob): void {
  view.setUint32(at, JobKind.ECONOMY | (job.action << 8), true);
  view.setUint32(at + 4, job.seq, true);
  view.setFloat64(at + 8, job.target, true);
  view.setFloat64(at + 16, job.gold, true);
  view.setUint32(at + 24, job.itemIds.length, true);
  view.setUint32(at + 28, 0, true);
  view.setFloat64(at + 32, job.clientKey, true);
  job.itemIds.forEach((id, i) => view.setFloat64(at + ECONOMY_JOB_HEADER_BYTES + 8 * i, id, true));
}

function economyJobBytes(items: number): number {
  return ECONOMY_JOB_HEADER_BYTES + 8 * items;
}

/** A scratch buffer for one job at a time, for writing single jobs with `RingBuffer.tryWrite`. */
export class JobWriter {
  private readonly bytes = new Uint8Array(MAX_JOB_BYTES);
  private readonly view = new DataView(this.bytes.buffer);
  private readonly joinBytes = this.bytes.subarray(0, JOIN_JOB_BYTES);
  private readonly leaveBytes = this.bytes.subarray(0, LEAVE_JOB_BYTES);

  /** The returned bytes are valid until the next call. */
  join(join: JoinJob): Uint8Array {
    writeJoin(this.view, 0, join);
    return this.joinBytes;
  }

  leave(): Uint8Array {
    writeLeave(this.view, 0);
    return this.leaveBytes;
  }

  /** At most MAX_ECONOMY_ITEMS item ids. */
  economy(job: EconomyJob): Uint8Array {
    if (job.itemIds.length > MAX_ECONOMY_ITEMS) throw new RangeError(`at most ${MAX_ECONOMY_ITEMS} items per economy job`);
    writeEconomy(this.view, 0, job);
    return this.bytes.subarray(0, economyJobBytes(job.itemIds.length));
  }
}

/**
 * Reads jobs in place from a ring's data area (`RingBuffer.drainRaw` hands out the area, an
 * offset and a length), so reading a job allocates nothing. The DataView is made once per data
 * area, which is the same object on every call.
 */
export class JobReader {
  private data: Uint8Array | undefined;
  private view: DataView = new DataView(new ArrayBuffer(0));

  private viewOf(data: Uint8Array): DataView {
    if (data !== this.data) {
      this.data = data;
      this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    }
    return this.view;
  }

  kind(data: Uint8Array, offset: number, length: number): number {
    return length === 0 ? 0 : this.viewOf(data).getUint8(offset);
  }

  /** Fills `into` (reused by the caller) from a JOIN job. */
  join(data: Uint8Array, offset: number, into: JoinJob): JoinJob {
    const view = this.viewOf(data);
    into.hp = view.getUint32(offset + 4, true);
    into.playerId = view.getFloat64(offset + 8, true);
    into.epoch = view.getFloat64(offset + 16, true);
    into.x = view.getFloat64(offset + 24, true);
    into.y = view.getFloat64(offset + 32, true);
    into.heading = view.getFloat64(offset + 40, true);
    into.exp = view.getFloat64(offset + 48, true);
    into.playTimeS = view.getFloat64(offset + 56, true);
    into.level = view.getUint32(offset + 64, true);
    return into;
  }

  /** An ECONOMY job, or undefined when its length does not match its item count. */
  economy(data: Uint8Array, offset: number, length: number): EconomyJob | undefined {
    if (length < ECONOMY_JOB_HEADER_BYTES) return undefined;
    const view = this.viewOf(data);
    const count = view.getUint32(offset + 24, true);
    if (count > MAX_ECONOMY_ITEMS || length !== economyJobBytes(count)) return undefined;
    const itemIds: number[] = [];
    for (let i = 0; i < count; i++) itemIds.push(view.getFloat64(offset + ECONOMY_JOB_HEADER_BYTES + 8 * i, true));
    return {
      action: view.getUint8(offset + 1),
      seq: view.getUint32(offset + 4, true),
      target: view.getFloat64(offset + 8, true),
      gold: view.getFloat64(offset + 16, true),
      itemIds,
      clientKey: view.getFloat64(offset + 32, true),
    };
  }

  /** A CHAT job, or undefined when its length does not match its header. */
  chat(data: Uint8Array, offset: number, length: number): ChatJob | undefined {
    if (length < CHAT_JOB_HEADER_BYTES) return undefined;
    const view = this.viewOf(data);
    const nameBytes = view.getUint16(offset + 2, true);
    const textBytes = view.getUint32(offset + 16, true);
    if (length !== CHAT_JOB_HEADER_BYTES + nameBytes + textBytes) return undefined;
    const start = offset + CHAT_JOB_HEADER_BYTES;
    return {
      channel: view.getUint8(offset + 1),
      seq: view.getUint32(offset + 4, true),
      fromPlayerId: view.getFloat64(offset + 8, true),
      fromName: fromUtf8.decode(data.subarray(start, start + nameBytes)),
      text: fromUtf8.decode(data.subarray(start + nameBytes, start + nameBytes + textBytes)),
    };
  }

  /** A GAME job, its payload copied out of the ring; undefined when its length does not match its header. */
  game(data: Uint8Array, offset: number, length: number): GameActionJob | undefined {
    if (length < GAME_JOB_HEADER_BYTES) return undefined;
    const view = this.viewOf(data);
    const payloadBytes = view.getUint32(offset + 12, true);
    if (length !== GAME_JOB_HEADER_BYTES + payloadBytes) return undefined;
    const start = offset + GAME_JOB_HEADER_BYTES;
    return {
      seq: view.getUint32(offset + 4, true),
      gameAction: view.getUint32(offset + 8, true),
      payload: data.slice(start, start + payloadBytes),
    };
  }

  /** An ARRIVE job, or undefined when its length does not match its item count. */
  arrive(data: Uint8Array, offset: number, length: number): ArriveJob | undefined {
    if (length < ARRIVE_JOB_HEADER_BYTES) return undefined;
    const view = this.viewOf(data);
    const count = view.getUint32(offset + 112, true);
    const knownCount = view.getUint32(offset + 116, true);
    const knownAt = offset + ARRIVE_JOB_HEADER_BYTES + ARRIVE_ITEM_BYTES * count;
    if (length !== ARRIVE_JOB_HEADER_BYTES + ARRIVE_ITEM_BYTES * count + 4 * knownCount) return undefined;
    const knownIds: number[] = [];
    for (let i = 0; i < knownCount; i++) knownIds.push(view.getUint32(knownAt + 4 * i, true));
    const flags = view.getUint8(offset + 1);
    const items: { itemId: number; templateId: number; count: number }[] = [];
    for (let i = 0; i < count; i++) {
      const at = offset + ARRIVE_JOB_HEADER_BYTES + ARRIVE_ITEM_BYTES * i;
      items.push({ itemId: view.getFloat64(at, true), templateId: view.getFloat64(at + 8, true), count: view.getFloat64(at + 16, true) });
    }
    return {
      playerId: view.getFloat64(offset + 8, true),
      entityId: view.getUint32(offset + 4, true),
      epoch: view.getFloat64(offset + 16, true),
      portal: (flags & ARRIVE_BY_PORTAL) !== 0,
      x: view.getFloat64(offset + 24, true),
      y: view.getFloat64(offset + 32, true),
      heading: view.getFloat64(offset + 40, true),
      hp: view.getUint32(offset + 48, true),
      level: view.getUint32(offset + 52, true),
      exp: view.getFloat64(offset + 56, true),
      playTimeS: view.getFloat64(offset + 64, true),
      lastMoveSeq: view.getUint32(offset + 72, true),
      moveBudgetM: view.getFloat64(offset + 80, true),
      handedOverAtMs: view.getFloat64(offset + 120, true),
      knownIds,
      version: view.getFloat64(offset + 88, true),
      savedVersion: view.getFloat64(offset + 96, true),
      inventory: (flags & ARRIVE_WITH_INVENTORY) !== 0 ? { gold: view.getFloat64(offset + 104, true), items } : undefined,
    };
  }

  /** Fills `into` (reused by the caller) from a MOVE job. */
  move(data: Uint8Array, offset: number, into: MoveJob): MoveJob {
    const view = this.viewOf(data);
    into.seq = view.getUint32(offset + 4, true);
    into.x = view.getFloat32(offset + 8, true);
    into.y = view.getFloat32(offset + 12, true);
    into.heading = view.getFloat32(offset + 16, true);
    into.clientTimeMs = view.getFloat64(offset + 24, true);
    return into;
  }
}
