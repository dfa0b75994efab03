/**
 * One client connection and where it is in its life:
 *   connected → authenticated → in-zone → closing
 * `authenticated` lasts only while the login's JOIN job is being handed to the zone; from then on
 * the session is `in-zone` and its jobs go to that zone's inbound ring.
 */
import type { WebSocket } from 'ws';
import type { ZoneHandle } from '../supervisor/zone-handle.ts';
import { TokenBucket } from './token-bucket.ts';

export type SessionState = 'connected' | 'authenticated' | 'in-zone' | 'closing';

export class Session {
  readonly id: number;
  readonly socket: WebSocket;
  readonly remoteAddress: string;
  readonly bucket: TokenBucket;
  state: SessionState = 'connected';
  playerId = 0;
  /** The zone this session's player is in; set with state `in-zone`. */
  zone: ZoneHandle | undefined;
  /** Which generation of the zone's rings the player joined; a restarted zone has forgotten it. */
  zoneGeneration = -1;
  loginTimer: NodeJS.Timeout | undefined;

  constructor(id: number, socket: WebSocket, remoteAddress: string, bucket: TokenBucket) {
    this.id = id;
    this.socket = socket;
    this.remoteAddress = remoteAddress;
    this.bucket = bucket;
  }
}
