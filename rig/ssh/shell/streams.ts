/**
 * Where a command of the virtual board shell reads and writes: sinks (stdout, stderr,
 * a file, /dev/null, a pipe buffer) and sources (the line's stdin, a file, a pipe
 * buffer, /dev/null), and the three file descriptors a command gets.
 */
import type { VirtualDevice } from '../types.ts';

export interface Sink {
  write(data: string | Buffer): void;
}

/** Where a command's standard input comes from. `read` is called at most once per command. */
export interface Source {
  read(): Promise<Buffer>;
}

/** stdin, stdout, stderr. */
export type Fds = [Source, Sink, Sink];

export const EMPTY = Buffer.alloc(0);
export const nullSink: Sink = { write() {} };
export const emptySource: Source = { read: async () => EMPTY };
export const bufferSource = (b: Buffer): Source => ({ read: async () => b });

/** The line's own stdin: the first command that reads it gets it all, later ones get EOF. */
export function onceSource(read: () => Promise<Buffer>): Source {
  let used = false;
  return {
    read: async () => {
      if (used) return EMPTY;
      used = true;
      return read();
    },
  };
}

/** A file on the device, appended to by every write (the redirection already truncated or created it). */
export function fileSink(device: VirtualDevice, path: string): Sink {
  return { write: (d) => device.writeFile(path, Buffer.from(d), true) };
}
