/**
 * Soak: log-in and close cycles against one server process, its memory sampled as it goes. A
 * leak anywhere (a session, a zone's player, a store call, a timer left behind) shows as a
 * resident size that keeps climbing; a server that frees what it takes levels off after warm-up.
 *
 * Each cycle opens a connection, logs in (the character is loaded with a new owner epoch and
 * joins its zone), waits for the zone's LoginAccepted, and closes the connection with a close frame
 * (the session ends at once: its state written and the character released). `--concurrency`
 * cycles run at a time. Every `--every` cycles the server's process_resident_memory_bytes and
 * nodejs_heap_size_used_bytes (main thread) are read from /metrics.
 *
 *   npm run bench:soak [-- --cycles 20000] [-- --concurrency 20] [-- --every 2000] [-- --json]
 *
 * Durability: the embedded SQLite database in a temporary directory (WAL, synchronous=FULL).
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { issueToken } from '../src/auth/token.ts';
import { ClientMessage, PROTOCOL_VERSION, ServerMessage } from '../src/protocol/messages.ts';
import { startServerProcess } from './e2e/server.ts';
import { printReport, type Row } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    cycles: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '20' },
    every: { type: 'string', default: '2000' },
    players: { type: 'string', default: '500' },
    json: { type: 'boolean', default: false },
  },
});
const CYCLES = Number(args.cycles);
const CONCURRENCY = Number(args.concurrency);
const EVERY = Number(args.every);
/** Player ids cycle through this many, so characters are loaded again and again. */
const PLAYERS = Number(args.players);
const SECRET = 'bench-secret-0123456789abcdef';

/** One cycle: log in as `playerId`, be in the zone, close. */
async function cycle(url: string, playerId: number): Promise<void> {
  const socket = new WebSocket(url);
  const inZone = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const message = ServerMessage.decode(data);
      if (message.login?.accepted) resolve();
      else if (message.login?.error?.code === 21) {
        socket.send(ClientMessage.encode({ seq: 2, createCharacter: { name: `Soak${playerId}` } }).finish());
      } else if (message.login?.error) reject(new Error(`log-in refused: ${message.login.error.message}`));
    });
    socket.once('close', () => reject(new Error('closed before the log-in was accepted')));
  });
  await once(socket, 'open');
  socket.send(ClientMessage.encode({ seq: 1, login: { token: issueToken(SECRET, playerId, 3600), protocolVersion: PROTOCOL_VERSION } }).finish());
  await inZone;
  const closed = once(socket, 'close');
  socket.close(1000);
  await closed;
}

function sampleOf(samples: Awaited<ReturnType<Awaited<ReturnType<typeof startServerProcess>>['scrape']>>, name: string): number {
  return samples.find((sample) => sample.name === name)?.value ?? Number.NaN;
}

const dataDir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
// Two zones, each player alone in its cycle: the cycles, not the crowd, are measured.
const server = await startServerProcess({ DATA_DIR: dataDir, TOKEN_SECRET: SECRET, ZONES: '2', MAX_SESSIONS_PER_IP: '0' });
const rows: Row[] = [];
try {
  const startedAt = performance.now();
  let done = 0;
  const record = async (): Promise<void> => {
    const samples = await server.scrape();
    rows.push({ cycles: done, rssMiB: sampleOf(samples, 'process_resident_memory_bytes') / 2 ** 20, heapMiB: sampleOf(samples, 'nodejs_heap_size_used_bytes') / 2 ** 20, seconds: (performance.now() - startedAt) / 1000 });
  };
  await record();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CYCLES) {
        const n = next++;
        await cycle(server.url, (n % PLAYERS) + 1);
        done++;
        if (done % EVERY === 0) await record();
      }
    }),
  );
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const settled = rows.filter((row) => (row.cycles as number) >= CYCLES / 2);
const first = settled[0];
const last = settled[settled.length - 1];
printReport({
  name: 'soak',
  description: `${CYCLES} log-in and close cycles, ${CONCURRENCY} at a time, over ${PLAYERS} characters`,
  config: { cycles: CYCLES, concurrency: CONCURRENCY, players: PLAYERS, zones: 2, database: 'SQLite (WAL, synchronous=FULL)' },
  columns: [{ key: 'cycles' }, { key: 'seconds', digits: 1 }, { key: 'rssMiB', title: 'RSS MiB', digits: 1 }, { key: 'heapMiB', title: 'main heap MiB', digits: 1 }],
  rows,
  summary: {
    rssGrowthSecondHalfMiB: first && last ? (last.rssMiB as number) - (first.rssMiB as number) : Number.NaN,
    rssPerThousandCyclesSecondHalfKiB: first && last ? (((last.rssMiB as number) - (first.rssMiB as number)) * 1024) / (((last.cycles as number) - (first.cycles as number)) / 1000) : Number.NaN,
    cyclesPerSecond: CYCLES / ((rows[rows.length - 1]?.seconds as number) ?? 1),
  },
  notes: ['the second half of the run (after warm-up) is what the growth figures cover; a leak shows as growth that does not level off'],
});
