/**
 * The virtual board's command-line interpreter: a small, strict subset of POSIX sh.
 *
 * A command line is parsed completely before anything runs; a syntax error runs
 * nothing (`sh: syntax error: ...`, status 2). Supported:
 * - words with '...' (literal), "..." (only `$?` expands; `\"`, `\\`, `\$`, `` \` ``
 *   escapes), backslash escapes, `\`-newline continuation, `#` comments;
 * - `;`, newline, `&&`, `||`, `|` (the left side's stdout is buffered whole and becomes
 *   the right side's stdin; components run one after the other);
 * - redirections `> f`, `>> f`, `< f`, `2> f`, `2>> f`, `2>&1`, `>&2`, `1>&2` (file
 *   descriptors 0, 1 and 2 only; `/dev/null` discards);
 * - `$?`.
 * Not supported, and refused as syntax errors so nothing can be smuggled through:
 * command substitution (`$(...)`, backquotes), `${...}` and `$NAME` variables, `&`,
 * subshells `( )`, other file descriptors. No globbing: `*` is just a character.
 *
 * Builtins: `echo [-n]`, `true`, `false`, `exit [n]`, `sh -c LINE` / `sh FILE` / `sh`
 * (script on stdin), `test` / `[` (`-f -e -s -n -z`, `= != -eq -ne -lt -le -gt -ge`, `!`),
 * and `cat`, `rm`, `sleep`.
 *
 * Dispatch rule: shell builtins first. `cat`, `rm` and `sleep` are asked of the device
 * first (a device whose clock runs faster than real time overrides `sleep`); when the
 * device answers the standard "not found" (status 127 and `sh: NAME: not found` on
 * stderr) the builtin runs instead and that message is swallowed. Everything else goes
 * to `device.run(argv, io)`.
 *
 * Signals (`io.onSignal`) go to the command running at that moment. A command that
 * registered no signal listener takes the default action: it is aborted at once and
 * its status is 128 + the signal number. `KILL` always works that way, listener or not.
 * A command killed like that also ends the command line (as `sh` itself would die).
 * When `io.abort` fires the line stops at once, without waiting for a command that
 * ignores its abort signal. Output a command writes after it ended is discarded.
 */
import type { ProcessIO, VirtualDevice } from './types.ts';

export interface ShellState {
  /** `$?`: the status of the last pipeline. */
  lastStatus: number;
  /** Set when the `exit` builtin ended the line (an interactive shell then ends the session). */
  exited?: boolean;
}

/** Signal numbers used for `128 + n` statuses (Linux numbering). */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = {
  HUP: 1, INT: 2, QUIT: 3, ILL: 4, ABRT: 6, FPE: 8, KILL: 9, USR1: 10, SEGV: 11,
  USR2: 12, PIPE: 13, ALRM: 14, TERM: 15,
};

/** The signal name for a `128 + n` status, if n is a known signal. */
export function signalForStatus(status: number): string | undefined {
  if (status <= 128) return undefined;
  const n = status - 128;
  return Object.keys(SIGNAL_NUMBERS).find((k) => SIGNAL_NUMBERS[k] === n);
}

/* ------------------------------------------------------------------ parsing */

type Part = { kind: 'lit'; text: string } | { kind: 'status' };
interface Word {
  parts: Part[];
}
type Redir =
  | { kind: 'file'; fd: 0 | 1 | 2; op: '>' | '>>' | '<'; target: Word }
  | { kind: 'dup'; fd: 1 | 2; to: 1 | 2 };
interface SimpleCommand {
  words: Word[];
  redirs: Redir[];
}
type Pipeline = SimpleCommand[];
interface AndOr {
  first: Pipeline;
  rest: { op: '&&' | '||'; pipeline: Pipeline }[];
}
type Script = AndOr[];

class ShellSyntaxError extends Error {}

type Token =
  | { type: 'word'; word: Word }
  | { type: 'op'; op: ';' | '&&' | '||' | '|' | '\n' }
  | { type: 'redir'; fd: number; op: '>' | '>>' | '<' }
  | { type: 'dup'; fd: number; op: '>&' | '<&'; to: number }
  | { type: 'eof' };

const META = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;

  const readDollar = (parts: Part[], push: (s: string) => void): void => {
    // src[i] === '$'
    const next = src[i + 1];
    if (next === '?') {
      parts.push({ kind: 'status' });
      i += 2;
      return;
    }
    if (next === '(') throw new ShellSyntaxError('command substitution not supported');
    if (next === '{' || (next !== undefined && /[A-Za-z0-9_@*#!$-]/.test(next))) {
      throw new ShellSyntaxError(`variable expansion not supported: $${next === '{' ? '{' : next}`);
    }
    push('$');
    i += 1;
  };

  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '\n' || c === ';') {
      tokens.push({ type: 'op', op: c });
      i++;
      continue;
    }
    if (c === '&') {
      if (src[i + 1] === '&') {
        tokens.push({ type: 'op', op: '&&' });
        i += 2;
        continue;
      }
      throw new ShellSyntaxError('background jobs (&) not supported');
    }
    if (c === '|') {
      if (src[i + 1] === '|') {
        tokens.push({ type: 'op', op: '||' });
        i += 2;
      } else {
        tokens.push({ type: 'op', op: '|' });
        i += 1;
      }
      continue;
    }
    if (c === '(' || c === ')') throw new ShellSyntaxError(`unexpected "${c}" (subshells not supported)`);

    // A redirection, possibly with an IO number in front (`2>`, `1>&2`).
    const io = /^(\d*)(>>|>&|<&|>|<)/.exec(src.slice(i, i + 12));
    if (io && (io[1] !== '' || c === '<' || c === '>')) {
      const op = io[2] as '>>' | '>&' | '<&' | '>' | '<';
      const fd = io[1] === '' ? (op.startsWith('<') ? 0 : 1) : Number(io[1]);
      i += io[0].length;
      if (op === '>&' || op === '<&') {
        while (src[i] === ' ' || src[i] === '\t') i++;
        const m = /^\d+/.exec(src.slice(i));
        if (!m) throw new ShellSyntaxError(`${op} must be followed by a file descriptor number`);
        i += m[0].length;
        if (i < n && !META.has(src[i])) throw new ShellSyntaxError(`bad file descriptor after ${op}`);
        tokens.push({ type: 'dup', fd, op, to: Number(m[0]) });
      } else {
        if (src[i] === '|' || src[i] === '>' || src[i] === '<') {
          throw new ShellSyntaxError(`unexpected "${src[i]}" after ${op}`);
        }
        tokens.push({ type: 'redir', fd, op });
      }
      continue;
    }

    // A word.
    const parts: Part[] = [];
    let lit = '';
    const push = (s: string): void => {
      lit += s;
    };
    const flush = (): void => {
      if (lit !== '') parts.push({ kind: 'lit', text: lit });
      lit = '';
    };
    let quotedEmpty = false;
    while (i < n && !META.has(src[i]) && src[i] !== '\r') {
      const ch = src[i];
      if (ch === "'") {
        const end = src.indexOf("'", i + 1);
        if (end < 0) throw new ShellSyntaxError('unterminated quoted string');
        push(src.slice(i + 1, end));
        quotedEmpty = true;
        i = end + 1;
      } else if (ch === '"') {
        i++;
        quotedEmpty = true;
        for (;;) {
          if (i >= n) throw new ShellSyntaxError('unterminated quoted string');
          const d = src[i];
          if (d === '"') {
            i++;
            break;
          }
          if (d === '\\') {
            const e = src[i + 1];
            if (e === '"' || e === '\\' || e === '$' || e === '`') {
              push(e);
              i += 2;
            } else if (e === '\n') {
              i += 2;
            } else {
              push('\\');
              i += 1;
            }
          } else if (d === '`') {
            throw new ShellSyntaxError('command substitution not supported');
          } else if (d === '$') {
            flush();
            readDollar(parts, push);
          } else {
            push(d);
            i++;
          }
        }
      } else if (ch === '\\') {
        const e = src[i + 1];
        if (e === undefined) {
          push('\\');
          i += 1;
        } else if (e === '\n') {
          i += 2;
        } else {
          push(e);
          i += 2;
        }
      } else if (ch === '`') {
        throw new ShellSyntaxError('command substitution not supported');
      } else if (ch === '$') {
        flush();
        readDollar(parts, push);
      } else {
        push(ch);
        i++;
      }
    }
    flush();
    if (parts.length === 0 && quotedEmpty) parts.push({ kind: 'lit', text: '' });
    if (parts.length > 0) tokens.push({ type: 'word', word: { parts } });
    else if (i < n && src[i] === '\r') i++;
  }
  tokens.push({ type: 'eof' });
  return tokens;
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'end of input';
    case 'op':
      return t.op === '\n' ? 'newline' : `"${t.op}"`;
    case 'redir':
      return `"${t.op}"`;
    case 'dup':
      return `"${t.op}"`;
    case 'word':
      return 'word';
  }
}

function parse(src: string): Script {
  const tokens = lex(src);
  let p = 0;
  const peek = (): Token => tokens[p];
  const isOp = (op: string): boolean => {
    const t = peek();
    return t.type === 'op' && t.op === op;
  };
  const skipNewlines = (): void => {
    while (isOp('\n')) p++;
  };

  const parseCommand = (): SimpleCommand => {
    const cmd: SimpleCommand = { words: [], redirs: [] };
    for (;;) {
      const t = peek();
      if (t.type === 'word') {
        cmd.words.push(t.word);
        p++;
      } else if (t.type === 'redir') {
        p++;
        const target = peek();
        if (target.type !== 'word') throw new ShellSyntaxError(`unexpected ${describe(target)} after ${t.op}`);
        p++;
        if (t.op === '<' && t.fd !== 0) throw new ShellSyntaxError(`unsupported redirection ${t.fd}<`);
        if (t.op !== '<' && t.fd !== 1 && t.fd !== 2) {
          throw new ShellSyntaxError(`unsupported file descriptor ${t.fd}`);
        }
        cmd.redirs.push({ kind: 'file', fd: t.fd as 0 | 1 | 2, op: t.op, target: target.word });
      } else if (t.type === 'dup') {
        p++;
        if (t.op === '<&' || (t.fd !== 1 && t.fd !== 2) || (t.to !== 1 && t.to !== 2)) {
          throw new ShellSyntaxError(`unsupported redirection ${t.fd}${t.op}${t.to}`);
        }
        cmd.redirs.push({ kind: 'dup', fd: t.fd, to: t.to });
      } else {
        break;
      }
    }
    if (cmd.words.length === 0 && cmd.redirs.length === 0) {
      throw new ShellSyntaxError(`unexpected ${describe(peek())}`);
    }
    return cmd;
  };

  const parsePipeline = (): Pipeline => {
    const cmds = [parseCommand()];
    while (isOp('|')) {
      p++;
      skipNewlines();
      cmds.push(parseCommand());
    }
    return cmds;
  };

  const parseAndOr = (): AndOr => {
    const node: AndOr = { first: parsePipeline(), rest: [] };
    for (;;) {
      const t = peek();
      if (t.type === 'op' && (t.op === '&&' || t.op === '||')) {
        p++;
        skipNewlines();
        node.rest.push({ op: t.op, pipeline: parsePipeline() });
      } else {
        return node;
      }
    }
  };

  const script: Script = [];
  for (;;) {
    skipNewlines();
    if (peek().type === 'eof') break;
    script.push(parseAndOr());
    const t = peek();
    if (t.type === 'eof') break;
    if (t.type === 'op' && (t.op === ';' || t.op === '\n')) {
      p++;
      continue;
    }
    throw new ShellSyntaxError(`unexpected ${describe(t)}`);
  }
  return script;
}

/* ---------------------------------------------------------------- execution */

interface Sink {
  write(data: string | Buffer): void;
}

/** Where a command's standard input comes from. `read` is called at most once per command. */
interface Source {
  read(): Promise<Buffer>;
}

const EMPTY = Buffer.alloc(0);
const nullSink: Sink = { write() {} };
const emptySource: Source = { read: async () => EMPTY };
const bufferSource = (b: Buffer): Source => ({ read: async () => b });

/** The line's own stdin: the first command that reads it gets it all, later ones get EOF. */
function onceSource(read: () => Promise<Buffer>): Source {
  let used = false;
  return {
    read: async () => {
      if (used) return EMPTY;
      used = true;
      return read();
    },
  };
}

type Fds = [Source, Sink, Sink];

class ExitRequest {
  constructor(readonly status: number) {}
}

/** Shared between a line and the `sh -c` lines it runs: who gets signals, did one kill us. */
interface SignalRouting {
  deliver: ((name: string) => void) | null;
  terminated: number | null;
}

interface Ctx {
  device: VirtualDevice;
  state: ShellState;
  abort: AbortSignal;
  sig: SignalRouting;
}

const toStatus = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) & 0xff : 1);

function expand(word: Word, ctx: Ctx): string {
  return word.parts.map((p) => (p.kind === 'lit' ? p.text : String(ctx.state.lastStatus))).join('');
}

async function runScript(script: Script, ctx: Ctx, fds: Fds): Promise<number> {
  let status = 0;
  for (const item of script) {
    if (ctx.abort.aborted) return 128 + SIGNAL_NUMBERS.HUP;
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

function fileSink(device: VirtualDevice, path: string): Sink {
  return { write: (d) => device.writeFile(path, Buffer.from(d), true) };
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
      return runCommand(ctx, fds, async (io) => builtinEcho(argv, io));
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'test':
    case '[':
      return runCommand(ctx, fds, async (io) => builtinTest(argv, io, ctx.device));
    case 'cat':
    case 'rm':
    case 'sleep':
      return runCommand(ctx, fds, (io) => deviceThenBuiltin(argv, ctx.device, io, BUILTIN_FALLBACKS[name]));
    default:
      return runCommand(ctx, fds, (io) => ctx.device.run(argv, io));
  }
}

/**
 * Run one command with its own ProcessIO: per-command abort signal (the line's abort,
 * or a killing signal), signal listeners active only while it runs, writes dropped
 * once it has ended, stdin read at most once.
 */
async function runCommand(ctx: Ctx, fds: Fds, fn: (io: ProcessIO) => Promise<number>): Promise<number> {
  if (ctx.abort.aborted) return 128 + SIGNAL_NUMBERS.HUP;
  const ctl = new AbortController();
  let ended = false;
  let stdin: Promise<Buffer> | undefined;
  const listeners: ((name: string) => void)[] = [];
  let settle!: (status: number) => void;
  const forced = new Promise<number>((resolve) => (settle = resolve));

  const kill = (status: number, endsLine: boolean): void => {
    if (ended) return;
    if (endsLine) ctx.sig.terminated = status;
    settle(status);
    ctl.abort(new Error(status === 128 + SIGNAL_NUMBERS.HUP ? 'hangup' : `killed by signal ${status - 128}`));
  };
  const onLineAbort = (): void => kill(128 + SIGNAL_NUMBERS.HUP, false);
  ctx.abort.addEventListener('abort', onLineAbort, { once: true });
  ctx.sig.deliver = (sig: string) => {
    if (ended) return;
    const num = SIGNAL_NUMBERS[sig];
    if (sig === 'KILL' || (listeners.length === 0 && num !== undefined)) {
      kill(128 + num, true);
      return;
    }
    for (const l of listeners) {
      try {
        l(sig);
      } catch {
        /* a listener's failure is the command's problem, not the shell's */
      }
    }
  };
  const guard = (sink: Sink): Sink => ({
    write: (d) => {
      if (!ended && !ctl.signal.aborted) sink.write(d);
    },
  });
  const io: ProcessIO = {
    stdout: guard(fds[1]),
    stderr: guard(fds[2]),
    readStdin: () => (stdin ??= fds[0].read()),
    onSignal: (l) => listeners.push(l),
    abort: ctl.signal,
  };
  const errSink = io.stderr;
  try {
    const run = (async () => fn(io))().then(toStatus, (err: unknown) => {
      errSink.write(`sh: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    });
    return await Promise.race([run, forced]);
  } finally {
    ended = true;
    ctx.abort.removeEventListener('abort', onLineAbort);
    if (ctx.sig.deliver !== null) ctx.sig.deliver = null;
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

function builtinEcho(argv: string[], io: ProcessIO): number {
  let k = 1;
  let newline = true;
  while (argv[k] === '-n') {
    newline = false;
    k++;
  }
  io.stdout.write(argv.slice(k).join(' ') + (newline ? '\n' : ''));
  return 0;
}

function builtinTest(argv: string[], io: ProcessIO, device: VirtualDevice): number {
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

type Fallback = (argv: string[], device: VirtualDevice, io: ProcessIO) => Promise<number>;

/**
 * Ask the device first; if it answers "not found" (127 and exactly `sh: NAME: not
 * found` on stderr), run the builtin instead. Stderr is held back only while it can
 * still turn out to be that message.
 */
async function deviceThenBuiltin(argv: string[], device: VirtualDevice, io: ProcessIO, builtin: Fallback): Promise<number> {
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

const BUILTIN_FALLBACKS: Record<'cat' | 'rm' | 'sleep', Fallback> = {
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

  /**
   * The VirtualDevice contract has no delete. The builtin uses an optional
   * `removeFile(path)` / `deleteFile(path)` method when the device has one.
   */
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
    const ext = device as VirtualDevice & {
      removeFile?: (path: string) => unknown;
      deleteFile?: (path: string) => unknown;
    };
    const remove = ext.removeFile ?? ext.deleteFile;
    let status = 0;
    for (const f of files) {
      if (device.readFile(f) === undefined) {
        if (!force) {
          io.stderr.write(`rm: can't remove '${f}': No such file or directory\n`);
          status = 1;
        }
      } else if (typeof remove === 'function') {
        remove.call(device, f);
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
    return io.abort.aborted ? 128 + SIGNAL_NUMBERS.HUP : 0;
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

/* ----------------------------------------------------------------- entry */

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
