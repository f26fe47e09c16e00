/**
 * A virtual Linux 2.6.16 board: in-memory files (flash, and RAM under VOLATILE_DIRS),
 * a process table, a clock that follows the world's model time, command dispatch with
 * subsystem extensions (the kernel: virtual-kernel.ts), and the commands every board
 * has (`uname`, `date`, `hostname`, `sleep`, `ps`, `cat`).
 */
import type { ProcessIO, VirtualDevice } from '../ssh/types.ts';
import type { World } from '../world/world.ts';

export type CommandHandler = (args: string[], io: ProcessIO) => Promise<number> | number;

interface Proc {
  pid: number;
  command: string;
}

/**
 * What a subsystem (the virtual kernel: modules, storage, reboot) adds to a board:
 * commands, a check before every command, a look at every file written, and what a
 * reboot resets.
 */
export interface BoardExtension {
  commands?: Record<string, CommandHandler>;
  /** Runs before every command: a number ends the command with that status (the hook wrote its output), null lets it run. */
  beforeCommand?(argv: string[], io: ProcessIO): Promise<number | null> | number | null;
  /** After a file was written, with what is stored now; a Buffer returned replaces it. */
  afterWrite?(path: string, stored: Buffer): Buffer | void;
  /** The board restarts (runtime state is already gone). */
  onReboot?(): void;
}

/** Files in these folders live in RAM (tmpfs): a reboot loses them. Everything else is flash. */
export const VOLATILE_DIRS = ['/tmp/', '/var/run/'];

/**
 * A virtual Linux 2.6.16 board: in-memory files, a process table, a clock that
 * follows the world's model time, and the commands every board has. Wireless
 * boards (client, AP) add their own commands.
 */
export class Board implements VirtualDevice {
  private readonly files = new Map<string, Buffer>();
  private readonly procs = new Map<number, Proc>();
  private nextPid = 300;
  protected readonly commands = new Map<string, CommandHandler>();
  private readonly extensions: BoardExtension[] = [];
  /** Board clock offset from the world's epoch (a fault can make it jump). */
  clockOffsetMs = 0;
  /** Model time of the last boot (/proc/uptime counts from here). */
  protected bootedAtModelMs = 0;

  constructor(
    readonly name: string,
    protected readonly world: World,
    readonly hostname: string,
  ) {
    this.commands.set('uname', (a, io) => this.uname(a, io));
    this.commands.set('date', (a, io) => this.date(a, io));
    this.commands.set('hostname', (_a, io) => (io.stdout.write(`${this.hostname}\n`), 0));
    this.commands.set('sleep', (a, io) => this.sleep(a, io));
    this.commands.set('ps', (_a, io) => this.ps(io));
    this.commands.set('cat', (a, io) => this.cat(a, io));
  }

  async run(argv: string[], io: ProcessIO): Promise<number> {
    for (const ext of this.extensions) {
      const status = ext.beforeCommand ? await ext.beforeCommand(argv, io) : null;
      if (status !== null) return status;
    }
    const [cmd, ...args] = argv;
    const handler = this.commands.get(cmd ?? '');
    if (!handler) {
      io.stderr.write(`sh: ${cmd}: not found\n`);
      return 127;
    }
    return handler(args, io);
  }

  readFile(path: string): Buffer | undefined {
    return this.files.get(path);
  }

  writeFile(path: string, data: Buffer, append = false): void {
    const old = append ? this.files.get(path) : undefined;
    this.files.set(path, old ? Buffer.concat([old, data]) : data);
    for (const ext of this.extensions) {
      const replaced = ext.afterWrite?.(path, this.files.get(path) as Buffer);
      if (replaced) this.files.set(path, replaced);
    }
  }

  removeFile(path: string): boolean {
    return this.files.delete(path);
  }

  /** Every file's path (the SFTP server lists folders from it). */
  listFiles(): string[] {
    return [...this.files.keys()];
  }

  /** Add a subsystem's commands and hooks (see BoardExtension). */
  extend(ext: BoardExtension): void {
    for (const [name, handler] of Object.entries(ext.commands ?? {})) this.commands.set(name, handler);
    this.extensions.push(ext);
  }

  /**
   * Power cycle, as far as the board's own state goes: every process and every file
   * in RAM (VOLATILE_DIRS) is gone; files in flash stay. Extensions then reset what
   * they hold (loaded modules...). Dropping SSH connections is the server's part.
   */
  reboot(): void {
    this.procs.clear();
    for (const path of [...this.files.keys()]) {
      if (VOLATILE_DIRS.some((d) => path.startsWith(d))) this.files.delete(path);
    }
    for (const ext of this.extensions) ext.onReboot?.();
  }

  /** The kernel starts (power on, or the end of a reboot): /proc/uptime counts from now. */
  kernelStarted(): void {
    this.bootedAtModelMs = this.world.sched.now();
  }

  /** Board wall clock now (epoch ms). */
  nowMs(): number {
    return this.world.epochMs() + this.clockOffsetMs;
  }

  /** Processes running on the board (what `ps` shows). */
  processes(): string[] {
    return [...this.procs.values()].map((p) => p.command);
  }

  /** A background daemon (`-B`): listed by `ps` until stopped. */
  protected startDaemon(command: string): number {
    const pid = this.nextPid++;
    this.procs.set(pid, { pid, command });
    return pid;
  }

  protected stopDaemons(name: string): number {
    let n = 0;
    for (const [pid, p] of this.procs) {
      if (p.command.split(' ')[0] === name) {
        this.procs.delete(pid);
        n++;
      }
    }
    return n;
  }

  /** Register a long-running process for its lifetime. */
  protected async track<T>(command: string, body: () => Promise<T>): Promise<T> {
    const pid = this.nextPid++;
    this.procs.set(pid, { pid, command });
    try {
      return await body();
    } finally {
      this.procs.delete(pid);
    }
  }

  /** Wait model time (abortable); resolves false when aborted. */
  protected waitModel(ms: number, abort: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (abort.aborted) return resolve(false);
      const t = this.world.sched.after(ms, () => {
        abort.removeEventListener('abort', onAbort);
        resolve(true);
      });
      const onAbort = (): void => {
        t.cancel();
        resolve(false);
      };
      abort.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Resolves with the first signal name, or 'HUP' when the channel closes. */
  protected untilSignal(io: ProcessIO): Promise<string> {
    return new Promise((resolve) => {
      if (io.abort.aborted) return resolve('HUP');
      io.onSignal((name) => resolve(name));
      io.abort.addEventListener('abort', () => resolve('HUP'), { once: true });
    });
  }

  private uname(args: string[], io: ProcessIO): number {
    const a = args.includes('-a');
    if (a) io.stdout.write(`Linux ${this.hostname} 2.6.16 #1 Tue Mar 20 10:12:44 CET 2007 mips unknown\n`);
    else if (args.includes('-r')) io.stdout.write('2.6.16\n');
    else if (args.includes('-m')) io.stdout.write('mips\n');
    else io.stdout.write('Linux\n');
    return 0;
  }

  private date(args: string[], io: ProcessIO): number {
    const now = this.nowMs();
    const fmt = args.find((x) => x.startsWith('+'));
    if (fmt === '+%s') io.stdout.write(`${Math.floor(now / 1000)}\n`);
    else if (fmt) {
      io.stderr.write(`date: unsupported format ${fmt}\n`);
      return 1;
    } else io.stdout.write(`${new Date(now).toUTCString().replace(/GMT$/, 'UTC')}\n`);
    return 0;
  }

  private async sleep(args: string[], io: ProcessIO): Promise<number> {
    const s = Number(args[0]);
    if (!Number.isFinite(s) || s < 0) {
      io.stderr.write(`sleep: invalid number '${args[0] ?? ''}'\n`);
      return 1;
    }
    return (await this.waitModel(s * 1000, io.abort)) ? 0 : 130;
  }

  private ps(io: ProcessIO): number {
    io.stdout.write('  PID USER       VSZ STAT COMMAND\n');
    io.stdout.write('    1 root      1532 S    init\n');
    for (const p of this.procs.values()) {
      io.stdout.write(`${String(p.pid).padStart(5)} root      1200 S    ${p.command}\n`);
    }
    return 0;
  }

  private async cat(args: string[], io: ProcessIO): Promise<number> {
    if (args.length === 0) {
      io.stdout.write(await io.readStdin());
      return 0;
    }
    let rc = 0;
    for (const f of args) {
      const data = f === '/proc/uptime' ? Buffer.from(`${((this.world.sched.now() - this.bootedAtModelMs) / 1000).toFixed(2)} 0.00\n`) : this.files.get(f);
      if (!data) {
        io.stderr.write(`cat: ${f}: No such file or directory\n`);
        rc = 1;
      } else io.stdout.write(data);
    }
    return rc;
  }
}
