/**
 * The virtual board's kernel, as far as flashing madwifi needs it: it boots the
 * modules its flash lists in /etc/modules, runs the kernel commands (kernel-commands.ts)
 * and file tools (coreutils.ts), watches uploads, and power-cycles.
 *
 * - Storage: files under VOLATILE_DIRS (/tmp, /var/run) live in RAM; the rest
 *   (/lib/modules/2.6.16/net/*.ko, /etc/modules) is flash. `reboot` (or `reboot()`)
 *   drops SSH for the boot time, forgets processes, RAM files and loaded modules,
 *   then boots: loads the modules listed in /etc/modules from the module folder.
 * - A module file written by anything but the kernel itself is an upload: counted in
 *   `stats`, and what a corrupted-upload fault changes.
 * - No ath_pci, no wifi0: `wlanconfig ... create` fails.
 * - Faults for tests: `faults.corruptUploads(n)`, `faults.failInsmod(module)`,
 *   `faults.rebootOn(predicate)` (kernel-faults.ts).
 */
import type { ProcessIO } from '../../ssh/types.ts';
import { linuxBanner, type Board, type BoardExtension } from '../board.ts';
import { fail } from '../command-error.ts';
import { ETC_MODULES, etcModules, readEtcModules } from './board-image.ts';
import { coreutilsCommands } from './coreutils.ts';
import { kernelCommands } from './kernel-commands.ts';
import { KernelFaults } from './kernel-faults.ts';
import { KernelLog } from './kernel-log.ts';
import { LoadedModules, type LoadedModule, type ModuleEvents } from './modules.ts';

export interface KernelHooks extends ModuleEvents {
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

/** Model ms a board takes to boot (under the 20 s a reboot fault keeps SSH away). */
export const DEFAULT_BOOT_MS = 15_000;

export class VirtualKernel {
  private readonly log = new KernelLog();
  private readonly table: LoadedModules;
  private rebooting: Promise<void> | null = null;
  private powered = true;
  private powerRestored: (() => void) | null = null;
  private booting: Promise<void> | null = null;
  private generation = 0;
  private internalWrite = false;

  /** What the board saw: files written by anything but the kernel itself (uploads), per path. */
  readonly stats = { moduleWrites: 0, moduleWritePaths: new Set<string>(), insmods: 0, rmmods: 0, reboots: 0 };

  readonly faults = new KernelFaults();

  constructor(
    readonly board: Board,
    private readonly opts: KernelOptions,
  ) {
    this.table = new LoadedModules(opts.vermagic, this.log, this.faults, opts.hooks);
    const ext: BoardExtension = {
      commands: {
        ...kernelCommands({
          board,
          moduleDir: opts.moduleDir,
          modules: this.table,
          log: this.log,
          stats: this.stats,
          load: (path, params) => this.load(path, params),
          reboot: () => this.reboot(),
        }),
        ...coreutilsCommands(board, {
          sha256sum: opts.sha256sum !== false,
          writeOwn: (path, data) => this.internal(() => board.writeFile(path, data)),
        }),
      },
      beforeCommand: (argv, io) => this.beforeCommand(argv, io),
      afterWrite: (path, stored) => this.afterWrite(path, stored),
      onReboot: () => this.onReboot(),
    };
    board.extend(ext);
  }

  /**
   * Write module files into flash (module folder) and list them in /etc/modules (one
   * `name [parameters]` line each, in load order), as a factory image would.
   */
  install(files: Map<string, Buffer>, loadOrder: readonly string[], params: Readonly<Record<string, string[]>> = {}): void {
    this.internal(() => {
      for (const [mod, data] of files) this.board.writeFile(`${this.opts.moduleDir}/${mod}.ko`, Buffer.from(data));
      this.board.writeFile(ETC_MODULES, Buffer.from(etcModules(loadOrder, params)));
    });
  }

  /** Kernel start: boot messages, then every module in /etc/modules from the module folder. */
  boot(): void {
    this.board.kernelStarted();
    this.log.printk(linuxBanner(this.opts.release)); // the same line as /proc/version (board.ts)
    this.log.printk('CPU revision is: 00019064');
    this.log.printk('Memory: 29304k/32768k available (2124k kernel code, 3448k reserved)');
    this.log.printk('VFS: Mounted root (jffs2 filesystem).');
    const list = this.board.readFile(ETC_MODULES)?.toString('utf8') ?? '';
    for (const [name, ...params] of readEtcModules(list)) {
      const path = `${this.opts.moduleDir}/${name}.ko`;
      const r = this.load(path, params);
      if (typeof r === 'string') this.log.printk(`init: insmod ${path} failed: ${r}`);
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

  /**
   * The board's power goes off (a PDU outlet switched off): SSH goes away, everything
   * held only at runtime is lost, and nothing boots until the power comes back.
   */
  powerOff(): void {
    if (!this.powered) return;
    this.powered = false;
    this.opts.hooks?.powerDown?.();
    this.board.reboot(); // -> onReboot(): modules gone; the boot waits for powerOn()
    this.opts.hooks?.rebooted?.();
  }

  /** The power comes back: the board boots (the boot time) and answers SSH again. Resolves then. */
  async powerOn(): Promise<void> {
    if (this.powered) return this.whenBooted();
    this.powered = true;
    const restored = this.powerRestored;
    this.powerRestored = null;
    restored?.();
    await this.booting;
    this.opts.hooks?.powerUp?.();
  }

  get isPowered(): boolean {
    return this.powered;
  }

  /** Resolves when a boot in progress (after any reboot, whoever caused it) is done. */
  whenBooted(): Promise<void> {
    return this.booting ?? Promise.resolve();
  }

  /** Loaded modules, in load order. */
  modules(): LoadedModule[] {
    return this.table.list();
  }

  /** The kernel log as `dmesg` prints it. */
  dmesg(): string[] {
    return this.log.read();
  }

  // ------------------------------------------------------------------ internals

  private internal<T>(fn: () => T): T {
    this.internalWrite = true;
    try {
      return fn();
    } finally {
      this.internalWrite = false;
    }
  }

  /** Load a module file from the board's files; a string says why it failed (the insmod error text). */
  private load(path: string, params: string[] = []): LoadedModule | string {
    const data = this.board.readFile(path);
    if (!data) return 'No such file or directory';
    return this.table.load(path, data, params);
  }

  /** The board went down (Board.reboot(), from `reboot` or any fault): lose what was loaded, boot after the boot time. */
  private onReboot(): void {
    this.stats.reboots++;
    this.log.clear();
    this.faults.powerLost();
    this.table.powerLost();
    const gen = ++this.generation;
    // A power cut (powerOff) boots only once the power is back.
    const power = this.powered ? Promise.resolve() : new Promise<void>((resolve) => (this.powerRestored = resolve));
    this.booting = power.then(() => this.opts.wait(this.opts.bootMs ?? DEFAULT_BOOT_MS)).then(() => {
      if (gen !== this.generation) return this.booting ?? undefined;
      this.booting = null;
      this.boot();
    });
  }

  private beforeCommand(argv: string[], io: ProcessIO): Promise<number | null> | number | null {
    if (this.faults.rebootsOn(argv)) {
      void this.reboot();
      // The command never completes: the connection it came on is gone.
      return new Promise((resolve) => {
        if (io.abort.aborted) resolve(129);
        else io.abort.addEventListener('abort', () => resolve(129), { once: true });
      });
    }
    if (argv[0] === 'wlanconfig' && argv[2] === 'create' && !this.table.radioPresent) {
      return fail(io, 'wlanconfig: ioctl: No such device');
    }
    return null;
  }

  private afterWrite(path: string, stored: Buffer): Buffer | void {
    if (this.internalWrite || !path.endsWith('.ko')) return;
    this.stats.moduleWrites++;
    this.stats.moduleWritePaths.add(path);
    return this.faults.storedUpload(path, stored);
  }
}
