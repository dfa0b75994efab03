/** Records the main thread writes and the consumer worker checks in the doorbell test. */
export function expectedPayload(index: number): Uint8Array {
  const length = index % 41;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (index * 31 + i * 7) & 0xff;
  return out;
}
