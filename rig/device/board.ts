/**
 * A virtual Linux 2.6.16 board: in-memory files (flash, and RAM under VOLATILE_DIRS),
 * a process table (every command the board runs, daemons, and the shell's pids; kill(2)
 * through signalProcess), a clock that follows the world's model time, command
 * dispatch with subsystem extensions (the kernel: virtual-kernel.ts), the commands
 * every board has (`uname`, `date`, `hostname`, `sleep`, `ps`, `uptime`) and the /proc
 * files people read on such a board: /proc/uptime and /proc/loadavg (fs/proc/
 * proc_misc.c: `%lu.%02lu %lu.%02lu`, `%lu.%02lu %lu.%02lu %lu.%02lu %ld/%d %d`),
 * /proc/version (the kernel's linux_banner, the same line the kernel logs at boot),
 * /proc/net/dev (net/core/dev.c dev_seq_show(); eth0, the management port, counts the
 * SSH server's traffic, the rest are zeros). The text tools (cat, head, grep...)
 * are busybox's, run by the shell over readFile (rig/ssh/shell/applets/).
 */
import type { ProcessIO, VirtualDevice } from '../ssh/types.ts';
import type { World } from '../world/world.ts';
import { KERNEL_RELEASE } from './kernel/board-image.ts';

export type CommandHandler = (args: string[], io: ProcessIO) => Promise<number> | number;

/** The kernel build every virtual board runs (`uname -v`). */
export const KERNEL_BUILD = '#1 Tue Mar 20 10:12:44 CET 2007';

/** init/version.c linux_banner: /proc/version, and the first line the kernel logs at boot. */
export function linuxBanner(release: string): string {
  return `Linux version ${release} (build@rig) (gcc version 3.4.4) ${KERNEL_BUILD}`;
}

interface Proc {
  pid: number;
  command: string;
  /** Deliver a signal (a running command); absent for a daemon. */
  signal?: (name: string) => void;
}

/** A network interface's counters, as /proc/net/dev shows them. */
export interface NetDevice {
  name: string;
  rxBytes?: number;
  rxPackets?: number;
  txBytes?: number;
  txPackets?: number;
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
  /**
   * The kernel is wedged (a `hang` or `oops` fault): SSH still accepts, but no command
   * returns and running ones print nothing more. Power loss clears it, unless the fault
   * holds it until `hungUntilModelMs` (a board that hangs again at every boot).
   */
  hung = false;
  hungUntilModelMs = 0;

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
    this.commands.set('uptime', (_a, io) => this.uptime(io));
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
    // In the process table while it runs (what `ps` lists, what `kill PID` reaches).
    const pid = io.pid ?? this.nextPid++;
    this.procs.set(pid, { pid, command: argv.join(' '), signal: io.raise ? (n) => io.raise?.(n) : undefined });
    try {
      return await handler(args, io);
    } finally {
      if (this.procs.get(pid)?.command === argv.join(' ')) this.procs.delete(pid);
    }
  }

  readFile(path: string): Buffer | undefined {
    if (path.startsWith('/proc/')) {
      const text = this.procFile(path);
      if (text !== undefined) return Buffer.from(text);
    }
    return this.files.get(path);
  }

  /** The next pid of the board's process table. */
  allocatePid(): number {
    return this.nextPid++;
  }

  /**
   * kill(2): a running command gets the signal (its own handling, or its default
   * action); a daemon dies of any terminating signal. False when there is no such pid.
   */
  signalProcess(pid: number, signal: string): boolean {
    const p = this.procs.get(pid);
    if (!p) return false;
    if (p.signal) p.signal(signal);
    else if (!['CHLD', 'CONT', 'STOP', 'TSTP', 'TTIN', 'TTOU', 'USR1', 'USR2'].includes(signal)) this.daemonKilled(p.pid, p.command.split(' ')[0]);
    return true;
  }

  /** A daemon was killed by pid: it is gone (wireless boards also undo what it did). */
  protected daemonKilled(pid: number, _name: string): void {
    this.procs.delete(pid);
  }

  /** The kernel release `uname -r` prints (and /proc/version names). */
  protected kernelRelease(): string {
    return KERNEL_RELEASE;
  }

  /** Traffic counted on each interface (the SSH server's connections on eth0). */
  private readonly traffic = new Map<string, Required<Omit<NetDevice, 'name'>>>();

  countTraffic(iface: string, rx: { bytes: number; packets: number }, tx: { bytes: number; packets: number }): void {
    const t = this.traffic.get(iface) ?? { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0 };
    t.rxBytes += rx.bytes;
    t.rxPackets += rx.packets;
    t.txBytes += tx.bytes;
    t.txPackets += tx.packets;
    this.traffic.set(iface, t);
  }

  /** Network interfaces in registration order (/proc/net/dev) with what they carried; wireless boards add theirs. */
  protected netDevices(): NetDevice[] {
    return ['lo', 'eth0'].map((name) => ({ name, ...this.traffic.get(name) }));
  }

  /** Seconds since the kernel started. */
  protected uptimeS(): number {
    return Math.max(0, (this.world.sched.now() - this.bootedAtModelMs) / 1000);
  }

  private procFile(path: string): string | undefined {
    switch (path) {
      case '/proc/uptime': {
        const up = this.uptimeS();
        // An idle board: nearly all of its time in the idle task.
        return `${up.toFixed(2)} ${(up * 0.97).toFixed(2)}\n`;
      }
      case '/proc/loadavg':
        return `0.00 0.00 0.00 1/${this.procs.size + 1} ${this.nextPid - 1}\n`;
      case '/proc/version':
        return `${linuxBanner(this.kernelRelease())}\n`;
      case '/proc/net/dev':
        return formatNetDev(this.netDevices());
    }
    return undefined;
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
    this.hung = this.world.sched.now() < this.hungUntilModelMs;
    this.procs.clear();
    this.traffic.clear();
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

  /** A long-running command: run() already keeps every command in the process table while it runs. */
  protected async track<T>(_command: string, body: () => Promise<T>): Promise<T> {
    return body();
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

  /** busybox 1.4 `uname [-asnrvmp]`: the fields asked for, in the order s n r v m p; none asked: -s. */
  private uname(args: string[], io: ProcessIO): number {
    const fields: Record<string, string> = { s: 'Linux', n: this.hostname, r: this.kernelRelease(), v: KERNEL_BUILD, m: 'mips', p: 'unknown' };
    const asked = new Set<string>();
    for (const arg of args) {
      const flags = arg.startsWith('-') ? arg.slice(1) : null;
      const bad = flags === null ? arg : [...flags].find((f) => f !== 'a' && !(f in fields));
      if (flags === null || flags === '' || bad !== undefined) {
        io.stderr.write(flags === null || flags === '' ? 'BusyBox v1.4.2 (2007-04-11 17:32:09 CEST) multi-call binary\n\nUsage: uname [-snrvmpa]\n' : `uname: invalid option -- ${bad}\nBusyBox v1.4.2 (2007-04-11 17:32:09 CEST) multi-call binary\n\nUsage: uname [-snrvmpa]\n`);
        return 1;
      }
      for (const f of flags) for (const k of f === 'a' ? Object.keys(fields) : [f]) asked.add(k);
    }
    if (asked.size === 0) asked.add('s');
    io.stdout.write(`${Object.keys(fields).filter((k) => asked.has(k)).map((k) => fields[k]).join(' ')}\n`);
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

  /** busybox sleep (FANCY_SLEEP: the sum of its arguments, s/m/h/d suffixes) on the board's model clock. */
  private async sleep(args: string[], io: ProcessIO): Promise<number> {
    if (args.length === 0) {
      io.stderr.write('BusyBox v1.4.2 (2007-03-20 10:05:12 CET) multi-call binary\n\nUsage: sleep [N]...\n\n');
      return 1;
    }
    const units: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
    let total = 0;
    for (const a of args) {
      const m = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(a);
      if (!m) {
        io.stderr.write(`sleep: invalid number '${a}'\n`);
        return 1;
      }
      total += Number(m[1]) * units[m[2]];
    }
    return (await this.waitModel(total * 1000, io.abort)) ? 0 : 129;
  }

  /** busybox 1.4.2 procps/uptime.c: ` HH:MM:SS up [D day[s], ]{H:MM|M min}, load average: L1, L5, L15` (board time, UTC). */
  private uptime(io: ProcessIO): number {
    const now = new Date(this.nowMs());
    const two = (n: number): string => String(n).padStart(2, '0');
    const up = Math.floor(this.uptimeS());
    const days = Math.floor(up / 86400);
    const minutes = Math.floor(up / 60);
    const hours = Math.floor(minutes / 60) % 24;
    let line = ` ${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} up `;
    if (days) line += `${days} day${days !== 1 ? 's' : ''}, `;
    line += hours ? `${String(hours).padStart(2)}:${two(minutes % 60)}, ` : `${minutes % 60} min, `;
    const load = (this.procFile('/proc/loadavg') as string).split(' ').slice(0, 3);
    io.stdout.write(`${line}load average: ${load.join(', ')}\n`);
    return 0;
  }

  private ps(io: ProcessIO): number {
    io.stdout.write('  PID USER       VSZ STAT COMMAND\n');
    io.stdout.write('    1 root      1532 S    init\n');
    for (const p of this.procs.values()) {
      io.stdout.write(`${String(p.pid).padStart(5)} root      1200 S    ${p.command}\n`);
    }
    return 0;
  }

}

/** net/core/dev.c (2.6.16) dev_seq_show(): the two header lines, then one line per device. */
export function formatNetDev(devices: NetDevice[]): string {
  const head =
    'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
  const n = (v: number | undefined, w: number): string => String(v ?? 0).padStart(w);
  return (
    head +
    devices
      .map(
        (d) =>
          `${d.name.padStart(6)}:${n(d.rxBytes, 8)} ${n(d.rxPackets, 7)} ${n(0, 4)} ${n(0, 4)} ${n(0, 4)} ${n(0, 5)} ${n(0, 10)} ${n(0, 9)} ` +
          `${n(d.txBytes, 8)} ${n(d.txPackets, 7)} ${n(0, 4)} ${n(0, 4)} ${n(0, 4)} ${n(0, 5)} ${n(0, 7)} ${n(0, 10)}\n`,
      )
      .join('')
  );
}
