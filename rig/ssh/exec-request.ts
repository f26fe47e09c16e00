/**
 * An `exec` request on a virtual board (RFC 4254, 6.5): the command line runs through
 * the board's shell, reading the channel's input as it arrives (scp's protocol talks
 * both ways); stdout and stderr are sent as they are written; once the line and the
 * background jobs still writing to the channel are done (as sshd waits for the
 * session's output to close), `exit-status`, or `exit-signal` when the status is
 * 128 + n and signal n was delivered to the session (6.10); then the channel closes.
 * Channel close or connection drop aborts the command and its attached jobs, and the
 * channel is closed whatever the command does. On a wedged board (`device.hung`) the
 * command does not run at all, and a running one prints nothing more and never ends.
 */
import type { ServerChannel } from 'ssh2';
import { channelInput, channelWriter } from './channel-io.ts';
import { attachedJobsDone, runCommandLine, signalForStatus, type ShellState } from './shell.ts';
import type { ProcessIO, VirtualDevice } from './types.ts';
import { pay, type ProcessCosts } from './board-costs.ts';

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
  /** The board's costs (board-costs.ts): the server starts `sh -c COMMAND` as a process. */
  costs?: ProcessCosts;
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
  const stdin = channelInput(channel, ctl.signal);
  // A wedged board: what its commands print never reaches the wire.
  const io: ProcessIO = {
    stdout: { write: (d) => void (device.hung || out.stdout(d)) },
    stderr: { write: (d) => void (device.hung || out.stderr(d)) },
    readStdin: () => stdin.read(),
    stdinChunks: () => stdin.chunks(),
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
  log(`${device.name}: exec ${JSON.stringify(maskWepKeys(r.command))}`);

  const finish = (status: number): void => {
    live.delete(ctl);
    if (out.closed) return;
    // Never returns while wedged: the channel stays open until the client or the power gives up.
    if (device.hung) return;
    const sig = signalForStatus(status);
    if (sig !== undefined && signals.has(sig)) channel.exit(sig, false, '');
    else channel.exit(status);
    out.closed = true;
    channel.end();
  };
  const state: ShellState = { lastStatus: 0 };
  if (device.hung) return;
  Promise.resolve(pay(r.costs?.start(['sh'])))
    .then(() => runCommandLine(r.command, device, io, state, { costs: r.costs }))
    .then(async (status) => {
      await attachedJobsDone(state, ctl.signal);
      return status;
    })
    .then(finish, (err: unknown) => {
      out.stderr(`sh: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      finish(1);
    });
}

/**
 * The command as the rig's log shows it: the value of an iwconfig `key` (a WEP key on
 * the board's command line) replaced by ****, whatever its quoting.
 */
export function maskWepKeys(command: string): string {
  if (!/\biwconfig\b/.test(command)) return command;
  const words = command.split(/(\s+)/);
  let inKey = false;
  return words
    .map((w) => {
      if (/^\s+$/.test(w)) return w;
      const bare = w.replace(/^['"]|['"]$/g, '');
      if (/^(key|enc|encryption)$/i.test(bare)) {
        inKey = true;
        return w;
      }
      if (!inKey) return w;
      if (/^(\[\d\]|open|restricted|on|off)$/i.test(bare)) return w;
      if (/^(essid|channel|freq|mode|rate|txpower|ap|nick)$/i.test(bare)) {
        inKey = false;
        return w;
      }
      return '****';
    })
    .join('');
}
