/** `rig roam`: roam N times (per variant) and measure every roam; a thin layer over api/roam.ts. */
import { EXIT, UsageError } from '../../errors.ts';
import { positiveInt, positiveNumber, type RegisterCommand } from '../context.ts';

export const registerRoam: RegisterCommand = (program, ctx) => {
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
      const [{ roam }, { createProgress }, { readPlan }] = await Promise.all([import('../../api/roam.ts'), import('../progress.ts'), import('../../record/read.ts')]);
      const progress = createProgress(ctx.stderr, { quiet: ctx.quiet() });
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
          log: ctx.log,
        });
        progress.stop();
        const s = result.summary;
        if (o.json) {
          ctx.out(
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
            ctx.out(`${v.variant}: ${v.valid}/${v.roams} roams valid; lost per roam median ${v.lostPerRoam.median ?? '–'}, max ${v.lostPerRoam.max ?? '–'}; ` +
              `outage median ${ms(v.outageMs.median)}; after association median ${ms(v.afterAssociationMs.median)}\n`);
            for (const f of v.failures) ctx.out(`  ${ctx.paint.out.red('threshold failed')}: ${f}\n`);
          }
          ctx.out(`report: ${result.runDir}/index.html\n`);
        }
        if (s.benchFailure) ctx.err(`rig: ${ctx.paint.err.red('bench failure')}: ${s.benchFailure}\n`);
        if (s.verdict === 'interrupted') {
          const done = s.variants.reduce((n, v) => n + v.roams, 0);
          const planned = resumePlanCount(readPlan, result.runDir);
          ctx.err(
            `rig: ${ctx.paint.err.yellow('interrupted')} (${abort.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'}) after ${done}${planned ? ` of ${planned}` : ''} roams; ` +
              `the records so far are in ${result.runDir}\n` +
              `rig: continue with: rig roam --resume ${result.runDir}\n`,
          );
        }
        ctx.setExitCode(result.exitCode === 130 ? (abort.signal.reason === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint) : result.exitCode);
      } finally {
        progress.stop();
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    });
};

/** How many roams the run was asked for in all (every variant), from its run.json. */
function resumePlanCount(readPlan: (dir: string) => { count: number; variants: unknown[] }, runDir: string): number | null {
  try {
    const p = readPlan(runDir);
    return p.count * p.variants.length;
  } catch {
    return null;
  }
}
