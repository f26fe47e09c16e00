/**
 * One virtual board's SSH server: ssh2's `Server` on a loopback port, speaking to a
 * VirtualDevice through the little shell in `shell.ts`.
 *
 * - Auth: password (when one is configured) and public key (key blob compared in
 *   constant time, then the signature verified), for the configured users.
 * - `exec`: the command line runs through `runCommandLine`; stdout and stderr are sent
 *   as they are written; then `exit-status`, or `exit-signal` when the status is
 *   128 + n and signal n was delivered to the session; then the channel closes.
 * - `signal` requests reach `io.onSignal` listeners; channel close or connection drop
 *   aborts `io.abort`, and the channel is closed whatever the command does.
 * - `shell`: an interactive prompt (`# `). With a pty the server echoes, handles
 *   backspace, ^C (INT to the running command, or a fresh prompt), ^D, and writes
 *   CRLF; without a pty it reads lines silently and prints no prompt. Commands run from
 *   the interactive shell get an empty stdin.
 * - `exec` with a pty (`ssh -t`) writes CRLF and merges stderr into stdout, as a tty would.
 * - `env`, `pty`, `window-change` accepted; the `sftp` subsystem is served by `sftp.ts`
 *   over the device's files unless `sftp: false` (a dropbear board without sftp-server);
 *   other subsystems are rejected.
 * - Faults: `dropConnections()` cuts every live TCP connection; `setRefusing(true)`
 *   closes new TCP connections at once, like a rebooting board.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, ServerChannel, Session, SFTPWrapper } from 'ssh2';
import { ConfigError } from '../../src/errors.ts';
import { runCommandLine, signalForStatus, type ShellState } from './shell.ts';
import { serveSftp } from './sftp.ts';
import type { ProcessIO, VirtualDevice } from './types.ts';

const { Server: SshServer, utils } = ssh2;

export interface SshServerOptions {
  device: VirtualDevice;
  /** Host private key, PEM or OpenSSH format. */
  hostKey: string | Buffer;
  /** OpenSSH public key lines (`ssh-ed25519 AAAA... comment`). */
  authorizedKeys: (string | Buffer)[];
  /** When set, password auth is accepted with this password. */
  password?: string;
  /** Accepted user names; default `['root']`. */
  users?: string[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Offer the `sftp` subsystem (default true); false refuses it, like a dropbear board without sftp-server. */
  sftp?: boolean;
  log?: (m: string) => void;
}

export interface VirtualSshServer {
  readonly port: number;
  /** `SHA256:<base64 without padding>`, as OpenSSH prints it. */
  readonly hostKeyFingerprint: string;
  /** Close the listener and every live connection. Idempotent. */
  close(): Promise<void>;
  /** Fault: cut every live connection now (no SSH disconnect message). */
  dropConnections(): void;
  /** Live TCP connections. */
  connectionCount(): number;
  /** Fault: while true, new TCP connections are closed at once (a rebooting board). */
  setRefusing(refuse: boolean): void;
}

function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function parseOrThrow(data: string | Buffer, what: string): ParsedKey {
  const k = utils.parseKey(data);
  if (k instanceof Error) throw new ConfigError(`virtual ssh server: invalid ${what}: ${k.message}`, { code: 'E_SSH_KEY' });
  return Array.isArray(k) ? (k[0] as ParsedKey) : k;
}

function sameBytes(input: Buffer, allowed: Buffer): boolean {
  // Always compare something of the input's length, so the length does not leak.
  const reject = input.length !== allowed.length;
  const ok = timingSafeEqual(input, reject ? input : allowed);
  return !reject && ok;
}

export async function startSshServer(opts: SshServerOptions): Promise<VirtualSshServer> {
  const { device } = opts;
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '127.0.0.1';
  const users = (opts.users ?? ['root']).map((u) => Buffer.from(u));
  const password = opts.password !== undefined ? Buffer.from(opts.password) : undefined;
  const hostKey = parseOrThrow(opts.hostKey, 'host key');
  if (!hostKey.isPrivateKey()) throw new ConfigError('virtual ssh server: host key must be a private key', { code: 'E_SSH_KEY' });
  const authorized = opts.authorizedKeys.map((k) => parseOrThrow(k, 'authorized key'));
  const hostKeyFingerprint = sha256Fingerprint(hostKey.getPublicSSH());

  const sockets = new Set<Socket>();
  let refusing = false;
  let closing = false;

  const ssh = new SshServer({ hostKeys: [opts.hostKey] }, (conn: Connection) => {
    // Small request/response packets: without TCP_NODELAY, Nagle + delayed ACK cost ~40 ms per command.
    (conn as unknown as { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    handleConnection(conn);
  });

  const checkAuth = (ctx: AuthContext): void => {
    const userOk = users.some((u) => sameBytes(Buffer.from(ctx.username), u));
    switch (ctx.method) {
      case 'password': {
        const ok = password !== undefined && sameBytes(Buffer.from(ctx.password), password);
        if (ok && userOk) return ctx.accept();
        log(`${device.name}: password auth failed for ${ctx.username}`);
        return ctx.reject();
      }
      case 'publickey': {
        const key = authorized.find((k) => sameBytes(ctx.key.data, k.getPublicSSH()));
        if (!key || !userOk) return ctx.reject();
        // No signature: the client only asks whether this key would do (answer PK_OK).
        if (ctx.signature && ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
          log(`${device.name}: bad public key signature from ${ctx.username}`);
          return ctx.reject();
        }
        return ctx.accept();
      }
      default: {
        const methods: ('publickey' | 'password')[] = ['publickey'];
        if (password !== undefined) methods.push('password');
        return ctx.reject(methods);
      }
    }
  };

  const handleConnection = (conn: Connection): void => {
    const live = new Set<AbortController>();
    const abortAll = (): void => {
      for (const c of live) c.abort(new Error('connection closed'));
      live.clear();
    };
    conn.on('error', (err: Error) => log(`${device.name}: connection error: ${err.message}`));
    conn.on('close', abortAll);
    conn.on('end', abortAll);
    conn.on('authentication', checkAuth);
    conn.on('request', (accept: unknown, reject?: () => void) => reject?.());
    conn.on('tcpip', (_accept: unknown, reject: () => void) => reject());
    conn.on('openssh.streamlocal', (_accept: unknown, reject: () => void) => reject());
    conn.on('ready', () => {
      conn.on('session', (acceptSession: () => Session) => {
        const session = acceptSession();
        handleSession(session, live);
      });
    });
  };

  const handleSession = (session: Session, live: Set<AbortController>): void => {
    let pty = false;
    let deliver: ((name: string) => void) | null = null;
    session.on('env', (accept: (() => void) | undefined) => accept?.());
    session.on('pty', (accept: (() => void) | undefined) => {
      pty = true;
      accept?.();
    });
    session.on('window-change', (accept: (() => void) | undefined) => accept?.());
    session.on('signal', (accept: (() => void) | undefined, _reject: unknown, info: { name: string }) => {
      accept?.();
      deliver?.(info.name.replace(/^SIG/, '').toUpperCase());
    });
    // ssh2's server refuses every channel request once the client sent EOF (it marks the
    // session "ending"), so a `signal` after `ssh -n`-style EOF would be lost. OpenSSH's
    // sshd accepts it; so do we: only CHANNEL_CLOSE ends the session.
    session.on('eof', () => {
      (session as unknown as { _ending: boolean })._ending = false;
    });
    session.on('sftp', (accept: () => SFTPWrapper, reject: () => void) => {
      if (opts.sftp === false) return reject();
      serveSftp(accept(), device, { log });
    });
    session.on('subsystem', (_accept: unknown, reject: () => void) => reject());

    session.on('exec', (accept: () => ServerChannel, _reject: unknown, info: { command: string }) => {
      const channel = accept();
      const ctl = new AbortController();
      live.add(ctl);
      // With a pty (`ssh -t`), output goes through a "terminal": CRLF, stderr merged.
      const out = channelWriter(channel, pty);
      const signals = new Set<string>();
      const signalListeners: ((name: string) => void)[] = [];
      deliver = (name) => {
        signals.add(name);
        for (const l of signalListeners) l(name);
      };
      const stdin = collectStdin(channel, ctl.signal);
      const io: ProcessIO = {
        stdout: { write: (d) => out.stdout(d) },
        stderr: { write: (d) => out.stderr(d) },
        readStdin: () => stdin,
        onSignal: (l) => signalListeners.push(l),
        abort: ctl.signal,
      };
      channel.on('close', () => {
        out.closed = true;
        ctl.abort(new Error('channel closed'));
        live.delete(ctl);
      });
      // The channel stream's 'error' (e.g. write after the peer went away) is not fatal.
      channel.on('error', (err: Error) => log(`${device.name}: channel error: ${err.message}`));
      log(`${device.name}: exec ${JSON.stringify(info.command)}`);

      const finish = (status: number): void => {
        live.delete(ctl);
        if (out.closed) return;
        const sig = signalForStatus(status);
        if (sig !== undefined && signals.has(sig)) channel.exit(sig, false, '');
        else channel.exit(status);
        out.closed = true;
        channel.end();
      };
      runCommandLine(info.command, device, io).then(finish, (err: unknown) => {
        out.stderr(`sh: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
        finish(1);
      });
    });

    session.on('shell', (accept: () => ServerChannel) => {
      const channel = accept();
      runInteractiveShell(channel, pty, live, (d) => (deliver = d));
    });
  };

  /** An interactive shell on one channel: line by line, `# ` prompt when there is a pty. */
  const runInteractiveShell = (
    channel: ServerChannel,
    pty: boolean,
    live: Set<AbortController>,
    setDeliver: (d: ((name: string) => void) | null) => void,
  ): void => {
    const out = channelWriter(channel, pty);
    const sessionCtl = new AbortController();
    live.add(sessionCtl);
    const state: ShellState = { lastStatus: 0 };
    const decoder = new StringDecoder('utf8');
    const queue: string[] = [];
    let current = '';
    let escape = 0;
    let eof = false;
    let busy = false;
    let finished = false;
    let lineSignal: ((name: string) => void) | null = null;
    setDeliver((name) => lineSignal?.(name));

    const prompt = (): void => {
      if (pty) out.stdout('# ');
    };
    const end = (status: number): void => {
      if (finished) return;
      finished = true;
      live.delete(sessionCtl);
      if (out.closed) return;
      channel.exit(status);
      out.closed = true;
      channel.end();
    };

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        while (queue.length > 0 && !finished && !sessionCtl.signal.aborted) {
          const line = queue.shift() as string;
          const ctl = new AbortController();
          const onAbort = (): void => ctl.abort(new Error('session closed'));
          sessionCtl.signal.addEventListener('abort', onAbort, { once: true });
          const listeners: ((name: string) => void)[] = [];
          lineSignal = (name) => {
            for (const l of listeners) l(name);
          };
          const io: ProcessIO = {
            stdout: { write: (d) => out.stdout(d) },
            stderr: { write: (d) => out.stderr(d) },
            readStdin: async () => Buffer.alloc(0),
            onSignal: (l) => listeners.push(l),
            abort: ctl.signal,
          };
          try {
            await runCommandLine(line, device, io, state);
          } catch (err) {
            out.stderr(`sh: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
          } finally {
            lineSignal = null;
            sessionCtl.signal.removeEventListener('abort', onAbort);
          }
          if (state.exited) return end(state.lastStatus);
          prompt();
        }
        if (eof && queue.length === 0) end(state.lastStatus);
      } finally {
        busy = false;
      }
    };

    const submit = (line: string): void => {
      queue.push(line);
      void pump();
    };

    const onText = (text: string): void => {
      for (const ch of text) {
        if (escape > 0) {
          // Drop terminal escape sequences (arrow keys and the like).
          if (escape === 1 && ch === '[') escape = 2;
          else if (escape === 1 || /[A-Za-z~]/.test(ch)) escape = 0;
          continue;
        }
        if (!pty) {
          if (ch === '\n') {
            submit(current.replace(/\r$/, ''));
            current = '';
          } else {
            current += ch;
          }
          continue;
        }
        switch (ch) {
          case '\r':
          case '\n':
            out.stdout('\n');
            submit(current);
            current = '';
            break;
          case '\x7f':
          case '\b':
            if (current.length > 0) {
              current = [...current].slice(0, -1).join('');
              out.stdout('\b \b');
            }
            break;
          case '\x03': // ^C
            if (busy && lineSignal) {
              out.stdout('^C\n');
              lineSignal('INT');
            } else {
              current = '';
              queue.length = 0;
              out.stdout('^C\n');
              prompt();
            }
            break;
          case '\x04': // ^D on an empty line: end of input
            if (current === '') {
              eof = true;
              if (!busy && queue.length === 0) {
                out.stdout('exit\n');
                end(state.lastStatus);
              }
            }
            break;
          case '\x1b':
            escape = 1;
            break;
          default:
            if (ch >= ' ' || ch === '\t') {
              current += ch;
              out.stdout(ch);
            }
        }
      }
    };

    channel.on('data', (d: Buffer) => onText(decoder.write(d)));
    channel.on('end', () => {
      onText(decoder.end());
      if (!pty && current !== '') {
        submit(current);
        current = '';
      }
      eof = true;
      if (!busy && queue.length === 0) end(state.lastStatus);
    });
    channel.on('close', () => {
      out.closed = true;
      sessionCtl.abort(new Error('channel closed'));
      live.delete(sessionCtl);
      finished = true;
    });
    channel.on('error', (err: Error) => log(`${device.name}: channel error: ${err.message}`));
    prompt();
  };

  const net: NetServer = createServer((socket) => {
    if (refusing || closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    ssh.injectSocket(socket);
  });

  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(opts.port ?? 0, host, () => {
      net.off('error', reject);
      resolve();
    });
  });
  net.on('error', (err) => log(`${device.name}: listener error: ${err.message}`));
  const address = net.address();
  if (address === null || typeof address === 'string') throw new Error('virtual ssh server: no TCP address');
  log(`${device.name}: ssh listening on ${host}:${address.port}`);

  let closed: Promise<void> | undefined;
  return {
    port: address.port,
    hostKeyFingerprint,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        net.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
    dropConnections() {
      for (const s of sockets) s.destroy();
    },
    connectionCount() {
      return sockets.size;
    },
    setRefusing(refuse: boolean) {
      refusing = refuse;
    },
  };
}

/** Writes stdout / stderr to a channel while it is open (CRLF on a pty, stderr merged there as a terminal would). */
function channelWriter(channel: ServerChannel, pty: boolean) {
  const w = {
    closed: false,
    stdout(d: string | Buffer): void {
      if (w.closed || !channel.writable) return;
      channel.write(pty ? crlf(d) : d);
    },
    stderr(d: string | Buffer): void {
      if (w.closed || !channel.writable) return;
      if (pty) channel.write(crlf(d));
      else channel.stderr.write(d);
    },
  };
  return w;
}

function crlf(d: string | Buffer): Buffer {
  const s = (typeof d === 'string' ? Buffer.from(d, 'utf8') : d).toString('latin1');
  return Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** The whole of the channel's input, resolved at EOF (or with what came, when aborted). */
function collectStdin(channel: ServerChannel, abort: AbortSignal): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = (): void => resolve(Buffer.concat(chunks));
    channel.on('data', (d: Buffer) => chunks.push(d));
    channel.once('end', done);
    abort.addEventListener('abort', done, { once: true });
  });
}
