/**
 * SshDevice: one persistent SSH connection (ssh2 `Client`) to one board, implementing
 * DeviceShell. Every command is an exec channel on that connection. This class ties
 * the pieces together; each behaviour lives in its own module:
 * - connect.ts: retries with backoff until `connectDeadlineMs`; host key, algorithm,
 *   login and configuration failures at once (connect-attempt.ts); E_CONNECT when the
 *   time is up. After that there is no hidden reconnect: a lost connection is reported
 *   (`onDisconnect`, E_DISCONNECTED; connection-state.ts) and the caller connects again.
 * - host-key-policy.ts: host keys are always checked (`hostKeyFingerprint`, `knownHosts`,
 *   or `acceptAnyHostKey` for tests and `rig trust`); `scanHostKey()` takes a server's key
 *   without logging in.
 * - shell-pool.ts / shell-session.ts: by default (`commandChannel: 'shell'`) commands run
 *   in long-lived shell sessions on the board (a line written, markers read back; no
 *   channel per command); commands with stdin, and every command on a board whose shell
 *   cannot be used, go to exec channels.
 * - exec.ts: a command on its own exec channel (`commandChannel: 'exec'`); command
 *   timeouts, separate from the connect deadline; stdin always gets EOF.
 * - channel-opener.ts: at most `maxSessions` channels at once, and one exec at a time on
 *   the dropbear versions that lose channels (#321, `serializesExecs`).
 * - remote-process.ts: `stream()`, lines as they arrive, the last 64 KiB of output kept.
 */
import type { SFTPWrapper, Client as SshClient } from 'ssh2';
import { BenchError } from '../../errors.ts';
import { causeText } from './cause-text.ts';
import { ChannelOpener } from './channel-opener.ts';
import type { NegotiatedAlgorithms } from './connect-attempt.ts';
import type { SshConnectOptions } from './connect-options.ts';
import { connectWithRetry, scanHostKey, type Connection, type ScanOptions } from './connect.ts';
import { ConnectionState } from './connection-state.ts';
import { runExec } from './exec.ts';
import { ShellPool } from './shell-pool.ts';
import { killTreeCommand } from './shell-script.ts';
import type { PresentedHostKey } from './host-key-policy.ts';
import { fingerprintOf } from './known-hosts.ts';
import { SshRemoteProcess, type StreamResult } from './remote-process.ts';
import type { DeviceShell, ExecOptions, ExecResult, RemoteProcess, StreamOptions } from './types.ts';

export { serializesExecs } from './channel-opener.ts';
export type { NegotiatedAlgorithms } from './connect-attempt.ts';
export type { ScanOptions } from './connect.ts';
export type { SshAuth, SshConnectOptions } from './connect-options.ts';
export type { PresentedHostKey } from './host-key-policy.ts';
export type { StreamResult } from './remote-process.ts';

/** How long close() waits for the server to close the connection before destroying the socket. */
const CLOSE_GRACE_MS = 2000;
/** How long the command that kills a timed-out command's processes may take. */
const KILL_TIMEOUT_MS = 5000;
/** How long sftp() waits for the server to answer the subsystem request. */
const SFTP_TIMEOUT_MS = 10_000;

export class SshDevice implements DeviceShell {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** The host key fingerprint the server presented (`SHA256:...`). */
  readonly hostKeyFingerprint: string;
  /** Its key type (ssh-ed25519, ssh-rsa, ...). */
  readonly hostKeyType: string;
  /** The algorithms the handshake settled on. */
  readonly negotiated: NegotiatedAlgorithms | undefined;
  /** The server's software version from its identification (`OpenSSH_9.2p1`, `dropbear_2022.83`). */
  readonly serverSoftware: string;

  private readonly client: SshClient;
  private readonly log: (msg: string) => void;
  private readonly state: ConnectionState;
  private readonly opener: ChannelOpener;
  private readonly streams = new Set<SshRemoteProcess>();
  /** The shell sessions commands run in; undefined with `commandChannel: 'exec'`. */
  private readonly shells: ShellPool | undefined;
  private closedPromise: Promise<void> | undefined;
  private readonly socketClosed: Promise<void>;

  /** `SHA256:<base64 without padding>` of a raw SSH public key blob, as OpenSSH prints it. */
  static fingerprintOf(keyBlob: Buffer): string {
    return fingerprintOf(keyBlob);
  }

  /** Connect and log in (see connect.ts): retries until `connectDeadlineMs`, checks the host key. */
  static async connect(opts: SshConnectOptions): Promise<SshDevice> {
    return new SshDevice(opts, await connectWithRetry(opts));
  }

  /** Take the host key a server presents without logging in, like `ssh-keyscan` (`rig trust`). */
  static scanHostKey(opts: ScanOptions): Promise<PresentedHostKey> {
    return scanHostKey(opts);
  }

  private constructor(opts: SshConnectOptions, conn: Connection) {
    const { client, hostKey, negotiated, serverSoftware } = conn;
    this.name = opts.name;
    this.host = opts.host;
    this.port = opts.port;
    this.username = opts.username;
    this.hostKeyFingerprint = hostKey.fingerprint;
    this.hostKeyType = hostKey.type;
    this.negotiated = negotiated;
    this.serverSoftware = serverSoftware;
    this.client = client;
    this.log = opts.log ?? (() => {});
    this.state = new ConnectionState({ name: opts.name, host: opts.host, port: opts.port }, this.log);
    this.opener = new ChannelOpener(client, this.state, { name: opts.name, maxSessions: opts.maxSessions, serverSoftware, log: this.log });
    let onSocketClosed!: () => void;
    this.socketClosed = new Promise((r) => (onSocketClosed = r));
    // Shell sessions leave a channel free for the exec that kills a timed-out command:
    // on a connection allowed one channel, commands use exec channels.
    const shellSessions = Math.min(opts.shellSessions ?? 3, (opts.maxSessions ?? 10) - 1);
    if (opts.commandChannel !== 'exec' && shellSessions >= 1) {
      this.shells = new ShellPool({
        name: opts.name,
        state: this.state,
        log: this.log,
        maxSessions: shellSessions,
        fastPath: opts.shellFastPath ?? true,
        open: (cancelled, attach) => this.opener.open('(shell session)', cancelled, attach, 'shell'),
        exec: (command, options) => this.execChannel(command, options),
        killTree: async (pid) => {
          const r = await this.execChannel(killTreeCommand(pid), { timeoutMs: KILL_TIMEOUT_MS });
          if (r.timedOut || r.exitCode !== 0) throw new Error(`kill exited ${r.timedOut ? 'by timeout' : r.exitCode}: ${r.stderr.trim()}`);
        },
      });
    }
    const lost = (): void =>
      this.state.lost((err) => {
        this.opener.failQueued(err);
        this.shells?.close(err);
      });
    client.on('error', (err: Error) => this.state.recordError(err));
    client.on('end', lost);
    client.on('close', () => {
      lost();
      onSocketClosed();
    });
  }

  /** True until the connection is lost or closed. */
  get connected(): boolean {
    return this.state.connected;
  }

  /** Called once when the connection is lost (not when `close()` ends it). */
  onDisconnect(listener: (reason: string) => void): void {
    this.state.onDisconnect(listener);
  }

  /** Run a command: in a shell session (default), or on its own exec channel (see the top). */
  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return this.shells ? this.shells.run(command, options) : this.execChannel(command, options);
  }

  /** True when an open shell session runs the commands fast-path.ts allows without a new shell (its shell passed the hello's check). */
  get usesShellFastPath(): boolean {
    return this.shells?.usesFastPath ?? false;
  }

  /** True when commands run on exec channels: `commandChannel: 'exec'`, or the board's shell could not be used. */
  get usesExecChannels(): boolean {
    return this.shells === undefined || this.shells.usesExecChannels;
  }

  /** Run a command on its own exec channel, whatever `commandChannel` says. */
  execChannel(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return runExec(command, options, {
      name: this.name,
      state: this.state,
      log: this.log,
      open: (cmd, cancelled, attach) => this.opener.open(cmd, cancelled, attach, 'exec'),
    });
  }

  stream(command: string, options: StreamOptions = {}): RemoteProcess & { readonly done: Promise<StreamResult> } {
    const kind = options.pty ? 'pty-stream' : 'stream';
    const proc = new SshRemoteProcess(
      command,
      this.state,
      (cancelled, attach) => (this.state.connected ? this.opener.open(command, cancelled, attach, kind) : Promise.reject(this.state.disconnectedError(command))),
      { keepStdinOpen: options.pty === true },
    );
    this.streams.add(proc);
    void proc.done.then(() => this.streams.delete(proc));
    return proc;
  }

  /**
   * An SFTP session on this connection (for uploads; close it with `end()`). Rejects with
   * E_NO_SFTP when the board offers no sftp subsystem (dropbear boards often have no
   * sftp-server) or does not answer within `timeoutMs`, E_DISCONNECTED when the
   * connection is gone.
   */
  sftp(timeoutMs = SFTP_TIMEOUT_MS): Promise<SFTPWrapper> {
    const what = '(sftp)';
    if (!this.state.usable) return Promise.reject(this.state.disconnectedError(what));
    return new Promise((resolve, reject) => {
      const refuse = (cause: unknown): void => {
        if (!this.state.connected) return reject(this.state.disconnectedError(what));
        reject(
          new BenchError(`${this.name}: no SFTP on ${this.host}:${this.port}: ${causeText(cause)}`, {
            code: 'E_NO_SFTP',
            subject: this.name,
            cause,
          }),
        );
      };
      const timer = setTimeout(() => refuse(new Error(`no answer to the sftp subsystem request within ${timeoutMs} ms`)), timeoutMs);
      try {
        this.client.sftp((err, sftp) => {
          clearTimeout(timer);
          if (err) refuse(err);
          else resolve(sftp);
        });
      } catch (err) {
        clearTimeout(timer);
        refuse(err);
      }
    });
  }

  /** Close every channel and the connection. Resolves once the socket is closed; idempotent. */
  close(): Promise<void> {
    this.closedPromise ??= (async () => {
      this.state.beginClose();
      this.opener.failQueued(this.state.disconnectedError('(queued command)', 'device closed'));
      this.shells?.close(this.state.disconnectedError('(queued command)', 'device closed'));
      for (const s of this.streams) s.close();
      this.opener.closeAll();
      if (this.state.connected) this.client.end();
      const guard = setTimeout(() => this.client.destroy(), CLOSE_GRACE_MS);
      try {
        await this.socketClosed;
      } finally {
        clearTimeout(guard);
      }
      this.state.markClosed();
    })();
    return this.closedPromise;
  }
}
