/**
 * One session channel of a virtual board's SSH server (RFC 4254, section 6): `env`,
 * `pty-req` and `window-change` are accepted; `signal` reaches the running command;
 * `exec` (exec-request.ts) and `shell` (interactive-shell.ts) run the board's shell;
 * the `sftp` subsystem is served by sftp.ts over the board's files unless the board
 * has none (a dropbear board without sftp-server); other subsystems are rejected.
 */
import type { ServerChannel, Session, SFTPWrapper } from 'ssh2';
import { runExecRequest } from './exec-request.ts';
import { runInteractiveShell } from './interactive-shell.ts';
import { serveSftp, type SftpDevice } from './sftp.ts';
import type { ProcessCosts } from './board-costs.ts';

export interface SessionOptions {
  device: SftpDevice;
  /** Serve the `sftp` subsystem. */
  sftp: boolean;
  /** Folders made over SFTP on this board (shared by its SFTP sessions). */
  sftpDirs: Set<string>;
  /** The connection's running commands (aborted when it drops). */
  live: Set<AbortController>;
  /** Accept `shell` requests (false: refused, like a board whose account has no login shell). */
  shell: boolean;
  /** The server's open shell channels (for the `closeShellSessions()` fault). */
  shells: Set<ServerChannel>;
  /** The board's costs (board-costs.ts): the exec'd or login shell starts as a process. */
  costs?: ProcessCosts;
  log: (m: string) => void;
}

export function handleSession(session: Session, o: SessionOptions): void {
  const { device, live, log } = o;
  let pty = false;
  let deliver: ((name: string) => void) | null = null;
  const setDeliver = (d: (name: string) => void): void => {
    deliver = d;
  };
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
    if (!o.sftp) return reject();
    serveSftp(accept(), device, { log, dirs: o.sftpDirs });
  });
  session.on('subsystem', (_accept: unknown, reject: () => void) => reject());

  session.on('exec', (accept: () => ServerChannel, _reject: unknown, info: { command: string }) => {
    runExecRequest({ channel: accept(), command: info.command, pty, device, live, setDeliver, log, costs: o.costs });
  });
  session.on('shell', (accept: () => ServerChannel, reject: () => void) => {
    if (!o.shell) return reject();
    const channel = accept();
    o.shells.add(channel);
    channel.on('close', () => o.shells.delete(channel));
    runInteractiveShell({ channel, pty, device, live, setDeliver, log, costs: o.costs });
  });
}
