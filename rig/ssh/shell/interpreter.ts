/**
 * The virtual board shell's interpreter: runs a parsed command line on a virtual
 * device, the way POSIX sh does (XCU 2.9) for the supported subset.
 *
 * - `;` / newline run in turn, `&&` / `||` by status, `$?` is the last pipeline's status.
 * - `|`: the left side's stdout is buffered whole and becomes the right side's stdin;
 *   components run one after the other, each as a subshell (`exit` ends only it).
 * - Redirections `> f`, `>> f`, `< f`, `2> f`, `2>> f`, `2>&1`, `>&2`, `1>&2`
 *   (`/dev/null` discards); no globbing: `*` is just a character.
 * - Dispatch: the special built-ins `exit` and `sh -c LINE` / `sh FILE` / `sh` (script
 *   on stdin) act on the shell itself (here); then `echo`, `true`, `false`, `test` / `[`;
 *   `cat`, `rm`, `sleep` ask the device first (builtins.ts); everything else goes to
 *   `device.run(argv, io)`.
 * - Every command runs as a process (process.ts): signals, abort, `128 + n` statuses.
 *   When the line's abort fires the line stops at once. Output a command writes
 *   after it ended is discarded.
 */
import { ShellSyntaxError, type AndOr, type Pipeline, type Script, type SimpleCommand, type Word } from './ast.ts';
import { BUILTIN_FALLBACKS, builtinEcho, builtinTest, deviceThenBuiltin } from './builtins.ts';
import { parse } from './parser.ts';
import { runProcess, type SignalRouting } from './process.ts';
import { HANGUP_STATUS } from './signals.ts';
import { EMPTY, bufferSource, emptySource, fileSink, nullSink, onceSource, type Fds, type Sink } from './streams.ts';
import type { ProcessIO, VirtualDevice } from '../types.ts';

export interface ShellState {
  /** `$?`: the status of the last pipeline. */
  lastStatus: number;
  /** Set when the `exit` builtin ended the line (an interactive shell then ends the session). */
  exited?: boolean;
}

/** Thrown by `exit`: unwinds to the line (or the pipeline component) it ends. */
class ExitRequest {
  constructor(readonly status: number) {}
}

/** What a line runs with: the device, its `$?`, the line's abort and signal routing. */
interface Ctx {
  device: VirtualDevice;
  state: ShellState;
  abort: AbortSignal;
  sig: SignalRouting;
}

function expand(word: Word, ctx: Ctx): string {
  return word.parts.map((p) => (p.kind === 'lit' ? p.text : String(ctx.state.lastStatus))).join('');
}

async function runScript(script: Script, ctx: Ctx, fds: Fds): Promise<number> {
  let status = 0;
  for (const item of script) {
    if (ctx.abort.aborted) return HANGUP_STATUS;
    status = await runAndOr(item, ctx, fds);
    if (ctx.sig.terminated !== null) {
      ctx.state.lastStatus = ctx.sig.terminated;
      return ctx.sig.terminated;
    }
  }
  return status;
}

async function runAndOr(node: AndOr, ctx: Ctx, fds: Fds): Promise<number> {
  let status = await runPipeline(node.first, ctx, fds);
  ctx.state.lastStatus = status;
  for (const { op, pipeline } of node.rest) {
    if (ctx.abort.aborted || ctx.sig.terminated !== null) break;
    if ((op === '&&' && status === 0) || (op === '||' && status !== 0)) {
      status = await runPipeline(pipeline, ctx, fds);
      ctx.state.lastStatus = status;
    }
  }
  return status;
}

async function runPipeline(cmds: Pipeline, ctx: Ctx, fds: Fds): Promise<number> {
  if (cmds.length === 1) return runSimple(cmds[0], ctx, fds);
  let input = fds[0];
  let status = 0;
  for (let k = 0; k < cmds.length; k++) {
    if (ctx.abort.aborted || ctx.sig.terminated !== null) break;
    const last = k === cmds.length - 1;
    const chunks: Buffer[] = [];
    const out: Sink = last ? fds[1] : { write: (d) => chunks.push(Buffer.from(d)) };
    try {
      // Each component of a pipeline is a subshell: `exit` there ends only that component.
      status = await runSimple(cmds[k], ctx, [input, out, fds[2]]);
    } catch (e) {
      if (e instanceof ExitRequest) status = e.status;
      else throw e;
    }
    input = bufferSource(Buffer.concat(chunks));
  }
  return status;
}

async function runSimple(cmd: SimpleCommand, ctx: Ctx, inherited: Fds): Promise<number> {
  const fds: Fds = [inherited[0], inherited[1], inherited[2]];
  for (const r of cmd.redirs) {
    if (r.kind === 'dup') {
      fds[r.fd] = fds[r.to];
      continue;
    }
    const path = expand(r.target, ctx);
    if (path === '') {
      fds[2].write("sh: can't open '': No such file or directory\n");
      return 1;
    }
    if (r.op === '<') {
      if (path === '/dev/null') {
        fds[0] = emptySource;
      } else {
        const data = ctx.device.readFile(path);
        if (data === undefined) {
          fds[2].write(`sh: can't open '${path}': No such file or directory\n`);
          return 1;
        }
        fds[0] = bufferSource(data);
      }
    } else if (path === '/dev/null') {
      fds[r.fd as 1 | 2] = nullSink;
    } else {
      // `>` truncates now; `>>` creates the file if needed. Each later write appends.
      ctx.device.writeFile(path, EMPTY, r.op === '>>');
      fds[r.fd as 1 | 2] = fileSink(ctx.device, path);
    }
  }
  const argv = cmd.words.map((w) => expand(w, ctx));
  if (argv.length === 0) return 0;

  const name = argv[0];
  switch (name) {
    case 'exit':
      return builtinExit(argv, ctx, fds);
    case 'sh':
      return builtinSh(argv, ctx, fds);
    case 'echo':
      return runProcess(ctx, fds, async (io) => builtinEcho(argv, io));
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'test':
    case '[':
      return runProcess(ctx, fds, async (io) => builtinTest(argv, io, ctx.device));
    case 'cat':
    case 'rm':
    case 'sleep':
      return runProcess(ctx, fds, (io) => deviceThenBuiltin(argv, ctx.device, io, BUILTIN_FALLBACKS[name]));
    default:
      return runProcess(ctx, fds, (io) => ctx.device.run(argv, io));
  }
}

function builtinExit(argv: string[], ctx: Ctx, fds: Fds): never {
  const arg = argv[1];
  if (arg === undefined) throw new ExitRequest(ctx.state.lastStatus);
  if (!/^\d+$/.test(arg)) {
    fds[2].write(`sh: exit: Illegal number: ${arg}\n`);
    throw new ExitRequest(2);
  }
  throw new ExitRequest(Number(arg) & 0xff);
}

async function builtinSh(argv: string[], ctx: Ctx, fds: Fds): Promise<number> {
  let source: string;
  const opt = argv[1];
  if (opt === '-c') {
    if (argv[2] === undefined) {
      fds[2].write('sh: -c requires an argument\n');
      return 2;
    }
    source = argv[2];
  } else if (opt === undefined || opt === '-s') {
    source = (await fds[0].read()).toString('utf8');
  } else if (opt.startsWith('-')) {
    fds[2].write(`sh: ${opt}: unsupported option\n`);
    return 2;
  } else {
    const data = ctx.device.readFile(opt);
    if (data === undefined) {
      fds[2].write(`sh: can't open '${opt}': No such file or directory\n`);
      return 127;
    }
    source = data.toString('utf8');
  }
  // A child shell: its own `$?` (starting at 0) and `exit`, the same signal routing.
  const child: Ctx = { ...ctx, state: { lastStatus: 0 } };
  // stdin was consumed as the script when it came from stdin.
  const childFds: Fds = opt === undefined || opt === '-s' ? [emptySource, fds[1], fds[2]] : fds;
  return execSource(source, child, childFds);
}

async function execSource(source: string, ctx: Ctx, fds: Fds): Promise<number> {
  let script: Script;
  try {
    script = parse(source);
  } catch (e) {
    if (e instanceof ShellSyntaxError) {
      fds[2].write(`sh: syntax error: ${e.message}\n`);
      ctx.state.lastStatus = 2;
      return 2;
    }
    throw e;
  }
  try {
    return await runScript(script, ctx, fds);
  } catch (e) {
    if (e instanceof ExitRequest) {
      const status = e.status;
      ctx.state.lastStatus = status;
      ctx.state.exited = true;
      return status;
    }
    throw e;
  }
}

/**
 * Run one command line on a virtual device. Resolves with the line's exit status
 * (never rejects for anything the line does; a device command that throws is reported
 * on stderr with status 1). `state` carries `$?` across lines (an interactive shell);
 * `state.exited` is set when `exit` ran.
 */
export async function runCommandLine(
  line: string,
  device: VirtualDevice,
  io: ProcessIO,
  state: ShellState = { lastStatus: 0 },
): Promise<number> {
  const sig: SignalRouting = { deliver: null, terminated: null };
  io.onSignal((name) => sig.deliver?.(name.replace(/^SIG/, '').toUpperCase()));
  const ctx: Ctx = { device, state, abort: io.abort, sig };
  const fds: Fds = [onceSource(() => io.readStdin()), io.stdout, io.stderr];
  return execSource(line, ctx, fds);
}
