/**
 * One long-lived shell session on a board: the login shell on a session channel
 * without a pty (a `shell` request), reading the lines of shell-script.ts, one command
 * at a time. A command costs a line written and its markers read back instead of a
 * channel opened and closed: about 0.3 ms instead of 120 ms on loopback, more on a
 * 2007 board, where each channel costs a process and a key exchange's worth of packets.
 *
 * - The session is up once the hello marker came back (`openShellSession`); what the
 *   login shell printed before (profile scripts) is dropped. No answer within
 *   `handshakeMs`, or a refused `shell` request: ShellUnavailable (the caller falls
 *   back to exec channels).
 * - `run()` resolves with an ExecResult like an exec channel's. Output is kept whole,
 *   as bytes, and decoded as UTF-8 at the end (as exec.ts does).
 * - `timeout()` ends a running command: its result is `timedOut` at once, and the
 *   command's process tree is killed (`kill`, on its own exec channel). The session is
 *   busy until the command's markers arrive; if they do not within KILL_GRACE_MS the
 *   session is closed (and the pool opens another).
 * - The server may close the session (the shell died, an idle limit): the running
 *   command, if any, fails with E_CHANNEL (whether it ran is unknown), and the session
 *   reports itself closed; the pool opens a new one for the next command.
 *
 * Known differences from an exec channel, documented in docs/device-contract.md: no
 * stdin (commands with stdin go to exec channels), a command killed by a signal has the
 * status 128 + n (the shell's `$?`) rather than an exit-signal, and output written by
 * background processes a command leaves behind after it exits goes to a later command.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ClientChannel } from 'ssh2';
import { BenchError } from '../../errors.ts';
import { OpenCancelled } from './channel-opener.ts';
import type { ConnectionState } from './connection-state.ts';
import { MarkerScanner } from './marker-scanner.ts';
import { commandLine, execShellName, helloLine, parseHello, parseMarker, TAG, type Marker } from './shell-script.ts';
import type { ExecResult } from './types.ts';

/** How long a killed command's markers may take before the session is given up. */
const KILL_GRACE_MS = 3000;

/** How long a refused session's channel may take to close. */
const CLOSE_WAIT_MS = 1000;

/** The board offers no usable shell session: use exec channels. */
export class ShellUnavailable extends Error {}

export interface ShellSessionContext {
  name: string;
  state: ConnectionState;
  /** Open the session channel (ChannelOpener.open with kind 'shell'). */
  open: (cancelled: () => boolean, attach: (ch: ClientChannel) => void) => Promise<void>;
  /** Run the commands fast-path.ts allows without a new shell where the shell can (default true). */
  fastPath?: boolean;
  /** Kill a process tree on the board (on an exec channel); errors are the callee's to log. */
  killTree: (pid: number) => Promise<void>;
  log: (msg: string) => void;
}

interface Running {
  id: number;
  command: string;
  start: number;
  out: Buffer[];
  err: Buffer[];
  pid?: number;
  status?: number;
  outDone: boolean;
  errDone: boolean;
  timedOut: boolean;
  /** Settles the caller's promise; undefined once settled (a timed-out command's markers are still awaited). */
  settle?: (r: ExecResult | BenchError) => void;
  graceTimer?: NodeJS.Timeout;
}

export class ShellSession {
  private readonly nonce = randomBytes(16).toString('hex');
  private nextId = 1;
  private running: Running | undefined;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];
  private readonly idleListeners: (() => void)[] = [];
  private shell = 'sh';
  /** The hello found the fast path possible in this shell (shell-script.ts, fast-path.ts). */
  private fast = false;
  private hello: { resolve: () => void; reject: (e: Error) => void; errDone: boolean; outDone: boolean } | undefined;

  private constructor(
    private readonly ctx: ShellSessionContext,
    private channel: ClientChannel | undefined,
  ) {}

  /** Open a session and wait for its hello; ShellUnavailable when the board gives none. */
  static async open(ctx: ShellSessionContext, handshakeMs: number): Promise<ShellSession> {
    const s = new ShellSession(ctx, undefined);
    let given = false;
    const helloDone = new Promise<void>((resolve, reject) => (s.hello = { resolve, reject, errDone: false, outDone: false }));
    helloDone.catch(() => {}); // awaited below, unless opening the channel failed first
    const timer = setTimeout(() => s.hello?.reject(new ShellUnavailable(`no answer from the login shell within ${handshakeMs} ms`)), handshakeMs);
    try {
      await ctx.open(
        () => given,
        (ch) => s.attach(ch),
      );
      await helloDone;
      return s;
    } catch (err) {
      given = true;
      // Wait (briefly) until the server has the channel closed too: exec channels opened
      // next must not count against a session limit it still holds.
      await s.closeAndWait(CLOSE_WAIT_MS);
      if (err instanceof OpenCancelled) throw new ShellUnavailable('cancelled');
      if (err instanceof BenchError && err.code === 'E_DISCONNECTED') throw err;
      if (!ctx.state.connected) throw ctx.state.disconnectedError('(shell session)');
      throw err instanceof ShellUnavailable ? err : new ShellUnavailable(err instanceof Error ? err.message : String(err));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether allowed commands take the fast path here (the hello's check passed and the caller allows it). */
  get fastPath(): boolean {
    return this.fast && this.ctx.fastPath !== false;
  }

  /** True while no command runs (or waits for its markers). */
  get idle(): boolean {
    return !this.closed && this.running === undefined;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Called once when the session closes (by the server, by close(), or given up). */
  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Called each time the session becomes idle after a command. */
  onIdle(listener: () => void): void {
    this.idleListeners.push(listener);
  }

  /** Run one command; the session must be idle. */
  run(command: string): Promise<ExecResult> {
    if (!this.idle || !this.channel) return Promise.reject(new Error('ShellSession.run: session busy or closed'));
    const id = this.nextId++;
    return new Promise<ExecResult>((resolve, reject) => {
      const r: Running = {
        id,
        command,
        start: performance.now(),
        out: [],
        err: [],
        outDone: false,
        errDone: false,
        timedOut: false,
        settle: (v) => (v instanceof BenchError ? reject(v) : resolve(v)),
      };
      this.running = r;
      this.channel?.write(commandLine(this.nonce, id, this.shell, command, this.fastPath));
    });
  }

  /** The running command is past its timeout: resolve it as timed out, kill it, keep the session if it recovers. */
  timeout(): void {
    const r = this.running;
    if (!r || r.timedOut) return;
    r.timedOut = true;
    this.ctx.log(`${this.ctx.name}: "${r.command}" timed out (shell session)`);
    this.deliver(r, this.result(r));
    if (r.pid !== undefined) this.kill(r.pid);
    r.graceTimer = setTimeout(() => {
      this.ctx.log(`${this.ctx.name}: the shell session did not recover from a killed command within ${KILL_GRACE_MS} ms: closing it`);
      this.close();
    }, KILL_GRACE_MS);
  }

  /** close(), then wait until the channel is closed on both sides (at most `ms`). */
  private async closeAndWait(ms: number): Promise<void> {
    const ch = this.channel;
    const done = ch
      ? new Promise<void>((resolve) => {
          const t = setTimeout(resolve, ms);
          ch.once('close', () => {
            clearTimeout(t);
            resolve();
          });
        })
      : Promise.resolve();
    this.close();
    await done;
  }

  /** Close the channel (idempotent); a command still running fails. */
  close(): void {
    if (this.channel && !this.closed) {
      try {
        this.channel.close();
      } catch {
        /* already gone */
      }
    }
    this.markClosed();
  }

  private kill(pid: number): void {
    this.ctx.killTree(pid).catch((e: unknown) => this.ctx.log(`${this.ctx.name}: could not kill pid ${pid}: ${e instanceof Error ? e.message : String(e)}`));
  }

  private attach(ch: ClientChannel): void {
    this.channel = ch;
    const out = new MarkerScanner(
      this.nonce,
      (d) => this.running?.out.push(Buffer.from(d)),
      (t) => this.marker(t, 'out'),
    );
    const err = new MarkerScanner(
      this.nonce,
      (d) => this.running?.err.push(Buffer.from(d)),
      (t) => this.marker(t, 'err'),
    );
    ch.on('data', (d: Buffer) => out.push(d));
    ch.stderr.on('data', (d: Buffer) => err.push(d));
    ch.on('close', () => this.markClosed());
    ch.on('error', (e: Error) => this.ctx.log(`${this.ctx.name}: shell session channel error: ${e.message}`));
    ch.write(helloLine(this.nonce));
  }

  private marker(text: string, stream: 'out' | 'err'): void {
    const m = parseMarker(text);
    if (!m) return;
    if (m.id === 0) return this.helloMarker(m, stream);
    const r = this.running;
    if (!r || r.id !== m.id) return; // a stale marker (cannot happen: one command at a time)
    if (m.tag === TAG.pid) {
      // 0: the session's shell ran it itself (quiet builtins): no process to kill.
      const pid = Number(m.value);
      if (pid > 0) {
        r.pid = pid;
        if (r.timedOut) this.kill(pid);
      }
    } else if (m.tag === TAG.status) {
      r.status = Number(m.value);
      r.outDone = true;
    } else if (m.tag === TAG.stderrEnd && stream === 'err') {
      r.errDone = true;
    }
    if (r.outDone && r.errDone) {
      if (r.graceTimer) clearTimeout(r.graceTimer);
      this.running = undefined;
      this.deliver(r, this.result(r));
      for (const l of this.idleListeners) l();
    }
  }

  private helloMarker(m: Marker, stream: 'out' | 'err'): void {
    const h = this.hello;
    if (!h) return;
    if (m.tag === TAG.hello && stream === 'out') {
      const hello = parseHello(m.value);
      this.shell = execShellName(hello.loginShell);
      this.fast = hello.fast;
      h.outDone = true;
    } else if (m.tag === TAG.stderrEnd && stream === 'err') {
      h.errDone = true;
    }
    if (h.outDone && h.errDone) {
      this.hello = undefined;
      h.resolve();
    }
  }

  private result(r: Running): ExecResult {
    return {
      command: r.command,
      exitCode: r.timedOut ? null : (r.status ?? null),
      stdout: Buffer.concat(r.out).toString('utf8'),
      stderr: Buffer.concat(r.err).toString('utf8'),
      durationMs: performance.now() - r.start,
      timedOut: r.timedOut,
    };
  }

  private deliver(r: Running, v: ExecResult | BenchError): void {
    const settle = r.settle;
    r.settle = undefined;
    settle?.(v);
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.hello?.reject(new ShellUnavailable('the server closed the shell session before it answered'));
    this.hello = undefined;
    const r = this.running;
    this.running = undefined;
    if (r) {
      if (r.graceTimer) clearTimeout(r.graceTimer);
      const { state, name } = this.ctx;
      this.deliver(
        r,
        state.connected
          ? new BenchError(`${name}: the shell session closed while running "${r.command}" (whether it ran is unknown)`, {
              code: 'E_CHANNEL',
              subject: name,
            })
          : state.disconnectedError(r.command),
      );
    }
    for (const l of this.closeListeners.splice(0)) {
      try {
        l();
      } catch {
        /* a listener's failure must not break the others */
      }
    }
  }
}
