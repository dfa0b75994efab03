/**
 * The TypeScript client SDK: connect, log in, move, and follow the world as the server tells
 * it. It uses only the standard WebSocket API and the generated protocol code, so it runs in
 * browsers as well as in Node (which has a global WebSocket).
 *
 *   const client = await ZoneClient.connect('ws://127.0.0.1:7777');
 *   client.on('spawn', (entity) => …);
 *   const me = await client.enter(token, 'Alice');   // log in, creating the character if needed
 *   client.move(me.x + 1, me.y, 0);
 *
 * A connection that drops (no close frame: a network gone, a laptop asleep) is reconnected by
 * itself, with backoff and jitter, and the session resumed within the server's window: the same
 * player, still in the world, shown everything afresh (`reconnecting`, then `resumed`). Moves
 * made meanwhile are dropped (the server's position stands); other requests wait and go out
 * after the resume, and mail sends not yet answered go again under their idempotency key.
 *
 * Requests the server answers return promises of the answer: log-in, character creation, ping,
 * log-out, every trade step, and mail. They reject with ClientClosedError if the connection
 * closes (or drops) first, a mail send excepted (it is sent again after a resume and answered
 * then), and with RequestRefusedError if the server refuses the request. A call made without
 * awaiting it does not crash a process when it fails: the refusal is an `error` event too.
 */
import { ClientClosedError, LoginRefusedError, RequestRefusedError, type CloseInfo } from './client-errors.ts';
import type { ConnectOptions, CorrectionReason, Inventory, Self, Stats, ZoneClientEvents } from './client-types.ts';
import { clientKey, open } from './connection.ts';
import { KnownWorld, type KnownEntity, type WorldEvents } from './known-world.ts';
import { Listeners, type Listener } from './listeners.ts';
import { WorldFrameReader, worldFrameOf, type WorldFrame } from './world-frame-reader.ts';
import {
  ClientMessage,
  ErrorCode,
  MoveRejectReason,
  PROTOCOL_VERSION,
  ServerMessage,
  CM_PER_METRE,
  type ClientMessageInit,
  type LoginAccepted,
  type MoveCorrection,
  type InventoryUpdate,
  type CharacterStats,
  type ChatChannel,
  type ChatMessage,
  type Mailbox,
  type MailResult,
  type TradeResult,
  type TradeUpdate,
  type Pong,
  type ServerError,
  type WorldUpdate,
  type ZoneChanged,
} from '../protocol/messages.ts';

export type { KnownEntity } from './known-world.ts';
export type { WorldFrame } from './world-frame-reader.ts';
export { ClientClosedError, LoginRefusedError, RequestRefusedError, type CloseInfo } from './client-errors.ts';
export type { ConnectOptions, Correction, CorrectionReason, Inventory, Self, Stats, ZoneClientEvents } from './client-types.ts';

interface PendingAnswer {
  resolve(value: unknown): void;
  reject(err: Error): void;
  /** A mail send: sent again after a resume, so a dropped connection does not fail it. */
  readonly survivesDrop: boolean;
}


/** Waits between reconnect attempts: random up to firstMs × 2^attempt, capped (full jitter). */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2000;
/** The close code of a connection that ended without a close frame. */
const ABNORMAL_CLOSURE = 1006;

export class ZoneClient {
  private readonly world = new KnownWorld();
  private readonly frameReader = new WorldFrameReader();
  /** What this client knows of the world, by entity id. */
  readonly entities: ReadonlyMap<number, KnownEntity> = this.world.entities;
  self: Self | undefined;
  /** The last tick number heard from the zone. */
  lastTick = 0;
  closed: CloseInfo | undefined;

  private socket: WebSocket;
  private readonly url: string;
  private readonly options: ConnectOptions;
  /** The server's offer to resume this session, and how long it waits. */
  private resumable: { token: string; windowMs: number } | undefined;
  private reconnecting = false;
  /** The client itself asked to close: a drop then is no reason to reconnect. */
  private closing = false;
  /** Requests made while reconnecting, sent once the session is back. */
  private held: ClientMessage[] = [];
  /** Mail sends not yet answered, by seq: sent again, with their key, after a resume. */
  private readonly unansweredMail = new Map<number, ClientMessage>();
  /**
   * What the known world tells this client, entity by entity: only the events someone listens
   * to are set, since a frame carries a move for each of dozens of entities (on()).
   */
  private readonly worldEvents: WorldEvents = { spawn: undefined, despawn: undefined, move: undefined };
  /** Per-entity events are produced only while someone listens to them. */
  private readonly listeners = new Listeners<ZoneClientEvents>((event, listening) => {
    if (event !== 'spawn' && event !== 'despawn' && event !== 'move') return;
    this.worldEvents[event] = listening ? (entity: KnownEntity) => this.listeners.emit(event, entity) : undefined;
  });
  private seq = 0;
  /** The seq of the last move sent. */
  private lastMoveSeq = 0;
  private readonly pendingPings = new Map<number, { resolve: (rttMs: number) => void; reject: (err: Error) => void }>();
  /** Trade and mail requests waiting for the answer that carries their seq. */
  private readonly pendingAnswers = new Map<number, PendingAnswer>();
  /** A login or character creation waiting for its LoginResponse (or, for creation, an Error with its seq). */
  private pendingLogin: { resolve: (self: Self) => void; reject: (err: Error) => void; seq: number } | undefined;
  /** Gold and items; undefined until the server has sent them after log-in. */
  inventory: Inventory | undefined;
  /** The player's hp, level and experience, as the server last said. */
  stats: Stats | undefined;
  private pendingLogout: { resolve: () => void; reject: (err: Error) => void } | undefined;

  private constructor(socket: WebSocket, url: string, options: ConnectOptions) {
    this.url = url;
    this.options = options;
    this.socket = socket;
    this.listen(socket);
  }

  static async connect(url: string, options: ConnectOptions = {}): Promise<ZoneClient> {
    return new ZoneClient(await open(url, options), url, options);
  }

  private listen(socket: WebSocket): void {
    socket.binaryType = 'arraybuffer';
    // Events of a socket this client has moved on from are not news.
    socket.addEventListener('message', (event) => socket === this.socket && this.onFrame(event.data));
    socket.addEventListener('close', (event) => socket === this.socket && this.onSocketClosed({ code: event.code, reason: event.reason }));
  }

  /**
   * Where the entity `entityId` is as this client knows it, whole centimetres, or NaN when it
   * knows no such entity: the same as `entities.get(entityId).xCm`, without touching the entity
   * object, for code that follows many entities every frame.
   */
  entityXCm(entityId: number): number {
    return this.world.entityXCm(entityId);
  }

  entityYCm(entityId: number): number {
    return this.world.entityYCm(entityId);
  }

  /** Adds a listener; the function returned removes it. */
  on<E extends keyof ZoneClientEvents>(event: E, listener: Listener<ZoneClientEvents[E]>): () => void {
    return this.listeners.on(event, listener);
  }

  /** Resolves with the next `event` for which `match` holds. */
  next<E extends keyof ZoneClientEvents>(event: E, match?: (value: ZoneClientEvents[E]) => boolean): Promise<ZoneClientEvents[E]> {
    return this.listeners.next(event, match);
  }

  /**
   * Logs in. Rejects with LoginRefusedError; its code is ERROR_CODE_CHARACTER_REQUIRED when the
   * player has no character yet, and the session then stays open for `createCharacter`.
   */
  login(token: string): Promise<Self> {
    return this.request({ login: { token, protocolVersion: PROTOCOL_VERSION } });
  }

  /**
   * Creates the player's character (after a login refused with ERROR_CODE_CHARACTER_REQUIRED)
   * and enters the world with it. Rejects with LoginRefusedError: NAME_INVALID or NAME_TAKEN,
   * after which another name may be tried.
   */
  createCharacter(name: string): Promise<Self> {
    return this.request({ createCharacter: { name } });
  }

  /** Logs in, creating the character with `name` first if the player has none. */
  async enter(token: string, name: string): Promise<Self> {
    try {
      return await this.login(token);
    } catch (err) {
      if (err instanceof LoginRefusedError && err.code === ErrorCode.ERROR_CODE_CHARACTER_REQUIRED) return this.createCharacter(name);
      throw err;
    }
  }

  private request(message: ClientMessageInit): Promise<Self> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.closedError(this.closed));
      this.pendingLogin = { resolve, reject, seq: this.seq + 1 };
      this.send(message);
    });
  }

  /** Sends a move (metres, radians) and returns its sequence number. */
  move(x: number, y: number, heading: number): number {
    const seq = this.send({ move: { x, y, heading, clientTimeMs: Date.now() } });
    this.lastMoveSeq = seq;
    if (this.self) {
      this.self.x = x;
      this.self.y = y;
      this.self.heading = heading;
    }
    return seq;
  }

  /**
   * Opens a trade window with the player whose entity this is: resolves with the window as it
   * opened (both players get it; the partner's carries seq 0).
   */
  tradeOpen(partnerEntityId: number): Promise<TradeUpdate> {
    return this.ask({ tradeOpen: { partnerEntityId } });
  }

  /** Opens a trade window with a player in another zone of the server, by player id. */
  tradeOpenWith(partnerPlayerId: number): Promise<TradeUpdate> {
    return this.ask({ tradeOpen: { partnerPlayerId } });
  }

  /** Replaces this player's offer (unlocking both sides); resolves with the window after it. */
  tradeOffer(gold: number, itemIds: readonly number[] = []): Promise<TradeUpdate> {
    return this.ask({ tradeOffer: { gold, itemIds: [...itemIds] } });
  }

  tradeLock(): Promise<TradeUpdate> {
    return this.ask({ tradeLock: {} });
  }

  /**
   * Accepts once both offers are locked: resolves with the window after it, `committing` when
   * the partner had accepted already. How the trade ends comes as `tradeResult` (and see
   * `tradeEnded`).
   */
  tradeAccept(): Promise<TradeUpdate> {
    return this.ask({ tradeAccept: {} });
  }

  /** Cancels the open trade: resolves with its result (ok false, CANCELLED). */
  tradeCancel(): Promise<TradeResult> {
    return this.ask({ tradeCancel: {} });
  }

  /** The result of the trade now open (or committing), however it ends: committed, cancelled, refused. */
  tradeEnded(tradeId: number): Promise<TradeResult> {
    if (this.closed) return Promise.reject(this.closedError(this.closed));
    return new Promise((resolve, reject) => {
      const offResult = this.on('tradeResult', (result) => {
        if (result.tradeId !== tradeId) return;
        offs();
        resolve(result);
      });
      const offClose = this.on('close', (info) => {
        offs();
        reject(this.closedError(info));
      });
      const offs = (): void => {
        offResult();
        offClose();
      };
    });
  }

  /**
   * Sends gold and items to another player's mailbox: resolves with the outcome (ok, or the
   * reason nothing was sent: INSUFFICIENT_GOLD, UNKNOWN_PLAYER, …). It carries a key of its own,
   * so sent again after a reconnect it sends one mail, and its promise waits for that answer.
   */
  mailSend(toPlayerId: number, gold: number, itemIds: readonly number[] = []): Promise<MailResult> {
    return this.ask({ mailSend: { toPlayerId, gold, itemIds: [...itemIds], clientKey: clientKey() } });
  }

  /** The unclaimed mail, oldest first. */
  mailList(): Promise<Mailbox> {
    return this.ask({ mailList: {} });
  }

  /** Claims a mail's gold and items; claiming again is safe (it resolves with MAIL_CLAIMED). */
  mailClaim(mailId: number): Promise<MailResult> {
    return this.ask({ mailClaim: { mailId } });
  }

  /** Sends a request and waits for the answer carrying its seq. */
  private ask<T>(message: ClientMessageInit): Promise<T> {
    const answer = new Promise<T>((resolve, reject) => {
      const seq = this.send(message);
      this.pendingAnswers.set(seq, { resolve: resolve as (value: unknown) => void, reject, survivesDrop: message.mailSend !== undefined });
    });
    // Awaited or not: a caller that only fires the request must not get an unhandled rejection.
    answer.catch(() => {});
    return answer;
  }

  private answered(seq: number, value: unknown): void {
    const pending = this.pendingAnswers.get(seq);
    if (!pending) return;
    this.pendingAnswers.delete(seq);
    pending.resolve(value);
  }

  /**
   * Says `text` on a channel (say, zone, or whisper to the character named `toName`); returns the
   * request's seq. A refusal comes as an `error` with that seq (ERROR_CODE_CHAT_REFUSED).
   */
  chat(channel: ChatChannel, text: string, toName = ''): number {
    return this.send({ chat: { channel, text: new TextEncoder().encode(text), toName } });
  }

  /** Round-trip time to the gateway, ms. Rejects if the connection closes first. */
  ping(): Promise<number> {
    const sentAt = performance.now();
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.closedError(this.closed));
      const seq = this.send({ ping: { clientTimeMs: sentAt } });
      this.pendingPings.set(seq, { resolve, reject });
    });
  }

  /** Logs out; resolves when the server has confirmed, rejects if the connection closes first. */
  logout(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(this.closedError(this.closed));
      this.pendingLogout = { resolve, reject };
      this.send({ logout: {} });
    });
  }

  /** Closes the connection; resolves once it is closed. */
  close(): Promise<CloseInfo> {
    if (this.closed) return Promise.resolve(this.closed);
    const done = this.next('close');
    this.closing = true;
    if (this.reconnecting) this.onClose({ code: 1000, reason: 'client closed' });
    else this.socket.close(1000, 'client closed');
    return done;
  }

  /**
   * Sends any client message and returns its seq; throws ClientClosedError once the connection is
   * closing. While the client reconnects, a move is dropped and anything else waits for the resume.
   */
  send(message: ClientMessageInit): number {
    if (this.closed || this.closing) throw new ClientClosedError(this.closed);
    const seq = ++this.seq;
    const envelope = ClientMessage.create({ ...message, seq });
    if (envelope.mailSend) this.unansweredMail.set(seq, envelope);
    if (this.reconnecting) {
      if (!envelope.move) this.held.push(envelope);
      return seq;
    }
    if (this.socket.readyState !== this.socket.OPEN) throw new ClientClosedError(this.closed);
    this.socket.send(ClientMessage.encode(envelope).finish());
    return seq;
  }

  private onFrame(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    const bytes = new Uint8Array(data);
    // Nearly every frame is a WorldUpdate: read by hand, the rest by protobufjs.
    const frame = this.frameReader.read(bytes);
    if (frame) return this.applyUpdate(frame);
    const message = ServerMessage.decode(bytes);
    switch (message.body) {
      case 'login': {
        const result = message.login;
        if (result?.accepted) {
          const a = result.accepted as LoginAccepted;
          if (a.resumed) return this.onResumed(a);
          const self = selfOf(a);
          this.self = self;
          this.pendingLogin?.resolve(self);
          this.listeners.emit('login', self);
        } else if (result?.error) {
          this.pendingLogin?.reject(new LoginRefusedError(result.error as ServerError));
        }
        this.pendingLogin = undefined;
        return;
      }
      case 'update':
        this.applyUpdate(worldFrameOf(message.update as WorldUpdate));
        return;
      case 'correction': {
        const correction = message.correction as MoveCorrection;
        const x = correction.xCm / CM_PER_METRE;
        const y = correction.yCm / CM_PER_METRE;
        if (this.self) Object.assign(this.self, { x, y, heading: correction.heading });
        const name = (MoveRejectReason as unknown as Record<number, string | undefined>)[correction.reason] ?? 'MOVE_REJECT_REASON_UNSPECIFIED';
        this.listeners.emit('correction', { seq: correction.seq, reason: name.slice('MOVE_REJECT_REASON_'.length) as CorrectionReason, code: correction.reason, x, y, heading: correction.heading });
        return;
      }
      case 'pong': {
        const pong = message.pong as Pong;
        // Pongs echo the client time of their ping; the matching seq is the oldest pending one.
        const [seq, pending] = this.pendingPings.entries().next().value ?? [];
        if (seq !== undefined && pending) {
          this.pendingPings.delete(seq);
          pending.resolve(performance.now() - pong.clientTimeMs);
        }
        return;
      }
      case 'error': {
        const error = message.error as ServerError;
        // A refused character creation answers with an Error carrying the request's seq.
        if (this.pendingLogin && error.seq !== 0 && error.seq === this.pendingLogin.seq) {
          this.pendingLogin.reject(new LoginRefusedError(error));
          this.pendingLogin = undefined;
        }
        const pending = error.seq === 0 ? undefined : this.pendingAnswers.get(error.seq);
        if (pending) {
          this.pendingAnswers.delete(error.seq);
          this.unansweredMail.delete(error.seq);
          pending.reject(new RequestRefusedError(error));
        }
        this.listeners.emit('error', error);
        return;
      }
      case 'stats': {
        const { hp, level, exp } = message.stats as CharacterStats;
        this.stats = { hp, level, exp: exp as number };
        this.listeners.emit('stats', this.stats);
        return;
      }
      case 'inventory': {
        const update = message.inventory as InventoryUpdate;
        const items = update.items.map((item) => ({ itemId: item.itemId as number, templateId: item.templateId as number, count: item.count as number }));
        this.inventory = { gold: update.gold, items };
        this.listeners.emit('inventory', this.inventory);
        return;
      }
      case 'trade': {
        const update = message.trade as TradeUpdate;
        this.answered(update.seq, update);
        this.listeners.emit('trade', update);
        return;
      }
      case 'tradeResult': {
        const result = message.tradeResult as TradeResult;
        this.answered(result.seq, result);
        this.listeners.emit('tradeResult', result);
        return;
      }
      case 'mailbox': {
        const mailbox = message.mailbox as Mailbox;
        this.answered(mailbox.seq, mailbox);
        this.listeners.emit('mailbox', mailbox);
        return;
      }
      case 'mailResult': {
        const result = message.mailResult as MailResult;
        this.unansweredMail.delete(result.seq);
        this.answered(result.seq, result);
        this.listeners.emit('mailResult', result);
        return;
      }
      case 'resumable': {
        const offer = message.resumable as { resumeToken: string; windowMs: number };
        this.resumable = { token: offer.resumeToken, windowMs: offer.windowMs };
        return;
      }
      case 'chat':
        this.listeners.emit('chat', message.chat as ChatMessage);
        return;
      case 'gameEvent':
        this.listeners.emit('gameEvent', { kind: message.gameEvent?.kind ?? 0, payload: message.gameEvent?.payload ?? new Uint8Array(0) });
        return;
      case 'zoneChanged': {
        const change = message.zoneChanged as ZoneChanged;
        const self = this.self;
        if (self) {
          Object.assign(self, {
            zoneId: change.zoneId,
            zoneName: change.zoneName,
            zoneX: change.zoneX,
            zoneY: change.zoneY,
            zoneWidth: change.zoneWidth,
            zoneHeight: change.zoneHeight,
          });
          // Moves sent after the crossing one went on in the new zone: the latest stands.
          if (change.moveSeq >= this.lastMoveSeq) Object.assign(self, { x: change.xCm / CM_PER_METRE, y: change.yCm / CM_PER_METRE, heading: change.heading });
        }
        if (change.freshView) this.world.clear();
        this.listeners.emit('zoneChanged', change);
        return;
      }
      case 'logout':
        this.pendingLogout?.resolve();
        this.pendingLogout = undefined;
        return;
    }
  }

  private applyUpdate(update: WorldFrame): void {
    this.lastTick = update.tick;
    this.world.apply(update, this.worldEvents);
    this.listeners.emit('update', update);
  }

  private closedError(info: CloseInfo): Error {
    return new ClientClosedError(info);
  }

  /** A drop (no close frame) of a session the server offered to keep is worth a reconnect. */
  private onSocketClosed(info: CloseInfo): void {
    const resumable = this.resumable;
    if (info.code === ABNORMAL_CLOSURE && resumable && !this.closing && this.options.reconnect !== false && this.self) {
      void this.reconnect(resumable, info);
      return;
    }
    this.onClose(info);
  }

  /**
   * Opens new connections, with backoff and jitter, until one takes the session back, the server
   * refuses the resume, or the server's window has passed.
   */
  private async reconnect(resumable: { token: string; windowMs: number }, dropped: CloseInfo): Promise<void> {
    this.reconnecting = true;
    this.resumable = undefined;
    // Calls waiting for an answer on the lost connection will not get one.
    this.failPending(this.closedError(dropped), true);
    const giveUpAt = performance.now() + resumable.windowMs;
    for (let attempt = 1; !this.closing; attempt++) {
      const delayMs = Math.round(Math.random() * Math.min(RECONNECT_MAX_MS, RECONNECT_FIRST_MS * 2 ** attempt));
      if (performance.now() + delayMs > giveUpAt) break;
      this.listeners.emit('reconnecting', { attempt, delayMs });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (this.closing) return;
      let socket: WebSocket;
      try {
        socket = await open(this.url, this.options);
      } catch {
        continue;
      }
      if (this.closing) {
        socket.close(1000, 'client closed');
        return;
      }
      this.socket = socket;
      this.listen(socket);
      // The answer (a LoginResponse with resumed, or a refusal and close) arrives as a frame.
      socket.send(ClientMessage.encode({ seq: ++this.seq, resume: { resumeToken: resumable.token, protocolVersion: PROTOCOL_VERSION } }).finish());
      return;
    }
    if (!this.closing) this.onClose(dropped);
  }

  private onResumed(accepted: LoginAccepted): void {
    this.reconnecting = false;
    this.world.clear();
    // The same object: whoever holds `self` sees where the player is now.
    Object.assign(this.self as Self, selfOf(accepted));
    // Unanswered mail goes again under its key (applied once), then what waited, in order.
    const again = [...this.unansweredMail.values()].filter((mail) => !this.held.includes(mail));
    for (const message of [...again, ...this.held]) this.socket.send(ClientMessage.encode(message).finish());
    this.held = [];
    this.listeners.emit('resumed', this.self as Self);
  }

  /** Rejects every call waiting for an answer; on a drop (`dropped`), mail sends keep waiting. */
  private failPending(err: Error, dropped = false): void {
    for (const [seq, pending] of this.pendingAnswers) {
      if (dropped && pending.survivesDrop) continue;
      this.pendingAnswers.delete(seq);
      pending.reject(err);
    }
    this.pendingLogin?.reject(err);
    this.pendingLogin = undefined;
    this.pendingLogout?.reject(err);
    this.pendingLogout = undefined;
    for (const pending of this.pendingPings.values()) pending.reject(err);
    this.pendingPings.clear();
  }

  private onClose(info: CloseInfo): void {
    this.closed = info;
    this.reconnecting = false;
    this.held = [];
    this.failPending(this.closedError(info));
    this.listeners.emit('close', info);
  }
}

/** The player as a LoginAccepted describes it, positions in metres. */
function selfOf(a: LoginAccepted): Self {
  return {
    playerId: a.playerId,
    entityId: a.entityId,
    zoneId: a.zoneId,
    zoneName: a.zoneName,
    zoneX: a.zoneX,
    zoneY: a.zoneY,
    zoneWidth: a.zoneWidth,
    zoneHeight: a.zoneHeight,
    tickHz: a.tickHz,
    x: a.xCm / CM_PER_METRE,
    y: a.yCm / CM_PER_METRE,
    heading: a.heading,
  };
}
