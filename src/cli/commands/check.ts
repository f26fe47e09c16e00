/**
 * `rig check`: the preflight of a bench. A table on a terminal, JSON otherwise (a CI step
 * or a pipe reads it), `--json` or `--table` to choose; exit 0, or 3 naming each failing
 * thing and its fix on stderr.
 */
import type { CheckItem } from '../../api/check.ts';
import { EXIT } from '../../errors.ts';
import type { Paint } from '../colour.ts';
import { inventoryOptions, type RegisterCommand } from '../context.ts';

export const registerCheck: RegisterCommand = (program, ctx) => {
  inventoryOptions(program.command('check').description('preflight a bench: inventory, each device (ping, SSH with its pinned key, firmware), each attenuator, the traffic target, the clocks'))
    .option('--json', 'print the result as JSON (the default when stdout is not a terminal)')
    .option('--table', 'print a table (the default on a terminal)')
    .action(async (o: { inventory: string; bench?: string; json?: boolean; table?: boolean }) => {
      const { check } = await import('../../api/check.ts');
      const r = await check({ inventory: o.inventory, bench: o.bench, log: ctx.log });
      const asJson = o.json === true || (o.table !== true && !ctx.stdoutIsTTY);
      if (asJson) ctx.out(JSON.stringify(r, null, 2) + '\n');
      else ctx.out(table(r.items, ctx.paint.out) + `\nbench ${r.bench}: ${r.passed ? ctx.paint.out.green('ready') : ctx.paint.out.red('NOT ready')}\n`);
      const e = ctx.paint.err;
      for (const i of r.items.filter((x) => x.status === 'failed')) ctx.err(`rig: ${e.red(`${i.check} ${i.subject}`)}: ${i.detail}${i.fix ? `; fix: ${i.fix}` : ''}\n`);
      ctx.setExitCode(r.passed ? EXIT.passed : EXIT.bench);
    });
};

function table(items: CheckItem[], paint: Paint): string {
  const word = { ok: 'ok', failed: 'FAILED', skipped: 'skipped' } as const;
  const colour = { ok: paint.green, failed: paint.red, skipped: paint.yellow } as const;
  const rows = items.map((i) => ({ cells: [i.check, i.subject, word[i.status]], status: i.status, detail: i.detail }));
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r.cells[c].length), ['check', 'subject', 'result'][c].length));
  // Pad before colouring: escape codes have no width on the screen.
  const line = (cells: string[], detail: string, status?: CheckItem['status']): string =>
    [cells[0].padEnd(w[0]), cells[1].padEnd(w[1]), status ? colour[status](cells[2].padEnd(w[2])) : cells[2].padEnd(w[2]), detail].join('  ');
  return [paint.bold(line(['check', 'subject', 'result'], 'detail')), ...rows.map((r) => line(r.cells, r.detail, r.status))].join('\n');
}
