/**
 * One command of the virtual board shell as a process: a pid (from the board's process
 * table when it has one), its own ProcessIO with an abort signal, signal listeners
 * active only while it runs, writes dropped once it has ended, stdin read at most once.
 *
 * Signals (signal(7)): a command that registered no listener takes the default
 * action: it is aborted at once and its status is 128 + the signal number (CHLD,
 * CONT and the stop signals are ignored, there being no job control). `KILL` always
 * works that way, listener or not. Signals reach processes by group (ProcGroup): the
 * session's (what the SSH client's `signal` request reaches: OpenSSH's sshd signals
 * the session's process group), a job's (`kill %1`), a pipeline stage's (SIGPIPE).
 * A foreground command killed by a signal from the session also ends the command
 * line, as `sh` itself, in the same process group, dies of it. When the line's abort
 * fires the command stops at once (status 129, a hangup), without waiting for a
 * command that ignores its abort signal.
 */
import type { ProcessIO, VirtualDevice } from '../types.ts';
import { HANGUP_STATUS, SIGNAL_NUMBERS } from './signals.ts';
import type { Fds, Sink } from './streams.ts';

/** A running process, as the groups it belongs to see it. */
export interface Proc {
  readonly pid: number;
  /** Deliver a signal; `fromSession` when the SSH client sent it to the whole session. */
  raise(signal: string, fromSession?: boolean): void;
}

/** Processes a signal reaches together. */
export class ProcGroup {
  readonly procs = new Set<Proc>();
  deliver(signal: string, fromSession = false): void {
    for (const p of [...this.procs]) p.raise(signal, fromSession);
  }
}

/** What a running command needs of its shell. */
export interface ProcessContext {
  device: VirtualDevice;
  abort: AbortSignal;
  /** Every group the command belongs to. */
  groups: ProcGroup[];
  /** Set when a signal from the session killed a foreground command: the line ends with that status. */
  session: { terminated: number | null };
  /** A background job's command (its death does not end the line). */
  background: boolean;
  /** A pid already announced as `$!`, for the job's one command. */
  reservedPid?: { pid: number | null };
  /** Pids when the device has no process table. */
  pids: { next: number };
}

/** Signals whose default action is to ignore them (no job control here). */
const IGNORED_BY_DEFAULT = new Set(['CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU']);

/** A command's result as an exit status (0..255); anything that is not a number is 1. */
export const toStatus = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) & 0xff : 1);

/** A new pid: the reserved one, the board's next, or the shell's own counter. */
export function newPid(ctx: ProcessContext): number {
  const reserved = ctx.reservedPid?.pid;
  if (reserved != null && ctx.reservedPid) {
    ctx.reservedPid.pid = null;
    return reserved;
  }
  return ctx.device.allocatePid?.() ?? ctx.pids.next++;
}

/** Run one command as a process; a command that throws reports `sh: MESSAGE` on stderr and ends with status 1. */
export async function runProcess(ctx: ProcessContext, fds: Fds, fn: (io: ProcessIO) => Promise<number>): Promise<number> {
  if (ctx.abort.aborted) return HANGUP_STATUS;
  const ctl = new AbortController();
  let ended = false;
  let stdinTaken = false;
  const listeners: ((name: string) => void)[] = [];
  let settle!: (status: number) => void;
  const forced = new Promise<number>((resolve) => (settle = resolve));
  const pid = newPid(ctx);

  const kill = (status: number, endsLine: boolean): void => {
    if (ended) return;
    if (endsLine) ctx.session.terminated = status;
    settle(status);
    ctl.abort(new Error(status === HANGUP_STATUS ? 'hangup' : `killed by signal ${status - 128}`));
  };
  const onLineAbort = (): void => kill(HANGUP_STATUS, false);
  ctx.abort.addEventListener('abort', onLineAbort, { once: true });
  const proc: Proc = {
    pid,
    raise(sig, fromSession = false) {
      if (ended) return;
      const num = SIGNAL_NUMBERS[sig];
      if (sig === 'KILL' || (listeners.length === 0 && num !== undefined && !IGNORED_BY_DEFAULT.has(sig))) {
        kill(128 + num, fromSession && !ctx.background);
        return;
      }
      for (const l of listeners) {
        try {
          l(sig);
        } catch {
          /* a listener's failure is the command's problem, not the shell's */
        }
      }
    },
  };
  for (const g of ctx.groups) g.procs.add(proc);
  const guard = (sink: Sink): Sink => ({
    write: (d) => {
      if (!ended && !ctl.signal.aborted) sink.write(d);
    },
  });
  const takeStdin = () => {
    if (stdinTaken) return null;
    stdinTaken = true;
    return fds[0];
  };
  const io: ProcessIO = {
    stdout: guard(fds[1]),
    stderr: guard(fds[2]),
    readStdin: async () => (await takeStdin()?.read()) ?? Buffer.alloc(0),
    stdinChunks: () => takeStdin()?.chunks() ?? (async function* () {})(),
    onSignal: (l) => listeners.push(l),
    abort: ctl.signal,
    pid,
    raise: (sig) => proc.raise(sig),
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
    for (const g of ctx.groups) g.procs.delete(proc);
  }
}
