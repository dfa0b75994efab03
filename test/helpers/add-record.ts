/**
 * Staging a record from bytes already at hand, for tests: production code writes each payload in
 * place after `RecordBatch.append` instead, which saves a copy.
 */
import type { RecordBatch } from '../../src/ring/record-batch.ts';

/**
 * Appends a copy of payload[start, end) to the batch as one record tagged with `key`. Returns
 * false, staging nothing, when the batch has no room left for it.
 */
export function addRecord(batch: RecordBatch, key: number, payload: Uint8Array, start = 0, end = payload.length): boolean {
  const at = batch.append(key, end - start);
  if (at < 0) return false;
  batch.bytes.set(payload.subarray(start, end), at);
  return true;
}
