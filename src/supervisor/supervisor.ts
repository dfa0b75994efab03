/**
 * Starts one worker per zone, restarts a zone whose worker dies, and stops them all on
 * shutdown. A zone that dies is reported (`zone-down`) to the gateway so that its players are
 * told and closed; it comes back with fresh rings after a delay that doubles while it keeps
 * dying soon after starting (up to SupervisorLimits.maxRestartDelayMs). Other zones are separate threads and
 * never notice.
 */
import { byDeadline, LATE } from '../retry/deadline.ts';
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.ts';
import type { Logger } from '../log/logger.ts';
import type { ArriveJob } from '../thread-messages/jobs.ts';
import { ENTITY_ID_COUNTER_BYTES, type DropReason, type FromZone, type ZoneWorkerData } from '../thread-messages/zone-control.ts';
import type { StoreWorkerHandle } from './store-worker-handle.ts';
import { ZoneHandle } from './zone-handle.ts';
import { ZoneWatchdog } from './zone-watchdog.ts';
import { SupervisorLimits, ZoneLimits } from '../config/limits.ts';
import { sightStripM, zonesWithin } from '../config/world.ts';
import { BorderBoard } from '../thread-messages/border-board.ts';
import { Backoff } from '../retry/backoff.ts';

const ZONE_WORKER_URL = new URL('../zone/zone-worker.ts', import.meta.url);

export interface SupervisorEvents {
  /** The zone is ticking and its current rings are in use. */
  'zone-up': [zone: ZoneHandle];
  /** The zone's worker died; its sessions must be ended. */
  'zone-down': [zone: ZoneHandle];
  /** The zone removed a session's player on its own (frames did not fit, or a stale owner). */
  'session-dropped': [zone: ZoneHandle, sessionId: number, reason: DropReason];
  /** A leaver's final state is written (or refused as stale) and its character released. */
  released: [zone: ZoneHandle, playerId: number, sessionId: number, saved: boolean];
  /** The zone removed a session's player and hands it to zone `toZone` (gateway/handovers.ts). */
  'hand-over': [zone: ZoneHandle, sessionId: number, toZone: number, player: ArriveJob];
  /** A handed-over session's FENCE came: the jobs for it that the zone took before. */
  forwarded: [zone: ZoneHandle, sessionId: number, jobs: Uint8Array[]];
  /** A handed-over player is in its new zone. */
  arrived: [zone: ZoneHandle, sessionId: number, playerId: number];
}

/** How a stop went: players whose last state is not in the database, and zones that had to be killed. */
export interface StopReport {
  readonly unsaved: number[];
  readonly killedZones: number[];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly zones: readonly ZoneHandle[];
  private readonly config: Config;
  private readonly log: Logger;
  /** Each zone's restart delay, which doubles while it keeps dying soon after starting. */
  private readonly restartBackoffs = new Map<ZoneHandle, Backoff>();
  private readonly startedAt = new Map<ZoneHandle, number>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private readonly store: StoreWorkerHandle;
  /** One entity id counter for every zone, kept across restarts, so ids are unique in the world. */
  private readonly entityIds = new SharedArrayBuffer(ENTITY_ID_COUNTER_BYTES);
  /**
   * One board per direction across each border, kept across restarts: a restarted zone writes
   * its board afresh, and its neighbours go on reading the same memory.
   */
  private readonly borderBoards = new Map<string, SharedArrayBuffer>();

  private readonly watchdog: ZoneWatchdog;
  private readonly zoneWorkerUrl: URL;

  /**
   * Each zone gets its own channel to `store`, the store worker, for its write-back.
   * `zoneWorkerUrl`: the zone workers' entry point (tests wrap it in one that can be made to hang).
   */
  constructor(config: Config, log: Logger, store: StoreWorkerHandle, zoneWorkerUrl: URL = ZONE_WORKER_URL) {
    super();
    this.config = config;
    this.log = log;
    this.store = store;
    this.zoneWorkerUrl = zoneWorkerUrl;
    this.zones = config.zones.map((zone) => new ZoneHandle(zone, config.inboundRingBytes, config.outboundRingBytes));
    if (config.sightAcrossBorders) {
      for (const zone of config.zones) {
        for (const other of zonesWithin(config.world, zone.id, sightStripM(config))) {
          this.borderBoards.set(`${zone.id}>${other.id}`, new SharedArrayBuffer(BorderBoard.bytes(ZoneLimits.borderSightMaxEntities)));
        }
      }
    }
    this.watchdog = new ZoneWatchdog(this.zones, config.zoneWatchdogMs, (zone, phase, stalledMs) => this.hung(zone, phase, stalledMs));
  }

  /** The boards of `zone` with each zone near enough to be seen from it. */
  private boardsOf(zone: ZoneHandle): ZoneWorkerData['borderBoards'] {
    return zonesWithin(this.config.world, zone.id, sightStripM(this.config))
      .filter((neighbour) => this.borderBoards.has(`${zone.id}>${neighbour.id}`))
      .map((neighbour) => ({
        neighbour: neighbour.id,
        outgoing: this.borderBoards.get(`${zone.id}>${neighbour.id}`) as SharedArrayBuffer,
        incoming: this.borderBoards.get(`${neighbour.id}>${zone.id}`) as SharedArrayBuffer,
      }));
  }

  /** Resolves once every zone is ticking. */
  async start(): Promise<void> {
    await Promise.all(this.zones.map((zone) => this.spawn(zone)));
    this.watchdog.start();
  }

  /** The watchdog found a zone stuck: it is ended, and then restarts as a crashed one does. */
  private hung(zone: ZoneHandle, phase: string, stalledMs: number): void {
    this.log.error({ zone: zone.id, phase, stalledMs: Math.round(stalledMs) }, `ZONE HUNG: zone ${zone.id}'s tick has not advanced for ${Math.round(stalledMs)} ms (stuck in ${phase}): ending its worker; it restarts`);
    zone.traffic.hangs++;
    void zone.worker?.terminate();
  }

  /**
   * Asks every zone to stop (release its players, write everything back) and waits for them;
   * terminates those that have not exited by `deadlineMs`.
   */
  async stop(deadlineMs: number): Promise<StopReport> {
    this.stopping = true;
    this.watchdog.stop();
    for (const timer of this.restartTimers) clearTimeout(timer);
    const report: StopReport = { unsaved: [], killedZones: [] };
    await Promise.all(
      this.zones.map(async (zone) => {
        const worker = zone.worker;
        zone.state = 'stopping';
        if (!worker) {
          zone.state = 'stopped';
          return;
        }
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.on('message', (message: FromZone) => {
          if (message.type === 'stopped') report.unsaved.push(...message.unsaved);
        });
        // The zone gets a little less than the deadline, so its answer arrives before it.
        zone.send({ type: 'stop', deadlineMs: deadlineMs - SupervisorLimits.stopAnswerMarginMs });
        if ((await byDeadline(exited, deadlineMs)) === LATE) {
          this.log.error({ zone: zone.id }, 'zone did not stop by the deadline: terminating its worker');
          report.killedZones.push(zone.id);
          await worker.terminate();
        }
        zone.state = 'stopped';
      }),
    );
    report.unsaved.sort((a, b) => a - b);
    return report;
  }

  private spawn(zone: ZoneHandle): Promise<void> {
    // The zone's channel to the store worker, renewed (store-port) whenever that worker restarts.
    const storeLink = this.store.attach((port) => zone.send({ type: 'store-port', port }, [port]));
    const storePort = storeLink.port;
    const data: ZoneWorkerData = {
      config: this.config,
      zone: zone.config,
      inbound: zone.inbound.buffer,
      outbound: zone.outbound.buffer,
      entityIds: this.entityIds,
      borderBoards: this.boardsOf(zone),
      heartbeat: zone.heartbeatBuffer,
      storePort,
    };
    const worker = new Worker(this.zoneWorkerUrl, {
      workerData: data,
      name: `zone-${zone.id}`,
      transferList: [storePort],
      resourceLimits: { maxYoungGenerationSizeMb: SupervisorLimits.workerYoungGenerationMb },
    });
    zone.worker = worker;
    zone.state = 'starting';
    this.startedAt.set(zone, Date.now());
    const generation = zone.generation;
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromZone) => {
        switch (message.type) {
          case 'ready':
            zone.state = 'running';
            this.emit('zone-up', zone);
            resolve();
            return;
          case 'metrics':
            zone.pendingMetrics.get(message.requestId)?.(message.metrics);
            return;
          case 'drop-session':
            this.emit('session-dropped', zone, message.sessionId, message.reason);
            return;
          case 'escrow-held':
            zone.settleHold(message.requestId, message);
            return;
          case 'grant-result':
            zone.settleGrant(message.requestId, message.result, message.error);
            return;
          case 'zone-status':
            zone.settleStatus(message.requestId, message.status);
            return;
          case 'entities-sampled':
            zone.settleSample(message.requestId, message.sample);
            return;
          case 'player-inspected':
            zone.settleInspection(message.requestId, message.player);
            return;
          case 'player-changed':
            zone.settleChange(message.requestId, message.outcome);
            return;
          case 'released':
            this.emit('released', zone, message.playerId, message.sessionId, message.saved);
            return;
          case 'hand-over':
            this.emit('hand-over', zone, message.sessionId, message.toZone, message.player);
            return;
          case 'forwarded':
            this.emit('forwarded', zone, message.sessionId, message.jobs);
            return;
          case 'arrived':
            this.emit('arrived', zone, message.sessionId, message.playerId);
            return;
          case 'stopped':
            return;
        }
      });
      worker.on('error', (err) => this.log.error({ err, zone: zone.id }, 'zone worker failed'));
      worker.on('exit', (code) => {
        storeLink.detach();
        zone.abandonRequests();
        if (zone.generation !== generation) return;
        const wasReady = zone.state === 'running';
        zone.worker = undefined;
        if (this.stopping || zone.state === 'stopping') return;
        // Settles start() (or a restart) that was waiting for this worker to become ready.
        if (!wasReady) reject(new Error(`zone ${zone.id} worker exited with code ${code} before it was ready`));
        this.log.error({ zone: zone.id, exitCode: code }, 'zone worker died: its players are disconnected and the zone restarts');
        zone.state = 'restarting';
        zone.traffic.restarts++;
        this.emit('zone-down', zone);
        this.scheduleRestart(zone);
      });
    });
  }

  private scheduleRestart(zone: ZoneHandle): void {
    let backoff = this.restartBackoffs.get(zone);
    if (!backoff) this.restartBackoffs.set(zone, (backoff = new Backoff({ firstMs: this.config.zoneRestartDelayMs, maxMs: SupervisorLimits.maxRestartDelayMs })));
    // A zone that had run a while before it died starts over at the base delay.
    if (Date.now() - (this.startedAt.get(zone) ?? 0) >= SupervisorLimits.stableRunMs) backoff.reset();
    const delayMs = backoff.next();
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.stopping) return;
      zone.renewRings();
      this.log.info({ zone: zone.id, generation: zone.generation }, 'restarting zone');
      this.spawn(zone).catch((err: unknown) => this.log.error({ err, zone: zone.id }, 'zone restart failed'));
    }, delayMs);
    this.restartTimers.add(timer);
  }
}
