/**
 * Flashing the boards of an open BenchSession, with the inventory's knowledge: each
 * board's VAP interface, its configuration to restore afterwards (the same
 * MadwifiAccessPoint / MadwifiStation `configure()` the roam run uses), reconnecting
 * a board that rebooted, and which manifest target its files come from.
 */
import { BenchError, ConfigError } from '../errors.ts';
import type { Bench, DeviceName } from '../inventory/schema.ts';
import { DEVICE_NAMES } from '../inventory/schema.ts';
import type { SshDevice } from '../controllers/ssh/ssh-device.ts';
import type { BenchSession } from '../bench/session.ts';
import { accessPointSettings, stationSettings } from '../bench/settings.ts';
import { VIRTUAL_TARGET } from '../firmware/build-virtual.ts';
import { loadManifest, variantOf, type Manifest } from '../firmware/manifest.ts';
import type { FirmwareState } from './board.ts';
import { flashDevices, identifyFirmware, type FlashProgress, type FlashResult } from './flash.ts';
import type { TransferMode } from './transfer.ts';

export interface FlashSessionOptions {
  variant: string;
  /** Boards to flash (default ap1, ap2, client). */
  devices?: DeviceName[];
  /** Manifest target (default: `virtual` on a virtual bench, else the only target the variant has files for). */
  target?: string;
  manifest?: Manifest;
  /**
   * After the modules are loaded (and after a rollback): `inventory` (default) recreates
   * the VAP and sets ESSID/channel, roaming knobs, hostapd / wpa_supplicant from the
   * inventory; `none` leaves the board without a VAP; or your own hook.
   */
  restore?: 'inventory' | 'none' | ((name: DeviceName, session: BenchSession) => Promise<void>);
  /** WPA-PSK passphrase for the restore (default: the bench's pskEnv variable). */
  psk?: string | null;
  force?: boolean;
  transfer?: 'auto' | TransferMode;
  /** Put the other boards back when one fails (default true). */
  atomic?: boolean;
  /** How long to wait for a board that rebooted during the flash, real ms (default: 120 s of bench time). */
  rebootWaitMs?: number;
  onProgress?: (e: FlashProgress) => void;
  log?: (message: string) => void;
}

/** The boards madwifi firmware variants are for: those whose radio the madwifi driver runs. */
export function madwifiDevices(bench: Bench): DeviceName[] {
  return DEVICE_NAMES.filter((n) => bench.devices[n].driver === 'madwifi');
}

/** The manifest target for a bench's boards. */
export function resolveTarget(bench: Bench, m: Manifest, variant: string, target?: string): string {
  if (target !== undefined) {
    if (!Object.hasOwn(m.targets, target)) throw new ConfigError(`unknown firmware target "${target}" (${m.file} has ${Object.keys(m.targets).join(', ')})`, { code: 'E_TARGET' });
    return target;
  }
  if (bench.virtual) return VIRTUAL_TARGET;
  const built = Object.keys(variantOf(m, variant).files).filter((t) => t !== VIRTUAL_TARGET);
  if (built.length === 1) return built[0];
  throw new ConfigError(
    built.length === 0
      ? `variant ${variant} has no module files for a real board yet: build them with firmware/build-madwifi.sh (see firmware/README.md)`
      : `variant ${variant} has files for several targets (${built.join(', ')}): say which one with --target`,
    { code: 'E_TARGET' },
  );
}

function pskFor(bench: Bench, given: string | null | undefined): string | null {
  if (bench.security.mode !== 'wpa-psk') return null;
  if (given) return given;
  const v = process.env[bench.security.pskEnv];
  if (!v) throw new ConfigError(`the bench uses WPA-PSK: to restore hostapd / wpa_supplicant after the flash, set its passphrase in ${bench.security.pskEnv}`, { code: 'E_SECRET_ENV' });
  return v;
}

/**
 * Flash a variant onto the session's boards (in parallel). Returns each board's
 * FlashResult; throws FlashError (exit 3) naming the board and step that failed,
 * after the rollback. The session's connections and controllers stay usable (a board
 * that had to be reconnected is replaced in the session).
 */
export async function flashSession(session: BenchSession, opts: FlashSessionOptions): Promise<Partial<Record<DeviceName, FlashResult>>> {
  const bench = session.bench;
  const m = opts.manifest ?? loadManifest();
  variantOf(m, opts.variant);
  const target = resolveTarget(bench, m, opts.variant, opts.target);
  const names = opts.devices ?? madwifiDevices(bench);
  for (const n of names) if (!(DEVICE_NAMES as readonly string[]).includes(n)) throw new ConfigError(`no device "${n}" on the bench (ap1, ap2, client)`, { code: 'E_USAGE' });
  for (const n of names) {
    if (bench.devices[n].driver !== 'madwifi') {
      throw new ConfigError(`${n} runs the ${bench.devices[n].driver} driver: madwifi firmware variants are not for it`, { code: 'E_FLASH_DRIVER', subject: n });
    }
  }
  const restoreMode = opts.restore ?? 'inventory';
  const psk = restoreMode === 'inventory' ? pskFor(bench, opts.psk) : null;
  const rebootWaitMs = opts.rebootWaitMs ?? Math.max(2000, session.clock.real(120_000));

  const restoreFor = (name: DeviceName): ((d: SshDevice) => Promise<void>) | undefined => {
    if (restoreMode === 'none') return undefined;
    if (typeof restoreMode === 'function') return () => restoreMode(name, session);
    return async () => {
      if (name === 'client') {
        await session.configureStation(stationSettings(bench, psk));
      } else {
        await session.aps[name].configure(accessPointSettings(bench, name, psk));
      }
    };
  };
  const reconnectFor = (name: DeviceName) => async (): Promise<SshDevice> => {
    const deadline = Date.now() + rebootWaitMs;
    for (;;) {
      try {
        await session.reconnect(name);
        return session.devices[name];
      } catch (err) {
        if (!(err instanceof BenchError && err.code === 'E_CONNECT') || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  const devices = Object.fromEntries(names.map((n) => [n, session.devices[n]]));
  return (await flashDevices(devices, {
    variant: opts.variant,
    target,
    manifest: m,
    force: opts.force,
    transfer: opts.transfer,
    atomic: opts.atomic,
    onProgress: opts.onProgress,
    log: opts.log,
    perDevice: (n) => {
      const name = n as DeviceName;
      return {
        iface: bench.devices[name].wireless.interface,
        daemons: name === 'client' ? ['wpa_supplicant'] : ['hostapd'],
        commandTimeoutMs: Math.max(20_000, bench.devices[name].commandTimeoutS * 1000),
        restore: restoreFor(name),
        reconnect: reconnectFor(name),
      };
    },
  })) as Partial<Record<DeviceName, FlashResult>>;
}

/** What every madwifi board of the session runs (variant, banners, modules): for run records. */
export async function identifySession(session: BenchSession, opts: { target?: string; manifest?: Manifest; devices?: DeviceName[] } = {}): Promise<Partial<Record<DeviceName, FirmwareState>>> {
  const m = opts.manifest ?? loadManifest();
  let target = opts.target;
  if (target === undefined) {
    if (session.bench.virtual) target = VIRTUAL_TARGET;
    else {
      const built = [...new Set(Object.values(m.variants).flatMap((v) => Object.keys(v.files)).filter((t) => t !== VIRTUAL_TARGET))];
      if (built.length !== 1) throw new ConfigError(`say which firmware target the boards are (${built.join(', ') || 'none built yet'})`, { code: 'E_TARGET' });
      target = built[0];
    }
  }
  const names = opts.devices ?? madwifiDevices(session.bench);
  const states = await Promise.all(names.map((n) => identifyFirmware(session.devices[n], { target, manifest: m })));
  return Object.fromEntries(names.map((n, i) => [n, states[i]])) as Partial<Record<DeviceName, FirmwareState>>;
}
