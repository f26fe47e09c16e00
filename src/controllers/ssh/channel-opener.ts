/**
 * Opening exec channels on one SSH connection within its limits:
 * - At most `maxSessions` channels (default 10, OpenSSH's MaxSessions) are open at once;
 *   further requests queue. If the server refuses a channel anyway while others are
 *   open, the limit is lowered to what it accepted and the request waits for a free one.
 * - dropbear 2022.82 to 2024.85 loses channels opened while another closes (its issue
 *   #321): on those servers execs run one at a time (see `serializesExecs`).
 * - The same slots and lock hold for the long-lived shell sessions (`kind: 'shell'`,
 *   shell-session.ts), opened with a `shell` request instead of `exec`.
 */
import type { ClientChannel, Client as SshClient } from 'ssh2';
import { ChannelSlots } from './channel-slots.ts';
import type { ConnectionState } from './connection-state.ts';

/** Refusals of a request while no other channel was open that it retries (a channel closing meanwhile) before failing. */
const MAX_LONELY_REFUSALS = 3;

/** The request was withdrawn (timed out, or closed) before its channel opened. */
export class OpenCancelled extends Error {}

/**
 * Opens a channel running `command`, calling `attach` with it. Rejects with
 * OpenCancelled when `cancelled()` turned true while it waited, with a BenchError otherwise.
 */
export type OpenChannel = (command: string, cancelled: () => boolean, attach: (ch: ClientChannel) => void) => Promise<void>;

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

export class ChannelOpener {
  private readonly slots: ChannelSlots;
  /** Set on servers whose channel openings must not overlap other channels' (serializesExecs). */
  private readonly execLock: ChannelSlots | undefined;
  private readonly channels = new Set<ClientChannel>();
  /** Slots held for good by refused `shell` requests (their channels stay open on the server). */
  private stranded = 0;

  constructor(
    private readonly client: SshClient,
    private readonly state: ConnectionState,
    private readonly opts: { name: string; maxSessions?: number; serverSoftware: string; log: (msg: string) => void },
  ) {
    this.slots = new ChannelSlots(Math.max(1, opts.maxSessions ?? 10));
    if (serializesExecs(opts.serverSoftware)) {
      this.execLock = new ChannelSlots(1);
      opts.log(`${opts.name}: ${opts.serverSoftware} loses a new channel when another closes at that moment (dropbear #321): running its commands one at a time`);
    }
  }

  /**
   * Take a channel slot and open an exec channel; the slot is released when the channel
   * closes. `attach` runs synchronously inside ssh2's callback: the server's output, its
   * exit status and the close may arrive in the same TCP segment as the exec reply, and an
   * 'exit' event emitted before listeners are attached would be lost.
   */
  async open(command: string, cancelled: () => boolean, attach: (ch: ClientChannel) => void, kind: 'exec' | 'stream' | 'pty-stream' | 'shell'): Promise<void> {
    // On servers that need it (see serializesExecs) no channel opens while another opens or an
    // exec runs: an exec holds the lock until its channel closes, a stream or a shell session until it is open.
    const lock = this.execLock;
    if (lock) {
      try {
        await lock.acquire();
      } catch {
        throw this.state.disconnectedError(command);
      }
    }
    let lockHeld = lock !== undefined;
    const releaseLock = (): void => {
      if (lockHeld) lock?.release();
      lockHeld = false;
    };
    try {
      await this.openInSlot(command, kind === 'shell' ? 'shell' : kind === 'pty-stream' ? 'pty' : 'exec', cancelled, (ch) => {
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

  /** Fail every request still waiting for a slot or the lock (the connection is gone). */
  failQueued(err: Error): void {
    this.slots.failAll(err);
    this.execLock?.failAll(err);
  }

  /** Close every open channel. */
  closeAll(): void {
    for (const ch of this.channels) ch.close();
  }

  private async openInSlot(command: string, how: 'exec' | 'pty' | 'shell', cancelled: () => boolean, attach: (ch: ClientChannel) => void): Promise<void> {
    let lonelyRefusals = 0;
    for (;;) {
      try {
        await this.slots.acquire();
      } catch {
        throw this.state.disconnectedError(command);
      }
      if (cancelled()) {
        this.slots.release();
        throw new OpenCancelled();
      }
      if (!this.state.usable) {
        this.slots.release();
        throw this.state.disconnectedError(command);
      }
      try {
        await new Promise<void>((resolve, reject) => {
          try {
            const opened = (err: Error | undefined, ch: ClientChannel): void => {
              if (err) return reject(err);
              this.channels.add(ch);
              ch.once('close', () => {
                this.channels.delete(ch);
                this.slots.release();
              });
              attach(ch);
              resolve();
            };
            // A shell session (shell-session.ts): the login shell on a channel without a pty.
            if (how === 'shell') this.client.shell(false, opened);
            // A pty stream (`ssh -tt`): a dumb terminal wide enough that nothing wraps.
            else if (how === 'pty') this.client.exec(command, { pty: { term: 'dumb', cols: 1024, rows: 24, width: 0, height: 0 } }, opened);
            else this.client.exec(command, opened);
          } catch (e) {
            reject(e);
          }
        });
        return;
      } catch (err) {
        const othersOpen = this.slots.inUse - 1;
        const reason = (err as { reason?: unknown }).reason;
        // A refused `shell` request (no `reason`: the channel itself was opened): ssh2 leaves
        // that channel open on both sides, so it keeps counting against the server's limit.
        if (how === 'shell' && reason === undefined && this.state.connected) {
          this.stranded++;
          throw this.state.channelError(command, err);
        }
        this.slots.release();
        // The server's session limit: OpenSSH answers 2 CONNECT_FAILED ("open failed"),
        // others 1 ADMINISTRATIVELY_PROHIBITED or 4 RESOURCE_SHORTAGE. `othersOpen` counts
        // requests still opening too (several refused at once each see the others), so the
        // limit never drops to the stranded slots alone: that would leave no slot to wait for.
        // A channel may have closed since the server refused (the others counted then): a few
        // refusals with no other open channel are retried, after a pause, before giving up.
        if (this.state.connected && (reason === 1 || reason === 2 || reason === 4) && (othersOpen > this.stranded || ++lonelyRefusals <= MAX_LONELY_REFUSALS)) {
          const limit = Math.max(othersOpen, this.stranded + 1);
          if (limit < this.slots.limit) {
            this.slots.limit = limit;
            this.opts.log(`${this.opts.name}: server refused a channel, limiting to ${limit} at once`);
          }
          if (othersOpen <= this.stranded) await new Promise((r) => setTimeout(r, 20 * lonelyRefusals));
          continue;
        }
        throw this.state.channelError(command, err);
      }
    }
  }
}
