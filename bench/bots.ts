/**
 * Load-test bots: `npm run bots -- --url ws://127.0.0.1:7777 --count 500 --duration 60`.
 *
 * Logs bots in over a ramp, lets them walk to their clusters, measures for `--duration` seconds
 * and prints a table (and `--json FILE`) of move-to-seen latency, RTT, traffic and errors.
 * `--help` lists every option. Exit codes: 0 done; 1 the server could not be reached, no bot
 * logged in, or the errors passed `--max-errors`; 2 bad arguments.
 */
import { writeFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { runFleet } from './bots/fleet.ts';
import { parseBotArgs, USAGE, UsageError, type CliOptions } from './bots/options.ts';
import { botsReport, progressLine } from './bots/report.ts';
import { machine, printReport } from './lib/report.ts';

function fail(message: string, code: number): never {
  process.stderr.write(`bots: ${message}\n`);
  process.exit(code);
}

/** Resolves if a WebSocket to `url` opens, rejects with the reason if not. */
function probe(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 5000 });
    socket.once('open', () => {
      socket.close();
      resolve();
    });
    socket.once('error', (err) => reject(err));
  });
}

let options: CliOptions;
try {
  options = parseBotArgs(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  fail(`${err.message}\n\n${USAGE}`, 2);
}
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

try {
  await probe(options.url);
} catch (err) {
  fail(`cannot reach the server at ${options.url}: ${(err as Error).message}`, 1);
}

// On a terminal the line rewrites itself; in a log, one line a second.
const tty = process.stderr.isTTY;
const result = await runFleet(options, {
  onProgress: (p) => process.stderr.write(tty ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`),
});
if (tty) process.stderr.write('\n');

const report = botsReport(options, result);
// The table always; JSON only into the file asked for, never mixed into stdout.
printReport(report, []);
if (options.jsonFile) {
  const json = { benchmark: report.name, date: new Date().toISOString(), machine: machine(), config: report.config, results: report.rows, summary: report.summary, fleet: result };
  writeFileSync(options.jsonFile, `${JSON.stringify(json, null, 2)}\n`);
}

if (result.loggedIn === 0) fail('no bot could log in (see errors above)', 1);
if (result.errorTotal > options.maxErrors) {
  fail(`${result.errorTotal} errors, more than --max-errors ${options.maxErrors}${result.stoppedEarly ? ' (the run was stopped early)' : ''}`, 1);
}
