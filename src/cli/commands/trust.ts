/** `rig trust DEVICE`: record a board's host key, explicitly. */
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
    .option('--json', 'print the result as JSON (the messages go to stderr)')
    .action(async (device: string, o: { inventory: string; bench?: string; knownHosts?: string; yes?: boolean; replace?: boolean; json?: boolean }) => {
      const { trust } = await import('../trust.ts');
      const r = await trust({ device, ...o, out: o.json ? ctx.err : ctx.out });
      if (o.json) {
        const { type, fingerprint } = r.presented;
        ctx.out(JSON.stringify({ device, keyType: type, fingerprint, recorded: r.recorded !== null, line: r.recorded, file: r.file ?? null, exitCode: r.exitCode }, null, 2) + '\n');
      }
      ctx.setExitCode(r.exitCode);
    });
};
