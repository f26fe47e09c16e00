/**
 * The `rig` command line: a thin layer over the programmatic API (src/api/). One module
 * per command in commands/; this file builds the program, runs it and turns every
 * failure into its exit code, never a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { EXIT, describeError, isExitCodedError } from '../errors.ts';
import { RIG_VERSION } from '../version.ts';
import { paintFor } from './colour.ts';
import type { CliContext, RegisterCommand } from './context.ts';
import { registerAnalyze } from './commands/analyze.ts';
import { registerCheck } from './commands/check.ts';
import { registerAtten, registerConsole, registerExec } from './commands/lab-tools.ts';
import { registerNightly } from './commands/nightly.ts';
import { registerFlash } from './commands/flash.ts';
import { registerInventory } from './commands/inventory.ts';
import { registerLab } from './commands/lab.ts';
import { registerReport } from './commands/report.ts';
import { registerRoam } from './commands/roam.ts';
import { registerTrust } from './commands/trust.ts';

/** Under `rig --help`: one example per command. */
const EXAMPLES = `
Examples:
  rig roam --count 100                          the main job on the shipped (virtual) bench
  rig roam --bench lab-bench-1 --variants stock,patched --count 100
  rig roam --resume reports/20261130T020000Z-lab-bench-1
  rig nightly --bench lab-bench-1 --variants stock,patched --count 100 --json
  rig check --bench lab-bench-1                 preflight: every device, attenuator, the traffic target, clocks
  rig flash --variant patched --bench lab-bench-1
  rig report reports/20261130T020000Z-lab-bench-1 --compare reports/20261129T020000Z-lab-bench-1
  rig report merge reports/bench-a reports/bench-b --out reports/merged
  rig analyze client-ping.log --json
  rig atten get att1 ;  rig atten set att1 30.25
  rig exec client -- iwconfig ath0
  rig console client                            the board's serial console (Ctrl-] leaves); rig console client -- dmesg
  rig trust client --bench lab-bench-1
  rig inventory validate --inventory inventory.yaml
  rig lab up --write-inventory /tmp/lab.yaml    the virtual rig standalone, for ssh and curl

Exit codes: 0 passed, 1 a threshold failed, 2 usage or inventory error, 3 the bench failed,
130/143 interrupted (SIGINT/SIGTERM).`;

/** Every command, in the order `rig --help` lists them. */
const COMMANDS: RegisterCommand[] = [registerRoam, registerNightly, registerCheck, registerFlash, registerReport, registerAnalyze, registerAtten, registerExec, registerConsole, registerTrust, registerInventory, registerLab];

/** Run the command line `argv`; returns the exit code. */
export async function main(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream } = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode = 0;
  const program = new Command()
    .name('rig')
    .description('Hardware-in-the-loop Wi-Fi roaming tests for madwifi benches (and their virtual rig)')
    .version(RIG_VERSION)
    .option('-q, --quiet', 'print only results and errors (no progress)')
    .option('-v, --verbose', 'also print every log line of the bench on stderr')
    .exitOverride()
    .addHelpText('after', EXAMPLES);
  const flags = (): { quiet?: boolean; verbose?: boolean } => program.opts();
  const ctx: CliContext = {
    out: (s) => void io.stdout.write(s),
    err: (s) => void io.stderr.write(s),
    stderr: io.stderr,
    setExitCode: (code) => {
      exitCode = code;
    },
    quiet: () => flags().quiet === true,
    verbose: () => flags().verbose === true && flags().quiet !== true,
    log: (m) => {
      if (ctx.verbose()) io.stderr.write(`${m}\n`);
    },
    paint: { out: paintFor(io.stdout), err: paintFor(io.stderr) },
    stdoutIsTTY: (io.stdout as Partial<NodeJS.WriteStream>).isTTY === true,
  };
  program.configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
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
