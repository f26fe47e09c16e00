/** `rig flash --variant V`: install a firmware variant on the boards. */
import { positiveNumber, type RegisterCommand } from '../context.ts';

export const registerFlash: RegisterCommand = (program, ctx) => {
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
      const { flashCommand } = await import('../flash.ts');
      ctx.setExitCode(await flashCommand(o, ctx.out, ctx.err));
    });
};
