/**
 * One command on its own exec channel, collected whole: stdout, stderr, exit status or
 * signal. The command's stdin always gets EOF (after `stdin` when given), as with
 * `ssh -n`, so a command that reads stdin never hangs waiting for it. `timeoutMs` counts
 * from the call (time spent waiting for a free channel included), as does `durationMs`;
 * on timeout the command is KILLed and its channel closed, and the result says
 * `timedOut` (not an error). A connection lost before the exit status arrived is an
 * E_DISCONNECTED rejection.
 */
import { performance } from 'node:perf_hooks';
import type { ClientChannel } from 'ssh2';
import { OpenCancelled, type OpenChannel } from './channel-opener.ts';
import type { ConnectionState } from './connection-state.ts';
import { killQuietly } from './signals.ts';
import type { ExecOptions, ExecResult } from './types.ts';

export interface ExecContext {
  /** Device name, for the log. */
  name: string;
  state: ConnectionState;
  open: OpenChannel;
  log: (msg: string) => void;
}

export function runExec(command: string, options: ExecOptions, ctx: ExecContext): Promise<ExecResult> {
  const { state } = ctx;
  const start = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    if (!state.connected) return reject(state.disconnectedError(command));
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let exitCode: number | null = null;
    let signal: string | undefined;
    let gotExit = false;
    let timedOut = false;
    let settled = false;
    let channel: ClientChannel | undefined;

    const result = (): ExecResult => {
      const r: ExecResult = {
        command,
        exitCode: timedOut ? null : exitCode,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: performance.now() - start,
        timedOut,
      };
      if (signal !== undefined && !timedOut) r.signal = signal;
      return r;
    };
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      fn();
    };
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            if (settled) return;
            timedOut = true;
            if (channel) {
              killQuietly(channel);
              channel.close();
            }
            ctx.log(`${ctx.name}: "${redact(command, options.secrets)}" timed out after ${options.timeoutMs} ms`);
            settle(() => resolve(result()));
          }, options.timeoutMs)
        : undefined;

    ctx
      .open(
        command,
        () => settled,
        (ch) => {
          channel = ch;
          if (settled) {
            // Timed out while the channel was opening. Drain it, or its 'close' (and the
            // slot release) would wait for a reader that never comes.
            ch.resume();
            ch.stderr.resume();
            ch.close();
            return;
          }
          ch.on('data', (d: Buffer) => stdout.push(d));
          ch.stderr.on('data', (d: Buffer) => stderr.push(d));
          ch.on('exit', (code: number | null, sig?: string) => {
            gotExit = true;
            if (typeof code === 'number') exitCode = code;
            else signal = sig?.replace(/^SIG/, '');
          });
          ch.on('close', () => {
            if (gotExit || state.usable) settle(() => resolve(result()));
            else settle(() => reject(state.disconnectedError(command)));
          });
          if (options.stdin !== undefined) ch.end(options.stdin);
          else ch.end();
        },
      )
      .then(
        () => {},
        (err: unknown) => {
          if (err instanceof OpenCancelled) return;
          settle(() => reject(err));
        },
      );
  });
}

/** `text` with every secret replaced by "<secret>". */
export function redact(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s) out = out.split(s).join('<secret>');
  return out;
}
