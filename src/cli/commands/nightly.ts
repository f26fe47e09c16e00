/**
 * `rig nightly`: the CI job of a bench in one command (check, every variant flashed and
 * roamed, report, JUnit); progress on stderr, the result on stdout (--json), one exit code.
 */
import { Option } from 'commander';
import { EXIT, UsageError } from '../../errors.ts';
import { inventoryOptions, positiveInt, type RegisterCommand } from '../context.ts';

export const registerNightly: RegisterCommand = (program, ctx) => {
  inventoryOptions(program.command('nightly').description('the nightly job of a bench: check, flash and roam each variant (A/B), report and JUnit, one run folder, one exit code'))
    .addOption(
      new Option('--variants <list>', 'the variants to compare, comma-separated (firmware/variants.yaml)')
        .argParser((v: string) => v.split(',').map((x) => x.trim()).filter(Boolean))
        .default(['stock', 'patched'], 'stock,patched'),
    )
    .option('-n, --count <N>', 'roams per variant', positiveInt, 100)
    .option('--reports <dir>', 'folder for run folders (default: reports/ beside the inventory)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { inventory: string; bench?: string; variants: string[]; count: number; reports?: string; json?: boolean }) => {
      if (o.variants.length === 0) throw new UsageError('--variants: give at least one variant');
      const [{ nightly }, { createProgress }] = await Promise.all([import('../../api/nightly.ts'), import('../progress.ts')]);
      const progress = createProgress(ctx.stderr, { quiet: ctx.quiet() });
      const abort = new AbortController();
      const onInt = (): void => abort.abort('SIGINT');
      const onTerm = (): void => abort.abort('SIGTERM');
      process.once('SIGINT', onInt);
      process.once('SIGTERM', onTerm);
      try {
        const r = await nightly({ inventory: o.inventory, bench: o.bench, variants: o.variants, count: o.count, reportsDir: o.reports, signal: abort.signal, onProgress: progress.onProgress, log: ctx.log });
        progress.stop();
        const s = r.summary;
        if (o.json) {
          ctx.out(
            JSON.stringify(
              {
                runDir: r.runDir,
                verdict: s.verdict,
                exitCode: r.exitCode,
                check: { passed: r.check.passed, failed: r.check.items.filter((i) => i.status === 'failed') },
                variants: s.variants.map((v) => ({ variant: v.variant, roams: v.roams, valid: v.valid, invalid: v.invalid, lostPerRoam: v.lostPerRoam, afterAssociationMs: v.afterAssociationMs, failures: v.failures })),
                junit: `${r.runDir}/junit.xml`,
              },
              null,
              2,
            ) + '\n',
          );
        } else {
          for (const v of s.variants) ctx.out(`${v.variant}: ${v.valid}/${v.roams} roams valid; lost per roam median ${v.lostPerRoam.median ?? '–'}, max ${v.lostPerRoam.max ?? '–'}\n`);
          const tint = s.verdict === 'passed' ? ctx.paint.out.green : s.verdict === 'interrupted' ? ctx.paint.out.yellow : ctx.paint.out.red;
          ctx.out(`verdict: ${tint(s.verdict)}; report: ${r.runDir}/index.html; JUnit: ${r.runDir}/junit.xml\n`);
        }
        if (s.benchFailure) ctx.err(`rig: ${ctx.paint.err.red('bench failure')}: ${s.benchFailure}\n`);
        ctx.setExitCode(r.exitCode === 130 ? (abort.signal.reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint) : r.exitCode);
      } finally {
        progress.stop();
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    });
};
