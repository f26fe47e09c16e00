/** Result of one remote command, execa-style. */
export interface ExecResult {
  command: string;
  /** Exit status; null when the command was killed by a signal or timed out. */
  exitCode: number | null;
  /** Signal name when the remote side reported one (e.g. "INT", "KILL"). */
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

export interface ExecOptions {
  /** Command timeout in real milliseconds (independent of the connect deadline). */
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then EOF. */
  stdin?: string | Buffer;
  /** Texts in the command that are secrets (a WEP key): never in a log line or an error. */
  secrets?: string[];
}

export interface StreamOptions {
  /**
   * Run the command on a pseudo-terminal (`ssh -tt`): for programs that buffer their
   * output, or quit, when it is not a terminal (interactive `wpa_cli`). Its stdin then stays
   * open (nothing is written to it) instead of getting EOF at once; its output comes as a
   * terminal writes it (CR LF line ends, stderr merged into stdout).
   */
  pty?: boolean;
}

/** A long-running remote command (ping, iwevent) whose output arrives as lines. */
export interface RemoteProcess {
  readonly command: string;
  /** Called for each complete line (without the newline) as it arrives; `receivedAt` is epoch ms, sub-millisecond (performance.timeOrigin + performance.now()). */
  onLine(listener: (line: string, stream: 'stdout' | 'stderr', receivedAt: number) => void): void;
  /** Resolves when the remote command ends (exit, signal, channel closed or connection lost). */
  readonly done: Promise<ExecResult>;
  /** Send a signal (e.g. "INT") over the channel; resolves once sent. */
  signal(name: string): void;
  /** End the command (SSH: KILL it, then close the channel; a closed channel alone does not stop a command on dropbear). */
  close(): void;
}

/** What the controllers need from a device connection. Implemented by SshDevice. */
export interface DeviceShell {
  readonly name: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  stream(command: string, options?: StreamOptions): RemoteProcess;
  close(): Promise<void>;
}
