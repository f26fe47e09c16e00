/** `rig analyze FILE`: the ping analysis on any captured log. */
import { positiveNumber, type RegisterCommand } from '../context.ts';

export const registerAnalyze: RegisterCommand = (program, ctx) => {
  program
    .command('analyze')
    .description("analyze a ping log captured anywhere (iputils or busybox, with or without -D/-O), or a rig run's ping.log; each ping run in it separately")
    .argument('<file>', "ping output, or a run folder's ping.log")
    .option('--interval <s>', 'ping interval in seconds', positiveNumber, 0.2)
    .option('--json', 'print the analysis as JSON')
    .action(async (file: string, o: { interval: number; json?: boolean }) => {
      const { analyzePingFile, formatAnalysis } = await import('../../ping/analyze.ts');
      const a = await analyzePingFile(file, { intervalS: o.interval });
      ctx.out(o.json ? JSON.stringify(a, null, 2) + '\n' : formatAnalysis(a) + '\n');
    });
};
