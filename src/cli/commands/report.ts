/**
 * `rig report RUN_DIR`: rebuild a run folder's report, JUnit and CSV.
 * `rig report merge DIR... --out DIR`: one report over several run folders (benches, nights).
 * Commander runs the subcommand when the first operand is `merge` (a run folder named
 * merge is given as ./merge), else the report of the run folder.
 */
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import type { RegisterCommand } from '../context.ts';

export const registerReport: RegisterCommand = (program, ctx) => {
  const report = program
    .command('report')
    .description('rebuild a run folder\'s index.html, junit.xml and roams.csv (and reports/index.html) from its recorded files; `report merge` merges runs')
    .argument('<run-dir>', 'a run folder under reports/')
    .option('--compare <other-run-dir>', 'compare with another run, variant by variant')
    .option('--json', 'print the files written as JSON')
    .action(async (runDir: string, o: { compare?: string; json?: boolean }) => {
      const { writeRunReport } = await import('../../report/index.ts');
      await writeRunReport(runDir, { compare: o.compare });
      const dir = resolve(runDir);
      if (o.json) {
        const files = { report: join(dir, 'index.html'), junit: join(dir, 'junit.xml'), csv: join(dir, 'roams.csv'), runsIndex: join(dirname(dir), 'index.html') };
        ctx.out(JSON.stringify({ runDir: dir, compare: o.compare ? resolve(o.compare) : null, ...files }, null, 2) + '\n');
      } else ctx.out(`report: ${join(dir, 'index.html')}\n`);
    });

  report
    .command('merge')
    .description('one report over several runs (benches, nights): index.html and merged.json in --out, one row per run and variant, the trend per bench and variant')
    .argument('<dirs...>', 'run folders, or folders holding run folders (a reports folder, a downloaded CI artifact)')
    .option('--out <dir>', 'the folder to write index.html and merged.json to (not a run folder)')
    .option('--json', 'print {out, runs, problems} as JSON')
    .action(async (dirs: string[], o: { out?: string; json?: boolean }) => {
      if (!o.out) throw new UsageError('report merge: --out DIR is required (the folder the merged report is written to)');
      const { mergeReports } = await import('../../report/merge.ts');
      const r = await mergeReports(dirs, o.out);
      // `report` has a --json of its own, and commander gives it the one after `merge ...`.
      if (o.json || report.opts<{ json?: boolean }>().json) {
        ctx.out(JSON.stringify({ out: r.out, runs: r.runs, problems: r.problems }, null, 2) + '\n');
        return;
      }
      const { benches, nights } = r.data;
      ctx.out(
        `merged report: ${r.index} (${r.runs.length} run${r.runs.length === 1 ? '' : 's'}, ${benches.length} bench${benches.length === 1 ? '' : 'es'}, ${nights.length} night${nights.length === 1 ? '' : 's'}${r.problems.length ? `; ${r.problems.length} problem(s)` : ''})\n`,
      );
      for (const p of r.problems) ctx.out(`  ${p.run}: ${p.problem}\n`);
    });
};
