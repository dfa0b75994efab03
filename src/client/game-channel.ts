/**
 * A game module's actions and events on one client, by name, with their messages as plain
 * objects (README, "Writing a game module"). The channel needs what the module declares (its
 * `actions` and `events`, the same object the module's server side uses) and the module's
 * `.proto` compiled by protobufjs (`protobuf.load`, or `protobuf.parse(text).root` in a
 * browser), and types its messages by the two maps given as type parameters.
 *
 *   const game = new GameChannel<Actions, Events>(client, definition, root);
 *   game.on('hit', (hit) => …);
 *   game.act('attack', { targetEntityId });
 */
import type { Root, Type } from 'protobufjs';
import type { GameModule } from '../game/game-module.ts';
import { ClientClosedError } from './client-errors.ts';
import type { ZoneClient } from './zone-client.ts';

/** What a channel needs of a module: its actions and events. */
export type GameDefinition = Pick<GameModule, 'actions' | 'events'>;

type Messages = Record<string, Record<string, unknown>>;

interface Bound {
  readonly name: string;
  readonly id: number;
  readonly type: Type;
}

export class GameChannel<Actions extends Messages = Messages, Events extends Messages = Messages> {
  private readonly client: ZoneClient;
  private readonly actions = new Map<string, Bound>();
  private readonly eventsByKind = new Map<number, Bound>();
  private readonly listeners = new Map<string, Set<(message: never) => void>>();
  private readonly stopListening: () => void;

  /** Throws a TypeError when the definition names a message `root` lacks. */
  constructor(client: ZoneClient, definition: GameDefinition, root: Root) {
    this.client = client;
    const lookup = (message: string): Type => {
      const type = root.lookup(message);
      if (!type || !('decode' in type)) throw new TypeError(`the game's .proto has no message ${message}`);
      return type as Type;
    };
    for (const [name, { id, message }] of Object.entries(definition.actions ?? {})) this.actions.set(name, { name, id, type: lookup(message) });
    for (const [name, { id, message }] of Object.entries(definition.events ?? {})) {
      if (this.eventsByKind.has(id)) throw new TypeError(`events ${this.eventsByKind.get(id)?.name} and ${name} share the id ${id}`);
      this.eventsByKind.set(id, { name, id, type: lookup(message) });
    }
    this.stopListening = client.on('gameEvent', ({ kind, payload }) => this.onEvent(kind, payload));
  }

  /** Stops handing out events (the client goes on). */
  close(): void {
    this.stopListening();
  }

  /**
   * Sends the action `name` with `message`; returns its seq. Throws a TypeError for an action the
   * game does not declare or a message that is not its type; a refusal by the server comes as the
   * client's `error` with that seq.
   */
  act<Name extends keyof Actions & string>(name: Name, message: Actions[Name]): number {
    const action = this.actions.get(name);
    if (!action) throw new TypeError(`the game declares no action ${name}`);
    const wrong = action.type.verify(message);
    if (wrong) throw new TypeError(`action ${name}: ${wrong}`);
    return this.client.send({ gameAction: { kind: action.id, payload: action.type.encode(action.type.fromObject(message)).finish() } });
  }

  /** Calls `listener` with every event `name`, decoded; returns the function that stops it. */
  on<Name extends keyof Events & string>(name: Name, listener: (message: Events[Name]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as (message: never) => void);
    return () => set.delete(listener as (message: never) => void);
  }

  /** The next event `name`; rejects with ClientClosedError if the connection closes first. */
  next<Name extends keyof Events & string>(name: Name): Promise<Events[Name]> {
    return new Promise((resolve, reject) => {
      if (this.client.closed) return reject(new ClientClosedError(this.client.closed));
      const offClose = this.client.on('close', (info) => {
        off();
        reject(new ClientClosedError(info));
      });
      const off = this.on(name, (message) => {
        off();
        offClose();
        resolve(message);
      });
    });
  }

  private onEvent(kind: number, payload: Uint8Array): void {
    const event = this.eventsByKind.get(kind);
    const listeners = event && this.listeners.get(event.name);
    if (!event || !listeners || listeners.size === 0) return;
    let message: never;
    try {
      message = event.type.toObject(event.type.decode(payload), { longs: Number, defaults: true, arrays: true }) as never;
    } catch {
      // Not the event's message (a server of another version of the game): nobody is handed it.
      return;
    }
    for (const listener of [...listeners]) listener(message);
  }
}
