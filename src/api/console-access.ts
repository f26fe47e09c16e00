/**
 * A device's serial console for the lab engineer (`rig console DEVICE`): a terminal
 * attached to the console server's port, or one command run there after logging in
 * (what the recovery ladder does when SSH is gone). The bench is provisioned as its kind
 * says (a virtual bench is started for the command and stopped after it).
 */
import type { Console } from '../controllers/roles.ts';
import type { ExecResult } from '../controllers/ssh/types.ts';
import { serialConsole } from '../bench/session.ts';
import { UsageError } from '../errors.ts';
import { DEVICE_NAMES, type Bench, type DeviceName } from '../inventory/schema.ts';
import type { ProvisionedBench } from '../bench/provision.ts';
import { withBench, type BenchAccessOptions } from './device-access.ts';

/** Ctrl-] : leaves the console, as telnet's escape character does. */
export const CONSOLE_ESCAPE = 0x1d;
/** After the input ends (a pipe, not a terminal): the console is left once it has been quiet this long... */
const QUIET_AFTER_INPUT_MS = 1000;
/** ...or this long after the input ended, whichever comes first. */
const MAX_AFTER_INPUT_MS = 15_000;

export interface ConsoleAttachOptions extends BenchAccessOptions {
  device: string;
  /** What the user types (a terminal in raw mode, or a pipe). */
  input: NodeJS.ReadableStream;
  /** Where the board's console output goes. */
  output: NodeJS.WritableStream;
  /** Told once the console is connected: its address. */
  onConnected?: (address: string) => void;
}

export interface ConsoleAttachResult {
  device: string;
  address: string;
  /** Why the session ended: the escape key, or the end of the input (and the console quiet after it). */
  ended: 'escape' | 'input-ended';
}

async function withConsole<T>(o: BenchAccessOptions & { device: string }, onOutput: ((text: string) => void) | undefined, use: (c: Console, bench: Bench) => Promise<T>): Promise<T> {
  if (!(DEVICE_NAMES as readonly string[]).includes(o.device)) throw new UsageError(`no device "${o.device}": the bench has ${DEVICE_NAMES.join(', ')}`);
  const name = o.device as DeviceName;
  return withBench(o, async (bench: Bench, p: ProvisionedBench) => {
    const c = serialConsole(bench, name, p.endpoints, onOutput);
    if (!c) throw new UsageError(`${name} has no serial console on ${o.bench ? `bench "${o.bench}"` : "the default bench"}: give it one in the inventory (devices.${name}.console: { driver: ser2net-telnet, address: HOST:PORT })`);
    await c.start();
    try {
      return await use(c, bench);
    } finally {
      await c.close();
    }
  });
}

/** Attach `input`/`output` to the device's console until Ctrl-] or the end of the input. */
export function attachConsole(o: ConsoleAttachOptions): Promise<ConsoleAttachResult> {
  let lastOutputAt = performance.now();
  const onOutput = (text: string): void => {
    lastOutputAt = performance.now();
    o.output.write(Buffer.from(text, 'latin1'));
  };
  return withConsole(o, onOutput, (c) => {
    o.onConnected?.(c.address);
    return new Promise<ConsoleAttachResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (ended: ConsoleAttachResult['ended'], err?: unknown): void => {
        o.input.off('data', onData);
        o.input.off('end', onEnd);
        if (timer) clearInterval(timer);
        if (err) reject(err);
        else resolve({ device: o.device, address: c.address, ended });
      };
      const onData = (chunk: Buffer | string): void => {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
        const esc = bytes.indexOf(CONSOLE_ESCAPE);
        try {
          if (esc !== 0) c.send(esc < 0 ? bytes : bytes.subarray(0, esc));
        } catch (err) {
          return done('escape', err);
        }
        if (esc >= 0) done('escape');
      };
      const onEnd = (): void => {
        const endedAt = performance.now();
        timer = setInterval(() => {
          const now = performance.now();
          if (now - Math.max(lastOutputAt, endedAt) >= QUIET_AFTER_INPUT_MS || now - endedAt >= MAX_AFTER_INPUT_MS) done('input-ended');
        }, 100);
      };
      o.input.on('data', onData);
      o.input.on('end', onEnd);
      o.input.resume();
    });
  });
}

/** Log in on the device's console and run one command there (stdout and stderr are one stream on a console). */
export function runOnConsole(o: BenchAccessOptions & { device: string; command: string; timeoutS?: number }): Promise<ExecResult & { address: string }> {
  return withConsole(o, undefined, async (c, bench) => {
    const r = await c.run(o.command, (o.timeoutS ?? bench.devices[o.device as DeviceName].commandTimeoutS) * 1000);
    return { ...r, address: c.address };
  });
}
