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
  /**
   * Standard input as it arrives, until EOF (a command that answers its peer as it
   * goes, like `scp -t`, or a filter in a pipeline). Optional: where it is missing,
   * readStdin() is all there is. A command reads its input one way or the other.
   */
  stdinChunks?(): AsyncIterable<Buffer>;
  /** Called when the client sends a signal (ssh "signal" request), e.g. "INT", "TERM", "KILL". */
  onSignal(listener: (name: string) => void): void;
  /** Aborted when the channel closes or the connection drops: a running command must stop. */
  readonly abort: AbortSignal;
  /** The process id the shell gave this command (what `$!` and `ps` show). */
  readonly pid?: number;
  /** Send this process a signal, as kill(2) would: its listeners, or the default action (it dies with 128 + n). */
  raise?(signal: string): void;
}

export interface VirtualDevice {
  readonly name: string;
  /** A wedged kernel: commands are accepted and never return, running ones fall silent (SSH itself still answers). */
  readonly hung?: boolean;
  /** Run one simple command; resolves with its exit status. Unknown command: write `sh: NAME: not found` to stderr and return 127. */
  run(argv: string[], io: ProcessIO): Promise<number>;
  /** The device's small in-memory filesystem (for redirections, cat, uploads). */
  readFile(path: string): Buffer | undefined;
  writeFile(path: string, data: Buffer, append?: boolean): void;
  /** Delete a file; false when there was none. */
  removeFile?(path: string): boolean | void;
  /** Every file's path (folders are implicit). */
  listFiles?(): string[];
  /** The next process id of the board's process table (a shell's `$$`, its commands and jobs). */
  allocatePid?(): number;
  /** kill(2) on the board's process table: false when there is no such process. */
  signalProcess?(pid: number, signal: string): boolean;
  /** Traffic on one of its interfaces (the SSH server counts its connections on eth0, the management port). */
  countTraffic?(iface: string, rx: { bytes: number; packets: number }, tx: { bytes: number; packets: number }): void;
}
