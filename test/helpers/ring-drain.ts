/**
 * Draining a ring with a view per record, for tests and the ring benchmark: the ring itself only
 * hands out its whole data area (`drainRaw`), which is what production code uses.
 */
import { ServerMessage } from '../../src/protocol/messages.ts';
import type { RingBuffer } from '../../src/ring/ring-buffer.ts';

/**
 * `ring.drainRaw` with handler(key, payload), where payload is a view into the ring valid only
 * during the call (copy what you keep). Returns the number of records consumed.
 */
export function drainViews(ring: RingBuffer, handler: (key: number, payload: Uint8Array) => void, maxRecords = Infinity): number {
  return ring.drainRaw((key, data, offset, length) => handler(key, data.subarray(offset, offset + length)), maxRecords);
}

/** Everything a zone's outbound ring holds, decoded, by session. */
export function drainMessages(outbound: RingBuffer): Map<number, ServerMessage[]> {
  const sent = new Map<number, ServerMessage[]>();
  drainViews(outbound, (sessionId, payload) => {
    const list = sent.get(sessionId) ?? [];
    list.push(ServerMessage.decode(payload.slice()));
    sent.set(sessionId, list);
  });
  return sent;
}
