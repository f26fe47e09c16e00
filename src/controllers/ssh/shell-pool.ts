/**
 * The shell sessions of one device connection (shell-session.ts) and the queue of
 * commands for them: each command goes to an idle session; when none is idle another
 * is opened, up to `maxSessions` (default 3: a roam cycle polls while a longer command
 * runs); beyond that commands wait, first come first served. Sessions stay open for
 * the life of the connection; one the server closes is dropped and the next command
 * opens a new one.
 *
 * - `timeoutMs` counts from the call, time in the queue included (as exec.ts): a
 *   command that times out while queued never runs.
 * - When the board offers no usable shell session (the `shell` request refused, no
 *   answer to the hello), the pool says so once in the log and sends every command to
 *   exec channels from then on (`fallback`).
 */
import { performance } from 'node:perf_hooks';
import type { BenchError } from '../../errors.ts';
import type { ConnectionState } from './connection-state.ts';
import { ShellSession, ShellUnavailable, type ShellSessionContext } from './shell-session.ts';
import type { ExecOptions, ExecResult } from './types.ts';

/** How long the login shell may take to answer the hello before the board counts as having no usable shell. */
export const DEFAULT_HANDSHAKE_MS = 10_000;

interface Job {
  command: string;
  options: ExecOptions;
  start: number;
  resolve: (r: ExecResult) => void;
  reject: (e: unknown) => void;
  settled: boolean;
  session?: ShellSession;
  timer?: NodeJS.Timeout;
}

export interface ShellPoolOptions extends ShellSessionContext {
  state: ConnectionState;
  /** Sessions open at once (default 3). */
  maxSessions?: number;
  handshakeMs?: number;
  /** Run a command on its own exec channel (the fallback, and commands with stdin). */
  exec: (command: string, options: ExecOptions) => Promise<ExecResult>;
}

export class ShellPool {
  private readonly sessions = new Set<ShellSession>();
  private readonly queue: Job[] = [];
  private opening = 0;
  private fallback = false;
  private closed = false;
  private readonly max: number;

  constructor(private readonly o: ShellPoolOptions) {
    this.max = Math.max(1, o.maxSessions ?? 3);
  }

  /** True once the board was found to offer no usable shell (every command uses exec channels). */
  get usesExecChannels(): boolean {
    return this.fallback;
  }

  /** True when an open session runs allowed commands on the fast path (shell-script.ts). */
  get usesFastPath(): boolean {
    return [...this.sessions].some((s) => s.fastPath);
  }

  /** Sessions open now. */
  get openSessions(): number {
    return this.sessions.size;
  }

  run(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const { state } = this.o;
    if (!state.usable) return Promise.reject(state.disconnectedError(command));
    if (this.fallback || options.stdin !== undefined) return this.o.exec(command, options);
    return new Promise<ExecResult>((resolve, reject) => {
      const job: Job = { command, options, start: performance.now(), resolve, reject, settled: false };
      if (options.timeoutMs !== undefined) job.timer = setTimeout(() => this.timedOut(job), options.timeoutMs);
      this.queue.push(job);
      this.pump();
    });
  }

  /** Fail every queued command and close every session (the connection is going or gone). */
  close(err: BenchError): void {
    this.closed = true;
    for (const j of this.queue.splice(0)) this.settle(j, () => j.reject(err));
    for (const s of this.sessions) s.close();
    this.sessions.clear();
  }

  private timedOut(job: Job): void {
    if (job.settled) return;
    if (job.session) return job.session.timeout();
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    this.o.log(`${this.o.name}: "${job.command}" timed out after ${job.options.timeoutMs} ms before a shell session was free`);
    this.settle(job, () =>
      job.resolve({ command: job.command, exitCode: null, stdout: '', stderr: '', durationMs: performance.now() - job.start, timedOut: true }),
    );
  }

  private settle(job: Job, fn: () => void): void {
    if (job.settled) return;
    job.settled = true;
    if (job.timer) clearTimeout(job.timer);
    fn();
  }

  private pump(): void {
    if (this.closed) return;
    // Bounded: each turn takes one job off the queue, or stops.
    while (this.queue.length > 0) {
      const session = [...this.sessions].find((s) => s.idle);
      if (!session) break;
      const job = this.queue.shift() as Job;
      this.start(job, session);
    }
    // The first session is a probe: more open only once one answered (a board without a usable shell costs one channel).
    const probing = this.sessions.size === 0 && this.opening > 0;
    if (!probing && this.queue.length > this.opening && this.sessions.size + this.opening < this.max) this.openOne();
  }

  private start(job: Job, session: ShellSession): void {
    job.session = session;
    session.run(job.command).then(
      (r) => this.settle(job, () => job.resolve({ ...r, durationMs: performance.now() - job.start })),
      (e: unknown) => this.settle(job, () => job.reject(e)),
    );
  }

  private openOne(): void {
    this.opening++;
    ShellSession.open(this.o, this.o.handshakeMs ?? DEFAULT_HANDSHAKE_MS).then(
      (s) => {
        this.opening--;
        if (this.closed) return s.close();
        this.sessions.add(s);
        // Idle again (a killed command's session only once its markers arrived): the next command.
        s.onIdle(() => this.pump());
        s.onClose(() => {
          this.sessions.delete(s);
          this.pump();
        });
        this.pump();
      },
      (err: unknown) => {
        this.opening--;
        if (err instanceof ShellUnavailable) {
          if (!this.fallback) this.o.log(`${this.o.name}: no usable shell session (${err.message}): running commands on exec channels`);
          this.fallback = true;
          for (const j of this.queue.splice(0)) this.toExec(j);
          return;
        }
        // The connection is gone: fail what waits.
        for (const j of this.queue.splice(0)) this.settle(j, () => j.reject(err));
      },
    );
  }

  private toExec(job: Job): void {
    if (job.settled) return;
    const left = job.options.timeoutMs === undefined ? undefined : Math.max(1, job.options.timeoutMs - (performance.now() - job.start));
    if (job.timer) clearTimeout(job.timer);
    job.settled = true;
    this.o.exec(job.command, { ...job.options, timeoutMs: left }).then(job.resolve, job.reject);
  }
}
