/** `rig trust DEVICE`: record a board's host key, explicitly. */
import { trust } from '../trust.ts';
import type { RegisterCommand } from '../context.ts';

export const registerTrust: RegisterCommand = (program, ctx) => {
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
      ctx.setExitCode((await trust({ device, ...o, out: ctx.out })).exitCode);
    });
};
