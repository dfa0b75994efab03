/**
 * The real zone worker, which a test can make hang: on `{ type: 'test-hang' }` its thread enters a
 * loop that never returns, as a zone stuck in a bug would.
 */
import { parentPort } from 'node:worker_threads';

await import('../../src/zone/zone-worker.ts');
parentPort?.on('message', (message: { type?: string }) => {
  if (message.type !== 'test-hang') return;
  for (;;);
});
