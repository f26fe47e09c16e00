/**
 * Whether one SSH connection is still usable, and the errors that say it is not.
 * There is no hidden reconnect: a lost connection is reported once to the
 * `onDisconnect` listeners (not when `close()` ended it), every later command fails
 * with E_DISCONNECTED, and the caller connects again explicitly.
 */
import { BenchError } from '../../errors.ts';
import { causeText } from './cause-text.ts';

export class ConnectionState {
  private live = true;
  private closeRequested = false;
  private lastError: string | undefined;
  private readonly listeners: ((reason: string) => void)[] = [];

  constructor(
    private readonly where: { name: string; host: string; port: number },
    private readonly log: (msg: string) => void,
  ) {}

  /** True until the connection is lost or closed. */
  get connected(): boolean {
    return this.live;
  }

  /** True once close() was called. */
  get closing(): boolean {
    return this.closeRequested;
  }

  /** Connected, and nobody asked to close: new channels may open. */
  get usable(): boolean {
    return this.live && !this.closeRequested;
  }

  beginClose(): void {
    this.closeRequested = true;
  }

  /** The socket is closed (close() has finished). */
  markClosed(): void {
    this.live = false;
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.listeners.push(listener);
  }

  /** The connection reported an error; it is named in the disconnect that follows. */
  recordError(err: Error): void {
    this.lastError = causeText(err);
    this.log(`${this.where.name}: connection error: ${err.message}`);
  }

  /**
   * The connection ended (ssh2 'end' or 'close'). The first call marks it lost, fails
   * the queued requests through `failQueued` and, unless close() ended it, logs and
   * tells the listeners; later calls do nothing.
   */
  lost(failQueued: (err: BenchError) => void): void {
    if (!this.live) return;
    this.live = false;
    const { name, host, port } = this.where;
    failQueued(this.disconnectedError('(queued command)'));
    if (this.closeRequested) return;
    const reason = `connection to ${host}:${port} lost${this.lastError ? `: ${this.lastError}` : ''}`;
    this.log(`${name}: ${reason}`);
    for (const l of this.listeners) {
      try {
        l(reason);
      } catch {
        /* a listener's failure must not break the others */
      }
    }
  }

  /** E_DISCONNECTED for a command that could not run (or finish) because the connection is gone. */
  disconnectedError(command: string, reason?: string): BenchError {
    const { name, host, port } = this.where;
    const why = reason ?? (this.closeRequested ? 'device closed' : `connection lost${this.lastError ? ` (${this.lastError})` : ''}`);
    return new BenchError(`${name}: ${why} while running "${command}" on ${host}:${port}`, {
      code: 'E_DISCONNECTED',
      subject: name,
    });
  }

  /** E_CHANNEL when the server would not run a command (E_DISCONNECTED when the connection is gone). */
  channelError(command: string, err: unknown): BenchError {
    if (!this.live) return this.disconnectedError(command);
    return new BenchError(`${this.where.name}: cannot run "${command}": ${causeText(err)}`, {
      code: 'E_CHANNEL',
      subject: this.where.name,
      cause: err,
    });
  }
}
