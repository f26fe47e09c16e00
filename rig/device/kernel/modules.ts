/**
 * The kernel's loaded modules (/proc/modules), as Linux 2.6's module loader
 * (kernel/module.c) treats them:
 * - a file that does not read as a module, or was built for another kernel
 *   (vermagic), does not load: "Invalid module format", the reason in the kernel log;
 * - a module already loaded: "File exists"; one whose dependencies are not loaded:
 *   "Unknown symbol in module", one "Unknown symbol" line per missing one;
 * - a module in use by another cannot be removed.
 * What is loaded decides the driver: ath_pci attaches the radio (wifi0, and ath0 in
 * its `autocreate` mode) and detaches it when it goes; the loaded wlan_scan_sta and
 * wlan decide the station's roam check and deferred leave.
 */
import { basename } from 'node:path';
import type { KernelFaults } from './kernel-faults.ts';
import type { KernelLog } from './kernel-log.ts';
import { readModuleFile, type ModuleImage } from './module-file.ts';

export interface DriverState {
  /** sta_roam_check() runs from sta_age(): the loaded wlan_scan_sta has it. */
  roamCheck: boolean;
  /** The loaded wlan defers the BSS leave notification this long (0: not at all). */
  deferLeaveMs: number;
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

export interface ModuleEvents {
  /** The loaded wlan / wlan_scan_sta changed what the station driver does. */
  driverChanged?(state: DriverState): void;
  /** ath_pci loaded: wifi0 is there, and madwifi creates ath0 in `autocreate` mode. */
  radioAttached?(autocreate: string): void;
  /** ath_pci went away: wifi0 and every VAP on it are gone. */
  radioDetached?(): void;
}

/** What ath_pci prints when it attaches the board's Atheros 5212 (madwifi 0.9.3 ath/if_ath.c). */
const RADIO_ATTACH_LINES = [
  'wifi0: 11b rates: 1Mbps 2Mbps 5.5Mbps 11Mbps',
  'wifi0: 11g rates: 1Mbps 2Mbps 5.5Mbps 11Mbps 6Mbps 9Mbps 12Mbps 18Mbps 24Mbps 36Mbps 48Mbps 54Mbps',
  'wifi0: H/W encryption support: WEP AES AES_CCM TKIP',
  'wifi0: mac 7.9 phy 4.5 radio 5.6',
  'wifi0: Use hw queue 1 for WME_AC_BE traffic',
  'wifi0: Use hw queue 0 for WME_AC_BK traffic',
  'wifi0: Use hw queue 2 for WME_AC_VI traffic',
  'wifi0: Use hw queue 3 for WME_AC_VO traffic',
  'wifi0: Atheros 5212: mem=0x10000000, irq=48',
];

/** The symbol a module misses when a dependency is not loaded (what the loader names). */
function missingSymbol(dependency: string): string {
  if (dependency === 'wlan') return 'ieee80211_ifattach';
  if (dependency === 'ath_hal') return '_ath_hal_attach';
  return `${dependency}_attach`;
}

export class LoadedModules {
  private readonly loaded = new Map<string, LoadedModule>();
  private lastDriver = '';

  constructor(
    private readonly vermagic: string,
    private readonly log: KernelLog,
    private readonly faults: KernelFaults,
    private readonly events: ModuleEvents = {},
  ) {}

  /** Loaded modules, in load order. */
  list(): LoadedModule[] {
    return [...this.loaded.values()];
  }

  has(name: string): boolean {
    return this.loaded.has(name);
  }

  /** Loaded modules that depend on this one. */
  usersOf(name: string): string[] {
    return this.list()
      .filter((m) => m.depends.includes(name))
      .map((m) => m.name);
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

  /** Load a module file's contents; a string says why it failed (the insmod error text). */
  load(path: string, data: Buffer, params: string[] = []): LoadedModule | string {
    const mod = readModuleFile(data);
    if (mod instanceof Error) {
      this.log.printk(`${basename(path)}: ${mod.message}`);
      return 'Invalid module format';
    }
    if (mod.vermagic !== this.vermagic) {
      this.log.printk(`${mod.module}: version magic '${mod.vermagic}' should be '${this.vermagic}'`);
      return 'Invalid module format';
    }
    if (this.loaded.has(mod.module)) return 'File exists';
    const fault = this.faults.insmodFailure(mod.module, mod.variant);
    if (fault) {
      this.log.printk(fault.dmesg);
      return fault.message;
    }
    const missing = mod.depends.filter((d) => !this.loaded.has(d));
    if (missing.length > 0) {
      for (const d of missing) this.log.printk(`${mod.module}: Unknown symbol ${missingSymbol(d)}`);
      return 'Unknown symbol in module';
    }
    const entry = loadedFrom(mod, path);
    this.loaded.set(mod.module, entry);
    if (mod.banner) this.log.printk(mod.banner);
    if (mod.module === 'ath_pci') this.attachRadio(params.find((p) => p.startsWith('autocreate='))?.slice('autocreate='.length) ?? 'sta');
    this.driverMaybeChanged();
    return entry;
  }

  /** Remove a module; a string says why it cannot be. */
  unload(name: string): string | null {
    const m = this.loaded.get(name);
    if (!m) return `Module ${name} does not exist in /proc/modules`;
    const users = this.usersOf(name);
    if (users.length > 0) return `Module ${name} is in use by ${users.join(',')}`;
    this.loaded.delete(name);
    if (m.banner) this.log.printk(`${name}: driver unloaded`);
    if (name === 'ath_pci') this.events.radioDetached?.();
    this.driverMaybeChanged();
    return null;
  }

  /** The board lost power: nothing is loaded any more. */
  powerLost(): void {
    const hadRadio = this.loaded.has('ath_pci');
    this.loaded.clear();
    if (hadRadio) this.events.radioDetached?.();
    this.driverMaybeChanged();
  }

  private attachRadio(autocreate: string): void {
    for (const l of RADIO_ATTACH_LINES) this.log.printk(l);
    this.events.radioAttached?.(autocreate);
  }

  private driverMaybeChanged(): void {
    const s = this.driverState();
    const key = JSON.stringify(s);
    if (key !== this.lastDriver) {
      this.lastDriver = key;
      this.events.driverChanged?.(s);
    }
  }
}

function loadedFrom(mod: ModuleImage, path: string): LoadedModule {
  return {
    name: mod.module,
    variant: mod.variant,
    release: mod.release,
    banner: mod.banner,
    memsize: mod.memsize,
    depends: mod.depends,
    features: mod.features,
    path,
  };
}
