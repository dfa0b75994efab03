/**
 * The WebSocket gateway (main thread): accepts sessions within the configured limits, checks
 * every frame (size, rate, decoding), dispatches each client message through one table
 * (dispatch.ts) to its handler, and sends the frames zones put in their outbound rings. Anything
 * a client does wrong ends that client's session only.
 *
 * Its parts: logins.ts (log-in, character creation, hand-over between sessions, log-out),
 * zone-link.ts (jobs into a zone's inbound ring, frames out of its outbound ring),
 * handovers.ts (players changing zones), economy-requests.ts and remote-trades.ts (trade and
 * mail requests), chat.ts.
 *
 * Backpressure: a full inbound ring refuses the job and the client gets ERROR_CODE_SERVER_BUSY
 * for that request (a refused log-in also closes with 1013); a LEAVE always arrives
 * (zone-link.ts). A client whose send buffer passes MAX_BUFFERED_BYTES is dropped.
 */
import { byDeadline, LATE } from '../retry/deadline.ts';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { answerDevToken } from './dev-tokens.ts';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { BindError, type Config } from '../config/config.ts';
import { GameLimits } from '../config/limits.ts';
import type { Logger } from '../log/logger.ts';
import { ClientMessage, ErrorCode, PROTOCOL_VERSION, encodeServerMessage, type CreateCharacterRequest, type LoginRequest, type MoveRequest, type ServerMessageInit } from '../protocol/messages.ts';
import { GameActionRefusals, RefusalMessages, type RefusalMessage } from '../protocol/reasons.ts';
import { kickedFor, SessionEnds, type SessionEnd } from '../protocol/session-ends.ts';
import type { CharacterStore } from '../storage/character-store.ts';
import type { EconomyStore } from '../storage/economy-store.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import type { ArriveJob } from '../thread-messages/jobs.ts';
import type { DropReason } from '../thread-messages/zone-control.ts';
import { Requirements, type DispatchTable } from './dispatch.ts';
import { Chat } from './chat.ts';
import { EconomyRequests } from './economy-requests.ts';
import { GatewayMetrics } from './gateway-metrics.ts';
import { Handovers } from './handovers.ts';
import { Logins } from './logins.ts';
import { RemoteTrades } from './remote-trades.ts';
import { replayJournals } from '../journal/journal-replay.ts';
import { ResumeTokens } from './resume-tokens.ts';
import { Session } from './session.ts';
import { TokenBucket } from './token-bucket.ts';
import { ZoneLink } from './zone-link.ts';

/** The session id under which a dead zone's players are recovered (real sessions count from 1). */
const RECOVERY_SESSION = 0;

/** The close code of a connection that ended without a close frame (RFC 6455 §7.1.5). */
const CONNECTION_LOST = 1006;

export class Gateway {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly metrics: GatewayMetrics;
  private readonly sessions = new Map<number, Session>();
  private readonly openSockets = new Set<WebSocket>();
  /** Sessions in state `connected`: they hold a slot without having shown a token. */
  private pendingLogins = 0;
  /** Open sessions per remote address, kept only when MAX_SESSIONS_PER_IP is set. */
  private readonly sessionsPerAddress = new Map<string, number>();
  /** The session each socket serves (a resumed session's new socket included). */
  private readonly sessionBySocket = new WeakMap<WebSocket, Session>();
  private readonly resumeTokens = new ResumeTokens();
  private readonly links = new Map<ZoneHandle, ZoneLink>();
  private readonly logins: Logins;
  private readonly handovers: Handovers;
  private readonly store: Pick<CharacterStore, 'releaseOwned' | 'replay'>;
  /** Trades between players of different zones: their windows live here. */
  private readonly remoteTrades: RemoteTrades;
  private readonly economy: EconomyRequests;
  private readonly chat: Chat;
  private readonly dispatch: DispatchTable;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private nextSessionId = 1;
  private accepting = true;

  constructor(config: Config, log: Logger, zones: readonly ZoneHandle[], registry: Registry, store: CharacterStore & Pick<EconomyStore, 'createCharacter' | 'trade'>) {
    this.store = store;
    this.config = config;
    this.log = log;
    this.metrics = new GatewayMetrics(registry, zones, () => this.sessions.size);
    for (const zone of zones) this.links.set(zone, new ZoneLink(zone, this.deliverFrame, (sessionId, seq) => this.moveRefused(sessionId, seq)));
    const send = (session: Session, message: ServerMessageInit, closing?: boolean): void => this.send(session, message, closing);
    const refuse = (session: Session, seq: number, refusal: RefusalMessage): void => this.refuse(session, seq, refusal);
    this.logins = new Logins(config, log, zones, store, {
      send,
      refuse,
      refuseLogin: (session, seq, end) => this.refuseLogin(session, seq, end),
      end: (session, end) => this.end(session, end),
      authenticated: () => this.pendingLogins--,
      linkOf: (zone) => this.links.get(zone) as ZoneLink,
      settled: (playerId) => this.handovers.settled(playerId),
      entered: (session) => this.offerResume(session),
    });
    this.handovers = new Handovers(zones, store, registry, log, {
      sessionOf: (sessionId) => this.sessions.get(sessionId),
      linkOf: (zone) => this.linkOf(zone),
      end: (session, reason) => this.end(session, reason),
      cancelRemoteTrade: (session, reason) => this.remoteTrades.left(session, reason),
      awaitSave: (playerId, sessionId) => this.logins.awaitSave(playerId, sessionId),
      saved: (playerId, sessionId, saved) => this.logins.released(playerId, sessionId, saved),
    });
    this.remoteTrades = new RemoteTrades(store, send, (err, retryInMs) => log.warn({ err, retryInMs }, 'committing a trade across zones failed: it is sent again'));
    this.economy = new EconomyRequests(this.remoteTrades, {
      send,
      refuse,
      linkOf: (session) => this.links.get(session.zone as ZoneHandle) as ZoneLink,
      sessionOf: (playerId) => this.logins.sessionOf(playerId),
    });
    this.chat = new Chat(config, registry, {
      refuse,
      linkOf: (session) => this.links.get(session.zone as ZoneHandle) as ZoneLink,
      sessionNamed: (name) => this.logins.sessionNamed(name),
      links: () => this.links.values(),
      whenInZone: (session, work) => this.handovers.hold(session, work),
    });
    const { anyState, notLoggedIn, inZone, awaitingCharacter } = Requirements;
    this.dispatch = {
      ping: { needs: anyState, handle: (session, _seq, m) => this.send(session, { pong: { clientTimeMs: m.ping?.clientTimeMs ?? 0, serverTimeMs: Date.now() } }) },
      login: { needs: notLoggedIn, handle: (session, seq, m) => this.logins.login(session, seq, m.login as LoginRequest) },
      createCharacter: { needs: awaitingCharacter, handle: (session, seq, m) => this.logins.createCharacter(session, seq, m.createCharacter as CreateCharacterRequest) },
      move: { needs: inZone, handle: (session, seq, m) => this.move(session, seq, m.move as MoveRequest) },
      logout: { needs: inZone, handle: (session) => void this.logout(session) },
      tradeOpen: { needs: inZone, handle: (session, seq, m) => this.economy.tradeOpen(session, seq, m.tradeOpen ?? {}) },
      tradeOffer: { needs: inZone, handle: (session, seq, m) => this.economy.tradeOffer(session, seq, m.tradeOffer ?? {}) },
      tradeLock: { needs: inZone, handle: (session, seq) => this.economy.tradeLock(session, seq) },
      tradeAccept: { needs: inZone, handle: (session, seq) => this.economy.tradeAccept(session, seq) },
      tradeCancel: { needs: inZone, handle: (session, seq) => this.economy.tradeCancel(session, seq) },
      mailSend: { needs: inZone, handle: (session, seq, m) => this.economy.mailSend(session, seq, m.mailSend ?? {}) },
      mailList: { needs: inZone, handle: (session, seq) => this.economy.mailList(session, seq) },
      mailClaim: { needs: inZone, handle: (session, seq, m) => this.economy.mailClaim(session, seq, m.mailClaim ?? {}) },
      chat: { needs: inZone, handle: (session, seq, m) => this.chat.say(session, seq, m.chat ?? {}) },
      resume: { needs: notLoggedIn, handle: (session, seq, m) => this.resume(session, seq, m.resume ?? {}) },
      gameAction: { needs: inZone, handle: (session, seq, m) => this.gameAction(session, seq, m.gameAction ?? {}) },
    };
    this.http = createServer((request, response) => {
      if (config.usingDevSecret && answerDevToken(request, response, config.tokenSecret)) return;
      response.writeHead(426, { 'content-type': 'text/plain' }).end('this port speaks WebSocket only\n');
    });
    this.wss = new WebSocketServer({
      server: this.http,
      maxPayload: config.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.wss.on('connection', (socket, request) => this.onConnection(socket, request));
    // ws passes the HTTP server's errors on; listen() has already turned them into its rejection.
    this.wss.on('error', () => {});
  }

  /** Binds PORT on HOST; rejects with a BindError that names the settings. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => reject(new BindError('PORT', 'HOST', this.config.host, this.config.port, err));
      this.http.once('error', failed);
      this.http.listen(this.config.port, this.config.host, () => {
        this.http.off('error', failed);
        resolve((this.http.address() as AddressInfo).port);
      });
    });
  }

  /** The name of the character a session plays now; '' when none does. */
  nameOf(playerId: number): string {
    return this.logins.sessionOf(playerId)?.name ?? '';
  }

  /** Ends the player's session for an operator (the admin API), its state written; false when it has none. */
  kick(playerId: number, text: string): boolean {
    const session = this.logins.sessionOf(playerId);
    if (!session || session.state === 'closing') return false;
    this.end(session, kickedFor(text));
    return true;
  }

  /** A system chat message to every player (the admin API); see chat.ts. */
  systemChat(text: string): ReturnType<Chat['system']> {
    return this.chat.system(text);
  }

  /**
   * Runs `work` in the player's turn with the zone holding it and its session's address, both
   * undefined when it is not in a zone (the admin API; logins.ts).
   */
  withPlayer<T>(playerId: number, work: (zone: ZoneHandle | undefined, address: string | undefined) => Promise<T>): Promise<T> {
    return this.logins.withPlayer(playerId, work);
  }

  /** Runs `work` once the player's session here, if any, is ended with `end` and its state written (logins.ts). */
  whenUnloaded<T>(playerId: number, end: SessionEnd, work: (wasOnline: boolean) => Promise<T>): Promise<T | 'late'> {
    return this.logins.whenUnloaded(playerId, end, work);
  }

  // ---------------------------------------------------------------- zones

  /** Starts sending the frames of the zone's current outbound ring. */
  zoneUp(zone: ZoneHandle): void {
    this.linkOf(zone).zoneUp();
  }

  /**
   * The zone died: players changing zones from or to it go on or are saved, every session in it
   * is told and closed, and the characters it held are marked offline in the database (their
   * state there is the last write-back), so that nobody stays online who is not.
   */
  zoneDown(zone: ZoneHandle): void {
    this.linkOf(zone).zoneDown();
    const savedByHandovers = this.handovers.zoneDown(zone);
    const lost: { playerId: number; epoch: number }[] = [];
    for (const session of [...this.sessions.values()]) {
      if (session.zone !== zone || session.state !== 'in-zone') continue;
      if (!savedByHandovers.has(session.id)) lost.push({ playerId: session.playerId, epoch: session.epoch });
      this.end(session, SessionEnds.zoneRestarted);
    }
    lost.push(...this.logins.zoneDown(zone));
    if (lost.length === 0) return;
    // Their next log-ins wait until the zone's journal is in and they are marked offline.
    for (const { playerId } of lost) this.logins.awaitSave(playerId, RECOVERY_SESSION);
    const journaled = this.config.journalDir === '' ? Promise.resolve(undefined) : replayJournals(this.config.journalDir, this.store, zone.id);
    journaled
      .then((journal) => {
        if (journal && journal.segments > 0) this.log.info({ zone: zone.id, ...journal }, 'replayed the journal of a zone that died');
        return this.store.releaseOwned(lost);
      })
      .then(
        (released) => this.log.info({ zone: zone.id, released }, 'marked offline the characters of a zone that died'),
        (err: unknown) => this.log.warn({ err, zone: zone.id }, 'could not replay the journal of a zone that died or mark its characters offline; the next start-up recovery will'),
      )
      .finally(() => {
        for (const { playerId } of lost) this.logins.released(playerId, RECOVERY_SESSION, true);
      });
  }

  /** Zone `from` removed the session's player and hands it over (handovers.ts). */
  handOver(from: ZoneHandle, sessionId: number, toZone: number, player: ArriveJob): void {
    this.handovers.started(from, sessionId, toZone, player);
  }

  /** A handed-over session's FENCE came back with its jobs, to go on to the new zone. */
  forwarded(from: ZoneHandle, sessionId: number, jobs: readonly Uint8Array[]): void {
    this.handovers.forwarded(from, sessionId, jobs);
  }

  /** A handed-over player is in its new zone. */
  arrived(zone: ZoneHandle, sessionId: number): void {
    this.handovers.arrived(zone, sessionId);
  }

  /** Players between zones now (for tests and metrics). */
  get playersInTransit(): number {
    return this.handovers.inTransit;
  }

  /** The zone has written a leaver's state (or found it stale) and released the character. */
  released(playerId: number, sessionId: number, saved: boolean): void {
    this.logins.released(playerId, sessionId, saved);
  }

  /**
   * The zone removed this session's player on its own: its frames did not fit (the zone writes
   * the player back and releases it, as for any leaver), or another log-in owns the character
   * now (nothing of it is written, and nothing released).
   */
  sessionDroppedByZone(sessionId: number, reason: DropReason): void {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    if (reason === 'zone_overloaded') this.end(session, SessionEnds.zoneOverloaded);
    else this.end(session, SessionEnds.replaced, true, false);
  }

  private linkOf(zone: ZoneHandle): ZoneLink {
    return this.links.get(zone) as ZoneLink;
  }

  private readonly deliverFrame = (sessionId: number, data: Uint8Array, offset: number, length: number): void => {
    const session = this.sessions.get(sessionId);
    // A session changing zones still hears what its old zone sent before it let go.
    if (!session || (session.state !== 'in-zone' && session.state !== 'handing-over')) {
      this.metrics.traffic.framesOrphaned++;
      return;
    }
    // Copied: the ring reuses this memory, and ws may hold the buffer until the socket drains.
    this.sendBytes(session, Buffer.copyBytesFrom(data, offset, length));
  };

  /** A staged move found the zone's ring full. */
  private moveRefused(sessionId: number, seq: number): void {
    const session = this.sessions.get(sessionId);
    if (session?.state === 'in-zone') this.refuse(session, seq, RefusalMessages.zoneBusy);
  }

  // ---------------------------------------------------------------- sessions

  private onConnection(socket: WebSocket, request: IncomingMessage): void {
    this.metrics.sessionsOpened.inc();
    this.openSockets.add(socket);
    socket.once('close', () => this.openSockets.delete(socket));
    const now = performance.now();
    const session = new Session(
      this.nextSessionId++,
      socket,
      request.socket.remoteAddress ?? '',
      new TokenBucket(this.config.msgRatePerSec, this.config.msgBurst, now),
      new TokenBucket(this.config.chatRatePerSec, this.config.chatBurst, now),
    );
    // Listeners first: a refused socket still reads until its close handshake ends, and an
    // 'error' with no listener would throw out of the process.
    // Through sessionBySocket: a resume hands the socket to the session it takes back.
    this.sessionBySocket.set(socket, session);
    socket.on('message', (data: RawData, isBinary: boolean) => this.onFrame(this.sessionBySocket.get(socket) as Session, data as Buffer, isBinary));
    socket.on('error', (err: Error & { code?: string }) => this.onSocketError(this.sessionBySocket.get(socket) as Session, err));
    socket.on('close', (code: number) => this.onSocketClosed(this.sessionBySocket.get(socket) as Session, socket, code));
    if (!this.accepting) {
      this.end(session, SessionEnds.shuttingDown);
      return;
    }
    // Connections that never log in may take MAX_PENDING_LOGINS slots at most, so a flood of
    // them cannot lock players out.
    if (this.sessions.size >= this.config.maxSessions || this.pendingLogins >= this.config.maxPendingLogins) {
      this.end(session, SessionEnds.serverFull);
      return;
    }
    const perAddressLimit = this.config.maxSessionsPerIp;
    if (perAddressLimit > 0) {
      const fromAddress = this.sessionsPerAddress.get(session.remoteAddress) ?? 0;
      if (fromAddress >= perAddressLimit) {
        this.end(session, SessionEnds.addressFull);
        return;
      }
      this.sessionsPerAddress.set(session.remoteAddress, fromAddress + 1);
    }
    this.sessions.set(session.id, session);
    this.pendingLogins++;
    session.loginTimer = setTimeout(() => this.end(session, SessionEnds.loginTimeout), this.config.loginTimeoutMs);
  }

  private onFrame(session: Session, data: Buffer, isBinary: boolean): void {
    if (session.state === 'closing') return;
    const traffic = this.metrics.traffic;
    traffic.framesIn++;
    traffic.bytesIn += data.length;
    if (!session.bucket.take(performance.now())) return this.end(session, SessionEnds.rateLimited);
    if (!isBinary) return this.end(session, SessionEnds.malformedFrame);
    let message: ClientMessage;
    try {
      message = ClientMessage.decode(data);
    } catch {
      return this.end(session, SessionEnds.malformedFrame);
    }
    const route = message.body === undefined ? undefined : this.dispatch[message.body];
    if (!route) return this.end(session, SessionEnds.unknownMessage);
    // A message for the zone while the player changes zones waits for the new one.
    if (session.state === 'handing-over' && route.needs === Requirements.inZone) {
      if (!this.handovers.hold(session, () => route.handle(session, message.seq, message))) this.refuse(session, message.seq, RefusalMessages.zoneBusy);
      return;
    }
    const misstep = route.needs(session.state);
    if (misstep) {
      this.metrics.protocolErrors.inc({ kind: misstep.kind });
      return this.refuse(session, message.seq, misstep.refusal);
    }
    route.handle(session, message.seq, message);
  }

  private move(session: Session, seq: number, move: MoveRequest): void {
    this.linkOf(session.zone as ZoneHandle).addMove(session.id, seq, move.x, move.y, move.heading, move.clientTimeMs);
  }

  /** An action for the game module, checked here as far as the core can (game/, zone/game/). */
  private gameAction(session: Session, seq: number, action: NonNullable<ClientMessage['gameAction']>): void {
    const payload = action.payload ?? new Uint8Array(0);
    const refused = this.config.gameModule === '' ? GameActionRefusals.noGameModule : payload.length > GameLimits.maxActionBytes ? GameActionRefusals.tooLarge : undefined;
    if (refused) return this.send(session, { error: { code: ErrorCode.ERROR_CODE_GAME_ACTION_REFUSED, seq, message: refused } });
    const job = { seq, gameAction: action.kind ?? 0, payload };
    if (!this.linkOf(session.zone as ZoneHandle).writeGame(session.id, job)) this.refuse(session, seq, RefusalMessages.zoneBusy);
  }

  /** The player leaves; the log-out is confirmed once its state is written (logins.ts). */
  private async logout(session: Session): Promise<void> {
    this.metrics.sessionCloses.inc({ kind: SessionEnds.logout.kind });
    this.retire(session);
    await this.logins.logout(session);
  }

  /** Answers one request with an error; the session goes on. */
  private refuse(session: Session, seq: number, refusal: RefusalMessage): void {
    this.send(session, { error: { code: refusal.code, seq, message: refusal.message } });
  }

  /** Answers a login with its error inside a LoginResponse, then ends the session. */
  private refuseLogin(session: Session, seq: number, reason: SessionEnd): void {
    this.send(session, { login: { error: { code: reason.code, seq, message: reason.reason } } });
    this.end(session, reason, false);
  }

  private onSocketError(session: Session, err: Error & { code?: string }): void {
    // ws has already failed the connection (and sent its close code); count it and forget it.
    const reason = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? SessionEnds.frameTooLarge : SessionEnds.websocketProtocol;
    this.log.debug({ sessionId: session.id, err: err.message }, 'websocket error');
    this.end(session, reason, false);
  }

  /** `code` 1006: the connection was lost without a close frame, which a session can be resumed after. */
  private onSocketClosed(session: Session, socket: WebSocket, code: number): void {
    // A resumed session's old socket: its session has another one now.
    if (session.socket !== socket || session.state === 'closing') return;
    if (code === CONNECTION_LOST && this.resumable(session)) this.detach(session);
    else this.retire(session);
  }

  // ---------------------------------------------------------------- resume

  /** A session whose player is in the world can wait for its client to come back. */
  private resumable(session: Session): boolean {
    return this.config.resumeWindowMs > 0 && this.accepting && session.resumeNonce !== '' && (session.state === 'in-zone' || session.state === 'handing-over');
  }

  /** Sends the session a resume token (a new one after each resume): the old one no longer works. */
  private offerResume(session: Session): void {
    if (this.config.resumeWindowMs === 0) return;
    session.resumeNonce = ResumeTokens.nonce();
    this.send(session, { resumable: { resumeToken: this.resumeTokens.issue(session.id, session.resumeNonce), windowMs: this.config.resumeWindowMs } });
  }

  /** The connection dropped: the player stays in the world until the window ends, then leaves as at a log-out. */
  private detach(session: Session): void {
    this.metrics.sessionsDetached++;
    session.detachedTimer = setTimeout(() => {
      session.detachedTimer = undefined;
      this.metrics.sessionsDetached--;
      this.metrics.resumes.inc({ outcome: 'expired' });
      this.end(session, SessionEnds.resumeWindowPassed, false);
    }, this.config.resumeWindowMs);
  }

  /**
   * A new connection takes a detached session back with its token: the session goes on with this
   * socket (same session id, so the same player in its zone), and the zone shows the client
   * everything afresh. The connection's own session, never logged in, is forgotten.
   */
  private resume(fresh: Session, seq: number, request: NonNullable<ClientMessage['resume']>): void {
    if (request.protocolVersion !== PROTOCOL_VERSION) return this.refuseLogin(fresh, seq, SessionEnds.unsupportedVersion);
    const claim = this.resumeTokens.read(request.resumeToken ?? '');
    const session = claim ? this.sessions.get(claim.sessionId) : undefined;
    if (!claim || !session || session.detachedTimer === undefined || session.resumeNonce !== claim.nonce || session.state === 'closing') {
      this.metrics.resumes.inc({ outcome: 'refused' });
      return this.refuseLogin(fresh, seq, SessionEnds.resumeRefused);
    }
    clearTimeout(session.detachedTimer);
    session.detachedTimer = undefined;
    this.metrics.sessionsDetached--;
    this.metrics.resumes.inc({ outcome: 'resumed' });
    this.forget(fresh);
    session.socket = fresh.socket;
    this.sessionBySocket.set(fresh.socket, session);
    this.offerResume(session);
    const zone = session.zone as ZoneHandle;
    const writeResume = (): void => {
      if (!this.linkOf(session.zone as ZoneHandle).writeResume(session.id)) this.end(session, SessionEnds.serverBusy);
    };
    if (session.state === 'handing-over') this.handovers.hold(session, writeResume);
    else if (zone.state === 'running') writeResume();
    this.log.debug({ sessionId: session.id, playerId: session.playerId }, 'session resumed');
  }

  /** Takes a session that never logged in out of the tables without ending its socket (a resume took the socket). */
  private forget(session: Session): void {
    session.state = 'closing';
    clearTimeout(session.loginTimer);
    if (!this.sessions.delete(session.id)) return;
    this.pendingLogins--;
    this.countAddress(session.remoteAddress, -1);
  }

  /**
   * Ends a session for `reason`: the player leaves its zone, the client is sent the error (when
   * `notify` and the reason carries a code) and the close code. Safe to call more than once.
   * `awaitRelease` false: the zone will not release this player (it has dropped it as stale).
   */
  private end(session: Session, reason: SessionEnd, notify = true, awaitRelease = true): void {
    if (session.state === 'closing') return;
    if (reason.protocolError) this.metrics.protocolErrors.inc({ kind: reason.kind });
    this.metrics.sessionCloses.inc({ kind: reason.kind });
    this.retire(session, awaitRelease);
    const socket = session.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (notify && reason.code !== ErrorCode.ERROR_CODE_UNSPECIFIED) {
      this.send(session, { error: { code: reason.code, seq: 0, message: reason.reason } }, true);
    }
    socket.close(reason.closeCode, reason.reason);
  }

  /**
   * Marks the session closing (first, so that anything this sets off cannot end it again), takes
   * it out of every table and its player out of its zone.
   */
  private retire(session: Session, awaitRelease = true): void {
    const wasInZone = session.state === 'in-zone';
    const wasHandingOver = session.state === 'handing-over';
    const wasPending = session.state === 'connected';
    session.state = 'closing';
    clearTimeout(session.loginTimer);
    if (session.detachedTimer !== undefined) {
      clearTimeout(session.detachedTimer);
      session.detachedTimer = undefined;
      this.metrics.sessionsDetached--;
    }
    if (!this.sessions.delete(session.id)) return;
    if (wasPending) this.pendingLogins--;
    this.countAddress(session.remoteAddress, -1);
    this.remoteTrades.left(session);
    if (wasHandingOver) this.handovers.sessionEnded(session);
    const zone = session.zone;
    // A zone that died or is stopping has forgotten its players: nothing to leave.
    const leaving = zone && wasInZone && zone.state === 'running' && zone.generation === session.zoneGeneration ? zone : undefined;
    this.logins.sessionEnded(session, leaving, awaitRelease);
    if (leaving) this.linkOf(leaving).addLeave(session.id);
  }

  private countAddress(address: string, change: number): void {
    if (this.config.maxSessionsPerIp === 0) return;
    const count = (this.sessionsPerAddress.get(address) ?? 0) + change;
    if (count > 0) this.sessionsPerAddress.set(address, count);
    else this.sessionsPerAddress.delete(address);
  }

  // ---------------------------------------------------------------- sending

  private send(session: Session, message: ServerMessageInit, closing = false): void {
    if (session.state === 'closing' && !closing) return;
    this.sendBytes(session, encodeServerMessage(message));
  }

  private sendBytes(session: Session, bytes: Uint8Array): void {
    const socket = session.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(bytes);
    this.metrics.traffic.framesOut++;
    this.metrics.traffic.bytesOut += bytes.length;
    if (socket.bufferedAmount > this.config.maxBufferedBytes) {
      // Past the cap nothing more is queued for it, not even a close frame.
      this.end(session, SessionEnds.slowConsumer, false);
      socket.terminate();
    }
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * Stops accepting, tells every client the server is going away, and waits until
   * `deadlineMs` for their sockets to close; any still open then are cut, which is not a
   * failure: a client that does not answer its close frame must not hold up the shutdown.
   */
  async close(deadlineMs: number): Promise<void> {
    this.accepting = false;
    const listening = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.wss.close();
    for (const session of [...this.sessions.values()]) this.end(session, SessionEnds.shuttingDown);
    const sockets = [...this.openSockets];
    const allClosed = Promise.all(sockets.map((socket) => (socket.readyState === WebSocket.CLOSED ? undefined : new Promise((resolve) => socket.once('close', resolve)))));
    if ((await byDeadline(allClosed, deadlineMs)) === LATE) {
      this.log.warn({ sockets: this.openSockets.size }, 'clients did not close in time: cutting them');
      for (const socket of this.openSockets) socket.terminate();
    }
    // Log-ins under way end (a character loaded for a session that closed meanwhile is released).
    await byDeadline(this.logins.idle(), deadlineMs);
    // Players still between zones reach their new zone (which writes them back as leavers) or
    // are written here before the zones stop.
    await this.handovers.idle(deadlineMs);
    this.handovers.stop();
    this.http.closeAllConnections();
    await listening;
  }
}
