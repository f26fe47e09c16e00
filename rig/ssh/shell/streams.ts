/**
 * Where a command of the virtual board shell reads and writes: sinks (the session's
 * channel, a file, /dev/null, a pipe) and sources (the channel's input as it arrives,
 * a file, a pipe, /dev/null), and the three file descriptors a command gets.
 *
 * A pipe is a queue of chunks between two commands that run at the same time (XCU
 * 2.9.2): the reader gets what the writer wrote as it is written, and EOF when the
 * writer's end is closed. Once its reader is gone, a write to it is a broken pipe
 * (the writer gets SIGPIPE, as pipe(7) describes).
 */
import type { VirtualDevice } from '../types.ts';

export interface Sink {
  write(data: string | Buffer): void;
  /** The session's own output (the SSH channel): a background job writing here keeps an exec session open. */
  readonly channel?: boolean;
}

/** Where a command's standard input comes from. */
export interface Source {
  /** Everything until EOF. */
  read(): Promise<Buffer>;
  /** The input as it arrives, until EOF. */
  chunks(): AsyncIterable<Buffer>;
}

/** stdin, stdout, stderr. */
export type Fds = [Source, Sink, Sink];

export const EMPTY = Buffer.alloc(0);
export const nullSink: Sink = { write() {} };

async function* noChunks(): AsyncIterable<Buffer> {}
export const emptySource: Source = { read: async () => EMPTY, chunks: noChunks };

export function bufferSource(b: Buffer): Source {
  return {
    read: async () => b,
    async *chunks() {
      if (b.length > 0) yield b;
    },
  };
}

/**
 * Chunks that arrive over time (a channel's input, a pipe): read by one consumer,
 * either whole (read) or as they come (chunks). Ends at `end()`; `abort()` ends it too.
 */
export class ChunkQueue implements Source {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  push(chunk: Buffer): void {
    if (this.ended || chunk.length === 0) return;
    this.queue.push(chunk);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  async *chunks(): AsyncIterable<Buffer> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async read(): Promise<Buffer> {
    const all: Buffer[] = [];
    for await (const c of this.chunks()) all.push(c);
    return Buffer.concat(all);
  }
}

/** The line's own stdin: the first command that reads it gets it, later ones get EOF. */
export function onceSource(inner: Source): Source {
  let used = false;
  const take = (): Source => {
    if (used) return emptySource;
    used = true;
    return inner;
  };
  return { read: () => take().read(), chunks: () => take().chunks() };
}

/** A pipe between two concurrent commands. */
export class Pipe {
  private readonly queue = new ChunkQueue();
  private readerGone = false;
  /** Called when something is written after the reader has gone (SIGPIPE to the writer). */
  onBroken: () => void = () => {};

  readonly sink: Sink = {
    write: (d) => {
      if (this.readerGone) return this.onBroken();
      this.queue.push(typeof d === 'string' ? Buffer.from(d, 'utf8') : Buffer.from(d));
    },
  };

  readonly source: Source = this.queue;

  /** The writer is done: the reader sees EOF. */
  closeWriter(): void {
    this.queue.end();
  }

  /** The reader is done: further writes are a broken pipe. */
  closeReader(): void {
    this.readerGone = true;
  }
}

/** A file on the device, appended to by every write (the redirection already truncated or created it). */
export function fileSink(device: VirtualDevice, path: string): Sink {
  return { write: (d) => device.writeFile(path, Buffer.from(d), true) };
}
