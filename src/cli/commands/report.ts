/** `rig report RUN_DIR`: rebuild a run folder's report, JUnit and CSV. */
import { join, resolve } from 'node:path';
import type { RegisterCommand } from '../context.ts';

export const registerReport: RegisterCommand = (program, ctx) => {
  program
    .command('report')
    .description('rebuild a run folder\'s index.html, junit.xml and roams.csv (and reports/index.html) from its recorded files')
    .argument('<run-dir>', 'a run folder under reports/')
    .option('--compare <other-run-dir>', 'compare with another run, variant by variant')
    .action(async (runDir: string, o: { compare?: string }) => {
      const { writeRunReport } = await import('../../report/index.ts');
      await writeRunReport(runDir, { compare: o.compare });
      ctx.out(`report: ${join(resolve(runDir), 'index.html')}\n`);
    });
};
