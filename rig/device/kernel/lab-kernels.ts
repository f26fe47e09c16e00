/**
 * The virtual lab's kernels: every board gets the flash image of its firmware variant
 * (flash-images.ts: firmware/virtual/<variant>/, checked first), installed as the
 * board's factory image would be (board-image.ts: the module folder, /etc/modules in
 * madwifi's load order, `autocreate=ap` on the access points) and booted. The
 * client's driver behaviour follows the modules it has loaded; removing ath_pci takes
 * the VAP away; a reboot drops SSH until the board has booted again.
 */
import type { World } from '../../world/world.ts';
import type { Board } from '../board.ts';
import { ClientBoard } from '../client-board.ts';
import { WirelessBoard } from '../wireless-board.ts';
import { AP_MODULE_PARAMS, KERNEL_RELEASE, KERNEL_VERMAGIC, MADWIFI_LOAD_ORDER, MODULE_DIR } from './board-image.ts';
import { checkImageVariants, FLASH_IMAGES_DIR, readFlashImage } from './flash-images.ts';
import { VirtualKernel, type KernelHooks } from './virtual-kernel.ts';

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
  /** Where the flash images are (default: the repository's firmware/virtual). */
  imagesDir?: string;
  /** Told when a board's power goes (false) and when it has booted again (true): its serial console follows. */
  power?: (device: string, up: boolean) => void;
}

/**
 * Give every madwifi board of the virtual rig its kernel, its variant's modules in flash,
 * booted. A board madwifi does not drive (the nl80211 client) gets none: no madwifi
 * modules, nothing to flash.
 */
export function installLabKernels(o: LabKernelOptions): Record<string, VirtualKernel> {
  const kernels: Record<string, VirtualKernel> = {};
  for (const [name, board] of Object.entries(o.boards)) {
    if (!(board instanceof WirelessBoard)) continue;
    const files = readFlashImage(o.firmware[name], MADWIFI_LOAD_ORDER, o.imagesDir ?? FLASH_IMAGES_DIR);
    const isClient = board instanceof ClientBoard;
    const k = new VirtualKernel(board, {
      release: KERNEL_RELEASE,
      vermagic: KERNEL_VERMAGIC,
      moduleDir: MODULE_DIR,
      bootMs: o.bootMs,
      sha256sum: !(o.noSha256sum ?? []).includes(name),
      wait: (ms) => new Promise((resolve) => o.world.sched.after(ms, resolve)),
      hooks: boardHooks(o, name, board, isClient),
    });
    k.install(files, MADWIFI_LOAD_ORDER, isClient ? {} : AP_MODULE_PARAMS);
    k.boot();
    kernels[name] = k;
  }
  return kernels;
}

/** What a board's kernel events do to the world and to the board's SSH server. */
function boardHooks(o: LabKernelOptions, name: string, board: Board, isClient: boolean): KernelHooks {
  return {
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
      o.power?.(name, false);
    },
    rebooted: () => (board as Board & { powerCycle?: () => void }).powerCycle?.(),
    powerUp: () => {
      o.ssh[name]?.setRefusing(false);
      o.power?.(name, true);
    },
  };
}

/** Every variant a lab is asked to boot has a flash image (a VirtualRigError E_FIRMWARE_VARIANT, exit 2, otherwise). */
export function checkLabFirmware(variants: string[], imagesDir: string = FLASH_IMAGES_DIR): void {
  checkImageVariants(variants, imagesDir);
}
