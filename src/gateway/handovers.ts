/**
 * Hand-overs between zones, as the gateway runs them. A zone decides that a player crosses (a
 * border, a portal), removes it and posts its whole state; from then until the new zone has it,
 * the gateway holds that state, and nothing else does.
 *
 *   1. `started`: the session stops sending to the old zone. Its client's messages are held here,
 *      in order (`hold`). A FENCE goes into the old zone's ring behind the session's last job, and
 *      the zone is asked to take its jobs at once (between ticks) rather than at its next tick.
 *   2. `forwarded`: the old zone took the FENCE and sent on the session's jobs that reached it
 *      after the hand-over, unapplied. The old zone's frames are delivered first; then the
 *      player's ARRIVE and those jobs go into the new zone's ring together, the session moves to
 *      the new zone (asked, again, to take them at once), and the held messages are dispatched
 *      there, in order.
 *   3. `arrived`: the new zone has the player. The hand-over is done.
 *
 * So no input is dropped, applied by both zones or applied out of order. When something fails
 * on the way, the player ends up in exactly one place:
 *   - the session closes during the hand-over: the player still goes to the new zone, with a
 *     LEAVE behind it, and that zone writes it back as for any leaver;
 *   - the old zone dies before the FENCE: the player goes on to the new zone without the jobs
 *     lost with the old one's ring (none of them had been applied);
 *   - the new zone is down or its ring is full, or it dies before it took the ARRIVE: the session
 *     ends and the state held here is written to the database (retried until it is), and the
 *     next log-in waits for that.
 */
import { byDeadline } from '../retry/deadline.ts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { GatewayLimits, StoreRetryBackoff } from '../config/limits.ts';
import type { Logger } from '../log/logger.ts';
import { TradeReasons, type TradeReason } from '../protocol/reasons.ts';
import { SessionEnds, type SessionEnd } from '../protocol/session-ends.ts';
import { Backoff } from '../retry/backoff.ts';
import type { CharacterSnapshot, CharacterStore } from '../storage/character-store.ts';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import { arriveJobBytes, JobWriter, type ArriveJob } from '../thread-messages/jobs.ts';
import type { Session } from './session.ts';
import type { ZoneLink } from './zone-link.ts';

export interface HandoverHost {
  sessionOf(sessionId: number): Session | undefined;
  linkOf(zone: ZoneHandle): ZoneLink;
  /** Ends the session for `reason`. */
  end(session: Session, reason: SessionEnd): void;
  /** The session's remote trade window, if open, is cancelled (`reason`). */
  cancelRemoteTrade(session: Session, reason: TradeReason): void;
  /** The next log-in of the player waits until `saved` is called for this session (logins.ts). */
  awaitSave(playerId: number, sessionId: number): void;
  saved(playerId: number, sessionId: number, saved: boolean): void;
}

interface Transit {
  readonly sessionId: number;
  readonly player: ArriveJob;
  readonly from: ZoneHandle;
  readonly fromGeneration: number;
  readonly to: ZoneHandle;
  /** The client's session while it is open. */
  session: Session | undefined;
  /** The client's messages that came meanwhile, as their dispatches, oldest first. */
  readonly held: (() => void)[];
  /** `fencing`: waiting for the old zone's FENCE; `arriving`: the ARRIVE is in the new zone's ring. */
  stage: 'fencing' | 'arriving';
  readonly startedMs: number;
  readonly done: Promise<void>;
  finish(): void;
}

export class Handovers {
  private readonly zones: readonly ZoneHandle[];
  private readonly store: Pick<CharacterStore, 'release'>;
  private readonly host: HandoverHost;
  private readonly log: Logger;
  private readonly transits = new Map<number, Transit>();
  private readonly leaveJob = new JobWriter().leave().slice();
  private readonly handovers: Counter<'kind' | 'outcome'>;
  private readonly duration: Histogram;
  private readonly inputsHeld: Counter;
  private stopped = false;

  constructor(zones: readonly ZoneHandle[], store: Pick<CharacterStore, 'release'>, registry: Registry, log: Logger, host: HandoverHost) {
    this.zones = zones;
    this.store = store;
    this.host = host;
    this.log = log;
    this.handovers = new Counter({
      name: 'gateway_handovers_total',
      help: 'Players handed from zone to zone, by kind (border, portal) and outcome (arrived; saved: the new zone could not take the player, who was logged out with its state written).',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'gateway_handover_duration_seconds',
      help: 'From the old zone handing a player over to the new zone having it.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5],
      registers: [registry],
    });
    const transits = this.transits;
    new Gauge({
      name: 'gateway_players_between_zones',
      help: 'Players handed over by one zone and not yet taken by the next.',
      registers: [registry],
      collect() {
        this.set(transits.size);
      },
    });
    this.inputsHeld = new Counter({ name: 'gateway_handover_inputs_held_total', help: 'Client messages held during hand-overs and applied by the new zone.', registers: [registry] });
  }

  /** Players on their way between zones now. */
  get inTransit(): number {
    return this.transits.size;
  }

  /** 1. Zone `from` removed the session's player and hands it to zone `toZone`. */
  started(from: ZoneHandle, sessionId: number, toZone: number, player: ArriveJob): void {
    const to = this.zones.find((zone) => zone.id === toZone);
    let finish = (): void => {};
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const session = this.host.sessionOf(sessionId);
    const open = session !== undefined && session.state === 'in-zone' && session.zone === from && session.zoneGeneration === from.generation;
    const transit: Transit = {
      sessionId,
      player,
      from,
      fromGeneration: from.generation,
      to: to ?? from,
      session: open ? session : undefined,
      held: [],
      stage: 'fencing',
      startedMs: performance.now(),
      done,
      finish: () => {
        if (this.transits.get(sessionId) === transit) this.transits.delete(sessionId);
        finish();
      },
    };
    this.transits.set(sessionId, transit);
    if (!to) {
      this.log.error({ sessionId, playerId: player.playerId, toZone }, 'a zone handed a player over to a zone this server does not have');
      return this.logOut(transit, SessionEnds.zoneUnavailable);
    }
    if (open) {
      session.state = 'handing-over';
      this.host.cancelRemoteTrade(session, TradeReasons.zoneChanged);
    } else {
      // Closed already: its LEAVE is on its way to the old zone, which sends it on.
      this.host.awaitSave(player.playerId, sessionId);
    }
    if (from.state === 'running' && from.generation === transit.fromGeneration) {
      this.host.linkOf(from).addFence(sessionId);
      // The old zone answers between its ticks, not at the next one.
      from.send({ type: 'take-jobs' });
    } else {
      this.arrive(transit, []);
    }
  }

  /** 2. The old zone took the FENCE: `jobs` are the session's jobs it took before, unapplied. */
  forwarded(from: ZoneHandle, sessionId: number, jobs: readonly Uint8Array[]): void {
    const transit = this.transits.get(sessionId);
    if (!transit || transit.from !== from || transit.stage !== 'fencing') return;
    // What the old zone sent the client before it let go goes out before anything of the new one.
    this.host.linkOf(from).drainFrames();
    this.arrive(transit, jobs);
  }

  /** 3. The new zone has the player. */
  arrived(zone: ZoneHandle, sessionId: number): void {
    const transit = this.transits.get(sessionId);
    if (!transit || transit.to !== zone || transit.stage !== 'arriving') return;
    this.duration.observe((performance.now() - transit.startedMs) / 1000);
    this.handovers.inc({ kind: transit.player.portal ? 'portal' : 'border', outcome: 'arrived' });
    transit.finish();
  }

  /**
   * Holds a client message of a session changing zones, to be dispatched in its new zone; false
   * when too many are held already (the caller refuses it).
   */
  hold(session: Session, dispatch: () => void): boolean {
    const transit = this.transits.get(session.id);
    if (!transit || transit.session !== session || transit.held.length >= GatewayLimits.maxHeldPerHandover) return false;
    transit.held.push(dispatch);
    this.inputsHeld.inc();
    return true;
  }

  /** The session closed while its player changes zones: the new zone writes the player back. */
  sessionEnded(session: Session): void {
    const transit = this.transits.get(session.id);
    if (!transit || transit.session !== session) return;
    transit.session = undefined;
    transit.held.length = 0;
    this.host.awaitSave(transit.player.playerId, session.id);
  }

  /** Settles once the player is no longer between zones (at once when it is not). */
  settled(playerId: number): Promise<void> {
    for (const transit of this.transits.values()) if (transit.player.playerId === playerId) return transit.done;
    return Promise.resolve();
  }

  /**
   * A zone died. Players on their way out of it go on without what its ring held; those on
   * their way into it that it had not taken yet are logged out with their state written here.
   * Runs before the zone's sessions are ended. Returns the sessions whose players are written
   * here: their rows are this module's to release.
   */
  zoneDown(zone: ZoneHandle): Set<number> {
    const saving = new Set<number>();
    for (const transit of [...this.transits.values()]) {
      if (transit.stage === 'fencing' && transit.from === zone) this.arrive(transit, []);
      else if (transit.stage === 'arriving' && transit.to === zone) {
        // The session is in the dead zone now and is ended with its other sessions.
        transit.session = undefined;
        this.host.awaitSave(transit.player.playerId, transit.sessionId);
        saving.add(transit.sessionId);
        void this.save(transit);
      }
    }
    return saving;
  }

  /** Resolves once no player is between zones, or at `deadlineMs` (wall clock). */
  async idle(deadlineMs: number): Promise<void> {
    await byDeadline(Promise.all([...this.transits.values()].map((transit) => transit.done)), deadlineMs);
  }

  /** The server is stopping: saves that still fail are no longer retried. */
  stop(): void {
    this.stopped = true;
  }

  /** Into the new zone: the ARRIVE, the jobs sent on, and a LEAVE if the session closed. */
  private arrive(transit: Transit, forwarded: readonly Uint8Array[]): void {
    const { to, sessionId } = transit;
    const session = transit.session;
    const jobs = [arriveJobBytes(transit.player), ...forwarded];
    if (!session) jobs.push(this.leaveJob);
    if (to.state !== 'running' || !this.host.linkOf(to).writeTogether(sessionId, jobs)) {
      return this.logOut(transit, to.state === 'running' ? SessionEnds.serverBusy : SessionEnds.zoneUnavailable);
    }
    transit.stage = 'arriving';
    // The new zone takes the player in at once, and tells its client.
    to.send({ type: 'take-jobs' });
    if (!session) return;
    session.zone = to;
    session.zoneGeneration = to.generation;
    session.state = 'in-zone';
    for (const dispatch of transit.held) {
      if (session.state !== 'in-zone') break;
      dispatch();
    }
    transit.held.length = 0;
  }

  /** The new zone cannot take the player: the session ends and the state is written here. */
  private logOut(transit: Transit, reason: SessionEnd): void {
    const session = transit.session;
    this.log.warn({ sessionId: transit.sessionId, playerId: transit.player.playerId, from: transit.from.id, to: transit.to.id, reason: reason.kind }, 'hand-over failed: the player is logged out and its state written');
    if (session) this.host.end(session, reason);
    else this.host.awaitSave(transit.player.playerId, transit.sessionId);
    void this.save(transit);
  }

  /** Writes the player's state as the old zone handed it over and releases the character. */
  private async save(transit: Transit): Promise<void> {
    const { player, to, sessionId } = transit;
    const snapshot: CharacterSnapshot = {
      playerId: player.playerId,
      epoch: player.epoch,
      // The crossing itself (a new zone id) is a change after what the old zone had.
      version: player.version + 1,
      state: { zoneId: to.id, x: player.x, y: player.y, heading: player.heading, hp: player.hp, level: player.level, exp: player.exp, playTimeS: Math.floor(player.playTimeS) },
    };
    const backoff = new Backoff(StoreRetryBackoff);
    for (;;) {
      try {
        const saved = await this.store.release(snapshot);
        this.handovers.inc({ kind: player.portal ? 'portal' : 'border', outcome: 'saved' });
        this.host.saved(player.playerId, sessionId, saved);
        return transit.finish();
      } catch (err) {
        if (this.stopped) {
          this.log.error({ err, playerId: player.playerId }, 'could not write a player between zones before the server stopped: the database keeps its last write-back');
          this.host.saved(player.playerId, sessionId, false);
          return transit.finish();
        }
        const retryInMs = backoff.next();
        this.log.warn({ err, playerId: player.playerId, retryInMs }, 'writing a player between zones failed: retrying');
        await new Promise((resolve) => setTimeout(resolve, retryInMs));
      }
    }
  }
}
