/** One MOVE job's bytes, as the gateway's stager writes them (thread-messages/jobs.ts), for tests and benchmarks that feed a zone's ring by hand. */
import { MOVE_JOB_BYTES, writeMove } from '../../src/thread-messages/jobs.ts';

const bytes = new Uint8Array(MOVE_JOB_BYTES);
const view = new DataView(bytes.buffer);

/** The returned bytes are valid until the next call. */
export function moveJob(seq: number, x: number, y: number, heading: number, clientTimeMs: number): Uint8Array {
  writeMove(view, 0, seq, x, y, heading, clientTimeMs);
  return bytes;
}
