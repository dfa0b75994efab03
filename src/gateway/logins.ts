/**
 * Log-in, character creation, log-out and the hand-over of a character between sessions: who
 * owns which player on this node, and when its zone has let it go.
 *
 * - Log-in loads the character from the store with exclusive ownership (a new owner epoch) before
 *   the player joins its zone. A player without a character is asked to create one first.
 * - A second log-in of a player first ends the older session and waits until its zone has written
 *   that session's state back and released the character, so two zones never hold one character
 *   and the new session starts where the old one stopped.
 * - Log-ins, character creations and grants of one player run one at a time, in order of arrival
 *   (`inTurn`), so that a grant never races a log-in's first read of the inventory.
 * - Log-out is confirmed only once the zone has written the player's state, within
 *   LOGOUT_SAVE_TIMEOUT_MS.
 */
import { byDeadline, LATE } from '../retry/deadline.ts';
import { WebSocket } from 'ws';
import { GatewayLimits } from '../config/limits.ts';
import { TokenVerifier } from '../auth/token.ts';
import type { Config } from '../config/config.ts';
import { checkCharacterName, nameKey } from '../economy/character-names.ts';
import type { Logger } from '../log/logger.ts';
import { ErrorCode, PROTOCOL_VERSION, type CreateCharacterRequest, type LoginRequest, type ServerMessageInit } from '../protocol/messages.ts';
import { CreateRefusals, RefusalMessages, type RefusalMessage } from '../protocol/reasons.ts';
import { SessionEnds, type SessionEnd } from '../protocol/session-ends.ts';
import type { CharacterState, CharacterStore, Isolated, OwnedCharacter } from '../storage/character-store.ts';
import type { CreateCharacterResult, EconomyStore } from '../storage/economy-store.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import type { JoinJob } from '../thread-messages/jobs.ts';
import type { Session } from './session.ts';
import type { ZoneLink } from './zone-link.ts';

/** What log-ins need of the gateway. */
export interface LoginHost {
  send(session: Session, message: ServerMessageInit, closing?: boolean): void;
  /** Answers one request with an error; the session goes on. */
  refuse(session: Session, seq: number, refusal: RefusalMessage): void;
  /** Answers a log-in with its error inside a LoginResponse, then ends the session. */
  refuseLogin(session: Session, seq: number, end: SessionEnd): void;
  end(session: Session, end: SessionEnd): void;
  /** The session showed a valid token: it no longer holds a pending log-in's slot. */
  authenticated(session: Session): void;
  linkOf(zone: ZoneHandle): ZoneLink;
  /** Settles once the player is not between zones (handovers.ts). */
  settled(playerId: number): Promise<void>;
  /** The session's player is on its way into its zone: it may be offered a resume token. */
  entered(session: Session): void;
}

/** A player whose zone (or, for one between zones, the gateway) is writing its state back and releasing its character. */
interface Release {
  /** Undefined: the write is not the work of a zone, whose death would lose it. */
  zone: ZoneHandle | undefined;
  /** The session whose leaving this is: a release for another session does not settle it. */
  readonly sessionId: number;
  /** That session's owner epoch. */
  readonly epoch: number;
  readonly done: Promise<boolean>;
  /** True: written and released; false: refused as stale, or lost with its zone. */
  settle(saved: boolean): void;
}

/** A new character: at full health, level 1, at its zone's spawn point. */
function newCharacter(zone: ZoneHandle): CharacterState {
  return { zoneId: zone.id, x: zone.config.spawnXM, y: zone.config.spawnYM, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 };
}

/** Reads the state afresh: after an await, a session may have closed meanwhile. */
function isClosing(session: Session): boolean {
  return session.state === 'closing';
}

export class Logins {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly zones: readonly ZoneHandle[];
  /** The zones new players start in (a dungeon reached by a portal takes none). */
  private readonly startingZones: readonly ZoneHandle[];
  private readonly store: CharacterStore & Pick<EconomyStore, 'createCharacter'>;
  private readonly host: LoginHost;
  private readonly tokens: TokenVerifier;
  /** The session playing each player on this node. */
  private readonly sessionsByPlayer = new Map<number, Session>();
  /** The same sessions by character name, lower-cased (names collide whatever their case). */
  private readonly sessionsByName = new Map<string, Session>();
  /** Players whose zone is writing them back, by player id. */
  private readonly releases = new Map<number, Release>();
  /** The end of the latest log-in, character creation or grant of each player (see inTurn). */
  private readonly turns = new Map<number, Promise<void>>();
  /** Addresses whose invalid token was logged already: once each, so a flood cannot fill the log. */
  private readonly invalidTokenAddresses = new Set<string>();

  constructor(config: Config, log: Logger, zones: readonly ZoneHandle[], store: CharacterStore & Pick<EconomyStore, 'createCharacter'>, host: LoginHost) {
    this.config = config;
    this.log = log;
    this.zones = zones;
    this.startingZones = zones.filter((zone) => zone.config.newPlayers);
    this.store = store;
    this.host = host;
    this.tokens = new TokenVerifier(config.tokens);
  }

  /** The session playing `playerId` here, if any. */
  sessionOf(playerId: number): Session | undefined {
    return this.sessionsByPlayer.get(playerId);
  }

  /** The session playing the character named `name` (any case) here, if any. */
  sessionNamed(name: string): Session | undefined {
    return this.sessionsByName.get(nameKey(name));
  }

  /** A player without a place of its own always lands in the same starting zone. */
  private zoneForPlayer(playerId: number): ZoneHandle {
    return this.startingZones[(playerId - 1) % this.startingZones.length] as ZoneHandle;
  }

  login(session: Session, seq: number, request: LoginRequest): void {
    if (request.protocolVersion !== PROTOCOL_VERSION) return this.host.refuseLogin(session, seq, SessionEnds.unsupportedVersion);
    // No second log-in while this one's token is checked (a JWKS may have to be fetched first).
    session.state = 'authenticated';
    this.host.authenticated(session);
    void this.tokens.verify(request.token).then((check) => {
      if (isClosing(session)) return;
      if (!check.ok && check.reason !== 'expired') this.logInvalidToken(session.remoteAddress);
      if (!check.ok) return this.host.refuseLogin(session, seq, check.reason === 'expired' ? SessionEnds.tokenExpired : SessionEnds.invalidToken);
      const playerId = check.claims.playerId;
      session.playerId = playerId;
      void this.inTurn(playerId, () => this.loadAndJoin(session, seq, playerId));
    });
  }

  /**
   * Creates the character (committed in the database before anything else happens), then logs it
   * in. A name that breaks the rules or is taken is refused with the request's seq, and the
   * session stays open for another try.
   */
  createCharacter(session: Session, seq: number, request: CreateCharacterRequest): void {
    const name = request.name;
    const broken = checkCharacterName(name);
    if (broken) return this.host.refuse(session, seq, { code: ErrorCode.ERROR_CODE_NAME_INVALID, message: broken });
    const playerId = session.playerId;
    session.state = 'authenticated';
    void this.inTurn(playerId, async () => {
      let outcome: CreateCharacterResult;
      try {
        outcome = await this.store.createCharacter(playerId, name, newCharacter(this.zoneForPlayer(playerId)));
      } catch (err) {
        this.log.warn({ err, sessionId: session.id, playerId }, 'character creation failed');
        return this.host.refuseLogin(session, seq, SessionEnds.storageUnavailable);
      }
      if (isClosing(session)) return;
      if (!outcome.ok && outcome.reason !== CreateRefusals.hasCharacter) {
        session.state = 'no-character';
        if (outcome.reason === CreateRefusals.nameTaken) return this.host.refuse(session, seq, { code: ErrorCode.ERROR_CODE_NAME_TAKEN, message: `the name ${name} is taken` });
        return this.host.refuse(session, seq, { code: ErrorCode.ERROR_CODE_NAME_INVALID, message: outcome.reason });
      }
      // Created now, or by an earlier try of this player: log it in.
      this.log.info({ sessionId: session.id, playerId, name }, 'character created');
      await this.loadAndJoin(session, seq, playerId);
    });
  }

  /** The player leaves; the log-out is confirmed once its state is written, within the timeout. */
  async logout(session: Session): Promise<void> {
    const playerId = session.playerId;
    const saved = (await this.releasedInTime(playerId)) === 'saved';
    if (session.socket.readyState !== WebSocket.OPEN) return;
    if (saved) {
      this.host.send(session, { logout: {} }, true);
      session.socket.close(SessionEnds.logout.closeCode, SessionEnds.logout.reason);
    } else {
      const reason = SessionEnds.logoutSavePending;
      this.host.send(session, { error: { code: reason.code, seq: 0, message: reason.reason } }, true);
      session.socket.close(reason.closeCode, reason.reason);
    }
  }

  /**
   * Runs `work` in the player's turn, with the zone that holds the player, or undefined when it
   * is not in a zone: that is where a change to its inventory must go.
   */
  withPlayer<T>(playerId: number, work: (zone: ZoneHandle | undefined, address: string | undefined) => Promise<T>): Promise<T> {
    return this.inTurn(playerId, async () => {
      // A player between zones is in neither: the change waits for it to arrive.
      await this.host.settled(playerId);
      const session = this.sessionsByPlayer.get(playerId);
      const inZone = session?.state === 'in-zone' ? session : undefined;
      return work(inZone?.zone, inZone?.remoteAddress);
    });
  }

  /**
   * Runs `work` in the player's turn once nobody plays it here: its session, if it has one, ended
   * with `end`, and its zone's final write of it awaited (`wasOnline` says whether there was one).
   * 'late', without running `work`, when that write has not finished within
   * LOGOUT_SAVE_TIMEOUT_MS; a zone that died first leaves the database its last write-back.
   */
  whenUnloaded<T>(playerId: number, end: SessionEnd, work: (wasOnline: boolean) => Promise<T>): Promise<T | 'late'> {
    return this.inTurn(playerId, async () => {
      await this.host.settled(playerId);
      const session = this.sessionsByPlayer.get(playerId);
      if (session) this.host.end(session, end);
      if ((await this.releasedInTime(playerId)) === 'late') return 'late';
      return work(session !== undefined);
    });
  }

  /**
   * The session is ending: it no longer plays its player, and when its player was in `zone`, the
   * zone's release of the character is awaited by the next log-in (unless `awaitRelease` is false:
   * the zone dropped the player as stale and releases nothing).
   */
  sessionEnded(session: Session, zone: ZoneHandle | undefined, awaitRelease: boolean): void {
    if (this.sessionsByPlayer.get(session.playerId) === session) this.sessionsByPlayer.delete(session.playerId);
    if (this.sessionsByName.get(nameKey(session.name)) === session) this.sessionsByName.delete(nameKey(session.name));
    if (zone && awaitRelease) this.expectRelease(session.playerId, session.id, session.epoch, zone);
  }

  /** The zone has written a leaver's state (or found it stale) and released the character. */
  released(playerId: number, sessionId: number, saved: boolean): void {
    const release = this.releases.get(playerId);
    if (release?.sessionId === sessionId) release.settle(saved);
  }

  /**
   * The player's state is being written by the gateway's hand-over (handovers.ts), not by a zone:
   * the next log-in waits for `released` of this session, whatever zone dies meanwhile.
   */
  awaitSave(playerId: number, sessionId: number): void {
    const release = this.releases.get(playerId);
    if (release?.sessionId === sessionId) release.zone = undefined;
    else this.expectRelease(playerId, sessionId, 0, undefined);
  }

  /**
   * The zone died: what it held in memory is gone, and the database keeps the last write-back.
   * Returns the characters it was still writing back (player id and epoch), to be marked offline.
   */
  zoneDown(zone: ZoneHandle): { playerId: number; epoch: number }[] {
    const lost: { playerId: number; epoch: number }[] = [];
    for (const [playerId, release] of [...this.releases]) {
      if (release.zone !== zone) continue;
      lost.push({ playerId, epoch: release.epoch });
      release.settle(false);
    }
    return lost;
  }

  /** Settles once every log-in, character creation and grant under way has ended. */
  async idle(): Promise<void> {
    while (this.turns.size > 0) await Promise.all(this.turns.values());
  }

  /** The first invalid token from an address is worth an operator's look: often two different secrets. */
  private logInvalidToken(address: string): void {
    if (this.invalidTokenAddresses.has(address)) return;
    if (this.invalidTokenAddresses.size >= GatewayLimits.invalidTokenAddressesKept) this.invalidTokenAddresses.clear();
    this.invalidTokenAddresses.add(address);
    this.log.info({ address }, 'log-in refused: invalid token (malformed, or signed with another secret than this server\'s TOKEN_SECRET, or not a JWT the configured key accepts); further ones from this address are not logged');
  }

  private inTurn<T>(playerId: number, step: () => Promise<T>): Promise<T> {
    const turn = (this.turns.get(playerId) ?? Promise.resolve()).then(step);
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(playerId, settled);
    void settled.then(() => {
      if (this.turns.get(playerId) === settled) this.turns.delete(playerId);
    });
    return turn;
  }

  /**
   * Takes the character over from an older session (closed, its state written and released
   * first), loads it with exclusive ownership, and sends the player into its zone.
   */
  private async loadAndJoin(session: Session, seq: number, playerId: number): Promise<void> {
    const previous = this.sessionsByPlayer.get(playerId);
    if (previous) this.host.end(previous, SessionEnds.replaced);
    if ((await this.releasedInTime(playerId)) === 'late') {
      this.log.warn({ sessionId: session.id, playerId }, 'log-in refused: the previous session of this player is still being saved');
      return this.host.refuseLogin(session, seq, SessionEnds.storageUnavailable);
    }
    if (isClosing(session)) return;
    let owned: OwnedCharacter | Isolated | undefined;
    try {
      owned = await this.store.acquireExisting(playerId, this.config.nodeId);
    } catch (err) {
      this.log.warn({ err, sessionId: session.id, playerId }, 'log-in refused: the character could not be loaded');
      return this.host.refuseLogin(session, seq, SessionEnds.storageUnavailable);
    }
    if (!owned) {
      if (isClosing(session)) return;
      // The session stays open: the client creates its character next.
      session.state = 'no-character';
      const { code, message } = RefusalMessages.characterRequired;
      this.host.send(session, { login: { error: { code, seq, message } } });
      return;
    }
    if ('isolated' in owned) return this.host.refuseLogin(session, seq, SessionEnds.isolated);
    // Back to the zone it was saved in, if this node still has it.
    const zone = this.zones.find((z) => z.id === owned.state.zoneId) ?? this.zoneForPlayer(playerId);
    const join: JoinJob = { playerId, epoch: owned.epoch, ...owned.state };
    if (zone.id !== owned.state.zoneId) Object.assign(join, { x: zone.config.spawnXM, y: zone.config.spawnYM });
    // The session may have closed, or the zone gone down, while the character was loading.
    const gone = isClosing(session);
    const refusal = gone ? undefined : zone.state !== 'running' ? SessionEnds.zoneUnavailable : this.host.linkOf(zone).writeJoin(session.id, join) ? undefined : SessionEnds.serverBusy;
    if (gone || refusal) {
      if (refusal) this.host.refuseLogin(session, seq, refusal);
      // Nobody will play it: give the character back as it was loaded, within this turn, so that
      // the player's next log-in and a shutdown (idle) wait for it.
      await this.store.release({ playerId, epoch: owned.epoch, version: 0, state: owned.state }).catch((err: unknown) => {
        this.log.warn({ err, playerId }, 'could not release a character loaded for a log-in that did not happen; start-up recovery will');
      });
      return;
    }
    clearTimeout(session.loginTimer);
    session.zone = zone;
    session.zoneGeneration = zone.generation;
    session.state = 'in-zone';
    session.name = owned.name ?? '';
    session.epoch = owned.epoch;
    this.sessionsByPlayer.set(playerId, session);
    if (session.name !== '') this.sessionsByName.set(nameKey(session.name), session);
    this.host.entered(session);
    this.log.debug({ sessionId: session.id, playerId, zone: zone.id, epoch: owned.epoch, created: owned.created, address: session.remoteAddress }, 'logged in');
  }

  /**
   * Waits (up to LOGOUT_SAVE_TIMEOUT_MS) until the player's zone has released it: 'saved' when its
   * last state is written, 'lost' when its zone died first (the database keeps the last
   * write-back), 'late' when the time ran out (the zone still holds it and keeps trying).
   */
  private async releasedInTime(playerId: number): Promise<'saved' | 'lost' | 'late'> {
    const release = this.releases.get(playerId);
    if (!release) return 'saved';
    const saved = await byDeadline(release.done, Date.now() + this.config.logoutSaveTimeoutMs);
    return saved === LATE ? 'late' : saved ? 'saved' : 'lost';
  }

  private expectRelease(playerId: number, sessionId: number, epoch: number, zone: ZoneHandle | undefined): void {
    let settle: (saved: boolean) => void = () => {};
    const done = new Promise<boolean>((resolve) => {
      settle = resolve;
    });
    const release: Release = {
      zone,
      sessionId,
      epoch,
      done,
      settle: (saved) => {
        if (this.releases.get(playerId) === release) this.releases.delete(playerId);
        settle(saved);
      },
    };
    this.releases.set(playerId, release);
  }
}
