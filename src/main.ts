/**
 * `npm start`: reads the configuration from the environment, starts the server, and drains it
 * on SIGTERM or SIGINT. Exit codes: 0 after a clean stop, 1 when the stop failed or ran past its
 * deadline (or the start failed), 2 for a configuration error, 3 when another server runs on the
 * same data (DATA_DIR, or NODE_ID on the MySQL database) or took this one's NODE_ID.
 */
import { BindError, ConfigError, loadConfig, type Config } from './config/config.ts';
import { unknownSettings } from './config/setting-names.ts';
import { SupervisorLimits } from './config/limits.ts';
import { createLogger } from './log/logger.ts';
import { DataInUseError } from './lease/data-in-use-error.ts';
import { GameModuleError } from './game/load-game.ts';
import { startServer, type RunningServer } from './server.ts';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`configuration error: ${err.message}\n`);
  process.exit(2);
}

const log = createLogger(config);
for (const { name, nearest } of unknownSettings(process.env)) {
  log.warn({ variable: name, nearest }, `${name} is not a setting of this server and is ignored${nearest ? `: did you mean ${nearest}?` : ''}`);
}
if (config.usingDevSecret) {
  log.warn('TOKEN_SECRET is not set: using the built-in development secret; anyone can mint tokens (refused when NODE_ENV=production)');
}

// Signals are handled from the start, so that one arriving while the server starts (or right
// after it said it was ready) still drains it rather than killing the process outright.
let server: RunningServer | undefined;
let signalled = false;
let firstSignal: { signal: NodeJS.Signals; atMs: number } | undefined;
const stop = (running: RunningServer, exitCode = 0): void => {
  // Past the deadline and a grace second, nothing left may keep the process alive.
  setTimeout(() => {
    log.fatal('shutdown overran its deadline');
    process.exit(1);
  }, config.shutdownDeadlineMs + 1000).unref();
  running.stop().then(
    () => process.exit(exitCode),
    (err: unknown) => {
      log.fatal({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
const onSignal = (signal: NodeJS.Signals): void => {
  // The same signal again at once is one request delivered twice: Ctrl-C in a terminal reaches
  // npm and the server alike, and npm passes its copy on. A later one means: stop waiting.
  if (firstSignal && signal === firstSignal.signal && Date.now() - firstSignal.atMs < SupervisorLimits.repeatedSignalMs) return;
  if (signalled) {
    log.warn({ signal }, 'second signal: exiting now');
    process.exit(1);
  }
  signalled = true;
  firstSignal = { signal, atMs: Date.now() };
  log.info({ signal }, 'signal received');
  if (server) stop(server);
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);

try {
  server = await startServer(config, log);
  if (signalled) stop(server);
  void server.fatal.then((err) => {
    log.fatal(err.message);
    if (!signalled && server) stop(server, 3);
    signalled = true;
  });
} catch (err) {
  if (err instanceof DataInUseError) {
    log.fatal(`server failed to start: ${err.message}`);
    process.exit(3);
  }
  if (err instanceof GameModuleError) {
    log.fatal(`configuration error: ${err.message}`);
    process.exit(2);
  }
  // A port that cannot be bound is the operator's to fix: say which, without a stack trace.
  if (err instanceof BindError) log.fatal(`server failed to start: ${err.message}`);
  else log.fatal({ err }, 'server failed to start');
  process.exit(1);
}
