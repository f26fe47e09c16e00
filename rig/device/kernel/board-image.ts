/**
 * What the virtual boards' factory image fixes, as facts of the board rather than of
 * any manifest: the kernel (Linux 2.6.16 for MIPS32, built with gcc 3.4, modules
 * unloadable), where madwifi's modules live in flash (madwifi's KMODPATH,
 * /lib/modules/$(KERNELRELEASE)/net), and /etc/modules: the madwifi 0.9.3 modules in
 * the order they load (its scripts/ and README: the HAL and net80211 first, the
 * ciphers, ACL, xauth and scanners on net80211, the rate control, ath_pci last).
 */

/** `uname -r`. */
export const KERNEL_RELEASE = '2.6.16';

/** The vermagic a module must carry to load (include/linux/vermagic.h of this kernel's build). */
export const KERNEL_VERMAGIC = `${KERNEL_RELEASE} mod_unload MIPS32_R1 32BIT gcc-3.4`;

/** madwifi's module folder in flash. */
export const MODULE_DIR = `/lib/modules/${KERNEL_RELEASE}/net`;

/** The boot script's list of modules to load: one `name [parameters]` per line. */
export const ETC_MODULES = '/etc/modules';

/** madwifi 0.9.3's modules in load order (unloaded in reverse). */
export const MADWIFI_LOAD_ORDER: readonly string[] = [
  'ath_hal',
  'wlan',
  'wlan_wep',
  'wlan_tkip',
  'wlan_ccmp',
  'wlan_acl',
  'wlan_xauth',
  'wlan_scan_sta',
  'wlan_scan_ap',
  'ath_rate_sample',
  'ath_pci',
];

/** Module parameters in an access point's /etc/modules: ath_pci creates ath0 in AP mode. */
export const AP_MODULE_PARAMS: Readonly<Record<string, string[]>> = { ath_pci: ['autocreate=ap'] };

/** /etc/modules for a load order and per-module parameters. */
export function etcModules(loadOrder: readonly string[], params: Readonly<Record<string, string[]>> = {}): string {
  return loadOrder.map((m) => [m, ...(params[m] ?? [])].join(' ')).join('\n') + '\n';
}

/** /etc/modules' lines as the boot script reads them: `[name, ...parameters]`, comments and blank lines skipped. */
export function readEtcModules(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
}
