/**
 * An `exec` request on a virtual board (RFC 4254, 6.5): the command line runs through
 * the board's shell; stdout and stderr are sent as they are written; then
 * `exit-status`, or `exit-signal` when the status is 128 + n and signal n was
 * delivered to the session (6.10); then the channel closes. Channel close or
 * connection drop aborts the command, and the channel is closed whatever the command does.
 */
import type { ServerChannel } from 'ssh2';
import { channelWriter, collectStdin } from './channel-io.ts';
import { runCommandLine, signalForStatus } from './shell.ts';
import type { ProcessIO, VirtualDevice } from './types.ts';

export interface ExecRequest {
  channel: ServerChannel;
  command: string;
  /** The client asked for a pty (`ssh -t`). */
  pty: boolean;
  device: VirtualDevice;
  /** The connection's running commands (aborted when it drops). */
  live: Set<AbortController>;
  /** Route the session's `signal` requests to this command. */
  setDeliver(deliver: (name: string) => void): void;
  log: (m: string) => void;
}

export function runExecRequest(r: ExecRequest): void {
  const { channel, device, live, log } = r;
  const ctl = new AbortController();
  live.add(ctl);
  // With a pty (`ssh -t`), output goes through a "terminal": CRLF, stderr merged.
  const out = channelWriter(channel, r.pty);
  const signals = new Set<string>();
  const signalListeners: ((name: string) => void)[] = [];
  r.setDeliver((name) => {
    signals.add(name);
    for (const l of signalListeners) l(name);
  });
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
  log(`${device.name}: exec ${JSON.stringify(r.command)}`);

  const finish = (status: number): void => {
    live.delete(ctl);
    if (out.closed) return;
    const sig = signalForStatus(status);
    if (sig !== undefined && signals.has(sig)) channel.exit(sig, false, '');
    else channel.exit(status);
    out.closed = true;
    channel.end();
  };
  runCommandLine(r.command, device, io).then(finish, (err: unknown) => {
    out.stderr(`sh: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    finish(1);
  });
}
