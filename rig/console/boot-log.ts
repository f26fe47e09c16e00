/**
 * What a virtual board prints on its serial console when it powers on: the boot loader
 * (RedBoot, as on the AR531x/AR2315 boards of 2007), the kernel's own messages (for a
 * board with a virtual kernel: its dmesg as it booted, module banners included), init,
 * and busybox getty's login prompt. Our own text, shaped after such boards' logs.
 */

const REDBOOT = [
  '+PHY ID is 0022:5521',
  'Ethernet eth0: MAC address 00:03:7f:e0:02:bf',
  'IP: 192.168.1.20/255.255.255.0, Gateway: 0.0.0.0',
  'Default server: 0.0.0.0',
  '',
  'RedBoot(tm) bootstrap and debug environment [ROMRAM]',
  'Non-certified release, version v1.3.0 - built 16:57:58, Aug  7 2006',
  '',
  'Platform: Atheros AR2315 (Atheros WiSoC)',
  'RAM: 0x80000000-0x82000000, [0x8003ddd0-0x80fe1000] available',
  'FLASH: 0xa8000000 - 0xa8400000, 64 blocks of 0x00010000 bytes each.',
  '== Executing boot script in 1.000 seconds - enter ^C to abort',
  'RedBoot> fis load -l vmlinux.bin.l7',
  'Image loaded from 0x80041000-0x802a0ba8',
  'RedBoot> exec',
];

/** The kernel lines a board without a virtual kernel prints (the nl80211 client has its own banner). */
const GENERIC_KERNEL = (banner: string): string[] => [
  banner,
  'CPU revision is: 00019064',
  'Memory: 29304k/32768k available (2124k kernel code, 3448k reserved)',
  'VFS: Mounted root (jffs2 filesystem).',
];

/** The boot log, line by line: boot loader, kernel (`kernelLines`, or a generic set), init, getty. */
export function bootLog(o: { hostname: string; banner: string; kernelLines: string[] | null }): string[] {
  const kernel = o.kernelLines && o.kernelLines.length > 0 ? o.kernelLines : GENERIC_KERNEL(o.banner);
  return [
    ...REDBOOT,
    ...kernel.slice(0, 1),
    'Determined physical RAM map:',
    ' memory: 02000000 @ 00000000 (usable)',
    'Kernel command line: console=ttyS0,115200 root=31:02 rootfstype=jffs2 init=/etc/preinit',
    ...kernel.slice(1),
    'Freeing unused kernel memory: 108k freed',
    'init started:  BusyBox v1.4.2 (2007-04-11 17:32:09 CEST) multi-call binary',
    '',
    'Please press Enter to activate this console.',
    '',
  ];
}
