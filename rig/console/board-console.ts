/**
 * A virtual board's serial console (its UART and the getty on it), behind a console
 * server port (console-port.ts):
 * - power off: the UART goes dark (nothing printed, input ignored), the login is gone;
 * - boot: the boot log (boot-log.ts) when the power comes on, then busybox getty's
 *   `<hostname> login: `; a login name, then `Password: ` (not echoed) when the console
 *   has a password, else straight to the shell; a wrong password: `Login incorrect`;
 * - the shell: the board's own shell (the one its SSH server runs), line by line, `$?`
 *   kept across lines, output with CR LF as a tty prints it, prompt `root@<host>:~# `;
 *   typed characters are echoed as they arrive (the tty's echo);
 * - a wedged kernel (`board.hung`): no echo, no command runs, a running one falls silent;
 *   the kernel itself still prints (an oops reaches the console: printk).
 */
import type { Board } from '../device/board.ts';
import { runCommandLine, type ShellState } from '../ssh/shell.ts';
import type { ProcessIO } from '../ssh/types.ts';
import type { ConsolePort } from './console-port.ts';

type State = 'off' | 'booting' | 'login' | 'password' | 'shell';

export interface BoardConsoleOptions {
  board: Board;
  port: ConsolePort;
  /** Accepted login names (the inventory's console user, default root). */
  user: string;
  /** The console login's password; none: no password asked. */
  password?: string;
}

export class BoardConsole {
  // The board booted before anyone connected: getty waits at its login prompt.
  private state: State = 'login';
  private line = '';
  private lastCr = false;
  private user = '';
  private shell: ShellState = { lastStatus: 0 };
  private queue: string[] = [];
  private busy = false;
  private session = new AbortController();
  /** Everything the UART printed (for tests). */
  printed = '';

  constructor(private readonly o: BoardConsoleOptions) {}

  get port(): ConsolePort {
    return this.o.port;
  }

  get powered(): boolean {
    return this.state !== 'off';
  }

  /** The UART prints (kernel messages, the shell's output): LF becomes CR LF as a tty's ONLCR does. */
  print(text: string): void {
    if (this.state === 'off') return;
    const out = text.replace(/\r?\n/g, '\r\n');
    this.printed += out;
    this.o.port.write(out);
  }

  /** The kernel prints lines (printk): they reach the console even on a wedged board. */
  printk(lines: string[]): void {
    this.print(lines.map((l) => `${l}\n`).join(''));
  }

  powerLost(): void {
    this.state = 'off';
    this.reset();
  }

  /** Power came on: the boot log, then getty's login prompt. */
  booted(log: string[]): void {
    this.state = 'booting';
    this.reset();
    this.printk(log);
    this.loginPrompt();
  }

  private reset(): void {
    this.session.abort(new Error('console reset'));
    this.session = new AbortController();
    this.line = '';
    this.queue = [];
    this.shell = { lastStatus: 0 };
  }

  private loginPrompt(): void {
    this.state = 'login';
    this.print(`\n${this.o.board.hostname} login: `);
  }

  private prompt(): void {
    this.print(`root@${this.o.board.hostname}:~# `);
  }

  /** Bytes typed on the console server's port. */
  input(bytes: Buffer): void {
    if (this.state === 'off' || this.state === 'booting' || this.o.board.hung) return;
    for (const b of bytes) {
      const ch = String.fromCharCode(b);
      if (ch === '\r' || ch === '\n' || ch === '\0') {
        // CR LF, CR NUL and a lone CR or LF each end one line.
        const pairEnd = this.lastCr && (ch === '\n' || ch === '\0');
        this.lastCr = ch === '\r';
        if (pairEnd) continue;
        if (this.state !== 'password') this.print('\n');
        const line = this.line;
        this.line = '';
        this.enter(line);
        continue;
      }
      this.lastCr = false;
      if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          if (this.state !== 'password') this.print('\b \b');
        }
        continue;
      }
      if (ch === '\x03') {
        this.line = '';
        this.print('^C\n');
        if (this.state === 'shell' && !this.busy) this.prompt();
        continue;
      }
      if (b < 0x20 && ch !== '\t') continue;
      this.line += ch;
      if (this.state !== 'password') this.print(ch);
    }
  }

  private enter(line: string): void {
    switch (this.state) {
      case 'login':
        if (line.trim() === '') return this.loginPrompt();
        this.user = line.trim();
        if (this.o.password !== undefined) {
          this.state = 'password';
          this.print('Password: ');
          return;
        }
        return this.loggedIn();
      case 'password':
        this.print('\n');
        if (this.user === this.o.user && line === this.o.password) return this.loggedIn();
        this.print('Login incorrect\n');
        return this.loginPrompt();
      case 'shell':
        this.queue.push(line);
        void this.pump();
        return;
      default:
    }
  }

  private loggedIn(): void {
    if (this.user !== this.o.user) {
      this.print('Login incorrect\n');
      return this.loginPrompt();
    }
    this.state = 'shell';
    this.print('\n\nBusyBox v1.4.2 (2007-04-11 17:32:09 CEST) Built-in shell (ash)\n\n');
    this.prompt();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const session = this.session;
    try {
      while (this.queue.length > 0 && !session.signal.aborted) {
        const line = this.queue.shift() as string;
        if (line.trim() !== '') {
          const io: ProcessIO = {
            stdout: { write: (d) => void (this.o.board.hung || session.signal.aborted || this.print(d.toString())) },
            stderr: { write: (d) => void (this.o.board.hung || session.signal.aborted || this.print(d.toString())) },
            readStdin: async () => Buffer.alloc(0),
            onSignal: () => {},
            abort: session.signal,
          };
          try {
            await runCommandLine(line, this.o.board, io, this.shell, { interactive: true, login: true });
          } catch (err) {
            io.stderr.write(`sh: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
          }
          if (this.shell.exited) {
            this.shell = { lastStatus: 0 };
            if (!session.signal.aborted) this.loginPrompt();
            continue;
          }
        }
        // A wedged board prints no prompt: the command "never returned".
        if (!session.signal.aborted && !this.o.board.hung) this.prompt();
      }
    } finally {
      this.busy = false;
    }
  }
}
