/**
 * The virtual board's kernel, as far as flashing madwifi needs it: loadable modules
 * (`insmod`, `rmmod`, `lsmod`, `modprobe`), the kernel log (`dmesg`), checksums
 * (`sha256sum`, `md5sum`), a few file tools (`cp`, `mv`, `mkdir`, `ls`, `sync`) and
 * `reboot`.
 *
 * - Modules are the virtual rig's module files (src/firmware/virtual-module.ts): a
 *   file that does not parse, was built for another kernel (vermagic) or whose
 *   dependencies are not loaded does not load, with the kernel's messages.
 * - What is loaded decides the driver: no ath_pci, no wifi0 (`wlanconfig ... create`
 *   fails); the loaded wlan_scan_sta and wlan decide the station's roam check and
 *   deferred leave (the `driverChanged` hook; the lab passes it to the world).
 * - Storage: files under VOLATILE_DIRS (/tmp, /var/run) live in RAM; the rest
 *   (/lib/modules/2.6.16/net/*.ko, /etc/modules) is flash. `reboot` (or `reboot()`)
 *   drops SSH for the boot time, forgets processes, RAM files and loaded modules,
 *   then boots: loads the modules listed in /etc/modules from the module folder.
 * - Faults for tests: `faults.corruptUploads(n)`, `faults.failInsmod(module)`,
 *   `faults.rebootOn(predicate)`.
 */
import { basename } from 'node:path';
import { VIRTUAL_TARGET } from '../../src/firmware/build-virtual.ts';
import { loadManifest, md5Hex, moduleDirFor, sha256Hex, variantOf, verifyLocalFiles, type Manifest } from '../../src/firmware/manifest.ts';
import { parseVirtualModule } from '../../src/firmware/virtual-module.ts';
import type { ProcessIO } from '../ssh/types.ts';
import type { World } from '../world/world.ts';
import type { Board, BoardExtension, CommandHandler } from './board.ts';
import { ClientBoard } from './client-board.ts';

export interface DriverState {
  /** sta_roam_check() runs from sta_age(): the loaded wlan_scan_sta has it. */
  roamCheck: boolean;
  /** The loaded wlan defers the BSS leave notification this long (0: not at all). */
  deferLeaveMs: number;
}

export interface KernelHooks {
  /** The loaded wlan / wlan_scan_sta changed what the station driver does. */
  driverChanged?(state: DriverState): void;
  /** ath_pci loaded: wifi0 is there, and madwifi creates ath0 in `autocreate` mode (sta unless the module parameter says ap or none). */
  radioAttached?(autocreate: string): void;
  /** ath_pci went away (rmmod, reboot): wifi0 and every VAP on it are gone. */
  radioDetached?(): void;
  /** Reboot: the board stops answering (SSH refuses and drops connections). */
  powerDown?(): void;
  /** Reboot: runtime state outside the board (daemons' effect on the world) is gone. */
  rebooted?(): void;
  /** Boot finished: SSH answers again. */
  powerUp?(): void;
}

export interface KernelOptions {
  /** `uname -r`. */
  release: string;
  /** What a module's vermagic must be to load. */
  vermagic: string;
  /** Where the modules live (flash). */
  moduleDir: string;
  /** Model ms from a reboot until the kernel has booted (default DEFAULT_BOOT_MS, scaled like everything else). */
  bootMs?: number;
  /** Busybox boards often have md5sum only (default true). */
  sha256sum?: boolean;
  /** Wait `ms` of model time. */
  wait: (ms: number) => Promise<void>;
  hooks?: KernelHooks;
}

export interface LoadedModule {
  name: string;
  variant: string;
  release: string;
  banner: string | null;
  memsize: number;
  depends: string[];
  features: Record<string, number>;
  /** The file it was loaded from. */
  path: string;
}

/** Model ms a board takes to boot (under the 20 s a reboot fault keeps SSH away). */
export const DEFAULT_BOOT_MS = 15_000;
/** Kernel ring buffer size (CONFIG_LOG_BUF_SHIFT=14 on these boards). */
const LOG_BUF_CHARS = 16 * 1024;
const MADWIFI_PREFIXES = ['ath_', 'wlan'];

const fail = (io: ProcessIO, message: string, status = 1): number => {
  io.stderr.write(message.endsWith('\n') ? message : `${message}\n`);
  return status;
};

export class VirtualKernel {
  private readonly loaded = new Map<string, LoadedModule>();
  private log: string[] = [];
  private logChars = 0;
  private rebooting: Promise<void> | null = null;
  private booting: Promise<void> | null = null;
  private generation = 0;
  private internalWrite = false;
  private lastDriver = '';

  // faults
  private corruptLeft = 0;
  private readonly corrupting = new Map<string, { at: number; orig: number | null }>();
  private readonly insmodFailures = new Map<string, { left: number; variant: string | null; message: string; dmesg: string }>();
  private readonly rebootTriggers: ((argv: string[]) => boolean)[] = [];

  /** What the board saw: files written by anything but the kernel itself (uploads), per path. */
  readonly stats = { moduleWrites: 0, moduleWritePaths: new Set<string>(), insmods: 0, rmmods: 0, reboots: 0 };

  readonly faults = {
    /** The next `count` module files (`*.ko`) uploaded to the board are stored with one byte flipped. */
    corruptUploads: (count = 1): void => {
      this.corruptLeft = count;
    },
    /**
     * `insmod` of this module (only its `variant` build, when given) fails `count` times
     * (default: every time) with "Cannot allocate memory", as on a board short of vmalloc space.
     */
    failInsmod: (module: string, opts: { variant?: string; count?: number } = {}): void => {
      this.insmodFailures.set(module, {
        left: opts.count ?? Infinity,
        variant: opts.variant ?? null,
        message: 'Cannot allocate memory',
        dmesg: 'allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.',
      });
    },
    /** The board reboots (power cut) when a command matching `predicate` starts; it never runs. Once. */
    rebootOn: (predicate: (argv: string[]) => boolean): void => {
      this.rebootTriggers.push(predicate);
    },
    clear: (): void => {
      this.corruptLeft = 0;
      this.corrupting.clear();
      this.insmodFailures.clear();
      this.rebootTriggers.length = 0;
    },
  };

  constructor(
    readonly board: Board,
    private readonly opts: KernelOptions,
  ) {
    const commands: Record<string, CommandHandler> = {
      insmod: (a, io) => this.insmodCmd(a, io),
      rmmod: (a, io) => this.rmmodCmd(a, io),
      lsmod: (_a, io) => this.lsmodCmd(io),
      modprobe: (a, io) => this.modprobeCmd(a, io),
      dmesg: (a, io) => this.dmesgCmd(a, io),
      md5sum: (a, io) => this.sumCmd('md5sum', md5Hex, a, io),
      reboot: (_a, io) => this.rebootCmd(io),
      sync: () => 0,
      cp: (a, io) => this.copyCmd('cp', a, io),
      mv: (a, io) => this.copyCmd('mv', a, io),
      mkdir: () => 0, // folders are implicit in the board's file store
      ls: (a, io) => this.lsCmd(a, io),
    };
    if (opts.sha256sum !== false) commands.sha256sum = (a, io) => this.sumCmd('sha256sum', sha256Hex, a, io);
    const ext: BoardExtension = {
      commands,
      beforeCommand: (argv, io) => this.beforeCommand(argv, io),
      afterWrite: (path, stored) => this.afterWrite(path, stored),
      onReboot: () => this.onReboot(),
    };
    board.extend(ext);
  }

  get moduleDir(): string {
    return this.opts.moduleDir;
  }

  /**
   * Write module files into flash (module folder) and list them in /etc/modules (one
   * `name [parameters]` line each, in load order), as a factory image would.
   */
  install(files: Map<string, Buffer>, loadOrder: string[], params: Record<string, string[]> = {}): void {
    this.internal(() => {
      for (const [mod, data] of files) this.board.writeFile(`${this.opts.moduleDir}/${mod}.ko`, Buffer.from(data));
      this.board.writeFile('/etc/modules', Buffer.from(loadOrder.map((m) => [m, ...(params[m] ?? [])].join(' ')).join('\n') + '\n'));
    });
  }

  /** Kernel start: boot messages, then every module in /etc/modules from the module folder. */
  boot(): void {
    this.printk(`Linux version ${this.opts.release} (build@rig) (gcc version 3.4.4) #1 Tue Mar 20 10:12:44 CET 2007`);
    this.printk('CPU revision is: 00019064');
    this.printk('Memory: 29304k/32768k available (2124k kernel code, 3448k reserved)');
    this.printk('VFS: Mounted root (jffs2 filesystem).');
    const list = this.board.readFile('/etc/modules')?.toString('utf8') ?? '';
    for (const line of list.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
      const [name, ...params] = line.split(/\s+/);
      const path = `${this.opts.moduleDir}/${name}.ko`;
      const r = this.load(path, params);
      if (typeof r === 'string') this.printk(`init: insmod ${path} failed: ${r}`);
    }
  }

  /**
   * Power-cycle the board: SSH goes away (powerDown), runtime state is lost, the kernel
   * boots after the boot time and SSH answers again (powerUp). Resolves then.
   */
  reboot(): Promise<void> {
    this.rebooting ??= (async () => {
      this.opts.hooks?.powerDown?.();
      this.board.reboot(); // -> onReboot(): modules gone, boot scheduled
      this.opts.hooks?.rebooted?.();
      await this.booting;
      this.opts.hooks?.powerUp?.();
    })().finally(() => {
      this.rebooting = null;
    });
    return this.rebooting;
  }

  /** Resolves when a boot in progress (after any reboot, whoever caused it) is done. */
  whenBooted(): Promise<void> {
    return this.booting ?? Promise.resolve();
  }

  get isRebooting(): boolean {
    return this.rebooting !== null;
  }

  /** Loaded modules, in load order. */
  modules(): LoadedModule[] {
    return [...this.loaded.values()];
  }

  /** The kernel log as `dmesg` prints it. */
  dmesg(): string[] {
    return [...this.log];
  }

  driverState(): DriverState {
    return {
      roamCheck: this.loaded.get('wlan_scan_sta')?.features.roam_check === 1,
      deferLeaveMs: this.loaded.get('wlan')?.features.leave_defer_ms ?? 0,
    };
  }

  /** wifi0 exists (ath_pci loaded on top of wlan and the HAL). */
  get radioPresent(): boolean {
    return this.loaded.has('ath_pci') && this.loaded.has('wlan');
  }

  // ------------------------------------------------------------------ internals

  private printk(line: string): void {
    this.log.push(line);
    this.logChars += line.length + 1;
    while (this.logChars > LOG_BUF_CHARS && this.log.length > 1) this.logChars -= (this.log.shift() as string).length + 1;
  }

  private internal<T>(fn: () => T): T {
    this.internalWrite = true;
    try {
      return fn();
    } finally {
      this.internalWrite = false;
    }
  }

  private driverMaybeChanged(): void {
    const s = this.driverState();
    const key = JSON.stringify(s);
    if (key !== this.lastDriver) {
      this.lastDriver = key;
      this.opts.hooks?.driverChanged?.(s);
    }
  }

  /** Load a module file; a string says why it failed (the insmod error text). */
  private load(path: string, params: string[] = []): LoadedModule | string {
    const data = this.board.readFile(path);
    if (!data) return 'No such file or directory';
    const mod = parseVirtualModule(data);
    const file = basename(path);
    if (mod instanceof Error) {
      this.printk(`${file}: ${mod.message}`);
      return 'Invalid module format';
    }
    if (mod.vermagic !== this.opts.vermagic) {
      this.printk(`${mod.module}: version magic '${mod.vermagic}' should be '${this.opts.vermagic}'`);
      return 'Invalid module format';
    }
    if (this.loaded.has(mod.module)) return 'File exists';
    const fault = this.insmodFailures.get(mod.module);
    if (fault && fault.left > 0 && (fault.variant === null || fault.variant === mod.variant)) {
      fault.left--;
      this.printk(fault.dmesg);
      return fault.message;
    }
    const missing = mod.depends.filter((d) => !this.loaded.has(d));
    if (missing.length > 0) {
      for (const d of missing) this.printk(`${mod.module}: Unknown symbol ${d === 'wlan' ? 'ieee80211_ifattach' : d === 'ath_hal' ? '_ath_hal_attach' : `${d}_attach`}`);
      return 'Unknown symbol in module';
    }
    const entry: LoadedModule = {
      name: mod.module,
      variant: mod.variant,
      release: mod.release,
      banner: mod.banner,
      memsize: mod.memsize,
      depends: mod.depends,
      features: mod.features,
      path,
    };
    this.loaded.set(mod.module, entry);
    if (mod.banner) this.printk(mod.banner);
    if (mod.module === 'ath_pci') this.radioAttached(params.find((p) => p.startsWith('autocreate='))?.slice('autocreate='.length) ?? 'sta');
    this.driverMaybeChanged();
    return entry;
  }

  private radioAttached(autocreate: string): void {
    for (const l of [
      'wifi0: 11b rates: 1Mbps 2Mbps 5.5Mbps 11Mbps',
      'wifi0: 11g rates: 1Mbps 2Mbps 5.5Mbps 11Mbps 6Mbps 9Mbps 12Mbps 18Mbps 24Mbps 36Mbps 48Mbps 54Mbps',
      'wifi0: H/W encryption support: WEP AES AES_CCM TKIP',
      'wifi0: mac 7.9 phy 4.5 radio 5.6',
      'wifi0: Use hw queue 1 for WME_AC_BE traffic',
      'wifi0: Use hw queue 0 for WME_AC_BK traffic',
      'wifi0: Use hw queue 2 for WME_AC_VI traffic',
      'wifi0: Use hw queue 3 for WME_AC_VO traffic',
      'wifi0: Atheros 5212: mem=0x10000000, irq=48',
    ]) {
      this.printk(l);
    }
    this.opts.hooks?.radioAttached?.(autocreate);
  }

  private unload(name: string): string | null {
    const m = this.loaded.get(name);
    if (!m) return `Module ${name} does not exist in /proc/modules`;
    const users = this.usersOf(name);
    if (users.length > 0) return `Module ${name} is in use by ${users.join(',')}`;
    this.loaded.delete(name);
    if (m.banner) this.printk(`${name}: driver unloaded`);
    if (name === 'ath_pci') this.opts.hooks?.radioDetached?.();
    this.driverMaybeChanged();
    return null;
  }

  private usersOf(name: string): string[] {
    return [...this.loaded.values()].filter((m) => m.depends.includes(name)).map((m) => m.name);
  }

  /** The board went down (Board.reboot(), from `reboot` or any fault): lose what was loaded, boot after the boot time. */
  private onReboot(): void {
    this.stats.reboots++;
    const hadRadio = this.loaded.has('ath_pci');
    this.loaded.clear();
    this.log = [];
    this.logChars = 0;
    this.corrupting.clear();
    if (hadRadio) this.opts.hooks?.radioDetached?.();
    this.driverMaybeChanged();
    const gen = ++this.generation;
    this.booting = this.opts.wait(this.opts.bootMs ?? DEFAULT_BOOT_MS).then(() => {
      if (gen !== this.generation) return this.booting ?? undefined;
      this.booting = null;
      this.boot();
    });
  }

  private beforeCommand(argv: string[], io: ProcessIO): Promise<number | null> | number | null {
    const i = this.rebootTriggers.findIndex((p) => p(argv));
    if (i >= 0) {
      this.rebootTriggers.splice(i, 1);
      void this.reboot();
      // The command never completes: the connection it came on is gone.
      return new Promise((resolve) => {
        if (io.abort.aborted) resolve(129);
        else io.abort.addEventListener('abort', () => resolve(129), { once: true });
      });
    }
    if (argv[0] === 'wlanconfig' && argv[2] === 'create' && !this.radioPresent) {
      return fail(io, 'wlanconfig: ioctl: No such device');
    }
    return null;
  }

  private afterWrite(path: string, stored: Buffer): Buffer | void {
    if (this.internalWrite || !path.endsWith('.ko')) return;
    this.stats.moduleWrites++;
    this.stats.moduleWritePaths.add(path);
    if (stored.length === 0) {
      this.corrupting.delete(path); // truncated: a new upload starts
      return;
    }
    let c = this.corrupting.get(path);
    if (!c && this.corruptLeft > 0) {
      this.corruptLeft--;
      c = { at: 16, orig: null };
      this.corrupting.set(path, c);
    }
    if (!c || stored.length <= c.at) return;
    c.orig ??= stored[c.at];
    const flipped = c.orig ^ 0x20;
    if (stored[c.at] === flipped) return;
    const copy = Buffer.from(stored);
    copy[c.at] = flipped;
    return copy;
  }

  // ------------------------------------------------------------------ commands

  private insmodCmd(args: string[], io: ProcessIO): number {
    const file = args[0];
    if (!file) return fail(io, 'Usage: insmod filename [args]');
    let path = file;
    if (!this.board.readFile(path) && !file.includes('/')) path = `${this.opts.moduleDir}/${file.endsWith('.ko') ? file : `${file}.ko`}`;
    if (!this.board.readFile(path)) return fail(io, `insmod: can't read '${file}': No such file or directory`);
    this.stats.insmods++;
    const r = this.load(path, args.slice(1));
    if (typeof r === 'string') return fail(io, `insmod: error inserting '${file}': -1 ${r}`);
    return 0;
  }

  private rmmodCmd(args: string[], io: ProcessIO): number {
    const names = args.filter((a) => !a.startsWith('-')).map((a) => basename(a).replace(/\.ko$/, ''));
    if (names.length === 0) return fail(io, 'Usage: rmmod [-fw] modulename ...');
    let status = 0;
    for (const n of names) {
      this.stats.rmmods++;
      const err = this.unload(n);
      if (err) status = fail(io, `ERROR: ${err}`);
    }
    return status;
  }

  private lsmodCmd(io: ProcessIO): number {
    io.stdout.write('Module                  Size  Used by\n');
    for (const m of [...this.loaded.values()].reverse()) {
      const users = this.usersOf(m.name);
      io.stdout.write(`${m.name.padEnd(19)} ${String(m.memsize).padStart(8)}  ${users.length} ${users.join(',')}\n`);
    }
    return 0;
  }

  /** modprobe NAME (loads what it depends on first) / modprobe -r NAME. */
  private modprobeCmd(args: string[], io: ProcessIO): number {
    const remove = args.includes('-r');
    const positional = args.filter((a) => !a.startsWith('-'));
    const name = positional[0];
    const params = positional.slice(1);
    if (!name) return fail(io, 'Usage: modprobe [-r] modulename');
    if (remove) {
      const err = this.unload(name);
      return err ? fail(io, `FATAL: ${err}`) : 0;
    }
    const seen = new Set<string>();
    const visit = (n: string): string | null => {
      if (this.loaded.has(n) || seen.has(n)) return null;
      seen.add(n);
      const data = this.board.readFile(`${this.opts.moduleDir}/${n}.ko`);
      if (!data) return `Module ${n} not found.`;
      const mod = parseVirtualModule(data);
      if (!(mod instanceof Error)) for (const d of mod.depends) {
        const e = visit(d);
        if (e) return e;
      }
      this.stats.insmods++;
      const r = this.load(`${this.opts.moduleDir}/${n}.ko`, n === name ? params : []);
      return typeof r === 'string' ? `Error inserting ${n} (${this.opts.moduleDir}/${n}.ko): ${r}` : null;
    };
    const err = visit(name);
    return err ? fail(io, `FATAL: ${err}`) : 0;
  }

  private dmesgCmd(args: string[], io: ProcessIO): number {
    if (this.log.length > 0) io.stdout.write(this.log.join('\n') + '\n');
    if (args.includes('-c')) {
      this.log = [];
      this.logChars = 0;
    }
    return 0;
  }

  private async sumCmd(name: string, hash: (d: Buffer) => string, args: string[], io: ProcessIO): Promise<number> {
    const files = args.filter((a) => a !== '--');
    if (files.length === 0) {
      io.stdout.write(`${hash(await io.readStdin())}  -\n`);
      return 0;
    }
    let status = 0;
    for (const f of files) {
      const data = f === '-' ? await io.readStdin() : f === '/dev/null' ? Buffer.alloc(0) : this.board.readFile(f);
      if (!data) status = fail(io, `${name}: ${f}: No such file or directory`);
      else io.stdout.write(`${hash(data)}  ${f}\n`);
    }
    return status;
  }

  private rebootCmd(io: ProcessIO): number {
    io.stdout.write('\nBroadcast message from root (pts/0):\n\nThe system is going down for reboot NOW!\n');
    // Like the real thing: the command returns, then the board goes away under the connection.
    setTimeout(() => void this.reboot(), 20);
    return 0;
  }

  private copyCmd(name: 'cp' | 'mv', args: string[], io: ProcessIO): number {
    const ops = args.filter((a) => !a.startsWith('-'));
    if (ops.length !== 2) return fail(io, `Usage: ${name} [-f] SOURCE DEST`);
    const [src, dstArg] = ops;
    const data = this.board.readFile(src);
    if (!data) return fail(io, `${name}: can't stat '${src}': No such file or directory`);
    const isDir = dstArg.endsWith('/') || this.board.listFiles().some((p) => p.startsWith(`${dstArg}/`));
    const dst = isDir ? `${dstArg.replace(/\/$/, '')}/${basename(src)}` : dstArg;
    this.internal(() => this.board.writeFile(dst, Buffer.from(data)));
    if (name === 'mv' && dst !== src) this.board.removeFile(src);
    return 0;
  }

  private lsCmd(args: string[], io: ProcessIO): number {
    const long = args.some((a) => /^-[a-z]*l/.test(a));
    const target = (args.find((a) => !a.startsWith('-')) ?? '/').replace(/(.)\/$/, '$1');
    const file = this.board.readFile(target);
    const entries = new Map<string, number | null>();
    if (file) entries.set(target, file.length);
    else {
      const prefix = target === '/' ? '/' : `${target}/`;
      for (const p of this.board.listFiles()) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) entries.set(rest, this.board.readFile(p)?.length ?? 0);
        else entries.set(rest.slice(0, slash), null);
      }
      if (entries.size === 0 && !['/', '/tmp', '/root', '/etc'].includes(target)) {
        return fail(io, `ls: ${target}: No such file or directory`);
      }
    }
    for (const [n, size] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
      if (!long) io.stdout.write(`${n}\n`);
      else if (size === null) io.stdout.write(`drwxr-xr-x    2 root     root            0 Mar 20  2007 ${n}\n`);
      else io.stdout.write(`-rw-r--r--    1 root     root     ${String(size).padStart(8)} Mar 20  2007 ${n}\n`);
    }
    return 0;
  }
}

/** True for a madwifi module name (ath_*, wlan*). */
export function isMadwifiModule(name: string): boolean {
  return MADWIFI_PREFIXES.some((p) => name.startsWith(p));
}

// ---------------------------------------------------------------------- lab wiring

export interface LabKernelOptions {
  world: World;
  boards: Record<string, Board>;
  /** The boards' SSH servers (filled in later: the hooks look them up when they run). */
  ssh: Record<string, { setRefusing(refuse: boolean): void; dropConnections(): void }>;
  /** The variant each board has in flash and boots with. */
  firmware: Record<string, string>;
  /** Boards without sha256sum (busybox). */
  noSha256sum?: string[];
  /** Each board's madwifi radio (wifi0): where ath0 is autocreated. */
  radios: Record<string, string>;
  bootMs?: number;
  manifest?: Manifest;
}

/**
 * Give every board of the virtual rig its kernel: the firmware variant's module files
 * installed in flash (checked against the manifest first) and booted. The client's
 * driver behaviour follows the modules it has loaded; removing ath_pci takes the VAP
 * away; a reboot drops SSH until the board has booted again.
 */
export function installLabKernels(o: LabKernelOptions): Record<string, VirtualKernel> {
  const manifest = o.manifest ?? loadManifest();
  const target = manifest.targets[VIRTUAL_TARGET];
  const kernels: Record<string, VirtualKernel> = {};
  for (const [name, board] of Object.entries(o.boards)) {
    const variant = o.firmware[name];
    const files = verifyLocalFiles(manifest, variant, VIRTUAL_TARGET);
    const isClient = board instanceof ClientBoard;
    const hooks: KernelHooks = {
      driverChanged: isClient ? (s) => void (o.world.client.driver = { ...o.world.client.driver, ...s }) : undefined,
      // ath_pci autocreate: ath0 in station mode on the client (madwifi's default), in AP mode
      // on the APs (their /etc/modules says autocreate=ap); no VAP for a mode the board does not run.
      radioAttached: (mode) => {
        o.world.sched.now();
        if (isClient) {
          if (mode === 'sta' && !o.world.client.vap) o.world.client.createVap('ath0', o.radios[name]);
        } else if (mode === 'ap') {
          const ap = o.world.ap(name);
          ap.vap ??= { iface: 'ath0', radio: o.radios[name] };
        }
      },
      radioDetached: () => {
        o.world.sched.now();
        if (isClient) o.world.client.destroyVap();
        else {
          const ap = o.world.ap(name);
          ap.up = false;
          ap.vap = null;
        }
      },
      powerDown: () => {
        o.ssh[name]?.setRefusing(true);
        o.ssh[name]?.dropConnections();
      },
      rebooted: () => (board as Board & { powerCycle?: () => void }).powerCycle?.(),
      powerUp: () => o.ssh[name]?.setRefusing(false),
    };
    const k = new VirtualKernel(board, {
      release: manifest.kernel,
      vermagic: target.vermagic,
      moduleDir: moduleDirFor(manifest),
      bootMs: o.bootMs,
      sha256sum: !(o.noSha256sum ?? []).includes(name),
      wait: (ms) => new Promise((resolve) => o.world.sched.after(ms, resolve)),
      hooks,
    });
    k.install(files, manifest.loadOrder, isClient ? {} : { ath_pci: ['autocreate=ap'] });
    k.boot();
    kernels[name] = k;
  }
  return kernels;
}

/** Every variant a lab is asked to boot exists in the manifest (a ConfigError, exit 2, otherwise). */
export function checkLabFirmware(variants: string[], manifest: Manifest = loadManifest()): void {
  for (const v of new Set(variants)) variantOf(manifest, v);
}
