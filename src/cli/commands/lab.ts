/** `rig lab up`: the virtual rig as a standalone process. */
import { positiveNumber, type RegisterCommand } from '../context.ts';

export const registerLab: RegisterCommand = (program, ctx) => {
  const lab = program.command('lab').description('the virtual rig');
  lab
    .command('up')
    .description('start a virtual lab standalone (the madwifi model, or --kind hwsim: a QEMU VM) and print its ports (Ctrl-C stops it)')
    .option('-i, --inventory <file>', 'inventory file', 'inventory.yaml')
    .option('-b, --bench <name>', 'virtual bench in the inventory')
    .option('--kind <kind>', 'madwifi (the in-process model) or hwsim (a QEMU VM on the real Linux wireless stack); default: the bench\'s virtual.kind')
    .option('-f, --firmware <variant>', 'client driver variant (stock | patched)')
    .option('--time-scale <x>', 'model seconds per real second', positiveNumber)
    .option('--write-inventory <file>', 'write an inventory that points at the running rig')
    .option('--ground-truth <file>', 'where to write the ground truth (JSON lines)')
    .option('--for <seconds>', 'stop by itself after this many real seconds', positiveNumber)
    .option('--json', 'JSON lines on stdout: {"event":"ready",...every endpoint} once it listens, {"event":"stopped",...} at the end')
    .option('--fault <spec>', 'inject a fault: KIND[:DEVICE|ATTENUATOR][@SECONDSs], repeatable (e.g. reboot:client@60s)', (v: string, acc: string[] = []) => [...acc, v])
    .action(async (o) => {
      const { labUp } = await import('../lab-up.ts');
      ctx.setExitCode(await labUp({ ...o, out: ctx.out }));
    });
};
