import { join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT, UsageError, describeError, isExitCodedError } from '../errors.ts';
import { analyzePingFile, formatAnalysis } from '../ping/analyze.ts';
import { roam } from '../api/roam.ts';
import { labUp } from './lab-up.ts';
import { trust } from './trust.ts';
import { createProgress } from './progress.ts';
import { RIG_VERSION } from '../version.ts';

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('expected a number > 0');
  return n;
};

/**
 * The `rig` command line: a thin layer over the programmatic API. Returns the exit
 * code; never lets a stack trace reach the user.
 */
export async function main(argv: string[], io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WriteStream } = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let exitCode = 0;
  const out = (s: string): void => void io.stdout.write(s);
  const err = (s: string): void => void io.stderr.write(s);
  const program = new Command()
    .name('rig')
    .description('Hardware-in-the-loop Wi-Fi roaming tests for madwifi benches (and their virtual rig)')
    .version(RIG_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });

  program
    .command('roam')
    .description('roam the client between the two APs N times and measure the loss of every roam')
    .option('-n, --count <N>', 'number of roams (per variant)', positiveInt)
    .option('-i, --inventory <file>', 'inventory file', 'inventory.yaml')
    .option('-b, --bench <name>', 'bench in the inventory (default: its defaultBench)')
    .option('-f, --firmware <variant>', 'virtual bench: the client driver variant (stock | patched)')
    .option('--variants <list>', 'several variants in one run, e.g. stock,patched (count roams each)', (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .option('--resume <run-dir>', 'continue an interrupted run up to its count (or --count)')
    .option('--time-scale <x>', 'virtual bench: model seconds per real second', positiveNumber)
    .option('--reports <dir>', 'folder for run folders (default: reports/ beside the inventory)')
    .option('--json', 'print a JSON summary on stdout')
    .action(async (o: { count?: number; inventory: string; bench?: string; firmware?: string; variants?: string[]; resume?: string; timeScale?: number; reports?: string; json?: boolean }) => {
      if (o.count === undefined && !o.resume) throw new UsageError('--count N is required (unless --resume RUN_DIR)');
      if (o.firmware && o.variants) throw new UsageError('give either --firmware or --variants, not both');
      const progress = createProgress(io.stderr);
      const abort = new AbortController();
      const onInt = (): void => abort.abort('SIGINT');
      const onTerm = (): void => abort.abort('SIGTERM');
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
      try {
        const result = await roam({
          inventory: o.inventory,
          bench: o.bench,
          count: o.count,
          firmware: o.firmware,
          variants: o.variants,
          resume: o.resume,
          timeScale: o.timeScale,
          reportsDir: o.reports,
          signal: abort.signal,
          onProgress: progress.onProgress,
        });
        progress.stop();
        const s = result.summary;
        if (o.json) {
          out(
            JSON.stringify(
              {
                runDir: result.runDir,
                verdict: s.verdict,
                variants: s.variants.map((v) => ({
                  variant: v.variant,
                  roams: v.roams,
                  valid: v.valid,
                  invalid: v.invalid,
                  lostPerRoam: v.lostPerRoam,
                  outageMs: v.outageMs,
                  afterAssociationMs: v.afterAssociationMs,
                  failures: v.failures,
                })),
              },
              null,
              2,
            ) + '\n',
          );
        } else {
          const ms = (x: number | null): string => (x === null ? '–' : `${Math.round(x)} ms`);
          for (const v of s.variants) {
            out(`${v.variant}: ${v.valid}/${v.roams} roams valid; lost per roam median ${v.lostPerRoam.median ?? '–'}, max ${v.lostPerRoam.max ?? '–'}; ` +
              `outage median ${ms(v.outageMs.median)}; after association median ${ms(v.afterAssociationMs.median)}\n`);
            for (const f of v.failures) out(`  threshold failed: ${f}\n`);
          }
          out(`report: ${result.runDir}/index.html\n`);
        }
        if (s.benchFailure) err(`rig: bench failure: ${s.benchFailure}\n`);
        exitCode = result.exitCode === 130 ? (abort.signal.reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint) : result.exitCode;
      } finally {
        progress.stop();
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    });

  const lab = program.command('lab').description('the virtual rig');
  lab
    .command('up')
    .description('start the virtual rig standalone and print its ports (Ctrl-C stops it)')
    .option('-i, --inventory <file>', 'inventory file', 'inventory.yaml')
    .option('-b, --bench <name>', 'virtual bench in the inventory')
    .option('-f, --firmware <variant>', 'client driver variant (stock | patched)')
    .option('--time-scale <x>', 'model seconds per real second', positiveNumber)
    .option('--write-inventory <file>', 'write an inventory that points at the running rig')
    .option('--ground-truth <file>', 'where to write the ground truth (JSON lines)')
    .option('--for <seconds>', 'stop by itself after this many real seconds', positiveNumber)
    .option('--fault <spec>', 'inject a fault: KIND[:DEVICE|ATTENUATOR][@SECONDSs], repeatable (e.g. reboot:client@60s)', (v: string, acc: string[] = []) => [...acc, v])
    .action(async (o) => {
      exitCode = await labUp({ ...o, out });
    });

  program
    .command('trust')
    .description("connect to DEVICE once, show its host key fingerprint and record it in the device's known_hosts file (asks first)")
    .argument('<device>', 'ap1, ap2 or client')
    .option('-i, --inventory <file>', 'inventory file', 'inventory.yaml')
    .option('-b, --bench <name>', 'bench in the inventory (default: its defaultBench)')
    .option('--known-hosts <file>', "known_hosts file to record in (default: the device's knownHosts)")
    .option('-y, --yes', 'record without asking (check the fingerprint first)')
    .option('--replace', 'replace a different key recorded for this host (a re-flashed board)')
    .action(async (device: string, o: { inventory: string; bench?: string; knownHosts?: string; yes?: boolean; replace?: boolean }) => {
      exitCode = (await trust({ device, ...o, out })).exitCode;
    });

  program
    .command('analyze')
    .description("analyze a ping log captured anywhere (iputils or busybox, with or without -D/-O), or a rig run's ping.log; each ping run in it separately")
    .argument('<file>', "ping output, or a run folder's ping.log")
    .option('--interval <s>', 'ping interval in seconds', positiveNumber, 0.2)
    .option('--json', 'print the analysis as JSON')
    .action(async (file: string, o: { interval: number; json?: boolean }) => {
      const a = await analyzePingFile(file, { intervalS: o.interval });
      out(o.json ? JSON.stringify(a, null, 2) + '\n' : formatAnalysis(a) + '\n');
    });

  program
    .command('flash')
    .description('install a madwifi variant (firmware/variants.yaml) on the bench boards: upload, verify, reload, restore; roll back on failure')
    .requiredOption('--variant <name>', 'firmware variant (stock, patched, vanilla, ...)')
    .option('-d, --device <name...>', 'boards to flash (default: ap1 ap2 client)')
    .option('-i, --inventory <file>', 'inventory file', 'inventory.yaml')
    .option('-b, --bench <name>', 'bench in the inventory (default: its defaultBench)')
    .option('--target <name>', "manifest target of the boards' module files (default: virtual on a virtual bench, else the only one built)")
    .option('--transfer <mode>', 'auto (SFTP, else cat over exec) | sftp | exec', 'auto')
    .option('--force', 'reload even when the variant is already loaded and in flash')
    .option('--no-restore', 'leave the boards without a VAP (default: recreate it with the inventory configuration)')
    .option('--time-scale <x>', 'virtual bench: model seconds per real second', positiveNumber)
    .option('--json', 'print the results as JSON')
    .action(async (o) => {
      const { flashCommand } = await import('./flash.ts');
      exitCode = await flashCommand(o, out, err);
    });

  program
    .command('report')
    .description('rebuild a run folder\'s index.html, junit.xml and roams.csv (and reports/index.html) from its recorded files')
    .argument('<run-dir>', 'a run folder under reports/')
    .option('--compare <other-run-dir>', 'compare with another run, variant by variant')
    .action(async (runDir: string, o: { compare?: string }) => {
      const { writeRunReport } = await import('../report/index.ts');
      await writeRunReport(runDir, { compare: o.compare });
      out(`report: ${join(resolve(runDir), 'index.html')}\n`);
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return EXIT.usage;
    }
    if (isExitCodedError(e)) {
      err(`rig: ${e.message}\n`);
      return e.exitCode;
    }
    err(`rig: unexpected error: ${describeError(e)}\n`);
    return EXIT.bench;
  }
}
