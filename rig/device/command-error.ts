/**
 * How a virtual board's command reports a failure: the message on stderr (one line
 * ending, as the tools print it) and the exit status it returns.
 */
import type { ProcessIO } from '../ssh/types.ts';

export function fail(io: ProcessIO, message: string, status = 1): number {
  io.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  return status;
}
