/** The lab engineer's poking commands: `rig exec DEVICE -- CMD`, `rig console DEVICE [-- CMD]` and `rig atten get|set NAME [DB]`. */
import { InvalidArgumentError } from 'commander';
import { inventoryOptions, positiveNumber, type RegisterCommand } from '../context.ts';

const SIGNAL_NUMBERS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, TERM: 15 };

export const registerExec: RegisterCommand = (program, ctx) => {
  inventoryOptions(program.command('exec').description("run one command on a bench device over SSH; its output and exit status are the command's"))
    .argument('<device>', 'ap1, ap2 or client')
    .argument('<command...>', 'the command and its arguments (after --)')
    .option('--timeout <s>', "seconds before the command is stopped (default: the device's commandTimeoutS)", positiveNumber)
    .option('--json', 'print the result as JSON (command, exitCode, stdout, stderr, durationMs, timedOut)')
    .action(async (device: string, command: string[], o: { inventory: string; bench?: string; timeout?: number; json?: boolean }) => {
      const { execOnDevice } = await import('../../api/device-access.ts');
      const r = await execOnDevice({ inventory: o.inventory, bench: o.bench, device, command: command.join(' '), timeoutS: o.timeout, log: ctx.log });
      if (o.json) ctx.out(JSON.stringify(r, null, 2) + '\n');
      else {
        ctx.out(r.stdout);
        ctx.err(r.stderr);
        if (r.timedOut) ctx.err(`rig: ${device}: \`${r.command}\` timed out\n`);
      }
      // As a shell reports it: the status, 128 + the signal's number, 124 for a timeout (coreutils' timeout).
      ctx.setExitCode(r.timedOut ? 124 : r.exitCode ?? 128 + (SIGNAL_NUMBERS[r.signal ?? ''] ?? 1));
    });
};

export const registerConsole: RegisterCommand = (program, ctx) => {
  inventoryOptions(
    program
      .command('console')
      .description("attach this terminal to a device's serial console (Ctrl-] leaves); with -- CMD, log in there and run one command"),
  )
    .argument('<device>', 'ap1, ap2 or client (one with a console: in the inventory)')
    .argument('[command...]', 'run this command on the console instead of attaching (after --)')
    .option('--timeout <s>', "seconds before the command counts as hung (default: the device's commandTimeoutS)", positiveNumber)
    .option('--json', 'with a command: print the result as JSON')
    .action(async (device: string, command: string[], o: { inventory: string; bench?: string; timeout?: number; json?: boolean }) => {
      const { attachConsole, runOnConsole } = await import('../../api/console-access.ts');
      if (command.length > 0) {
        const r = await runOnConsole({ inventory: o.inventory, bench: o.bench, device, command: command.join(' '), timeoutS: o.timeout, log: ctx.log });
        if (o.json) ctx.out(JSON.stringify(r, null, 2) + '\n');
        else {
          ctx.out(r.stdout);
          if (r.timedOut) ctx.err(`rig: ${device}: \`${r.command}\` on the console at ${r.address} gave no prompt or end within the timeout\n`);
        }
        ctx.setExitCode(r.timedOut ? 124 : r.exitCode ?? 1);
        return;
      }
      const stdin = process.stdin;
      const raw = stdin.isTTY === true;
      try {
        const r = await attachConsole({
          inventory: o.inventory,
          bench: o.bench,
          device,
          input: stdin,
          output: process.stdout,
          log: ctx.log,
          onConnected: (address) => {
            if (raw) stdin.setRawMode(true);
            if (!ctx.quiet()) ctx.err(`rig: ${device}'s console at ${address}; Ctrl-] leaves\n`);
          },
        });
        if (!ctx.quiet()) ctx.err(`\nrig: left ${device}'s console (${r.ended === 'escape' ? 'Ctrl-]' : 'end of input'})\n`);
      } finally {
        if (raw) stdin.setRawMode(false);
        stdin.pause();
      }
    });
};

const db = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected attenuation in dB, a number >= 0');
  return n;
};

export const registerAtten: RegisterCommand = (program, ctx) => {
  const atten = program.command('atten').description("read or set one attenuator's channel");
  inventoryOptions(atten.command('get').description('read back the programmed attenuation'))
    .argument('<name>', 'attenuator name in the inventory (att1, ...)')
    .option('--json', 'print the reading as JSON')
    .action(async (name: string, o: { inventory: string; bench?: string; json?: boolean }) => {
      const { attenuatorValue } = await import('../../api/device-access.ts');
      const r = await attenuatorValue({ inventory: o.inventory, bench: o.bench, attenuator: name, log: ctx.log });
      ctx.out(o.json ? JSON.stringify(r, null, 2) + '\n' : `${r.attenuator}: ${r.db} dB (channel ${r.channel}, ${r.model}; path loss ${r.db + r.fixedLossDb} dB with the fixed ${r.fixedLossDb} dB)\n`);
    });
  inventoryOptions(atten.command('set').description('set the attenuation and read it back'))
    .argument('<name>', 'attenuator name in the inventory (att1, ...)')
    .argument('<db>', 'attenuation in dB (in the unit\'s step, e.g. 0.25)', db)
    .option('--json', 'print the reading as JSON')
    .action(async (name: string, value: number, o: { inventory: string; bench?: string; json?: boolean }) => {
      const { attenuatorValue } = await import('../../api/device-access.ts');
      const r = await attenuatorValue({ inventory: o.inventory, bench: o.bench, attenuator: name, setDb: value, log: ctx.log });
      ctx.out(o.json ? JSON.stringify(r, null, 2) + '\n' : `${r.attenuator}: set to ${r.db} dB (read back)\n`);
    });
};
