/**
 * The contract between the virtual rig's SSH server (and its little shell) and a
 * virtual device. The server parses the command line; the device runs one
 * simple command (argv) at a time.
 */
export interface ProcessIO {
  /** What the command writes to its standard output / error. */
  stdout: { write(data: string | Buffer): void };
  stderr: { write(data: string | Buffer): void };
  /** The whole of standard input (resolves at EOF; empty when there is none). */
  readStdin(): Promise<Buffer>;
  /** Called when the client sends a signal (ssh "signal" request), e.g. "INT", "TERM", "KILL". */
  onSignal(listener: (name: string) => void): void;
  /** Aborted when the channel closes or the connection drops: a running command must stop. */
  readonly abort: AbortSignal;
}

export interface VirtualDevice {
  readonly name: string;
  /** Run one simple command; resolves with its exit status. Unknown command: write `sh: NAME: not found` to stderr and return 127. */
  run(argv: string[], io: ProcessIO): Promise<number>;
  /** The device's small in-memory filesystem (for redirections, cat, uploads). */
  readFile(path: string): Buffer | undefined;
  writeFile(path: string, data: Buffer, append?: boolean): void;
  /** Delete a file; false when there was none. */
  removeFile?(path: string): boolean | void;
}
