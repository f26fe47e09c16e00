/**
 * What `SshDevice.connect()` is given: where the board is, how to log in, how to check
 * its host key, and the connection's limits (deadline, keepalive, algorithms, channels).
 */
import type { Algorithms } from 'ssh2';

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
  /**
   * How commands run: `shell` (default) in long-lived shell sessions on the board
   * (shell-pool.ts), falling back to exec channels when the board's shell cannot be
   * used; `exec`, one exec channel per command.
   */
  commandChannel?: 'shell' | 'exec';
  /** Shell sessions open at once (default 3; `commandChannel: 'shell'`). */
  shellSessions?: number;
  /**
   * Let shell sessions run the commands fast-path.ts allows without a new shell (`eval`
   * in a subshell; default true). false: every command through `sh -c` (to measure the
   * difference, or to rule the fast path out).
   */
  shellFastPath?: boolean;
  log?: (msg: string) => void;
}

/** How the login was attempted, for messages (never the secret itself). */
export function authKind(auth: SshAuth): string {
  if ('password' in auth) return 'password';
  if ('privateKey' in auth) return 'public key';
  return 'ssh-agent';
}
