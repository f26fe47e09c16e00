/**
 * `rig inventory schema [--out FILE]` and `rig inventory validate [--inventory F] [--json]`:
 * the inventory's JSON Schema, and checking an inventory file; a thin layer over
 * api/inventory.ts. A file with problems exits 2.
 */
import { EXIT } from '../../errors.ts';
import type { BenchInfo } from '../../api/inventory.ts';
import type { RegisterCommand } from '../context.ts';

export const registerInventory: RegisterCommand = (program, ctx) => {
  const inventory = program.command('inventory').description('the inventory file: its JSON Schema, and checking it');

  inventory
    .command('schema')
    .description("print the inventory's JSON Schema (what editors complete and check inventory.yaml with), or write it to a file")
    .option('-o, --out <file>', 'write it to this file (the repository keeps it as inventory.schema.json)')
    .option('--json', 'with --out, print {"schema": FILE} (without --out the output is the schema, JSON already)')
    .action(async (o: { out?: string; json?: boolean }) => {
      const { inventorySchema } = await import('../../api/inventory.ts');
      const r = await inventorySchema({ out: o.out });
      if (r.written === undefined) ctx.out(r.text);
      else ctx.out(o.json ? JSON.stringify({ schema: r.written }) + '\n' : `schema: ${r.written}\n`);
    });

  inventory
    .command('validate')
    .description('load an inventory as every command does: OK with the benches it holds, or every problem with file:line:col and YAML path (exit 2)')
    .option('-i, --inventory <file>', 'inventory file', 'inventory.yaml')
    .option('--json', 'print the result as JSON')
    .action(async (o: { inventory: string; json?: boolean }) => {
      const { validateInventory } = await import('../../api/inventory.ts');
      const r = await validateInventory({ inventory: o.inventory });
      if (o.json) {
        ctx.out(JSON.stringify(r, null, 2) + '\n');
      } else if (r.ok) {
        ctx.out(`${r.file}: OK, ${r.benches.length} bench${r.benches.length === 1 ? '' : 'es'}\n`);
        const width = Math.max(...r.benches.map((b) => label(b).length));
        for (const b of r.benches) ctx.out(`  ${label(b).padEnd(width)}  ${describe(b)}\n`);
      } else {
        for (const p of r.problems) ctx.err(`${p.text}\n`);
        ctx.err(`rig: ${r.file}: not a valid inventory\n`);
      }
      if (!r.ok) ctx.setExitCode(EXIT.config);
    });
};

function label(b: BenchInfo): string {
  return b.default ? `${b.name} (default)` : b.name;
}

function describe(b: BenchInfo): string {
  const parts = [`${b.kind} bench`, b.security, `attenuators ${b.attenuators.join(', ')}`];
  if (b.secretEnv.length > 0) parts.push(`reads ${b.secretEnv.join(', ')} from the environment`);
  return parts.join('; ');
}
