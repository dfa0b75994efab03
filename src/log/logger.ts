/**
 * pino loggers for every thread. Each thread writes whole lines straight to fd 1 with
 * synchronous writes: pino's default asynchronous destination loses lines when a worker thread
 * exits or is terminated (measured: 25k lines then process.exit left one line on disk), and zone logging is low-volume, so the 4–5 µs per line of
 * a synchronous write is the price of keeping every line. Pretty output (development) uses
 * pino-pretty as an in-thread synchronous stream, not a transport thread.
 */
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { Config } from '../config/config.ts';

export type { Logger };

export type LogOptions = Pick<Config, 'logLevel' | 'logFormat' | 'logColor'>;

export function createLogger(options: LogOptions, bindings: Record<string, unknown> = {}): Logger {
  const destination =
    options.logFormat === 'pretty'
      ? pinoPretty({ sync: true, colorize: options.logColor, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' })
      : pino.destination({ dest: 1, sync: true });
  return pino({ level: options.logLevel, base: { pid: process.pid, ...bindings } }, destination);
}
