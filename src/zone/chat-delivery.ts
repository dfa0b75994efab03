/**
 * Chat as a zone delivers it (the gateway checks it and routes it here as a CHAT job):
 *   - said: to the speaker and the players who see it, as of the last view update;
 *   - zone, and system (key 0): to everyone in the zone;
 *   - whispered: to the one listener (the key), naming no entity;
 *   - said in a zone beside this one (key 0): to the players here who see the speaker's ghost.
 * A speaker or listener no longer here hears nothing. Each message is encoded once, however
 * many hear it.
 */
import { ChatChannel, encodeServerMessage } from '../protocol/messages.ts';
import type { ChatJob } from '../thread-messages/jobs.ts';
import type { FrameOutbox } from './frame-outbox.ts';
import type { ViewSystem } from './view/view-system.ts';
import type { Player, World } from './world/world.ts';

export class ChatDelivery {
  private readonly world: World;
  private readonly view: ViewSystem;
  private readonly outbox: FrameOutbox;

  constructor(world: World, view: ViewSystem, outbox: FrameOutbox) {
    this.world = world;
    this.view = view;
    this.outbox = outbox;
  }

  /** The CHAT job of record key `sessionId`. */
  deliver(sessionId: number, job: ChatJob): void {
    const { channel } = job;
    if (channel === ChatChannel.CHAT_CHANNEL_SAY && sessionId === 0) return this.fromBeside(job);
    // The system speaks to the whole zone with no speaker; everyone else needs to be here.
    const speaker = channel === ChatChannel.CHAT_CHANNEL_SYSTEM ? undefined : this.world.playersBySession.get(sessionId);
    if (channel !== ChatChannel.CHAT_CHANNEL_SYSTEM && !speaker) return;
    // A whisper's speaker may be in another zone: the key is the listener, and no entity is named.
    const frame = frameOf(job, channel === ChatChannel.CHAT_CHANNEL_WHISPER ? 0 : (speaker?.id ?? 0));
    if (channel === ChatChannel.CHAT_CHANNEL_ZONE || channel === ChatChannel.CHAT_CHANNEL_SYSTEM) {
      for (const player of this.world.playersBySession.values()) this.outbox.sendEncoded(player.sessionId, frame);
      return;
    }
    this.outbox.sendEncoded(sessionId, frame);
    if (channel !== ChatChannel.CHAT_CHANNEL_WHISPER) this.toViewersOf((speaker as Player).slot, frame);
  }

  /** Said in a zone beside this one: heard here by those who see the speaker across the border. */
  private fromBeside(job: ChatJob): void {
    // Chat is rare next to ticks: a scan for the speaker's ghost costs less than an index of them.
    for (const entity of this.world.entities.values()) {
      if (entity.ghostOf !== 0 && entity.playerId === job.fromPlayerId) return this.toViewersOf(entity.slot, frameOf(job, entity.id));
    }
  }

  /** To the players who see the entity in `slot`; not to ghosts, whose players hear their own zone. */
  private toViewersOf(slot: number, frame: Uint8Array): void {
    for (const viewerSlot of this.view.viewersOf(slot)) {
      const viewer = this.world.bySlot[viewerSlot];
      if (viewer && !viewer.removed && 'sessionId' in viewer) this.outbox.sendEncoded((viewer as Player).sessionId, frame);
    }
  }
}

function frameOf(job: ChatJob, fromEntityId: number): Uint8Array {
  return encodeServerMessage({ chat: { channel: job.channel, fromEntityId, fromPlayerId: job.fromPlayerId, fromName: job.fromName, text: job.text } });
}
