/**
 * A zone running a game module, driven by hand: real rings, `tick()` called directly with a
 * manual clock (50 ms a tick), a view of 50 m, what each session was sent decoded, and the
 * module's events decoded with its own types. Given a store (a real store worker), it writes back
 * and grants, and its players are acquired from the store as a log-in does.
 */
import assert from 'node:assert/strict';
import { zoneOfSize } from '../../src/config/world.ts';
import type { LoadedGame } from '../../src/game/load-game.ts';
import type { ServerMessage } from '../../src/protocol/messages.ts';
import { RingBuffer } from '../../src/ring/ring-buffer.ts';
import { gameJobBytes, JobWriter } from '../../src/thread-messages/jobs.ts';
import type { GameHookName } from '../../src/zone/game/game-host.ts';
import { ViewSystem } from '../../src/zone/view/view-system.ts';
import { Zone, type ZoneStore } from '../../src/zone/zone.ts';
import type { CharacterStore } from '../../src/storage/character-store.ts';
import { BruteForceIndex } from './brute-force-index.ts';
import { drainMessages } from './ring-drain.ts';

export class GameZone {
  readonly inbound = RingBuffer.create(1 << 16);
  readonly outbound = RingBuffer.create(1 << 20);
  readonly jobs = new JobWriter();
  readonly failures: { hook: GameHookName; playerId: number; message: string }[] = [];
  readonly zone: Zone;
  readonly game: LoadedGame;
  nowMs = 1000;

  private readonly store: (ZoneStore & Pick<CharacterStore, 'acquire'>) | undefined;

  constructor(game: LoadedGame, sideM = 200, store?: ZoneStore & Pick<CharacterStore, 'acquire'>) {
    this.game = game;
    this.store = store;
    this.zone = new Zone(
      { zone: zoneOfSize(4, sideM, sideM), tickHz: 20, maxSpeedMps: 10, speedTolerance: 1.25, npcs: 0, npcSeed: 1, flushIntervalMs: 1000, flushBatchRows: 100, game },
      this.inbound,
      this.outbound,
      new ViewSystem({ radiusM: 50, marginM: 5, maxVisible: 100, refreshTicks: 1 }, new BruteForceIndex(sideM, sideM)),
      {
        sessionDropped: () => assert.fail('no session is dropped'),
        gameFailed: (err, hook, playerId) => this.failures.push({ hook, playerId, message: (err as Error).message }),
      },
      store,
    );
  }

  /** A log-in: the character acquired from the store (created if new), then its JOIN. */
  async enter(sessionId: number, playerId: number, x: number, y: number, hp = 100): Promise<void> {
    assert.ok(this.store, 'enter needs a store');
    const state = { zoneId: this.zone.id, x, y, heading: 0, hp, level: 1, exp: 0, playTimeS: 0 };
    const { epoch } = await this.store.acquire(playerId, 'node-1', state);
    assert.ok(this.inbound.tryWrite(sessionId, this.jobs.join({ playerId, epoch, ...state })));
  }

  join(sessionId: number, playerId: number, x = 50, y = 50): void {
    assert.ok(this.inbound.tryWrite(sessionId, this.jobs.join({ playerId, epoch: 1, x, y, heading: 0, hp: 100, level: 1, exp: 0, playTimeS: 0 })));
  }

  /** Sends action `kind` with `payload`, or with the named action's message encoded. */
  act(sessionId: number, seq: number, kind: number, payload: Uint8Array): void {
    assert.ok(this.inbound.tryWrite(sessionId, gameJobBytes({ seq, gameAction: kind, payload })));
  }

  action(sessionId: number, seq: number, name: string, message: Record<string, unknown>): void {
    const bound = [...this.game.actionsById.values()].find((action) => action.name === name);
    assert.ok(bound, `the module declares ${name}`);
    this.act(sessionId, seq, bound.id, bound.type.encode(bound.type.fromObject(message)).finish());
  }

  /** Runs one tick and returns what each session was sent. */
  tick(): Map<number, ServerMessage[]> {
    this.nowMs += 50;
    this.zone.tick(this.nowMs);
    return drainMessages(this.outbound);
  }

  /** The module's events among `messages`, decoded, with their names. */
  events(messages: ServerMessage[] | undefined): { name: string; message: Record<string, unknown> }[] {
    const byId = new Map([...this.game.eventsByName.values()].map((event) => [event.id, event]));
    return (messages ?? [])
      .filter((m) => m.gameEvent)
      .map((m) => {
        const event = byId.get(m.gameEvent?.kind as number);
        assert.ok(event, `event kind ${m.gameEvent?.kind} is the module's`);
        return { name: event.name, message: event.type.toObject(event.type.decode(m.gameEvent?.payload as Uint8Array)) };
      });
  }
}

/** The errors among `messages`. */
export function errorsOf(messages: ServerMessage[] | undefined): { code: number; seq: number; message: string }[] {
  return (messages ?? []).filter((m) => m.error).map((m) => ({ code: m.error?.code as number, seq: m.error?.seq as number, message: m.error?.message as string }));
}
