/**
 * The hwsim lab: a bench on the real Linux wireless stack. One QEMU VM (qemu.ts) boots
 * Debian's kernel with an initramfs of Debian packages (image.ts, build-image.sh):
 * mac80211_hwsim's three radios are ap1 (phy0/wlan0), ap2 (phy1/wlan1) and the client
 * (phy2/wlan2, in netns `sta`), each device its own SSH server (dropbear, guest ports
 * 2201..2203) reached through a loopback port QEMU forwards; the ping target's address
 * is on the bridge br0 the APs' hostapd join (init.sh). Nothing Wi-Fi runs until the
 * rig's drivers configure it, as on a bench.
 *
 * This start's secrets never enter the cache: the lab's public key (the inventory's
 * auth.keyFile, created like the madwifi lab's) and one fresh host key per device go
 * into a small cpio appended to the cached initramfs, in a private temporary folder
 * removed at stop; the host keys' fingerprints are the endpoints' pins.
 *
 * The inventory's attenuators are served by the virtual rig's attenuator units
 * (rig/attenuator/) so the bench has the shape of any other; here they move nothing
 * (hwsim has no path loss; without wmediumd a station hears every radio), and the
 * lab says so in its log.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bench } from '../../src/inventory/schema.ts';
import { startVirtualAttenuators } from '../attenuator/bench-attenuators.ts';
import type { VirtualAttenuator } from '../attenuator/types.ts';
import { VirtualRigError } from '../errors.ts';
import { ensureClientKey, generateKeyPair } from '../keys.ts';
import { appendArchive, cpioArchive } from './cpio.ts';
import { ensureHostTools } from './host-tools.ts';
import { defaultCacheDir, ensureImage, type VmImage } from './image.ts';
import { startVm, type RunningVm } from './qemu.ts';

export const HWSIM_DEVICES = {
  ap1: { guestPort: 2201, interface: 'wlan0', radio: 'phy0' },
  ap2: { guestPort: 2202, interface: 'wlan1', radio: 'phy1' },
  client: { guestPort: 2203, interface: 'wlan2', radio: 'phy2' },
} as const;
type DeviceName = keyof typeof HWSIM_DEVICES;
const DEVICE_NAMES = Object.keys(HWSIM_DEVICES) as DeviceName[];

export interface HwsimLabOptions {
  bench: Bench;
  /** Where images are cached (default `${XDG_CACHE_HOME:-~/.cache}/rig/hwsim`). */
  cacheDir?: string;
  /** Boot deadline (default 120 s). */
  bootTimeoutMs?: number;
  log?: (m: string) => void;
}

export interface HwsimLabEndpoints {
  devices: Record<string, { host: string; port: number; hostKeyFingerprint: string }>;
  attenuators: Record<string, { host: string; port: number; httpPort: number; telnetPort: number | null }>;
  power: Record<string, { host: string; port: number }>;
  /** No serial consoles on the VM: its devices share one kernel (the lab has no UART per device). */
  console?: Record<string, { host: string; port: number }>;
}

export interface HwsimLab {
  readonly kind: 'hwsim';
  readonly endpoints: HwsimLabEndpoints;
  readonly image: VmImage;
  readonly vm: RunningVm;
  /** Station address in netns sta, and the ping target's on br0. */
  readonly addresses: { station: string; target: string };
  stop(): Promise<void>;
}

function configError(message: string): VirtualRigError {
  return new VirtualRigError(message, 'E_HWSIM_CONFIG', 'config');
}

/** The bench fits the VM: nl80211 drivers, the VM's interface names, key-file auth, an IPv4 target. */
function checkBench(bench: Bench): { station: string; target: string } {
  for (const name of DEVICE_NAMES) {
    const dev = bench.devices[name];
    const want = HWSIM_DEVICES[name];
    const at = `devices.${name}`;
    if (dev.driver !== 'nl80211') throw configError(`${at}.driver: expected nl80211 (a hwsim lab runs hostapd and wpa_supplicant), got ${dev.driver}`);
    if (dev.wireless.interface !== want.interface) throw configError(`${at}.wireless.interface: expected ${want.interface} (the hwsim VM's ${name} interface), got ${dev.wireless.interface}`);
    if (dev.wireless.radio !== want.radio) throw configError(`${at}.wireless.radio: expected ${want.radio} (the hwsim VM's ${name} radio), got ${dev.wireless.radio}`);
    if (dev.auth.method !== 'keyFile') throw configError(`${at}.auth: expected keyFile (the hwsim VM's dropbear takes the lab key only)`);
    if (dev.user !== 'root') throw configError(`${at}.user: expected root (the hwsim VM has only root), got ${dev.user}`);
    if (dev.role === 'ap' && dev.wireless.bridge !== 'br0') throw configError(`${at}.wireless.bridge: expected br0 (the hwsim VM's wired side, which holds traffic.target), got ${dev.wireless.bridge ?? 'none'}`);
    if (dev.power) throw configError(`${at}.power: a hwsim lab has no power switches`);
  }
  const target = bench.traffic.target;
  const octets = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(target)?.slice(1).map(Number);
  if (!octets || octets.some((o) => o > 255) || octets[3] === 0 || octets[3] === 255) {
    throw configError(`traffic.target: expected an IPv4 host address (the hwsim VM puts it on its bridge, with the station in its /24), got ${target}`);
  }
  const station = [...octets.slice(0, 3), octets[3] === 100 ? 101 : 100].join('.');
  return { station, target };
}

/** OpenSSH's `SHA256:...` fingerprint of an `ssh-ed25519 AAAA... comment` line. */
function fingerprint(publicLine: string): string {
  const blob = Buffer.from(publicLine.trim().split(/\s+/)[1], 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export async function startHwsimLab(o: HwsimLabOptions): Promise<HwsimLab> {
  const log = o.log ?? ((): void => undefined);
  const { bench } = o;
  const addresses = checkBench(bench);
  ensureHostTools(log);
  const cacheDir = o.cacheDir ?? defaultCacheDir();
  const image = await ensureImage({ cacheDir, log });

  const runDir = mkdtempSync(join(tmpdir(), 'rig-hwsim-'));
  let vm: RunningVm | null = null;
  let attenuators: Record<string, VirtualAttenuator> = {};
  const cleanup = async (): Promise<void> => {
    await Promise.allSettled([vm?.stop(), ...[...new Set(Object.values(attenuators))].map((a) => a.close())]);
    rmSync(runDir, { recursive: true, force: true });
  };
  try {
    const authorized = [...new Set(DEVICE_NAMES.map((n) => bench.devices[n].auth).flatMap((a) => (a.method === 'keyFile' ? [ensureClientKey(a.keyFile).public.trim()] : [])))];
    const hostKeys = Object.fromEntries(DEVICE_NAMES.map((n) => [n, generateKeyPair(`rig hwsim ${n}`)])) as Record<DeviceName, { private: string; public: string }>;
    const labConf = `TARGET_CIDR=${addresses.target}/24\nSTATION_CIDR=${addresses.station}/24\n`;
    const extra = cpioArchive([
      { path: 'etc' },
      { path: 'etc/rig', mode: 0o700 },
      { path: 'etc/rig/lab.conf', data: labConf },
      { path: 'etc/rig/authorized_keys', data: authorized.join('\n') + '\n', mode: 0o600 },
      ...DEVICE_NAMES.map((n) => ({ path: `etc/rig/host_key_${n}`, data: hostKeys[n].private, mode: 0o600 })),
    ]);
    const initrd = join(runDir, 'initrd.img');
    writeFileSync(initrd, appendArchive(readFileSync(image.initrd), extra), { mode: 0o600 });

    vm = await startVm({
      kernel: image.kernel,
      initrd,
      guestPorts: DEVICE_NAMES.map((n) => HWSIM_DEVICES[n].guestPort),
      runDir,
      pidDir: join(cacheDir, 'pids'),
      bootTimeoutMs: o.bootTimeoutMs,
      log,
    });
    // The start's secrets are in the VM now; nothing of them stays on disk.
    rmSync(initrd, { force: true });
    log(`hwsim lab: VM up in ${(vm.bootMs / 1000).toFixed(1)} s (QEMU pid ${vm.pid})`);

    attenuators = await startVirtualAttenuators(bench.attenuators, {
      host: '127.0.0.1',
      initialDb: bench.profile.range.maxDb,
      onChange: (name, _channel, db) => log(`hwsim lab: attenuator ${name} set to ${db} dB (no effect: hwsim has no path loss)`),
    });

    const endpoints: HwsimLabEndpoints = { devices: {}, attenuators: {}, power: {} };
    for (const n of DEVICE_NAMES) {
      endpoints.devices[n] = { host: '127.0.0.1', port: vm.hostPorts.get(HWSIM_DEVICES[n].guestPort)!, hostKeyFingerprint: fingerprint(hostKeys[n].public) };
    }
    for (const [name, a] of Object.entries(attenuators)) {
      const port = (bench.attenuators[name].protocol === 'http' ? a.ports.http : a.ports.telnet) ?? 0;
      endpoints.attenuators[name] = { host: '127.0.0.1', port, httpPort: a.ports.http ?? 0, telnetPort: a.ports.telnet };
    }
    let stopped = false;
    const running = vm;
    return {
      kind: 'hwsim',
      endpoints,
      image,
      vm: running,
      addresses,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
