/**
 * The run's structured log (pino, JSON lines) in the run folder: rig.log. Every line
 * the run logs (setup, flashing, recovery, each roam's outcome) goes there with its time,
 * whatever the command line prints; a lab reads it after a night, a machine parses it.
 * Written synchronously, so a crash loses no line already logged.
 */
import { join } from 'node:path';
import pino from 'pino';

export interface RunLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  close(): void;
}

export function openRunLog(dir: string): RunLog {
  const dest = pino.destination({ dest: join(dir, 'rig.log'), sync: true, append: true, mkdir: true });
  const logger = pino({ base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  return {
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    close: () => dest.flushSync(),
  };
}
