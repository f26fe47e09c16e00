/**
 * A session channel's standard streams as a command on a virtual board sees them:
 * output written while the channel is open (through a "terminal" when the client
 * asked for a pty: CRLF line ends and stderr merged into stdout, as a tty's line
 * discipline does with ONLCR), and the input as it arrives (until EOF, or until the
 * command is aborted).
 */
import type { ServerChannel } from 'ssh2';
import { ChunkQueue } from './shell.ts';

export interface ChannelWriter {
  /** Set once the channel is closed or the command's exit was sent: later writes are dropped. */
  closed: boolean;
  stdout(d: string | Buffer): void;
  stderr(d: string | Buffer): void;
}

/** Writes stdout / stderr to a channel while it is open (CRLF on a pty, stderr merged there as a terminal would). */
export function channelWriter(channel: ServerChannel, pty: boolean): ChannelWriter {
  const w: ChannelWriter = {
    closed: false,
    stdout(d) {
      if (w.closed || !channel.writable) return;
      channel.write(pty ? crlf(d) : d);
    },
    stderr(d) {
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

/** The channel's input, chunk by chunk as it arrives; it ends at EOF (or with what came, when aborted). */
export function channelInput(channel: ServerChannel, abort: AbortSignal): ChunkQueue {
  const queue = new ChunkQueue();
  channel.on('data', (d: Buffer) => queue.push(Buffer.from(d)));
  channel.once('end', () => queue.end());
  abort.addEventListener('abort', () => queue.end(), { once: true });
  return queue;
}
