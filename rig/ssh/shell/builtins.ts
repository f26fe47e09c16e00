/**
 * The virtual board shell's built-in utilities (busybox ash's, as far as the rig needs
 * them): `echo [-n]`, `test` / `[` (`-f -e -s -n -z`, `= != -eq -ne -lt -le -gt -ge`,
 * `!`; POSIX test(1)), and `cat`, `rm`, `sleep`.
 *
 * `cat`, `rm` and `sleep` are asked of the device first (a device whose clock runs
 * faster than real time overrides `sleep`); when the device answers the standard
 * "not found" (status 127 and `sh: NAME: not found` on stderr) the builtin runs
 * instead and that message is swallowed.
 *
 * The special built-ins that act on the shell itself (`exit`, `sh`) are the
 * interpreter's (interpreter.ts).
 */
import type { ProcessIO, VirtualDevice } from '../types.ts';
import { toStatus } from './process.ts';
import { HANGUP_STATUS } from './signals.ts';
import { EMPTY } from './streams.ts';

export function builtinEcho(argv: string[], io: ProcessIO): number {
  let k = 1;
  let newline = true;
  while (argv[k] === '-n') {
    newline = false;
    k++;
  }
  io.stdout.write(argv.slice(k).join(' ') + (newline ? '\n' : ''));
  return 0;
}

export function builtinTest(argv: string[], io: ProcessIO, device: VirtualDevice): number {
  const name = argv[0];
  let args = argv.slice(1);
  if (name === '[') {
    if (args[args.length - 1] !== ']') {
      io.stderr.write('sh: [: missing ]\n');
      return 2;
    }
    args = args.slice(0, -1);
  }
  const fail = (msg: string): number => {
    io.stderr.write(`sh: ${name}: ${msg}\n`);
    return 2;
  };
  const exists = (p: string): Buffer | undefined => (p === '/dev/null' ? EMPTY : device.readFile(p));
  const unary = (op: string, a: string): number | string => {
    switch (op) {
      case '-f':
      case '-e':
        return exists(a) !== undefined ? 0 : 1;
      case '-s': {
        const b = exists(a);
        return b !== undefined && b.length > 0 ? 0 : 1;
      }
      case '-n':
        return a.length > 0 ? 0 : 1;
      case '-z':
        return a.length === 0 ? 0 : 1;
      default:
        return `${op}: unknown operand`;
    }
  };
  const binary = (a: string, op: string, b: string): number | string => {
    switch (op) {
      case '=':
      case '==':
        return a === b ? 0 : 1;
      case '!=':
        return a !== b ? 0 : 1;
      case '-eq':
      case '-ne':
      case '-lt':
      case '-le':
      case '-gt':
      case '-ge': {
        for (const v of [a, b]) if (!/^\s*-?\d+\s*$/.test(v)) return `${v}: bad number`;
        const x = Number(a);
        const y = Number(b);
        const r = { '-eq': x === y, '-ne': x !== y, '-lt': x < y, '-le': x <= y, '-gt': x > y, '-ge': x >= y }[op];
        return r ? 0 : 1;
      }
      default:
        return `${op}: unknown operand`;
    }
  };
  const evaluate = (a: string[]): number | string => {
    switch (a.length) {
      case 0:
        return 1;
      case 1:
        return a[0].length > 0 ? 0 : 1;
      case 2:
        if (a[0] === '!') return a[1].length > 0 ? 1 : 0;
        return unary(a[0], a[1]);
      case 3: {
        if (['=', '==', '!=', '-eq', '-ne', '-lt', '-le', '-gt', '-ge'].includes(a[1])) return binary(a[0], a[1], a[2]);
        if (a[0] === '!') {
          const r = evaluate(a.slice(1));
          return typeof r === 'number' ? 1 - r : r;
        }
        return `${a[1]}: unknown operand`;
      }
      case 4:
        if (a[0] === '!') {
          const r = evaluate(a.slice(1));
          return typeof r === 'number' ? 1 - r : r;
        }
        return 'too many arguments';
      default:
        return 'too many arguments';
    }
  };
  const r = evaluate(args);
  return typeof r === 'number' ? r : fail(r);
}

/* ------------------------------------------ cat / rm / sleep: device first */

export type Fallback = (argv: string[], device: VirtualDevice, io: ProcessIO) => Promise<number>;

/**
 * Ask the device first; if it answers "not found" (127 and exactly `sh: NAME: not
 * found` on stderr), run the builtin instead. Stderr is held back only while it can
 * still turn out to be that message.
 */
export async function deviceThenBuiltin(argv: string[], device: VirtualDevice, io: ProcessIO, builtin: Fallback): Promise<number> {
  const notFound = `sh: ${argv[0]}: not found\n`;
  let held = '';
  let passthrough = false;
  const probeIo: ProcessIO = {
    ...io,
    stdout: io.stdout,
    stderr: {
      write: (d) => {
        if (passthrough) return io.stderr.write(d);
        const s = typeof d === 'string' ? d : d.toString('utf8');
        if (notFound.startsWith(held + s)) {
          held += s;
          return;
        }
        passthrough = true;
        if (held) io.stderr.write(held);
        held = '';
        io.stderr.write(d);
      },
    },
    readStdin: io.readStdin,
    onSignal: io.onSignal,
    abort: io.abort,
  };
  const status = toStatus(await device.run(argv, probeIo));
  if (status === 127 && !passthrough && held === notFound) return builtin(argv, device, io);
  if (held) io.stderr.write(held);
  return status;
}

export const BUILTIN_FALLBACKS: Record<'cat' | 'rm' | 'sleep', Fallback> = {
  async cat(argv, device, io) {
    const files = argv.slice(1);
    if (files.length === 0) files.push('-');
    let status = 0;
    for (const f of files) {
      if (f === '-') {
        io.stdout.write(await io.readStdin());
      } else if (f === '/dev/null') {
        continue;
      } else {
        const data = device.readFile(f);
        if (data === undefined) {
          io.stderr.write(`cat: can't open '${f}': No such file or directory\n`);
          status = 1;
        } else {
          io.stdout.write(data);
        }
      }
    }
    return status;
  },

  /** Deletes through the device's `removeFile`; a device without one refuses (Operation not permitted). */
  async rm(argv, device, io) {
    let force = false;
    let k = 1;
    for (; k < argv.length; k++) {
      const a = argv[k];
      if (a === '--') {
        k++;
        break;
      }
      if (!/^-[fr]+$/.test(a)) break;
      if (a.includes('f')) force = true;
    }
    const files = argv.slice(k);
    if (files.length === 0 && !force) {
      io.stderr.write('rm: missing operand\n');
      return 1;
    }
    let status = 0;
    for (const f of files) {
      if (device.readFile(f) === undefined) {
        if (!force) {
          io.stderr.write(`rm: can't remove '${f}': No such file or directory\n`);
          status = 1;
        }
      } else if (device.removeFile) {
        device.removeFile(f);
      } else {
        io.stderr.write(`rm: can't remove '${f}': Operation not permitted\n`);
        status = 1;
      }
    }
    return status;
  },

  async sleep(argv, _device, io) {
    const units: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
    if (argv.length < 2) {
      io.stderr.write('sleep: missing operand\n');
      return 1;
    }
    let total = 0;
    for (const a of argv.slice(1)) {
      const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
      if (!m) {
        io.stderr.write(`sleep: invalid number '${a}'\n`);
        return 1;
      }
      total += Number(m[1]) * units[m[2]];
    }
    await abortableDelay(total * 1000, io.abort);
    return io.abort.aborted ? HANGUP_STATUS : 0;
  },
};

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
