/**
 * The `rig` command line: a thin layer over the programmatic API (src/api/). One module
 * per command in commands/; this file builds the program, runs it and turns every
 * failure into its exit code, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, describeError, isExitCodedError } from '../errors.ts';
import { RIG_VERSION } from '../version.ts';
import type { CliContext, RegisterCommand } from './context.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerFlash } from './commands/flash.ts';
import { registerLab } from './commands/lab.ts';
import { registerReport } from './commands/report.ts';
import { registerRoam } from './commands/roam.ts';
import { registerTrust } from './commands/trust.ts';

/** Every command, in the order `rig --help` lists them. */
const COMMANDS: RegisterCommand[] = [registerRoam, registerFlash, registerReport, registerAnalyze, registerTrust, registerLab];

/** Run the command line `argv`; returns the exit code. */
export async function main(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream } = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode = 0;
  const ctx: CliContext = {
    out: (s) => void io.stdout.write(s),
    err: (s) => void io.stderr.write(s),
    stderr: io.stderr,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  const program = new Command()
    .name('rig')
    .description('Hardware-in-the-loop Wi-Fi roaming tests for madwifi benches (and their virtual rig)')
    .version(RIG_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
  for (const register of COMMANDS) register(program, ctx);

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT.usage;
    }
    if (isExitCodedError(e)) {
      ctx.err(`rig: ${e.message}\n`);
      return e.exitCode;
    }
    ctx.err(`rig: unexpected error: ${describeError(e)}\n`);
    return EXIT.bench;
  }
}
