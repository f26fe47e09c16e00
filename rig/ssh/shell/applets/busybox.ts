/**
 * What busybox 1.4.2's applets share (the version of a board built in March 2007):
 * the banner and bb_show_usage() (applets/applets.c: `BusyBox v1.4.2 (DATE) multi-call
 * binary`, a blank line, `Usage: NAME TRIVIAL_USAGE`, a blank line, on stderr, exit 1;
 * FEATURE_VERBOSE_USAGE off, so only the trivial usage of include/usage.h), option
 * parsing as getopt32() over uClibc's getopt() does it (GNU argument permutation,
 * `--`, `NAME: invalid option -- X` and `NAME: option requires an argument -- X`
 * before the usage), numbers as xatou() reads them (`invalid number 'X'`), and
 * opening an input the way fopen_or_warn_stdin() does (`-` is stdin, a missing file
 * is `NAME: FILE: No such file or directory`).
 */
import type { ProcessIO, VirtualDevice } from '../../types.ts';

export const BUSYBOX_BANNER = 'BusyBox v1.4.2 (2007-03-20 10:05:12 CET) multi-call binary';

/** include/usage.h, 1.4.2: NAME_trivial_usage for the applets the shell runs itself. */
export const TRIVIAL_USAGE: Record<string, string> = {
  cat: '[-u] [FILE]...',
  grep: '[-rihHnqvsoE] PATTERN [FILEs...]',
  head: '[OPTION]... [FILE]...',
  rm: '[OPTION]... FILE...',
  sleep: '[N]...',
  tail: '[OPTION]... [FILE]...',
  wc: '[OPTION]... [FILE]...',
  uptime: '',
  scp: '',
};

/** An applet run by the shell: its argv, its process, the board's files. */
export interface AppletContext {
  io: ProcessIO;
  device: VirtualDevice;
}

export type Applet = (argv: string[], ctx: AppletContext) => Promise<number>;

/** Thrown by an applet that dies (bb_error_msg_and_die, bb_show_usage): the message is already written. */
export class AppletExit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/** bb_show_usage(): the banner and usage on stderr, exit 1. */
export function showUsage(name: string, io: ProcessIO): never {
  io.stderr.write(`${BUSYBOX_BANNER}\n\nUsage: ${name} ${TRIVIAL_USAGE[name] ?? ''}\n\n`);
  throw new AppletExit(1);
}

/** bb_error_msg_and_die(): `NAME: MESSAGE`, exit 1. */
export function die(name: string, io: ProcessIO, message: string): never {
  io.stderr.write(`${name}: ${message}\n`);
  throw new AppletExit(1);
}

export interface Options {
  /** Each option seen, with its arguments in order (an option without argument: ['']). */
  opts: Map<string, string[]>;
  operands: string[];
}

/**
 * getopt32(argv, spec): `spec` as getopt's optstring (`n:` takes an argument).
 * Options may come after operands (GNU permutation) until `--`.
 */
export function getopt(name: string, args: string[], spec: string, io: ProcessIO): Options {
  const opts = new Map<string, string[]>();
  const operands: string[] = [];
  const add = (o: string, v: string): void => void opts.set(o, [...(opts.get(o) ?? []), v]);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      operands.push(a);
      continue;
    }
    for (let k = 1; k < a.length; k++) {
      const c = a[k];
      const at = spec.indexOf(c);
      if (at < 0 || c === ':') {
        io.stderr.write(`${name}: invalid option -- ${c}\n`);
        showUsage(name, io);
      }
      if (spec[at + 1] === ':') {
        let v = a.slice(k + 1);
        if (v === '') {
          if (i + 1 >= args.length) {
            io.stderr.write(`${name}: option requires an argument -- ${c}\n`);
            showUsage(name, io);
          }
          v = args[++i];
        }
        add(c, v);
        break;
      }
      add(c, '');
    }
  }
  return { opts, operands };
}

/** xatou_sfx(): an unsigned decimal number with an optional suffix (b=512, k=1024, m=1024²). */
export function parseCount(name: string, s: string, io: ProcessIO, suffixes: Record<string, number> = {}): number {
  const m = /^(\d+)([a-z]?)$/.exec(s);
  if (!m || (m[2] !== '' && !(m[2] in suffixes))) die(name, io, `invalid number '${s}'`);
  return Number(m[1]) * (m[2] ? suffixes[m[2]] : 1);
}

/** A named input: a file of the board, `/dev/null`, or `-` (stdin); undefined (and the warning written) when it cannot be opened. */
export async function openInput(name: string, file: string, ctx: AppletContext): Promise<Buffer | undefined> {
  if (file === '-' || file === '') return ctx.io.readStdin();
  if (file === '/dev/null') return Buffer.alloc(0);
  const data = ctx.device.readFile(file);
  if (data === undefined) {
    ctx.io.stderr.write(`${name}: ${file}: No such file or directory\n`);
    return undefined;
  }
  return data;
}

/** Standard input as it arrives (or whole, when the caller has only that). */
export function stdinChunks(io: ProcessIO): AsyncIterable<Buffer> {
  if (io.stdinChunks) return io.stdinChunks();
  return (async function* () {
    const all = await io.readStdin();
    if (all.length > 0) yield all;
  })();
}

/** Run an applet, turning AppletExit into its status. */
export async function runApplet(applet: Applet, argv: string[], ctx: AppletContext): Promise<number> {
  try {
    return await applet(argv, ctx);
  } catch (e) {
    if (e instanceof AppletExit) return e.status;
    throw e;
  }
}
