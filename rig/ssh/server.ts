/**
 * One virtual board's SSH server: ssh2's `Server` on a loopback port, speaking to a
 * VirtualDevice through the little shell in `shell.ts`. This module is the listener
 * and the connections; the rest is in its own modules:
 * - auth.ts: host key, password and public key authentication for the configured users;
 * - session.ts: a session's requests (`env`, `pty`, `window-change`, `signal`, `sftp`);
 * - exec-request.ts: `exec` (exit-status / exit-signal; with a pty, CRLF and stderr merged);
 * - interactive-shell.ts: `shell`, with a prompt and line editing when there is a pty.
 * Global requests, port forwarding and streamlocal channels are rejected.
 * Faults: `dropConnections()` cuts every live TCP connection; `setRefusing(true)`
 *   closes new TCP connections at once, like a rebooting board; `closeShellSessions()`
 *   closes the open `shell` channels (the connection stays).
 * The bytes of every connection are the board's eth0 traffic (`countTraffic`).
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel, Session } from 'ssh2';
import { authenticator, parseHostKey, sha256Fingerprint } from './auth.ts';
import { handleSession } from './session.ts';
import type { ProcessCosts } from './board-costs.ts';
import type { SftpDevice } from './sftp.ts';

const { Server: SshServer } = ssh2;

export interface SshServerOptions {
  device: SftpDevice;
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
  /** Accept `shell` requests (default true); false refuses them, like an account without a login shell. */
  shell?: boolean;
  /** What the board's SSH server and CPU cost (board-costs.ts); nothing when undefined. */
  costs?: ProcessCosts;
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
  /** Fault: the board closes every open shell session (its shell died); the connections stay. */
  closeShellSessions(): void;
}

export async function startSshServer(opts: SshServerOptions): Promise<VirtualSshServer> {
  const { device } = opts;
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '127.0.0.1';
  const hostKey = parseHostKey(opts.hostKey);
  const checkAuth = authenticator({
    users: opts.users ?? ['root'],
    password: opts.password,
    authorizedKeys: opts.authorizedKeys,
    deviceName: device.name,
    log,
  });
  const hostKeyFingerprint = sha256Fingerprint(hostKey.getPublicSSH());
  /** Folders made over SFTP on this board, shared by its SFTP sessions. */
  const sftpDirs = new Set<string>();

  const sockets = new Set<Socket>();
  const shells = new Set<ServerChannel>();
  let refusing = false;
  let closing = false;

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
        const open = (): void => {
          try {
            handleSession(acceptSession(), { device, sftp: opts.sftp !== false, sftpDirs, live, shell: opts.shell !== false, shells, costs: opts.costs, log });
          } catch (err) {
            log(`${device.name}: session not opened: ${err instanceof Error ? err.message : String(err)}`);
          }
        };
        const cost = opts.costs?.channelOpenMs ?? 0;
        if (cost > 0) setTimeout(open, cost);
        else open();
      });
    });
  };

  const ssh = new SshServer({ hostKeys: [opts.hostKey] }, (conn: Connection) => {
    // Small request/response packets: without TCP_NODELAY, Nagle + delayed ACK cost ~40 ms per command.
    (conn as unknown as { setNoDelay(noDelay: boolean): void }).setNoDelay(true);
    handleConnection(conn);
  });

  const net: NetServer = createServer((socket) => {
    if (refusing || closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    // The board's management port is eth0: its /proc/net/dev counts this connection's bytes.
    let written = 0;
    const countTx = (): void => {
      const now = socket.bytesWritten;
      if (now > written) device.countTraffic?.('eth0', { bytes: 0, packets: 0 }, { bytes: now - written, packets: Math.ceil((now - written) / 1448) });
      written = now;
    };
    socket.on('data', (d: Buffer) => {
      device.countTraffic?.('eth0', { bytes: d.length, packets: Math.ceil(d.length / 1448) }, { bytes: 0, packets: 0 });
      countTx();
    });
    socket.on('close', () => {
      countTx();
      sockets.delete(socket);
    });
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
    closeShellSessions() {
      for (const ch of [...shells]) ch.close();
    },
  };
}
