/**
 * What every command of the command line gets: where to write, how to set the exit
 * code, and the option parsers they share. Commands live one per module in
 * src/cli/commands/ and register themselves on the program (main.ts lists them).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Paint } from './colour.ts';

export interface CliContext {
  out(s: string): void;
  err(s: string): void;
  /** The stream progress bars draw on (a TTY or not). */
  readonly stderr: NodeJS.WriteStream;
  setExitCode(code: number): void;
  /** --quiet: only results and errors; --verbose: also every log line of the bench. */
  quiet(): boolean;
  verbose(): boolean;
  /** Where the bench's log lines go: stderr with --verbose, nowhere otherwise. */
  log(message: string): void;
  /** Colours for stdout and stderr: plain unless that stream is a terminal that wants them (colour.ts). */
  readonly paint: { out: Paint; err: Paint };
  /** Is stdout a terminal (tables there, JSON where a command prints JSON otherwise)? */
  readonly stdoutIsTTY: boolean;
}

export type RegisterCommand = (program: Command, ctx: CliContext) => void;

export const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

export const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a number > 0');
  return n;
};

/** The options every command that opens an inventory takes. */
export function inventoryOptions(cmd: Command): Command {
  return cmd.option('-i, --inventory <file>', 'inventory file', 'inventory.yaml').option('-b, --bench <name>', 'bench in the inventory (default: its defaultBench)');
}
