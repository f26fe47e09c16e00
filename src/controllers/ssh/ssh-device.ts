/**
 * SshDevice: one persistent SSH connection (ssh2 `Client`) to one board, implementing
 * DeviceShell. Every command is an exec channel on that connection.
 *
 * Behaviour worth knowing:
 * - `connect()` retries (100 ms doubling to 2 s) until `connectDeadlineMs`; each attempt
 *   has its own handshake timeout. A host key mismatch (E_HOSTKEY), an unknown host key
 *   (E_HOSTKEY_UNKNOWN), no common algorithm (E_ALGORITHMS) or a refused login (E_AUTH)
 *   fails at once: retrying cannot fix any of them. Running out of time is E_CONNECT.
 *   After that there is no hidden reconnect: a lost connection is reported
 *   (`onDisconnect`, E_DISCONNECTED) and the caller connects again explicitly.
 * - Host keys are always checked: against `hostKeyFingerprint`, a `knownHosts` file (or
 *   both), and only with `acceptAnyHostKey` (tests, `rig trust`) is any key accepted.
 *   With none of them, connect() refuses at once (ConfigError E_HOSTKEY_UNPINNED).
 *   `scanHostKey()` takes a server's key without logging in (`rig trust`).
 * - Command timeouts are separate from the connect deadline. `timeoutMs` counts from the
 *   `exec()` call (time spent waiting for a free channel included); `durationMs` too.
 * - The command's stdin always gets EOF (after `stdin` when given), as with `ssh -n`, so
 *   a command that reads stdin never hangs waiting for it.
 * - At most `maxSessions` channels (default 10, OpenSSH's MaxSessions) are open at once
 *   on the connection; further execs and streams queue. If the server refuses a channel
 *   anyway while others are open, the limit is lowered to what it accepted and the
 *   request waits for a free channel.
 * - `stream()`'s result keeps only the last 64 KiB of stdout and stderr; a line longer
 *   than 64 KiB is delivered in 64 KiB pieces.
 * - dropbear 2022.82 to 2024.85 loses channels opened while another closes (its issue
 *   #321): on those servers execs run one at a time (see `serializesExecs`).
 */
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import ssh2 from 'ssh2';
import type { Algorithms, ClientChannel, ConnectConfig, Client as SshClient } from 'ssh2';
import { BenchError, ConfigError } from '../../errors.ts';
import { describeNoMatch, preferHostKeyTypes, probeServerAlgorithms } from './algorithms.ts';
import { checkKnownHost, fingerprintOf, keyTypeOf, lookupKnownHosts, type KnownHostsLookup } from './known-hosts.ts';
import type { DeviceShell, ExecOptions, ExecResult, RemoteProcess } from './types.ts';

const { Client } = ssh2;

export type SshAuth =
  | { privateKey: Buffer | string; passphrase?: string }
  | { password: string }
  | { agent: string /* ssh-agent socket path */ };

export interface SshConnectOptions {
  /** Device name, used in every message. */
  name: string;
  host: string;
  port: number;
  username: string;
  auth: SshAuth;
  /** Expected host key, `SHA256:<base64 without padding>` as OpenSSH prints it. */
  hostKeyFingerprint?: string;
  /** OpenSSH known_hosts file listing the host's key (`[host]:port keytype base64`). */
  knownHosts?: string;
  /** Accept whatever key the server presents (tests, `rig trust`); never set from an inventory. */
  acceptAnyHostKey?: boolean;
  /** Give up connecting after this many ms (all attempts together). */
  connectDeadlineMs: number;
  /** Handshake timeout of one attempt (default 5000, never beyond the deadline). */
  attemptTimeoutMs?: number;
  /** SSH keepalive interval (default 10000; 0 disables). */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as lost (default 3). */
  keepaliveCountMax?: number;
  /** Passed to ssh2 (see `sshAlgorithms()` in algorithms.ts for the inventory's `algorithms` block). */
  algorithms?: Algorithms;
  /** Channels open at once on the connection (default 10). */
  maxSessions?: number;
  log?: (msg: string) => void;
}

/** What `stream().done` resolves with: an ExecResult, plus why it ended early, if it did. */
export interface StreamResult extends ExecResult {
  /** Set when the stream ended because the channel could not be opened or the connection was lost. */
  error?: BenchError;
}

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 2000;
const STREAM_TAIL_BYTES = 64 * 1024;
const MAX_LINE_CHARS = 64 * 1024;

/** Signal names the SSH protocol defines (RFC 4254 6.10). */
const SSH_SIGNALS = new Set(['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT', 'SEGV', 'TERM', 'USR1', 'USR2']);

function normalizeSignal(name: string): string {
  const n = name.toUpperCase().replace(/^SIG/, '');
  if (!SSH_SIGNALS.has(n)) throw new TypeError(`unknown signal "${name}" (SSH allows ${[...SSH_SIGNALS].join(', ')})`);
  return n;
}

function normalizeFingerprint(fp: string, device: string): string {
  const m = /^(?:SHA256:)?([A-Za-z0-9+/]{43})=?$/.exec(fp.trim());
  if (!m) {
    throw new ConfigError(`${device}: host key fingerprint "${fp}" is not of the form SHA256:<43 base64 characters>`, {
      code: 'E_CONFIG',
      subject: device,
    });
  }
  return `SHA256:${m[1]}`;
}

function causeText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.message === 'string') return e.message;
  }
  return String(err);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Send a signal on a channel even after our side sent EOF (ssh2's `signal()` refuses then). */
function sendSignal(ch: ClientChannel, name: string): boolean {
  const internal = ch as unknown as {
    outgoing?: { id: number; state: string };
    _client?: { _protocol?: { signal(id: number, name: string): void } };
  };
  const state = internal.outgoing?.state;
  if (state !== 'open' && state !== 'eof') return false;
  if (ch.writable) {
    ch.signal(name);
    return true;
  }
  const proto = internal._client?._protocol;
  if (!proto || internal.outgoing === undefined) return false;
  proto.signal(internal.outgoing.id, name);
  return true;
}

/** A small counting semaphore for channels, whose limit can be lowered. */
class ChannelSlots {
  private active = 0;
  private readonly waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  constructor(public limit: number) {}

  acquire(): Promise<void> {
    if (this.active < this.limit && this.waiters.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  release(): void {
    this.active--;
    this.pump();
  }

  get inUse(): number {
    return this.active;
  }

  pump(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      this.active++;
      this.waiters.shift()?.resolve();
    }
  }

  failAll(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }
}

class Cancelled extends Error {}

/** Splits a byte stream into lines: chunk boundaries, CRLF, a final unterminated line. */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    const text = this.pending + this.decoder.write(chunk);
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      const line = text.slice(start, nl);
      start = nl + 1;
      this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
    this.pending = text.slice(start);
    while (this.pending.length > MAX_LINE_CHARS) {
      this.emit(this.pending.slice(0, MAX_LINE_CHARS));
      this.pending = this.pending.slice(MAX_LINE_CHARS);
    }
  }

  end(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') {
      const line = this.pending;
      this.pending = '';
      this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    }
  }
}

/** Keeps the last `max` bytes written to it. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - this.chunks[0].length >= this.max) this.size -= (this.chunks.shift() as Buffer).length;
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}

type LineListener = (line: string, stream: 'stdout' | 'stderr', receivedAt: number) => void;

class SshRemoteProcess implements RemoteProcess {
  readonly done: Promise<StreamResult>;
  private readonly listeners: LineListener[] = [];
  private channel: ClientChannel | undefined;
  private closeRequested = false;
  private readonly pendingSignals: string[] = [];
  private finished = false;
  private resolveDone!: (r: StreamResult) => void;
  private readonly started = performance.now();
  private readonly out = new Tail(STREAM_TAIL_BYTES);
  private readonly err = new Tail(STREAM_TAIL_BYTES);
  private exitCode: number | null = null;
  private exitSignal: string | undefined;
  private gotExit = false;

  constructor(
    readonly command: string,
    private readonly device: SshDevice,
    open: (cancelled: () => boolean, attach: (ch: ClientChannel) => void) => Promise<void>,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    open(
      () => this.closeRequested,
      (ch) => this.attach(ch),
    ).then(
      () => {},
      (e: unknown) => {
        if (e instanceof Cancelled) this.finish();
        else this.finish(e instanceof BenchError ? e : this.device.channelError(command, e));
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

  /** @internal The connection is going away (device.close()); end without waiting for the server. */
  abandon(): void {
    this.closeRequested = true;
    this.kill();
  }

  private kill(): void {
    const ch = this.channel;
    if (!ch) return;
    if (!this.finished && !this.gotExit) {
      try {
        sendSignal(ch, 'KILL');
      } catch {
        /* the channel is going anyway */
      }
    }
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
      const lost = !this.gotExit && !this.closeRequested && !this.device.connected;
      this.finish(lost ? this.device.disconnectedError(this.command) : undefined);
    });
    ch.end();
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

  private readonly client: SshClient;
  private readonly log: (msg: string) => void;
  private readonly slots: ChannelSlots;
  /** Set on servers whose channel openings must not overlap other channels' (serializesExecs). */
  private readonly execLock: ChannelSlots | undefined;
  /** The server's software version from its identification (`OpenSSH_9.2p1`, `dropbear_2022.83`). */
  readonly serverSoftware: string;
  private readonly channels = new Set<ClientChannel>();
  private readonly streams = new Set<SshRemoteProcess>();
  private readonly disconnectListeners: ((reason: string) => void)[] = [];
  private isConnected = true;
  private closing = false;
  private lastError: string | undefined;
  private closedPromise: Promise<void> | undefined;
  private socketClosed: Promise<void>;

  /** `SHA256:<base64 without padding>` of a raw SSH public key blob, as OpenSSH prints it. */
  static fingerprintOf(keyBlob: Buffer): string {
    return fingerprintOf(keyBlob);
  }

  static async connect(opts: SshConnectOptions): Promise<SshDevice> {
    const { name, host, port } = opts;
    checkEndpoint(opts);
    if (!(opts.connectDeadlineMs > 0)) {
      throw new ConfigError(`${name}: connectDeadlineMs must be positive`, { subject: name });
    }
    const check = hostKeyCheck(opts);
    const log = opts.log ?? (() => {});
    const started = Date.now();
    const deadline = started + opts.connectDeadlineMs;
    let delay = BACKOFF_START_MS;
    let attempts = 0;
    let lastCause: unknown;
    for (;;) {
      attempts++;
      const remaining = deadline - Date.now();
      const attemptTimeout = Math.max(1, Math.min(opts.attemptTimeoutMs ?? 5000, remaining));
      try {
        const { client, hostKey, negotiated } = await connectOnce(opts, check, attemptTimeout);
        const algos = negotiated ? `; ${negotiated.kex}, ${negotiated.serverHostKey}, ${negotiated.cipher}${negotiated.mac ? `, ${negotiated.mac}` : ''}` : '';
        log(`${name}: connected to ${host}:${port} (attempt ${attempts}, ${Date.now() - started} ms${algos})`);
        return new SshDevice(opts, client as SshClient, hostKey, negotiated);
      } catch (err) {
        if (err instanceof BenchError || err instanceof ConfigError) throw err;
        lastCause = err;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      const wait = Math.min(delay, left);
      log(`${name}: attempt ${attempts} to ${host}:${port} failed (${causeText(lastCause)}), retrying in ${wait} ms`);
      await sleep(wait);
      delay = Math.min(delay * 2, BACKOFF_MAX_MS);
      if (deadline - Date.now() <= 0) break;
    }
    throw new BenchError(
      `${name}: cannot connect to ${host}:${port} within ${opts.connectDeadlineMs} ms ` +
        `(${attempts} attempt${attempts === 1 ? '' : 's'}): ${causeText(lastCause)}`,
      { code: 'E_CONNECT', subject: name, cause: lastCause },
    );
  }

  /**
   * Connect once, like `ssh-keyscan`: take the host key the server presents and hang up
   * before authenticating (no credentials needed or sent). For `rig trust`.
   * `algorithms` as for connect() (an old board needs its old algorithms to get that far).
   */
  static async scanHostKey(opts: {
    name: string;
    host: string;
    port: number;
    timeoutMs: number;
    algorithms?: Algorithms;
  }): Promise<PresentedHostKey> {
    checkEndpoint(opts);
    const check: HostKeyCheck = { verify: () => 'stop', algorithms: opts.algorithms };
    const cfg: SshConnectOptions = { ...opts, username: 'rig-trust', auth: { password: '' }, connectDeadlineMs: opts.timeoutMs };
    try {
      const { hostKey } = await connectOnce(cfg, check, opts.timeoutMs);
      return hostKey;
    } catch (err) {
      if (err instanceof BenchError || err instanceof ConfigError) throw err;
      throw new BenchError(`${opts.name}: cannot reach ${opts.host}:${opts.port}: ${causeText(err)}`, {
        code: 'E_CONNECT',
        subject: opts.name,
        cause: err,
      });
    }
  }

  private constructor(opts: SshConnectOptions, client: SshClient, hostKey: PresentedHostKey, negotiated: NegotiatedAlgorithms | undefined) {
    this.name = opts.name;
    this.host = opts.host;
    this.port = opts.port;
    this.username = opts.username;
    this.hostKeyFingerprint = hostKey.fingerprint;
    this.hostKeyType = hostKey.type;
    this.negotiated = negotiated;
    this.client = client;
    this.log = opts.log ?? (() => {});
    this.slots = new ChannelSlots(Math.max(1, opts.maxSessions ?? 10));
    this.serverSoftware = String((client as unknown as { _remoteVer?: unknown })._remoteVer ?? '');
    if (serializesExecs(this.serverSoftware)) {
      this.execLock = new ChannelSlots(1);
      this.log(`${this.name}: ${this.serverSoftware} loses a new channel when another closes at that moment (dropbear #321): running its commands one at a time`);
    }
    let onSocketClosed!: () => void;
    this.socketClosed = new Promise((r) => (onSocketClosed = r));
    client.on('error', (err: Error) => {
      this.lastError = causeText(err);
      this.log(`${this.name}: connection error: ${err.message}`);
    });
    client.on('end', () => this.lost());
    client.on('close', () => {
      this.lost();
      onSocketClosed();
    });
  }

  /** True until the connection is lost or closed. */
  get connected(): boolean {
    return this.isConnected;
  }

  /** Called once when the connection is lost (not when `close()` ends it). */
  onDisconnect(listener: (reason: string) => void): void {
    this.disconnectListeners.push(listener);
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const start = performance.now();
    return new Promise<ExecResult>((resolve, reject) => {
      if (!this.isConnected) return reject(this.disconnectedError(command));
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
                try {
                  sendSignal(channel, 'KILL');
                } catch {
                  /* the channel is going anyway */
                }
                channel.close();
              }
              this.log(`${this.name}: "${command}" timed out after ${options.timeoutMs} ms`);
              settle(() => resolve(result()));
            }, options.timeoutMs)
          : undefined;

      this.openChannel(
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
            if (gotExit || (this.isConnected && !this.closing)) settle(() => resolve(result()));
            else settle(() => reject(this.disconnectedError(command)));
          });
          if (options.stdin !== undefined) ch.end(options.stdin);
          else ch.end();
        },
        'exec',
      ).then(
        () => {},
        (err: unknown) => {
          if (err instanceof Cancelled) return;
          settle(() => reject(err));
        },
      );
    });
  }

  stream(command: string): RemoteProcess & { readonly done: Promise<StreamResult> } {
    const proc = new SshRemoteProcess(command, this, (cancelled, attach) =>
      this.isConnected ? this.openChannel(command, cancelled, attach) : Promise.reject(this.disconnectedError(command)),
    );
    this.streams.add(proc);
    void proc.done.then(() => this.streams.delete(proc));
    return proc;
  }

  /** Close every channel and the connection. Resolves once the socket is closed; idempotent. */
  close(): Promise<void> {
    this.closedPromise ??= (async () => {
      this.closing = true;
      this.slots.failAll(this.disconnectedError('(queued command)', 'device closed'));
      this.execLock?.failAll(this.disconnectedError('(queued command)', 'device closed'));
      for (const s of this.streams) s.abandon();
      for (const ch of this.channels) ch.close();
      if (this.isConnected) this.client.end();
      const guard = setTimeout(() => this.client.destroy(), 2000);
      try {
        await this.socketClosed;
      } finally {
        clearTimeout(guard);
      }
      this.isConnected = false;
    })();
    return this.closedPromise;
  }

  /** @internal */
  disconnectedError(command: string, reason?: string): BenchError {
    const why = reason ?? (this.closing ? 'device closed' : `connection lost${this.lastError ? ` (${this.lastError})` : ''}`);
    return new BenchError(`${this.name}: ${why} while running "${command}" on ${this.host}:${this.port}`, {
      code: 'E_DISCONNECTED',
      subject: this.name,
    });
  }

  /** @internal */
  channelError(command: string, err: unknown): BenchError {
    if (!this.isConnected) return this.disconnectedError(command);
    return new BenchError(`${this.name}: cannot run "${command}": ${causeText(err)}`, {
      code: 'E_CHANNEL',
      subject: this.name,
      cause: err,
    });
  }

  private lost(): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    const reason = this.closing
      ? 'closed'
      : `connection to ${this.host}:${this.port} lost${this.lastError ? `: ${this.lastError}` : ''}`;
    this.slots.failAll(this.disconnectedError('(queued command)'));
    this.execLock?.failAll(this.disconnectedError('(queued command)'));
    if (this.closing) return;
    this.log(`${this.name}: ${reason}`);
    for (const l of this.disconnectListeners) {
      try {
        l(reason);
      } catch {
        /* a listener's failure must not break the others */
      }
    }
  }

  /**
   * Take a channel slot and open an exec channel; the slot is released when the channel
   * closes. `attach` runs synchronously inside ssh2's callback: the server's output, its
   * exit status and the close may arrive in the same TCP segment as the exec reply, and an
   * 'exit' event emitted before listeners are attached would be lost.
   */
  private async openChannel(
    command: string,
    cancelled: () => boolean,
    attach: (ch: ClientChannel) => void,
    kind: 'exec' | 'stream' = 'stream',
  ): Promise<void> {
    // On servers that need it (see serializesExecs) no channel opens while another opens or an
    // exec runs: an exec holds the lock until its channel closes, a stream until it is open.
    const lock = this.execLock;
    if (lock) {
      try {
        await lock.acquire();
      } catch {
        throw this.disconnectedError(command);
      }
    }
    let lockHeld = lock !== undefined;
    const releaseLock = (): void => {
      if (lockHeld) lock?.release();
      lockHeld = false;
    };
    try {
      await this.openChannelSlot(command, cancelled, (ch) => {
        if (lockHeld && kind === 'exec') {
          lockHeld = false;
          ch.once('close', () => lock?.release());
        }
        attach(ch);
      });
    } finally {
      releaseLock();
    }
  }

  private async openChannelSlot(command: string, cancelled: () => boolean, attach: (ch: ClientChannel) => void): Promise<void> {
    for (;;) {
      try {
        await this.slots.acquire();
      } catch {
        throw this.disconnectedError(command);
      }
      if (cancelled()) {
        this.slots.release();
        throw new Cancelled();
      }
      if (!this.isConnected || this.closing) {
        this.slots.release();
        throw this.disconnectedError(command);
      }
      try {
        await new Promise<void>((resolve, reject) => {
          try {
            this.client.exec(command, (err, ch) => {
              if (err) return reject(err);
              this.channels.add(ch);
              ch.once('close', () => {
                this.channels.delete(ch);
                this.slots.release();
              });
              attach(ch);
              resolve();
            });
          } catch (e) {
            reject(e);
          }
        });
        return;
      } catch (err) {
        const othersOpen = this.slots.inUse - 1;
        this.slots.release();
        const reason = (err as { reason?: unknown }).reason;
        // The server's session limit: OpenSSH answers 2 CONNECT_FAILED ("open failed"),
        // others 1 ADMINISTRATIVELY_PROHIBITED or 4 RESOURCE_SHORTAGE.
        if (this.isConnected && (reason === 1 || reason === 2 || reason === 4) && othersOpen > 0) {
          this.slots.limit = othersOpen;
          this.log(`${this.name}: server refused a channel, limiting to ${othersOpen} at once`);
          continue;
        }
        throw this.channelError(command, err);
      }
    }
  }
}

/**
 * dropbear 2022.82 to 2024.85 may close a new session channel before its exec request
 * is handled when another channel closes at that moment: the exec fails ("Unable to
 * exec") or the server aborts the connection on an assertion (dropbear issue #321,
 * fixed in 2024.86; seen with Debian 12's 2022.83 from 2 concurrent execs on). On such a
 * server execs run one at a time, and a stream (ping, iwevent) opens only between them;
 * once open, streams run alongside.
 */
export function serializesExecs(serverSoftware: string): boolean {
  const m = /^dropbear_(\d{4})\.(\d+)/.exec(serverSoftware);
  if (!m) return false;
  const v = Number(m[1]) * 1000 + Number(m[2]);
  return v >= 2022082 && v < 2024086;
}

/** A host key as a server presented it. */
export interface PresentedHostKey {
  type: string;
  /** The raw public key blob. */
  blob: Buffer;
  /** `SHA256:<base64 without padding>`. */
  fingerprint: string;
}

/** What the handshake settled on. */
export interface NegotiatedAlgorithms {
  kex: string;
  serverHostKey: string;
  cipher: string;
  /** Empty with an AEAD cipher (GCM, chacha20-poly1305). */
  mac: string;
}

/** How an attempt checks the presented host key. */
interface HostKeyCheck {
  /** undefined: accept; an error: refuse with it; 'stop': take the key and hang up (scan). */
  verify(blob: Buffer): BenchError | ConfigError | 'stop' | undefined;
  /** ssh2 algorithms to offer (restricted to the known key types when known_hosts lists some). */
  algorithms?: Algorithms;
  /** Said when no algorithm can be agreed on (why the host key algorithms were restricted). */
  note?: string;
}

function checkEndpoint(opts: { name: string; port: number }): void {
  if (!Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) {
    throw new ConfigError(`${opts.name}: bad SSH port ${opts.port}`, { subject: opts.name });
  }
}

/** The host key policy of a connect() call. Throws ConfigError when there is none, or it is unusable. */
function hostKeyCheck(opts: SshConnectOptions): HostKeyCheck {
  const { name, host, port } = opts;
  const where = `${host}:${port}`;
  if (opts.hostKeyFingerprint === undefined && opts.knownHosts === undefined) {
    if (opts.acceptAnyHostKey) return { verify: () => undefined, algorithms: opts.algorithms };
    throw new ConfigError(
      `${name}: refusing to connect to ${where} without a pinned host key: give ${name} a hostKeyFingerprint or a knownHosts file ` +
        `in the inventory (\`rig trust ${name}\` shows the board's key and records it)`,
      { code: 'E_HOSTKEY_UNPINNED', subject: name },
    );
  }
  const expected = opts.hostKeyFingerprint !== undefined ? normalizeFingerprint(opts.hostKeyFingerprint, name) : undefined;
  const file = opts.knownHosts;
  let known: KnownHostsLookup | undefined;
  let algorithms = opts.algorithms;
  let note: string | undefined;
  if (file !== undefined) {
    try {
      known = lookupKnownHosts(file, host, port);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read the known_hosts file ${file}: ${causeText(err)}`, { code: 'E_KNOWN_HOSTS', subject: name });
    }
    // Like OpenSSH: ask for a key of a type the file knows, so a server with several keys presents that one.
    const types = [...new Set(known.keys.map((k) => k.type))];
    algorithms = preferHostKeyTypes(opts.algorithms, types);
    if (types.length > 0) {
      note =
        `${file} lists only ${types.join(', ')} keys for ${where}, so only those were asked for; ` +
        `if the board's key changed (re-flashed?), check it on the board, then \`rig trust ${name} --replace\``;
    }
  }
  return {
    algorithms,
    note,
    verify: (blob) => {
      const fp = fingerprintOf(blob);
      const type = safeKeyType(blob);
      if (expected !== undefined && fp !== expected) {
        return new BenchError(`${name}: host key mismatch at ${where}: expected ${expected}, server presented ${fp} (${type})`, {
          code: 'E_HOSTKEY',
          subject: name,
        });
      }
      if (known === undefined || file === undefined) return undefined;
      const verdict = checkKnownHost(known, blob);
      if (verdict === 'known') return undefined;
      if (verdict === 'revoked') {
        return new BenchError(`${name}: the host key ${where} presented (${fp}, ${type}) is marked @revoked in ${file}`, {
          code: 'E_HOSTKEY',
          subject: name,
        });
      }
      if (verdict === 'mismatch') {
        const listed = known.keys.map((k) => `${k.fingerprint} (${k.type}, line ${k.line})`).join(', ');
        return new BenchError(
          `${name}: host key mismatch at ${where}: ${file} expects ${listed}, server presented ${fp} (${type}). ` +
            `Someone may be impersonating the board, or its key changed (re-flashed?): check the key on the board, ` +
            `then \`rig trust ${name} --replace\``,
          { code: 'E_HOSTKEY', subject: name },
        );
      }
      return new ConfigError(
        `${name}: ${where} is not in ${file}${known.fileExists ? '' : ' (no such file yet)'}; it presents ${type} ${fp}: ` +
          `check that fingerprint on the board, then record it with \`rig trust ${name}\``,
        { code: 'E_HOSTKEY_UNKNOWN', subject: name },
      );
    },
  };
}

function safeKeyType(blob: Buffer): string {
  try {
    return keyTypeOf(blob);
  } catch {
    return 'unknown key type';
  }
}

/**
 * One connection attempt. Rejects with BenchError / ConfigError for the failures a
 * retry cannot fix (host key, algorithms, authentication), with the cause otherwise.
 * With a 'stop' check it resolves as soon as the host key is known (client: null).
 */
function connectOnce(
  opts: SshConnectOptions,
  check: HostKeyCheck,
  timeoutMs: number,
): Promise<{ client: SshClient | null; hostKey: PresentedHostKey; negotiated: NegotiatedAlgorithms | undefined }> {
  return new Promise((resolve, reject) => {
    const { name, host, port, username } = opts;
    const client = new Client();
    let presented: Buffer | undefined;
    let refusal: BenchError | ConfigError | 'stop' | undefined;
    let negotiated: NegotiatedAlgorithms | undefined;
    let settled = false;

    const hostKey = (): PresentedHostKey => {
      const blob = presented ?? Buffer.alloc(0);
      return { type: presented ? safeKeyType(blob) : '', blob, fingerprint: presented ? fingerprintOf(blob) : '' };
    };
    const cleanup = (): void => {
      clearTimeout(guard);
      client.removeListener('ready', onReady);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      client.removeListener('handshake', onHandshake);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      client.on('error', () => {});
      client.destroy();
      if (err instanceof Promise) err.then(reject, reject);
      else reject(err);
    };
    const onHandshake = (n: { kex: string; serverHostKey: string; cs: { cipher: string; mac: string } }): void => {
      negotiated = { kex: n.kex, serverHostKey: n.serverHostKey, cipher: n.cs.cipher, mac: n.cs.mac };
    };
    const onReady = (): void => {
      if (settled) return;
      settled = true;
      // Short commands are small packets: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms each.
      client.setNoDelay(true);
      cleanup();
      resolve({ client, hostKey: hostKey(), negotiated });
    };
    const onError = (err: Error & { level?: string }): void => {
      if (refusal === 'stop' && presented) {
        if (settled) return;
        settled = true;
        cleanup();
        client.on('error', () => {});
        client.destroy();
        resolve({ client: null, hostKey: hostKey(), negotiated });
      } else if (refusal !== undefined && refusal !== 'stop') {
        fail(refusal);
      } else if (err.level === 'handshake' && /no matching/i.test(err.message)) {
        const algos = check.algorithms;
        fail(
          probeServerAlgorithms(host, port, Math.min(3000, Math.max(500, timeoutMs))).then((offer) => {
            const why = describeNoMatch(offer, algos);
            const note = check.note && /host key/.test(why) ? ` (${check.note})` : '';
            return new BenchError(`${name}: cannot agree on SSH algorithms with ${host}:${port}: ${why}${note}`, {
              code: 'E_ALGORITHMS',
              subject: name,
            });
          }),
        );
      } else if (err.level === 'client-authentication' || err.level === 'agent') {
        fail(
          new BenchError(`${name}: authentication failed for user "${username}" at ${host}:${port} (${authKind(opts.auth)})`, {
            code: 'E_AUTH',
            subject: name,
          }),
        );
      } else {
        fail(err);
      }
    };
    const onClose = (): void => fail(new Error('connection closed before the SSH handshake completed'));
    const guard = setTimeout(() => fail(new Error(`no SSH handshake within ${timeoutMs} ms`)), timeoutMs + 250);

    client.on('ready', onReady);
    client.on('error', onError);
    client.on('close', onClose);
    client.on('handshake', onHandshake);

    const cfg: ConnectConfig = {
      host,
      port,
      username,
      readyTimeout: timeoutMs,
      keepaliveInterval: opts.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: opts.keepaliveCountMax ?? 3,
      hostVerifier: (key: Buffer): boolean => {
        presented = Buffer.from(key);
        refusal = check.verify(presented);
        return refusal === undefined;
      },
    };
    if (check.algorithms) cfg.algorithms = check.algorithms;
    const auth = opts.auth;
    if ('password' in auth) cfg.password = auth.password;
    else if ('privateKey' in auth) {
      cfg.privateKey = auth.privateKey;
      if (auth.passphrase !== undefined) cfg.passphrase = auth.passphrase;
    } else cfg.agent = auth.agent;

    try {
      client.connect(cfg);
    } catch (err) {
      // ssh2 throws synchronously for configuration problems (an unreadable private key, an unknown algorithm...).
      settled = true;
      cleanup();
      reject(new ConfigError(`${name}: bad SSH configuration: ${causeText(err)}`, { subject: name, cause: err }));
    }
  });
}

function authKind(auth: SshAuth): string {
  if ('password' in auth) return 'password';
  if ('privateKey' in auth) return 'public key';
  return 'ssh-agent';
}
