/**
 * The WebSocket gateway (main thread): accepts sessions, checks every frame (size, rate,
 * decoding, session state), turns client requests into jobs in the player's zone inbound ring,
 * and sends the frames zones put in their outbound rings. Anything a client does wrong ends
 * that client's session only.
 *
 * Jobs are staged per zone and written to the ring once per event-loop turn (job-stager.ts).
 *
 * Log-in loads the character from the store with exclusive ownership before the player joins its
 * zone; a second log-in of a player first closes the older session and waits until the zone has
 * written that session's state back and released the character (hand-over). Log-out is confirmed
 * only once the zone has written the player's state.
 *
 * Backpressure: a full inbound ring refuses the job and the client gets ERROR_CODE_SERVER_BUSY
 * for that request (a refused login also closes with 1013). A LEAVE that does not fit is kept
 * in a per-zone queue and retried whenever the gateway next drains that zone's frames (at least
 * once a second), so no player is left behind in a zone. A client whose send buffer passes MAX_BUFFERED_BYTES is dropped.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { verifyToken } from '../auth/token.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import { SessionEnds, type SessionEnd } from '../protocol/session-ends.ts';
import { EconomyAction, JobKind, JobWriter, MAX_ECONOMY_ITEMS, type EconomyJob, type JoinJob } from '../thread-messages/jobs.ts';
import {
  ClientMessage,
  ErrorCode,
  PROTOCOL_VERSION,
  encodeServerMessage,
  type CreateCharacterRequest,
  type LoginRequest,
  type MoveRequest,
  type ServerMessageInit,
} from '../protocol/messages.ts';
import type { CharacterState, CharacterStore, OwnedCharacter } from '../storage/character-store.ts';
import type { DropReason } from '../thread-messages/zone-control.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import { GatewayMetrics } from './gateway-metrics.ts';
import { JobStager, type RefusedJob } from './job-stager.ts';
import { RemoteTrades } from './remote-trades.ts';
import { Session } from './session.ts';
import { TokenBucket } from './token-bucket.ts';
import type { EconomyStore } from '../storage/economy-store.ts';
import { CreateRefusals } from '../protocol/reasons.ts';
import { checkCharacterName } from '../economy/character-names.ts';
import { GatewayLimits } from '../config/limits.ts';

/** A new character: at full health, level 1, in the middle of its zone. */
export function newCharacter(zone: ZoneHandle): CharacterState {
  return { zoneId: zone.id, x: zone.config.widthM / 2, y: zone.config.heightM / 2, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 };
}

/** Reads the state afresh: after an await, a session may have closed meanwhile. */
function isClosing(session: Session): boolean {
  return session.state === 'closing';
}

/** A player whose zone is writing its state back and releasing its character. */
interface Release {
  readonly zone: ZoneHandle;
  /** The session whose leaving this is: a release for another session does not settle it. */
  readonly sessionId: number;
  readonly done: Promise<boolean>;
  /** True: written and released; false: refused as stale, or lost with its zone. */
  settle(saved: boolean): void;
}

export class Gateway {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly zones: readonly ZoneHandle[];
  private readonly metrics: GatewayMetrics;
  private readonly sessions = new Map<number, Session>();
  private readonly sessionsByPlayer = new Map<number, Session>();
  private readonly openSockets = new Set<WebSocket>();
  /** Sessions in state `connected`: they hold a slot without having shown a token. */
  private pendingLogins = 0;
  /** Open sessions per remote address, kept only when MAX_SESSIONS_PER_IP is set. */
  private readonly sessionsPerAddress = new Map<string, number>();
  /** LEAVE jobs that found their zone's inbound ring full, oldest first. */
  private readonly pendingLeaves = new Map<ZoneHandle, number[]>();
  private readonly jobs = new JobWriter();
  /** Each zone's jobs of the current event-loop turn, written to its ring as one batch. */
  private readonly stagers = new Map<ZoneHandle, JobStager>();
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private nextSessionId = 1;
  private accepting = true;
  private readonly store: CharacterStore & Pick<EconomyStore, 'createCharacter' | 'trade'>;
  /** Trades between players of different zones: their windows live here. */
  private readonly remoteTrades: RemoteTrades;
  /** Players whose zone is writing them back, by player id. */
  private readonly releases = new Map<number, Release>();
  /** The end of the latest log-in, character creation or grant of each player (see inTurn). */
  private readonly loginTurns = new Map<number, Promise<void>>();

  constructor(config: Config, log: Logger, zones: readonly ZoneHandle[], registry: Registry, store: CharacterStore & Pick<EconomyStore, 'createCharacter' | 'trade'>) {
    this.config = config;
    this.log = log;
    this.zones = zones;
    this.store = store;
    this.remoteTrades = new RemoteTrades(
      store,
      (session, message) => this.send(session, message),
      (err, retryInMs) => log.warn({ err, retryInMs }, 'committing a trade across zones failed: it is sent again'),
    );
    this.metrics = new GatewayMetrics(registry, zones, () => this.sessions.size);
    for (const zone of zones) {
      this.stagers.set(zone, new JobStager(() => zone.inbound, (written, refused) => this.onJobsFlushed(zone, written, refused)));
    }
    this.http = createServer((_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain' }).end('this port speaks WebSocket only\n');
    });
    this.wss = new WebSocketServer({
      server: this.http,
      maxPayload: config.maxPayloadBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.wss.on('connection', (socket, request) => this.onConnection(socket, request));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.config.port, this.config.host, () => {
        this.http.off('error', reject);
        resolve((this.http.address() as AddressInfo).port);
      });
    });
  }

  // ---------------------------------------------------------------- zones

  /** A player always lands in the same zone (until persistence remembers where they were). */
  zoneForPlayer(playerId: number): ZoneHandle {
    return this.zones[(playerId - 1) % this.zones.length] as ZoneHandle;
  }

  /** Starts sending the frames of the zone's current outbound ring. */
  zoneUp(zone: ZoneHandle): void {
    void this.pumpFrames(zone, zone.generation);
  }

  /** The zone died: every session in it is told and closed. */
  zoneDown(zone: ZoneHandle): void {
    this.pendingLeaves.delete(zone);
    this.stagerOf(zone).discard();
    for (const session of [...this.sessions.values()]) {
      if (session.zone === zone) this.end(session, SessionEnds.zoneRestarted);
    }
    // What the zone held in memory is gone; the database keeps the last write-back.
    for (const release of [...this.releases.values()]) if (release.zone === zone) release.settle(false);
  }

  /** The zone has written a leaver's state (or found it stale) and released the character. */
  released(playerId: number, sessionId: number, saved: boolean): void {
    const release = this.releases.get(playerId);
    if (release?.sessionId === sessionId) release.settle(saved);
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

  private async pumpFrames(zone: ZoneHandle, generation: number): Promise<void> {
    const ring = zone.outbound;
    while (zone.generation === generation && zone.state === 'running') {
      // The timeout only lets a pump whose zone died notice and end; frames ring the doorbell.
      await ring.waitForRecords(GatewayLimits.framePumpRecheckMs);
      ring.drainRaw(this.deliverFrame);
      this.retryPendingLeaves(zone);
    }
  }

  private readonly deliverFrame = (sessionId: number, data: Uint8Array, offset: number, length: number): void => {
    const session = this.sessions.get(sessionId);
    if (!session || session.state !== 'in-zone') {
      this.metrics.traffic.framesOrphaned++;
      return;
    }
    // Copied: the ring reuses this memory, and ws may hold the buffer until the socket drains.
    this.sendBytes(session, Buffer.copyBytesFrom(data, offset, length));
  };

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
    );
    // Listeners first: a refused socket still reads until its close handshake ends, and an
    // 'error' with no listener would throw out of the process.
    socket.on('message', (data: RawData, isBinary: boolean) => this.onFrame(session, data as Buffer, isBinary));
    socket.on('error', (err: Error & { code?: string }) => this.onSocketError(session, err));
    socket.on('close', () => this.onSocketClosed(session));
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
    const seq = message.seq;
    switch (message.body) {
      case 'ping':
        this.send(session, { pong: { clientTimeMs: message.ping?.clientTimeMs ?? 0, serverTimeMs: Date.now() } });
        return;
      case 'login':
        this.login(session, seq, message.login as LoginRequest);
        return;
      case 'move':
        if (session.state !== 'in-zone') return this.refuse(session, seq, ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, 'log in first', 'not_authenticated');
        this.move(session, seq, message.move as MoveRequest);
        return;
      case 'logout':
        if (session.state !== 'in-zone') return this.refuse(session, seq, ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, 'log in first', 'not_authenticated');
        void this.logout(session);
        return;
      case 'tradeOpen':
      case 'tradeOffer':
      case 'tradeLock':
      case 'tradeAccept':
      case 'tradeCancel':
      case 'mailSend':
      case 'mailList':
      case 'mailClaim':
        if (session.state !== 'in-zone') return this.refuse(session, seq, ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, 'log in first', 'not_authenticated');
        this.economy(session, seq, message);
        return;
      case 'createCharacter':
        if (session.state === 'connected') return this.refuse(session, seq, ErrorCode.ERROR_CODE_NOT_AUTHENTICATED, 'log in first', 'not_authenticated');
        if (session.state !== 'no-character') {
          return this.refuse(session, seq, ErrorCode.ERROR_CODE_ALREADY_AUTHENTICATED, 'no character creation expected now', 'already_authenticated');
        }
        this.createCharacter(session, seq, message.createCharacter as CreateCharacterRequest);
        return;
      default:
        return this.end(session, SessionEnds.unknownMessage);
    }
  }

  private login(session: Session, seq: number, request: LoginRequest): void {
    if (session.state !== 'connected') {
      return this.refuse(session, seq, ErrorCode.ERROR_CODE_ALREADY_AUTHENTICATED, 'already logged in', 'already_authenticated');
    }
    if (request.protocolVersion !== PROTOCOL_VERSION) return this.refuseLogin(session, seq, SessionEnds.unsupportedVersion);
    const check = verifyToken(this.config.tokenSecret, request.token);
    if (!check.ok) return this.refuseLogin(session, seq, check.reason === 'expired' ? SessionEnds.tokenExpired : SessionEnds.invalidToken);
    const playerId = check.claims.playerId;
    session.state = 'authenticated';
    this.pendingLogins--;
    session.playerId = playerId;
    void this.inTurn(playerId, () => this.loadAndJoin(session, seq, playerId));
  }

  /**
   * Log-ins, character creations and grants of one player run one at a time, in order of
   * arrival, so that a grant never races a log-in's first read of the inventory.
   */
  private inTurn<T>(playerId: number, step: () => Promise<T>): Promise<T> {
    const turn = (this.loginTurns.get(playerId) ?? Promise.resolve()).then(step);
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.loginTurns.set(playerId, settled);
    void settled.then(() => {
      if (this.loginTurns.get(playerId) === settled) this.loginTurns.delete(playerId);
    });
    return turn;
  }

  /**
   * Runs `work` in the player's turn, with the zone that holds the player, or undefined when it
   * is not in a zone: that is where a change to its inventory must go.
   */
  withPlayer<T>(playerId: number, work: (zone: ZoneHandle | undefined) => Promise<T>): Promise<T> {
    return this.inTurn(playerId, () => {
      const session = this.sessionsByPlayer.get(playerId);
      return work(session?.state === 'in-zone' ? session.zone : undefined);
    });
  }

  /**
   * Creates the character (committed in the database before anything else happens), then logs it
   * in. A name that breaks the rules or is taken is refused with the request's seq, and the
   * session stays open for another try.
   */
  private createCharacter(session: Session, seq: number, request: CreateCharacterRequest): void {
    const name = request.name;
    const broken = checkCharacterName(name);
    if (broken) return this.refuse(session, seq, ErrorCode.ERROR_CODE_NAME_INVALID, broken);
    const playerId = session.playerId;
    session.state = 'authenticated';
    void this.inTurn(playerId, async () => {
      let outcome: Awaited<ReturnType<EconomyStore['createCharacter']>>;
      try {
        outcome = await this.store.createCharacter(playerId, name, newCharacter(this.zoneForPlayer(playerId)));
      } catch (err) {
        this.log.warn({ err, sessionId: session.id, playerId }, 'character creation failed');
        return this.refuseLogin(session, seq, SessionEnds.storageUnavailable);
      }
      if (isClosing(session)) return;
      if (!outcome.ok && outcome.reason !== CreateRefusals.hasCharacter) {
        session.state = 'no-character';
        if (outcome.reason === CreateRefusals.nameTaken) return this.refuse(session, seq, ErrorCode.ERROR_CODE_NAME_TAKEN, `the name ${name} is taken`);
        return this.refuse(session, seq, ErrorCode.ERROR_CODE_NAME_INVALID, outcome.reason);
      }
      // Created now, or by an earlier try of this player: log it in.
      this.log.info({ sessionId: session.id, playerId, name }, 'character created');
      await this.loadAndJoin(session, seq, playerId);
    });
  }

  /**
   * Takes the character over from an older session (closed, its state written and released
   * first), loads it with exclusive ownership, and sends the player into its zone.
   */
  private async loadAndJoin(session: Session, seq: number, playerId: number): Promise<void> {
    const previous = this.sessionsByPlayer.get(playerId);
    if (previous) this.end(previous, SessionEnds.replaced);
    if ((await this.releasedInTime(playerId)) === 'late') {
      this.log.warn({ sessionId: session.id, playerId }, 'log-in refused: the previous session of this player is still being saved');
      return this.refuseLogin(session, seq, SessionEnds.storageUnavailable);
    }
    if (isClosing(session)) return;
    let owned: OwnedCharacter | undefined;
    try {
      owned = await this.store.acquireExisting(playerId, this.config.nodeId);
    } catch (err) {
      this.log.warn({ err, sessionId: session.id, playerId }, 'log-in refused: the character could not be loaded');
      return this.refuseLogin(session, seq, SessionEnds.storageUnavailable);
    }
    if (isClosing(session)) return;
    if (!owned) {
      // The session stays open: the client creates its character next.
      session.state = 'no-character';
      this.send(session, { login: { error: { code: ErrorCode.ERROR_CODE_CHARACTER_REQUIRED, seq, message: 'no character yet: send create_character with a name' } } });
      return;
    }
    // Back to the zone it was saved in, if this node still has it.
    const zone = this.zones.find((z) => z.id === owned.state.zoneId) ?? this.zoneForPlayer(playerId);
    const join: JoinJob = { playerId, epoch: owned.epoch, ...owned.state };
    if (zone.id !== owned.state.zoneId) Object.assign(join, { x: zone.config.widthM / 2, y: zone.config.heightM / 2 });
    // The session may have closed, or the zone gone down, while the character was loading.
    const gone = isClosing(session);
    const refusal = gone ? undefined : zone.state !== 'running' ? SessionEnds.zoneUnavailable : this.writeJoin(zone, session, join) ? undefined : SessionEnds.serverBusy;
    if (gone || refusal) {
      // Nobody will play it: give the character back as it was loaded.
      this.store.release({ playerId, epoch: owned.epoch, state: owned.state }).catch((err: unknown) => {
        this.log.warn({ err, playerId }, 'could not release a character loaded for a log-in that did not happen; start-up recovery will');
      });
      if (refusal) this.refuseLogin(session, seq, refusal);
      return;
    }
    clearTimeout(session.loginTimer);
    session.zone = zone;
    session.zoneGeneration = zone.generation;
    session.state = 'in-zone';
    this.sessionsByPlayer.set(playerId, session);
    this.log.debug({ sessionId: session.id, playerId, zone: zone.id, epoch: owned.epoch, created: owned.created, address: session.remoteAddress }, 'logged in');
  }

  /** Writes the JOIN now, behind what this turn staged; false when the ring has no room. */
  private writeJoin(zone: ZoneHandle, session: Session, join: JoinJob): boolean {
    this.stagerOf(zone).flush();
    if (!zone.inbound.tryWrite(session.id, this.jobs.join(join))) {
      zone.traffic.jobsRejected++;
      return false;
    }
    zone.traffic.jobsEnqueued++;
    return true;
  }

  /**
   * Waits (up to LOGOUT_SAVE_TIMEOUT_MS) until the player's zone has released it: 'saved' when its
   * last state is written, 'lost' when its zone died first (the database keeps the last
   * write-back), 'late' when the time ran out (the zone still holds it and keeps trying).
   */
  private async releasedInTime(playerId: number): Promise<'saved' | 'lost' | 'late'> {
    const release = this.releases.get(playerId);
    if (!release) return 'saved';
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.config.logoutSaveTimeoutMs);
    });
    const outcome = await Promise.race([release.done.then((saved) => (saved ? ('saved' as const) : ('lost' as const))), late]);
    clearTimeout(timer);
    return outcome;
  }

  /** The player leaves; the log-out is confirmed once its state is written, within the timeout. */
  private async logout(session: Session): Promise<void> {
    this.metrics.sessionCloses.inc({ kind: SessionEnds.logout.kind });
    const playerId = session.playerId;
    this.retire(session);
    const saved = (await this.releasedInTime(playerId)) === 'saved';
    if (session.socket.readyState !== WebSocket.OPEN) return;
    if (saved) {
      this.send(session, { logout: {} }, true);
      session.socket.close(SessionEnds.logout.closeCode, SessionEnds.logout.reason);
    } else {
      const reason = SessionEnds.logoutSavePending;
      this.send(session, { error: { code: reason.code, seq: 0, message: reason.reason } }, true);
      session.socket.close(reason.closeCode, reason.reason);
    }
  }

  /** A trade or mail request becomes an ECONOMY job, behind the moves staged before it. */
  private economy(session: Session, seq: number, message: ClientMessage): void {
    // A trade with a player of another zone is run here, not by a zone.
    const partnerPlayerId = message.tradeOpen?.partnerEntityId ? 0 : (message.tradeOpen?.partnerPlayerId ?? 0);
    if (partnerPlayerId !== 0) return this.remoteTrades.open(session, seq, this.sessionsByPlayer.get(partnerPlayerId));
    if (this.remoteTrades.has(session)) {
      if (message.tradeOffer) return this.remoteTrades.step(session, seq, 'offer', message.tradeOffer.gold ?? 0, message.tradeOffer.itemIds ?? []);
      if (message.tradeLock) return this.remoteTrades.step(session, seq, 'lock');
      if (message.tradeAccept) return this.remoteTrades.step(session, seq, 'accept');
      if (message.tradeCancel) return this.remoteTrades.step(session, seq, 'cancel');
    }
    const job: EconomyJob = { action: EconomyAction.TRADE_CANCEL, seq, target: 0, gold: 0, itemIds: [] };
    if (message.tradeOpen) Object.assign(job, { action: EconomyAction.TRADE_OPEN, target: message.tradeOpen.partnerEntityId ?? 0 });
    else if (message.tradeOffer) Object.assign(job, { action: EconomyAction.TRADE_OFFER, gold: message.tradeOffer.gold ?? 0, itemIds: message.tradeOffer.itemIds ?? [] });
    else if (message.tradeLock) job.action = EconomyAction.TRADE_LOCK;
    else if (message.tradeAccept) job.action = EconomyAction.TRADE_ACCEPT;
    else if (message.mailSend) Object.assign(job, { action: EconomyAction.MAIL_SEND, target: message.mailSend.toPlayerId ?? 0, gold: message.mailSend.gold ?? 0, itemIds: message.mailSend.itemIds ?? [] });
    else if (message.mailList) job.action = EconomyAction.MAIL_LIST;
    else if (message.mailClaim) Object.assign(job, { action: EconomyAction.MAIL_CLAIM, target: message.mailClaim.mailId ?? 0 });
    if (job.itemIds.length > MAX_ECONOMY_ITEMS) {
      if (message.mailSend) return this.send(session, { mailResult: { seq, ok: false, reason: 'TOO_MANY_ITEMS' } });
      return this.refuse(session, seq, ErrorCode.ERROR_CODE_TRADE_REFUSED, 'TOO_MANY_ITEMS');
    }
    const zone = session.zone as ZoneHandle;
    this.stagerOf(zone).flush();
    if (!zone.inbound.tryWrite(session.id, this.jobs.economy(job))) {
      zone.traffic.jobsRejected++;
      return this.refuse(session, seq, ErrorCode.ERROR_CODE_SERVER_BUSY, 'zone busy: request not taken');
    }
    zone.traffic.jobsEnqueued++;
  }

  private move(session: Session, seq: number, move: MoveRequest): void {
    this.stagerOf(session.zone as ZoneHandle).addMove(session.id, seq, move.x, move.y, move.heading, move.clientTimeMs);
  }

  private stagerOf(zone: ZoneHandle): JobStager {
    return this.stagers.get(zone) as JobStager;
  }

  /** A staged batch went to the zone's ring; the jobs it had no room for are answered here. */
  private onJobsFlushed(zone: ZoneHandle, written: number, refused: readonly RefusedJob[]): void {
    zone.traffic.jobsEnqueued += written;
    zone.traffic.jobsRejected += refused.length;
    for (const job of refused) {
      if (job.kind === JobKind.LEAVE) {
        this.keepPendingLeave(zone, job.sessionId);
        continue;
      }
      const session = this.sessions.get(job.sessionId);
      if (session?.state === 'in-zone') this.refuse(session, job.seq, ErrorCode.ERROR_CODE_SERVER_BUSY, 'zone busy: move not taken');
    }
  }

  /**
   * Answers one request with an error; the session goes on. `protocolError` names the kind when
   * the client broke the protocol (counted), rather than hit a limit of the server.
   */
  private refuse(session: Session, seq: number, code: ErrorCode, message: string, protocolError?: string): void {
    if (protocolError) this.metrics.protocolErrors.inc({ kind: protocolError });
    this.send(session, { error: { code, seq, message } });
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

  private onSocketClosed(session: Session): void {
    if (session.state !== 'closing') this.retire(session);
  }

  /**
   * Ends a session for `reason`: the player leaves its zone, the client is sent the error (when
   * `notify` and the reason carries a code) and the close code. Safe to call more than once.
   * `awaitRelease` false: the zone will not release this player (it has dropped it as stale).
   */
  end(session: Session, reason: SessionEnd, notify = true, awaitRelease = true): void {
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
    const wasPending = session.state === 'connected';
    session.state = 'closing';
    clearTimeout(session.loginTimer);
    if (!this.sessions.delete(session.id)) return;
    if (wasPending) this.pendingLogins--;
    if (this.config.maxSessionsPerIp > 0) {
      const left = (this.sessionsPerAddress.get(session.remoteAddress) ?? 1) - 1;
      if (left > 0) this.sessionsPerAddress.set(session.remoteAddress, left);
      else this.sessionsPerAddress.delete(session.remoteAddress);
    }
    if (this.sessionsByPlayer.get(session.playerId) === session) this.sessionsByPlayer.delete(session.playerId);
    this.remoteTrades.left(session);
    const zone = session.zone;
    // A zone that died or is stopping has forgotten its players: nothing to leave.
    if (zone && wasInZone && zone.state === 'running' && zone.generation === session.zoneGeneration) {
      if (awaitRelease) this.expectRelease(session.playerId, session.id, zone);
      this.leave(zone, session.id);
    }
  }

  private expectRelease(playerId: number, sessionId: number, zone: ZoneHandle): void {
    let settle: (saved: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const release: Release = {
      zone,
      sessionId,
      done,
      settle: (saved) => {
        if (this.releases.get(playerId) === release) this.releases.delete(playerId);
        settle(saved);
      },
    };
    this.releases.set(playerId, release);
  }

  private leave(zone: ZoneHandle, sessionId: number): void {
    // Behind earlier pending LEAVEs, to keep their order; otherwise staged like any job.
    if (this.pendingLeaves.has(zone)) this.keepPendingLeave(zone, sessionId);
    else this.stagerOf(zone).addLeave(sessionId);
  }

  private keepPendingLeave(zone: ZoneHandle, sessionId: number): void {
    const pending = this.pendingLeaves.get(zone);
    if (pending) pending.push(sessionId);
    else this.pendingLeaves.set(zone, [sessionId]);
  }

  private retryPendingLeaves(zone: ZoneHandle): void {
    const pending = this.pendingLeaves.get(zone);
    if (!pending) return;
    let sent = 0;
    while (sent < pending.length && zone.inbound.tryWrite(pending[sent] as number, this.jobs.leave())) sent++;
    zone.traffic.jobsEnqueued += sent;
    if (sent === pending.length) this.pendingLeaves.delete(zone);
    else pending.splice(0, sent);
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
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), Math.max(0, deadlineMs - Date.now()));
    });
    if ((await Promise.race([allClosed, late])) === 'late') {
      this.log.warn({ sockets: this.openSockets.size }, 'clients did not close in time: cutting them');
      for (const socket of this.openSockets) socket.terminate();
    }
    clearTimeout(timer);
    this.http.closeAllConnections();
    await listening;
  }
}
