/**
 * One client connection and where it is in its life:
 *   connected → authenticated (⇄ no-character) → in-zone (⇄ handing-over) → closing
 * `authenticated` lasts while the character loads (or is being created) and its JOIN job is
 * handed to the zone; `no-character` waits for the client to create its character. From then on
 * the session is `in-zone` and its jobs go to that zone's inbound ring; `handing-over` lasts
 * while its player changes zones, and its messages are held meanwhile (handovers.ts).
 *
 * A session in a zone whose connection drops is detached (detachedTimer): its player stays in the
 * world for RESUME_WINDOW_MS, and a ResumeRequest on a new connection takes it back.
 */
import type { WebSocket } from 'ws';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import { TokenBucket } from './token-bucket.ts';

export type SessionState = 'connected' | 'authenticated' | 'no-character' | 'in-zone' | 'handing-over' | 'closing';

export class Session {
  readonly id: number;
  /** The client's connection; a resumed session takes its new one. */
  socket: WebSocket;
  readonly remoteAddress: string;
  readonly bucket: TokenBucket;
  /** Chat's own rate limit, apart from the one on all messages. */
  readonly chatBucket: TokenBucket;
  state: SessionState = 'connected';
  playerId = 0;
  /** The owner epoch of this log-in (every write of the character carries it). */
  epoch = 0;
  /** The character's name, once it is in a zone ('' before, or for a character without one). */
  name = '';
  /** The zone this session's player is in; set with state `in-zone`. */
  zone: ZoneHandle | undefined;
  /** Which generation of the zone's rings the player joined; a restarted zone has forgotten it. */
  zoneGeneration = -1;
  loginTimer: NodeJS.Timeout | undefined;
  /** The nonce the session's current resume token carries ('' before it has one). */
  resumeNonce = '';
  /** Set while the connection is gone and the session waits to be resumed: ends it at the window's end. */
  detachedTimer: NodeJS.Timeout | undefined;

  constructor(id: number, socket: WebSocket, remoteAddress: string, bucket: TokenBucket, chatBucket: TokenBucket) {
    this.id = id;
    this.socket = socket;
    this.remoteAddress = remoteAddress;
    this.bucket = bucket;
    this.chatBucket = chatBucket;
  }
}
