/**
 * One command of the virtual board shell as a process: its own ProcessIO with an
 * abort signal (the line's abort, or a killing signal), signal listeners active only
 * while it runs, writes dropped once it has ended, stdin read at most once.
 *
 * Signals go to the command running at that moment. A command that registered no
 * signal listener takes the default action: it is aborted at once and its status is
 * 128 + the signal number. `KILL` always works that way, listener or not. A command
 * killed like that also ends the command line (as `sh` itself would die). When the
 * line's abort fires the command stops at once, without waiting for a command that
 * ignores its abort signal.
 */
import type { ProcessIO } from '../types.ts';
import { HANGUP_STATUS, SIGNAL_NUMBERS } from './signals.ts';
import type { Fds, Sink } from './streams.ts';

/** Shared between a line and the `sh -c` lines it runs: who gets signals, did one kill us. */
export interface SignalRouting {
  deliver: ((name: string) => void) | null;
  terminated: number | null;
}

/** What a running command needs of its line. */
export interface ProcessContext {
  abort: AbortSignal;
  sig: SignalRouting;
}

/** A command's result as an exit status (0..255); anything that is not a number is 1. */
export const toStatus = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) & 0xff : 1);

/** Run one command as a process; a command that throws reports `sh: MESSAGE` on stderr and ends with status 1. */
export async function runProcess(ctx: ProcessContext, fds: Fds, fn: (io: ProcessIO) => Promise<number>): Promise<number> {
  if (ctx.abort.aborted) return HANGUP_STATUS;
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
    ctl.abort(new Error(status === HANGUP_STATUS ? 'hangup' : `killed by signal ${status - 128}`));
  };
  const onLineAbort = (): void => kill(HANGUP_STATUS, false);
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
