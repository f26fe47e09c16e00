/**
 * Signals sent to remote commands over their SSH channel ("signal" channel request,
 * RFC 4254 6.9). Servers differ in what they do with them: dropbear delivers them;
 * OpenSSH refuses them for root sessions (session.c, session_signal_req: "session
 * signalling requires privilege separation"), so callers that must stop a command
 * also close its channel.
 */
import type { ClientChannel } from 'ssh2';

/** Signal names the SSH protocol defines (RFC 4254 6.10). */
const SSH_SIGNALS = new Set(['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT', 'SEGV', 'TERM', 'USR1', 'USR2']);

/** `sigint`, `SIGINT`, `INT` -> `INT`; throws TypeError for a name SSH cannot send. */
export function normalizeSignal(name: string): string {
  const n = name.toUpperCase().replace(/^SIG/, '');
  if (!SSH_SIGNALS.has(n)) throw new TypeError(`unknown signal "${name}" (SSH allows ${[...SSH_SIGNALS].join(', ')})`);
  return n;
}

/**
 * Send a signal on a channel, even after our side sent EOF (ssh2's `signal()` refuses
 * then, but every command here gets EOF on stdin at once). False when the channel is
 * no longer open.
 */
export function sendSignal(ch: ClientChannel, name: string): boolean {
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

/** KILL the command of a channel that is going away, ignoring a channel already gone. */
export function killQuietly(ch: ClientChannel): void {
  try {
    sendSignal(ch, 'KILL');
  } catch {
    /* the channel is going anyway */
  }
}
