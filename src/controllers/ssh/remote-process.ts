/**
 * A streamed remote command (ping, iwevent) on its own exec channel: its output as
 * lines as they arrive (each with its arrival time), signals, and a result when it
 * ends that keeps only the last 64 KiB of stdout and stderr (a night of ping output
 * would not fit in memory). The command's stdin gets EOF at once, as with `ssh -n`;
 * on a pty (`stream(cmd, { pty: true })`, as `ssh -tt`) it stays open and unused.
 */
import { performance } from 'node:perf_hooks';
import type { ClientChannel } from 'ssh2';
import { BenchError } from '../../errors.ts';
import { OpenCancelled } from './channel-opener.ts';
import type { ConnectionState } from './connection-state.ts';
import { LineSplitter } from './line-splitter.ts';
import { OutputTail } from './output-tail.ts';
import { killQuietly, normalizeSignal, sendSignal } from './signals.ts';
import type { ExecResult, RemoteProcess } from './types.ts';

const STREAM_TAIL_BYTES = 64 * 1024;

/** What `stream().done` resolves with: an ExecResult, plus why it ended early, if it did. */
export interface StreamResult extends ExecResult {
  /** Set when the stream ended because the channel could not be opened or the connection was lost. */
  error?: BenchError;
}

type LineListener = (line: string, stream: 'stdout' | 'stderr', receivedAt: number) => void;

/** Opens the process's channel (see ChannelOpener.open); `cancelled` turns true once close() was called. */
type OpenProcessChannel = (cancelled: () => boolean, attach: (ch: ClientChannel) => void) => Promise<void>;

export class SshRemoteProcess implements RemoteProcess {
  readonly done: Promise<StreamResult>;
  private readonly listeners: LineListener[] = [];
  private channel: ClientChannel | undefined;
  private closeRequested = false;
  private readonly pendingSignals: string[] = [];
  private finished = false;
  private resolveDone!: (r: StreamResult) => void;
  private readonly started = performance.now();
  private readonly out = new OutputTail(STREAM_TAIL_BYTES);
  private readonly err = new OutputTail(STREAM_TAIL_BYTES);
  private exitCode: number | null = null;
  private exitSignal: string | undefined;
  private gotExit = false;

  constructor(
    readonly command: string,
    private readonly connection: Pick<ConnectionState, 'connected' | 'disconnectedError' | 'channelError'>,
    open: OpenProcessChannel,
    private readonly opts: { keepStdinOpen?: boolean } = {},
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    open(
      () => this.closeRequested,
      (ch) => this.attach(ch),
    ).then(
      () => {},
      (e: unknown) => {
        if (e instanceof OpenCancelled) this.finish();
        else this.finish(e instanceof BenchError ? e : this.connection.channelError(command, e));
      },
    );
  }

  onLine(listener: LineListener): void {
    this.listeners.push(listener);
  }

  signal(name: string): void {
    const sig = normalizeSignal(name);
    if (this.finished) return;
    if (this.channel) sendSignal(this.channel, sig);
    else this.pendingSignals.push(sig);
  }

  /**
   * KILL the command, then close the channel. The signal matters: dropbear keeps a
   * command running after its channel is closed (and closes the channel only once the
   * command has exited); sshd refuses signals for root sessions, but closes the pipes,
   * so the command dies on its next write.
   */
  close(): void {
    this.closeRequested = true;
    this.kill();
  }

  private kill(): void {
    const ch = this.channel;
    if (!ch) return;
    if (!this.finished && !this.gotExit) killQuietly(ch);
    ch.close();
  }

  private attach(ch: ClientChannel): void {
    this.channel = ch;
    const emitter = (stream: 'stdout' | 'stderr') => {
      let receivedAt = 0;
      const splitter = new LineSplitter((line) => {
        for (const l of this.listeners) {
          try {
            l(line, stream, receivedAt);
          } catch {
            /* a listener's exception must not kill the stream */
          }
        }
      });
      return {
        data: (d: Buffer) => {
          receivedAt = performance.timeOrigin + performance.now();
          (stream === 'stdout' ? this.out : this.err).push(d);
          splitter.push(d);
        },
        end: () => {
          receivedAt = performance.timeOrigin + performance.now();
          splitter.end();
        },
      };
    };
    const so = emitter('stdout');
    const se = emitter('stderr');
    let soEnded = false;
    let seEnded = false;
    ch.on('data', so.data);
    ch.stderr.on('data', se.data);
    ch.once('end', () => {
      soEnded = true;
      so.end();
    });
    ch.stderr.once('end', () => {
      seEnded = true;
      se.end();
    });
    ch.on('exit', (code: number | null, signal?: string) => {
      this.gotExit = true;
      if (typeof code === 'number') this.exitCode = code;
      else this.exitSignal = signal?.replace(/^SIG/, '');
    });
    ch.on('close', () => {
      if (!soEnded) so.end();
      if (!seEnded) se.end();
      const lost = !this.gotExit && !this.closeRequested && !this.connection.connected;
      this.finish(lost ? this.connection.disconnectedError(this.command) : undefined);
    });
    // stdin: EOF at once (`ssh -n`), unless the command runs on a pty and waits for input that never comes
    if (!this.opts.keepStdinOpen) ch.end();
    for (const s of this.pendingSignals.splice(0)) sendSignal(ch, s);
    if (this.closeRequested) this.kill();
  }

  private finish(error?: BenchError): void {
    if (this.finished) return;
    this.finished = true;
    const result: StreamResult = {
      command: this.command,
      exitCode: this.exitCode,
      stdout: this.out.toString(),
      stderr: this.err.toString(),
      durationMs: performance.now() - this.started,
      timedOut: false,
    };
    if (this.exitSignal !== undefined) result.signal = this.exitSignal;
    if (error) result.error = error;
    this.resolveDone(result);
  }
}
