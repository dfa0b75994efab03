/**
 * A bot's fighting, with `--fight` against a server running the sample game (examples/skirmish/,
 * GAME_MODULE=examples/skirmish/game.ts): on each of its ping ticks (once a second by default,
 * the game's cooldown) it attacks the nearest entity it knows within reach, wolf or bot, through
 * the SDK's GameChannel, and counts what comes of it.
 */
import protobuf from 'protobufjs';
import { GameChannel } from '../../src/client/game-channel.ts';
import type { ZoneClient } from '../../src/client/zone-client.ts';
import { EntityKind } from '../../src/protocol/messages.ts';
import skirmish from '../../examples/skirmish/game.ts';
import { PLAYER } from '../../examples/skirmish/rules.ts';

/** What a fight can come to, counted by the bots' group. */
export type FightCount = 'attacks' | 'hits' | 'kills' | 'deaths' | `refused:${string}`;

let root: protobuf.Root | undefined;
/** The game's .proto, compiled once per process. */
function skirmishRoot(): protobuf.Root {
  return (root ??= protobuf.loadSync(new URL('../../examples/skirmish/skirmish.proto', import.meta.url).pathname));
}

type Actions = { attack: { targetEntityId: number } };
type Events = {
  hit: { attackerEntityId: number; targetEntityId: number };
  died: { entityId: number; killerEntityId: number };
  refused: { seq: number; reason: string };
};

export class Fighter {
  private readonly client: ZoneClient;
  private readonly game: GameChannel<Actions, Events>;
  private readonly count: (what: FightCount) => void;

  constructor(client: ZoneClient, count: (what: FightCount) => void) {
    this.client = client;
    this.game = new GameChannel<Actions, Events>(client, skirmish, skirmishRoot());
    const self = (): number => client.self?.entityId ?? 0;
    this.game.on('hit', (hit) => {
      if (hit.attackerEntityId === self()) count('hits');
    });
    this.game.on('died', (died) => {
      if (died.killerEntityId === self()) count('kills');
      if (died.entityId === self()) count('deaths');
    });
    this.game.on('refused', (refused) => count(`refused:${refused.reason}`));
    this.count = count;
  }

  /** Attacks the nearest entity within reach, if any. */
  strike(): void {
    const self = this.client.self;
    if (!self) return;
    let nearest: number | undefined;
    let nearestM: number = PLAYER.attackRangeM;
    for (const entity of this.client.entities.values()) {
      // Players and the game's monsters; the core's wanderers (npcKind 0) are not the game's.
      if (entity.kind !== EntityKind.ENTITY_KIND_PLAYER && entity.npcKind === 0) continue;
      const distance = Math.hypot(entity.x - self.x, entity.y - self.y);
      if (distance <= nearestM) [nearest, nearestM] = [entity.id, distance];
    }
    if (nearest === undefined) return;
    this.game.act('attack', { targetEntityId: nearest });
    this.count('attacks');
  }
}
