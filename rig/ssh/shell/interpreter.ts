/**
 * The virtual board shell's interpreter: runs a parsed command line on a virtual
 * device the way POSIX sh does (XCU 2.9), with busybox 1.4.2 ash's messages.
 *
 * - Lists: `;` / newline in turn, `&&` / `||` by status, `!` negates, `$?` is the last
 *   status. `list &` starts a background job (jobs.ts): `$!` is its pid, its stdin is
 *   /dev/null (2.9.3.1, no job control), it runs in a subshell.
 * - Pipelines run their commands at the same time, each in a subshell (`exit` ends
 *   only it), connected by pipes (streams.ts); the status is the last command's. A
 *   command writing into a pipe whose reader has ended gets SIGPIPE.
 * - `if`, `for` (without `in`: the positional parameters), `while`, `until`, `break`,
 *   `continue`, `{ ...; }`, `( ... )` (a subshell: its variables do not come back).
 * - Simple commands: assignments alone set variables; before a command they are its
 *   environment only. Words are expanded (expand.ts).
 * - Redirections `<`, `>`, `>|`, `>>`, `<>`, `N>&M`, `N>&-`, for fds 0-2; /dev/null
 *   discards or is empty. A file that cannot be opened: `sh: cannot open F: No such
 *   file`, status 2 (ash's redirectsafe()), and the command does not run.
 * - Dispatch: the builtins acting on the shell (`exit`, `sh`, `break`, `continue`,
 *   `wait`, `jobs`, `kill`, `export`, `unset`), then `echo`, `:`, `true`, `false`,
 *   `test` / `[`; the applets (applets/index.ts) ask the device first; everything else
 *   is `device.run(argv, io)`, as a process (process.ts): signals, abort, 128 + n.
 * - The SSH client's signals reach every process of the session; a foreground
 *   command they kill ends the line. When the line's abort fires the line stops at once.
 */
import { ShellSyntaxError, type Command, type Redir, type Stmt } from './ast.ts';
import { echo, exportBuiltin, unsetBuiltin } from './builtins.ts';
import { ExpansionError, expandFields, expandString } from './expand.ts';
import { jobsBuiltin, killBuiltin, waitBuiltin, type Job, type JobShell } from './jobs.ts';
import { ProcGroup, newPid, runProcess, type ProcessContext } from './process.ts';
import { HANGUP_STATUS } from './signals.ts';
import { Shell, type ShellOptions } from './state.ts';
import { EMPTY, bufferSource, emptySource, fileSink, nullSink, onceSource, Pipe, type Fds, type Sink, type Source } from './streams.ts';
import { pay } from '../board-costs.ts';
import { registerJobPid, signalJobPid } from './pid-table.ts';
import { parse } from './syntax.ts';
import { testBuiltin } from './test-builtin.ts';
import { APPLETS, runDeviceOrApplet } from './applets/index.ts';
import type { ProcessIO, VirtualDevice } from '../types.ts';

export interface ShellState {
  /** `$?`: the status of the last pipeline. */
  lastStatus: number;
  /** Set when the `exit` builtin ended the line (an interactive shell then ends the session). */
  exited?: boolean;
}

/** The shell behind each state (kept out of the state so it stays plain data). */
const shells = new WeakMap<ShellState, Shell>();

/** Thrown by `exit`: unwinds to the shell (or the subshell) it ends. */
class ExitRequest {
  constructor(readonly status: number) {}
}

/** Thrown by `break` / `continue`. */
class LoopControl {
  constructor(
    readonly kind: 'break' | 'continue',
    public levels: number,
  ) {}
}

interface Ctx extends ProcessContext {
  sh: Shell;
  /** Jobs of the whole session (children's too): an exec session waits for the attached ones. */
  allJobs: Set<Job>;
  /** Loops we are in (break / continue outside one do nothing). */
  loops: number;
}

/** The shell for a state, made on first use. */
function shellFor(state: ShellState, device: VirtualDevice, opts: ShellOptions): Shell {
  let sh = shells.get(state);
  if (!sh || sh.device !== device) {
    sh = new Shell(device, opts);
    shells.set(state, sh);
  }
  sh.lastStatus = state.lastStatus;
  return sh;
}

const allJobsOf = new WeakMap<Shell, Set<Job>>();

/**
 * Run one command line on a virtual device. Resolves with the line's exit status
 * (never rejects for anything the line does; a device command that throws is reported
 * on stderr with status 1). `state` carries the shell across lines (an interactive
 * session: variables, `$?`, jobs); `state.exited` is set when `exit` ran.
 */
export async function runCommandLine(
  line: string,
  device: VirtualDevice,
  io: ProcessIO,
  state: ShellState = { lastStatus: 0 },
  opts: ShellOptions = {},
): Promise<number> {
  const sh = shellFor(state, device, opts);
  let allJobs = allJobsOf.get(sh);
  if (!allJobs) allJobsOf.set(sh, (allJobs = new Set()));
  io.onSignal((name) => sh.session.deliver(name.replace(/^SIG/, '').toUpperCase(), true));
  const ctx: Ctx = {
    device,
    sh,
    abort: io.abort,
    groups: [sh.session],
    session: { terminated: null },
    background: false,
    pids: sh.pids,
    allJobs,
    loops: 0,
  };
  const channel = (w: ProcessIO['stdout']): Sink => ({ write: (d) => w.write(d), channel: true });
  const fds: Fds = [onceSource(inputOf(io)), channel(io.stdout), channel(io.stderr)];
  const status = await execSource(line, ctx, fds);
  state.lastStatus = status;
  if (ctx.sh.exited) state.exited = true;
  return status;
}

/** Resolves once every background job of the session writing to its channel has ended (an exec session then ends, as sshd waits for the output to close). */
export async function attachedJobsDone(state: ShellState, abort: AbortSignal): Promise<void> {
  const sh = shells.get(state);
  const jobs = sh ? [...(allJobsOf.get(sh) ?? [])].filter((j) => j.attached && j.status === null) : [];
  if (jobs.length === 0 || abort.aborted) return;
  await Promise.race([Promise.all(jobs.map((j) => j.done)), new Promise((r) => abort.addEventListener('abort', r, { once: true }))]);
}

/** The session ends: its attached jobs get a hangup. */
export function hangUpJobs(state: ShellState): void {
  const sh = shells.get(state);
  for (const j of sh ? (allJobsOf.get(sh) ?? []) : []) if (j.attached && j.status === null) j.controller.abort(new Error('hangup'));
}

/** The line's stdin as a Source: as it arrives when the channel offers that. */
function inputOf(io: ProcessIO): Source {
  const chunks = io.stdinChunks;
  if (!chunks) {
    return {
      read: () => io.readStdin(),
      async *chunks() {
        const all = await io.readStdin();
        if (all.length > 0) yield all;
      },
    };
  }
  return {
    read: async () => {
      const all: Buffer[] = [];
      for await (const c of chunks.call(io)) all.push(c);
      return Buffer.concat(all);
    },
    chunks: () => chunks.call(io),
  };
}

async function execSource(source: string, ctx: Ctx, fds: Fds): Promise<number> {
  let script: Stmt[];
  try {
    script = parse(source);
  } catch (e) {
    if (e instanceof ShellSyntaxError) {
      fds[2].write(`${ctx.sh.prefix()}Syntax error: ${e.message}\n`);
      ctx.sh.lastStatus = 2;
      return 2;
    }
    throw e;
  }
  try {
    return await runList(script, ctx, fds);
  } catch (e) {
    if (e instanceof ExitRequest) {
      ctx.sh.lastStatus = e.status;
      ctx.sh.exited = true;
      return e.status;
    }
    if (e instanceof LoopControl) return ctx.sh.lastStatus;
    if (e instanceof ExpansionError) return expansionFailed(e, ctx, fds);
    throw e;
  }
}

/** `${NAME?message}` on an unset NAME (in a redirection, a for list): the message, and the shell ends with 2. */
function expansionFailed(e: ExpansionError, ctx: Ctx, fds: Fds): number {
  fds[2].write(`${ctx.sh.prefix()}${e.message}\n`);
  ctx.sh.lastStatus = 2;
  return 2;
}

async function runList(list: Stmt[], ctx: Ctx, fds: Fds): Promise<number> {
  let status = 0;
  for (const stmt of list) {
    if (ctx.abort.aborted) return HANGUP_STATUS;
    status = await runStmt(stmt, ctx, fds);
    if (ctx.session.terminated !== null) {
      ctx.sh.lastStatus = ctx.session.terminated;
      return ctx.session.terminated;
    }
  }
  return status;
}

async function runStmt(stmt: Stmt, ctx: Ctx, fds: Fds): Promise<number> {
  if (stmt.background) {
    startJob(stmt, ctx, fds);
    ctx.sh.lastStatus = 0;
    return 0;
  }
  const redirected = redirect(stmt.redirs, ctx, fds);
  let status = typeof redirected === 'number' ? redirected : await runCommand(stmt.cmd, ctx, redirected, stmt);
  if (stmt.negated) status = status === 0 ? 1 : 0;
  ctx.sh.lastStatus = status;
  return status;
}

/** Apply redirections (left to right); a number is the status of a failed one (its message written). */
function redirect(redirs: Redir[], ctx: Ctx, inherited: Fds): Fds | number {
  const fds: Fds = [inherited[0], inherited[1], inherited[2]];
  const { device, sh } = ctx;
  for (const r of redirs) {
    let target: string;
    try {
      target = expandString(r.target, sh);
    } catch (e) {
      if (!(e instanceof ExpansionError)) throw e;
      fds[2].write(`${sh.prefix()}${e.message}\n`);
      return 2;
    }
    if (r.op === '>&' || r.op === '<&') {
      if (target === '-') {
        if (r.fd === 0) fds[0] = emptySource;
        else fds[r.fd as 1 | 2] = nullSink;
      } else if (/^[0-2]$/.test(target)) {
        const to = Number(target);
        if (r.fd === 0) {
          if (to === 0) continue;
          fds[2].write(`${sh.prefix()}${target}: Bad file descriptor\n`);
          return 2;
        }
        if (to === 0) fds[r.fd as 1 | 2] = nullSink;
        else fds[r.fd as 1 | 2] = fds[to as 1 | 2];
      } else {
        fds[2].write(`${sh.prefix()}Syntax error: Bad fd number\n`);
        return 2;
      }
      continue;
    }
    if (target === '') {
      fds[2].write(`${sh.prefix()}cannot open : No such file\n`);
      return 2;
    }
    if (r.op === '<' || r.op === '<>') {
      if (target === '/dev/null') {
        fds[0] = emptySource;
        continue;
      }
      let data = device.readFile(target);
      if (data === undefined && r.op === '<>') {
        device.writeFile(target, EMPTY);
        data = EMPTY;
      }
      if (data === undefined) {
        fds[2].write(`${sh.prefix()}cannot open ${target}: No such file\n`);
        return 2;
      }
      if (r.fd === 0) fds[0] = bufferSource(data);
      continue;
    }
    if (target === '/dev/null') {
      if (r.fd > 0) fds[r.fd as 1 | 2] = nullSink;
      continue;
    }
    // `>` truncates now; `>>` creates the file if needed. Each later write appends.
    device.writeFile(target, EMPTY, r.op === '>>');
    if (r.fd > 0) fds[r.fd as 1 | 2] = fileSink(device, target);
  }
  return fds;
}

async function runCommand(cmd: Command, ctx: Ctx, fds: Fds, stmt: Stmt): Promise<number> {
  switch (cmd.kind) {
    case 'simple':
      return runSimple(cmd, ctx, fds, stmt);
    case 'if': {
      for (const b of cmd.branches) {
        const c = await runList(b.cond, ctx, fds);
        if (stopped(ctx)) return c;
        if (c === 0) return runList(b.body, ctx, fds);
      }
      return cmd.otherwise ? runList(cmd.otherwise, ctx, fds) : 0;
    }
    case 'for': {
      let items: string[];
      try {
        items = cmd.items ? cmd.items.flatMap((w) => expandFields(w, ctx.sh)) : [...ctx.sh.positional];
      } catch (e) {
        if (!(e instanceof ExpansionError)) throw e;
        expansionFailed(e, ctx, fds);
        if (!ctx.sh.interactive) throw new ExitRequest(2);
        return 2;
      }
      let status = 0;
      for (const v of items) {
        ctx.sh.set(cmd.name, v);
        const r = await loopBody(cmd.body, ctx, fds);
        if (r === 'break') break;
        if (typeof r === 'number') status = r;
        if (stopped(ctx)) return status;
      }
      return status;
    }
    case 'while': {
      let status = 0;
      for (;;) {
        await new Promise((r) => setImmediate(r)); // let I/O and timers run: `while true; do :; done` must stay abortable
        if (ctx.abort.aborted) return HANGUP_STATUS;
        const c = await runList(cmd.cond, ctx, fds);
        if (stopped(ctx)) return c;
        if (cmd.until ? c === 0 : c !== 0) return status;
        const r = await loopBody(cmd.body, ctx, fds);
        if (r === 'break') return status;
        if (typeof r === 'number') status = r;
        if (stopped(ctx)) return status;
      }
    }
    case 'group':
      return runList(cmd.body, ctx, fds);
    case 'subshell':
      return inSubshell(ctx, (sub) => runList(cmd.body, sub, fds));
    case 'and':
    case 'or': {
      const l = await runStmt(cmd.left, ctx, fds);
      if (stopped(ctx)) return l;
      if ((cmd.kind === 'and') === (l === 0)) return runStmt(cmd.right, ctx, fds);
      return l;
    }
    case 'pipe':
      return runPipeline(cmd.stages, ctx, fds);
  }
}

function stopped(ctx: Ctx): boolean {
  return ctx.abort.aborted || ctx.session.terminated !== null;
}

/** A loop body; 'break' / 'continue' for this loop, else its status. */
async function loopBody(body: Stmt[], ctx: Ctx, fds: Fds): Promise<number | 'break' | 'continue'> {
  ctx.loops++;
  try {
    return await runList(body, ctx, fds);
  } catch (e) {
    if (!(e instanceof LoopControl)) throw e;
    if (e.levels > 1) {
      e.levels--;
      throw e;
    }
    return e.kind;
  } finally {
    ctx.loops--;
  }
}

/** Run in a subshell: a copy of the variables; `exit` ends only it. */
async function inSubshell(ctx: Ctx, fn: (sub: Ctx) => Promise<number>): Promise<number> {
  const sub: Ctx = { ...ctx, sh: new Shell(ctx.device, { parent: ctx.sh, subshell: true }), loops: 0 };
  try {
    return await fn(sub);
  } catch (e) {
    if (e instanceof ExitRequest) return e.status;
    if (e instanceof LoopControl) return sub.sh.lastStatus;
    throw e;
  }
}

async function runPipeline(stages: Stmt[], ctx: Ctx, fds: Fds): Promise<number> {
  const pipes = stages.slice(1).map(() => new Pipe());
  const runs = stages.map((stage, k) => {
    const group = new ProcGroup();
    if (k < pipes.length) pipes[k].onBroken = () => group.deliver('PIPE');
    const stageFds: Fds = [k === 0 ? fds[0] : pipes[k - 1].source, k === stages.length - 1 ? fds[1] : pipes[k].sink, fds[2]];
    return inSubshell({ ...ctx, groups: [...ctx.groups, group] }, (sub) => runStmt(stage, sub, stageFds)).finally(() => {
      if (k < pipes.length) pipes[k].closeWriter();
      if (k > 0) pipes[k - 1].closeReader();
    });
  });
  const statuses = await Promise.all(runs);
  return statuses[statuses.length - 1];
}

/** `stmt &`: a job in a subshell, stdin from /dev/null, its own process group. */
function startJob(stmt: Stmt, ctx: Ctx, fds: Fds): void {
  const { sh } = ctx;
  const redirected = redirect(stmt.redirs, ctx, [emptySource, fds[1], fds[2]]);
  if (typeof redirected === 'number') return;
  const attached = redirected[1].channel === true || redirected[2].channel === true;
  const controller = new AbortController();
  // An attached job hangs up with the session; a detached one (output redirected away) outlives it.
  if (attached) {
    if (ctx.abort.aborted) controller.abort();
    else ctx.abort.addEventListener('abort', () => controller.abort(new Error('hangup')), { once: true });
  }
  const pid = newPid(ctx);
  // ash records a job's command text only with job control, i.e. in an interactive shell (forkparent()).
  const job = sh.jobs.add(pid, sh.interactive ? stmt.text : '', attached, controller);
  ctx.allJobs.add(job);
  sh.lastBgPid = pid;
  const jobCtx: Ctx = {
    ...ctx,
    abort: controller.signal,
    groups: [...ctx.groups, job.group],
    session: { terminated: null },
    background: true,
    reservedPid: { pid: stmt.cmd.kind === 'simple' ? pid : null },
    loops: 0,
  };
  const unregister = registerJobPid(ctx.device, pid, (sig) => job.group.deliver(sig));
  void inSubshell(jobCtx, async (sub) => {
    const status = await runCommand(stmt.cmd, sub, redirected, stmt);
    return stmt.negated ? (status === 0 ? 1 : 0) : status;
  })
    .then(
      (status) => job.end(status),
      () => job.end(1),
    )
    .finally(() => {
      unregister();
      ctx.allJobs.delete(job);
    });
}

async function runSimple(cmd: Extract<Command, { kind: 'simple' }>, ctx: Ctx, fds: Fds, stmt: Stmt): Promise<number> {
  const { sh } = ctx;
  let argv: string[];
  const env: Record<string, string> = {};
  try {
    argv = cmd.words.flatMap((w) => expandFields(w, sh));
    for (const a of cmd.assigns) env[a.name] = a.value ? expandString(a.value, sh) : '';
  } catch (e) {
    if (!(e instanceof ExpansionError)) throw e;
    fds[2].write(`${sh.prefix()}${e.message}\n`);
    if (!sh.interactive) throw new ExitRequest(2);
    return 2;
  }
  if (argv.length === 0) {
    for (const [k, v] of Object.entries(env)) sh.set(k, v);
    return 0;
  }
  const name = argv[0];
  const err = (msg: string, status: number): number => {
    fds[2].write(`${sh.prefix(name, stmt.line)}${msg}\n`);
    return status;
  };
  const out = (s: string): void => fds[1].write(s);
  const jobShell = (abort: AbortSignal): JobShell => ({
    jobs: sh.jobs,
    abort,
    signalPid: (pid, sig) => signalJobPid(ctx.device, pid, sig) || (ctx.device.signalProcess?.(pid, sig) ?? false),
    out,
    error: err,
  });
  switch (name) {
    case 'exit': {
      const arg = argv[1];
      if (arg === undefined) throw new ExitRequest(sh.lastStatus);
      if (!/^\d+$/.test(arg)) {
        err(`Illegal number: ${arg}`, 2);
        throw new ExitRequest(2);
      }
      throw new ExitRequest(Number(arg) & 0xff);
    }
    case 'break':
    case 'continue': {
      const n = argv[1] === undefined ? 1 : Number(argv[1]);
      if (!Number.isInteger(n) || n < 1) return err(`Illegal number: ${argv[1]}`, 2);
      if (ctx.loops === 0) return 0;
      throw new LoopControl(name, Math.min(n, ctx.loops));
    }
    case 'sh':
      // A child shell is a process (fork and exec of busybox) on a real board.
      await pay(sh.costs?.start(argv));
      return builtinSh(argv, ctx, fds, env);
    case 'wait':
      return runProcess(ctx, fds, (io) => waitBuiltin(argv.slice(1), jobShell(io.abort)));
    case 'jobs':
      return jobsBuiltin(jobShell(ctx.abort));
    case 'kill':
      return killBuiltin(argv.slice(1), jobShell(ctx.abort));
    case 'export':
      return exportBuiltin(argv.slice(1), sh, out, (m) => err(m, 2));
    case 'unset':
      return unsetBuiltin(argv.slice(1), sh);
    case 'echo':
      return echo(argv, out);
    case ':':
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'test':
    case '[':
    case '[[':
      return testBuiltin(argv, ctx.device, (m) => fds[2].write(m));
  }
  await pay(sh.costs?.start(argv));
  if (name in APPLETS || sh.arg0 !== 'sh') return runProcess(ctx, fds, (io) => runDeviceOrApplet(argv, ctx.device, io, sh.prefix()));
  return runProcess(ctx, fds, (io) => ctx.device.run(argv, io));
}

/** `sh -c LINE [NAME [ARG...]]`, `sh FILE [ARG...]`, `sh` / `sh -s` (script on stdin): a child shell. */
async function builtinSh(argv: string[], ctx: Ctx, fds: Fds, env: Record<string, string>): Promise<number> {
  let source: string;
  let args: string[] = [];
  let arg0 = 'sh';
  const opt = argv[1];
  let childFds = fds;
  if (opt === '-c') {
    if (argv[2] === undefined) {
      fds[2].write('sh: -c requires an argument\n');
      return 2;
    }
    source = argv[2];
    if (argv[3] !== undefined) arg0 = argv[3];
    args = argv.slice(4);
  } else if (opt === undefined || opt === '-s') {
    source = (await fds[0].read()).toString('utf8');
    // stdin was consumed as the script.
    childFds = [emptySource, fds[1], fds[2]];
    args = argv.slice(2);
  } else if (opt.startsWith('-')) {
    fds[2].write(`sh: Illegal option ${opt.slice(0, 2)}\n`);
    return 2;
  } else {
    const data = ctx.device.readFile(opt);
    if (data === undefined) {
      fds[2].write(`sh: cannot open ${opt}: No such file\n`);
      return 2;
    }
    source = data.toString('utf8');
    arg0 = opt;
    args = argv.slice(2);
  }
  // A child shell: the exported variables and the command's own environment; its own `$?`, jobs and `exit`.
  const child = new Shell(ctx.device, { parent: ctx.sh });
  for (const [k, v] of Object.entries(env)) child.vars.set(k, { value: v, exported: true });
  child.arg0 = arg0;
  child.positional = args;
  allJobsOf.set(child, ctx.allJobs);
  return execSource(source, { ...ctx, sh: child, loops: 0 }, childFds);
}
