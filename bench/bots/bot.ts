/**
 * One bot: a ZoneClient (the SDK) that logs in, walks (bench/bots/walker.ts) at a fixed number
 * of moves per second, pings now and then, and reports what it sees to its group.
 */
import { WebSocket as WsWebSocket } from 'ws';
import { issueToken } from '../../src/auth/token.ts';
import { LoginRefusedError, ZoneClient, type CloseInfo, type WorldFrame } from '../../src/client/zone-client.ts';
import { ChatChannel, ErrorCode } from '../../src/protocol/messages.ts';
import type { Metronome } from './metronome.ts';
import type { BotOptions } from './options.ts';
import { Route } from './route.ts';
import { clusterCentre, clusterOf, Walker } from './walker.ts';
import { Fighter, type FightCount } from './fighter.ts';

/** What a bot tells its group; the group counts and measures. */
export interface BotSink {
  error(kind: string): void;
  moveSent(zoneId: number, entityId: number, x: number, y: number, sentAt: number): void;
  /** A WorldUpdate arrived and was applied to `client.entities`, at `receivedAt`. */
  update(client: ZoneClient, update: WorldFrame, receivedAt: number): void;
  /** A ping sent at `sentAt` was answered after `ms`. */
  rtt(ms: number, sentAt: number): void;
  /** A logged-in bot's connection closed without the bot asking for it. */
  disconnected(client: ZoneClient): void;
  /** With --fight: an attack sent, or what one came to. */
  fought(what: FightCount): void;
  /** The bot changed zones: `ms` from sending the move that took it across to hearing its new zone. */
  handedOver(ms: number, sentAt: number): void;
}

/** Frames and bytes a bot's socket received, counted as they come off the wire. */
export interface Traffic {
  frames: number;
  bytes: number;
}

const LOGOUT_WAIT_MS = 10_000;
/** A travelling bot says something about this often. */
const CHAT_EVERY_S = 10;
/** Moves whose send time a travelling bot keeps, to time the one that takes it across. */
const MOVES_KEPT = 64;

/** "ERROR_CODE_SLOW_CONSUMER" → "SLOW_CONSUMER". */
function enumName(values: object, prefix: string, code: number): string {
  const name = (values as Record<number, string | undefined>)[code];
  return name ? name.slice(prefix.length) : String(code);
}

/**
 * A `ws` WebSocket class for the SDK (which takes any standard WebSocket) that counts what it
 * receives into `traffic`. `ws` rather than Node's built-in WebSocket: it is what the server
 * uses and costs the bots less CPU, and the bots share the machine with the server.
 */
function countingWebSocket(traffic: Traffic): typeof WebSocket {
  return class extends WsWebSocket {
    constructor(url: string) {
      super(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
      this.on('message', (data: ArrayBuffer | Buffer) => {
        traffic.frames++;
        traffic.bytes += data.byteLength;
      });
      // A socket error is followed by 'close', which is what the bot counts; without a
      // listener, ws would throw the error instead.
      this.on('error', () => {});
    }
  } as unknown as typeof WebSocket;
}

/** The group's clocks: one tick per move, one per ping. */
export interface BotClocks {
  readonly moves: Metronome;
  readonly pings: Metronome;
}

export class Bot {
  readonly playerId: number;
  readonly traffic: Traffic = { frames: 0, bytes: 0 };
  client: ZoneClient | undefined;
  /** Logged in, and the connection has not closed since. */
  inWorld = false;
  /** Inside its cluster's disc, as of its last move. */
  home = false;
  movesSent = 0;

  private readonly options: BotOptions;
  private readonly sink: BotSink;
  private readonly clocks: BotClocks;
  private walker: Walker | undefined;
  private route: Route | undefined;
  /** Send times of the latest moves, by seq modulo MOVES_KEPT. */
  private readonly moveSentAt = new Float64Array(MOVES_KEPT);
  private readonly moveSeqs = new Float64Array(MOVES_KEPT);
  /** What takes the bot off its clocks. */
  private stopClocks: (() => void)[] = [];
  private stopping = false;
  private started: Promise<void> | undefined;

  constructor(playerId: number, options: BotOptions, sink: BotSink, clocks: BotClocks) {
    this.playerId = playerId;
    this.options = options;
    this.sink = sink;
    this.clocks = clocks;
  }

  /** Connects and logs in; failures are counted, never thrown. */
  start(): Promise<void> {
    return (this.started ??= this.connectAndLogIn());
  }

  private async connectAndLogIn(): Promise<void> {
    const { options, sink } = this;
    let client: ZoneClient;
    try {
      client = await ZoneClient.connect(options.url, { WebSocket: countingWebSocket(this.traffic) });
    } catch {
      sink.error('connect_failed');
      return;
    }
    this.client = client;
    client.on('error', (error) => sink.error(`error:${enumName(ErrorCode, 'ERROR_CODE_', error.code)}`));
    // The SDK has already put the bot back where the server says it is; the walk goes on from there.
    client.on('correction', (correction) => sink.error(`correction:${correction.reason}`));
    client.on('update', (update) => sink.update(client, update, performance.now()));
    client.on('close', (info) => this.onClose(info));
    let self;
    try {
      self = await client.enter(issueToken(options.secret, this.playerId, 24 * 3600), `Bot${this.playerId}`);
    } catch (err) {
      // A refused log-in is followed by a close: that close is part of the refusal, not a disconnect.
      sink.error(err instanceof LoginRefusedError ? `login_refused:${enumName(ErrorCode, 'ERROR_CODE_', err.code)}` : 'login_closed');
      return;
    }
    if (this.stopping) return;
    this.inWorld = true;
    const { cluster, firstId, zones, rate, speedMps } = options;
    if (options.travel) {
      this.route = new Route(self.zoneId, speedMps / rate, ((this.playerId * 7919) % 80) - 40);
      this.home = true;
      client.on('zoneChanged', (change) => {
        this.route?.zoneChanged(change.freshView);
        const at = change.moveSeq % MOVES_KEPT;
        if (this.moveSeqs[at] === change.moveSeq) this.sink.handedOver(performance.now() - (this.moveSentAt[at] as number), this.moveSentAt[at] as number);
      });
      this.stopClocks = [this.clocks.moves.add(() => this.travel()), this.clocks.pings.add(() => this.ping())];
      return;
    }
    const home = clusterCentre(clusterOf(this.playerId, firstId, zones, cluster.size), self.zoneWidth, self.zoneHeight, cluster);
    this.walker = new Walker(home, cluster.radius, speedMps / rate, { x: self.zoneWidth, y: self.zoneHeight });
    this.home = this.walker.isHome({ x: self.x - self.zoneX, y: self.y - self.zoneY });
    this.stopClocks = [this.clocks.moves.add(() => this.step()), this.clocks.pings.add(() => this.ping())];
    if (options.fight) {
      const fighter = new Fighter(client, (what) => sink.fought(what));
      this.stopClocks.push(this.clocks.pings.add(() => fighter.strike()));
    }
  }

  private step(): void {
    const { client, walker } = this;
    const self = client?.self;
    if (!client || !walker || !self) return;
    // The walker walks in the zone's own coordinates; the server speaks world coordinates.
    const to = walker.next({ x: self.x - self.zoneX, y: self.y - self.zoneY });
    const x = to.x + self.zoneX;
    const y = to.y + self.zoneY;
    this.sink.moveSent(self.zoneId, self.entityId, x, y, performance.now());
    client.move(x, y, to.heading);
    this.movesSent++;
    this.home = walker.isHome(to);
  }

  /** One move along the tour, and now and then something said to those around. */
  private travel(): void {
    const { client, route } = this;
    const self = client?.self;
    if (!client || !route || !self) return;
    const to = route.step(self);
    if (!to) return;
    const sentAt = performance.now();
    this.sink.moveSent(self.zoneId, self.entityId, to.x, to.y, sentAt);
    const seq = client.move(to.x, to.y, to.heading);
    this.moveSeqs[seq % MOVES_KEPT] = seq;
    this.moveSentAt[seq % MOVES_KEPT] = sentAt;
    this.movesSent++;
    if (Math.random() < 1 / (CHAT_EVERY_S * this.options.rate)) client.chat(ChatChannel.CHAT_CHANNEL_SAY, `bot ${this.playerId} passing through ${self.zoneName}`);
  }

  private ping(): void {
    const sentAt = performance.now();
    // A ping still out when the connection closes is rejected; the close is what counts.
    this.client?.ping().then(
      (ms) => this.sink.rtt(ms, sentAt),
      () => {},
    );
  }

  private onClose(info: CloseInfo): void {
    this.leaveClocks();
    if (!this.inWorld) return;
    this.inWorld = false;
    if (!this.stopping) {
      this.sink.error(`close:${info.code}`);
      if (this.client) this.sink.disconnected(this.client);
    }
  }

  private leaveClocks(): void {
    for (const stop of this.stopClocks) stop();
    this.stopClocks = [];
  }

  /** Stops walking and logs out (the server saves the position), then closes. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.leaveClocks();
    await this.started;
    const client = this.client;
    if (!client || client.closed) return;
    if (this.inWorld) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, LOGOUT_WAIT_MS)));
      // A log-out that fails (the connection closed meanwhile) needs nothing more.
      await Promise.race([client.logout().catch(() => {}), timeout]);
      clearTimeout(timer);
    }
    await client.close();
  }
}
