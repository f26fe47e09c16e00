/**
 * The virtual power switches of a bench: for every device whose inventory entry has a
 * `power:` outlet, a virtual PDU of that driver listens where the entry says (port 0:
 * any free port); devices naming the same address share one unit, each on its own
 * outlet. Switching an outlet cuts or restores that board's power (`onSwitch`). The
 * unit requires the credentials the inventory's environment variables hold, when it
 * names any. All or nothing: a unit that fails to start closes those already started.
 */
import type { PowerSpec } from '../../src/inventory/schema.ts';
import { VirtualRigError } from '../errors.ts';
import { VirtualGudePdu } from './gude-pdu.ts';

export const VIRTUAL_PDU_DRIVERS = ['gude'] as const;

export interface BenchPdus {
  /** Per device: where its power switch listens. */
  endpoints: Record<string, { host: string; port: number }>;
  units: VirtualGudePdu[];
  close(): Promise<void>;
}

export async function startVirtualPdus(
  outlets: Record<string, PowerSpec>,
  opts: { host: string; onSwitch: (device: string, on: boolean) => void },
): Promise<BenchPdus> {
  const byAddress = new Map<string, { devices: Record<number, string>; spec: PowerSpec }>();
  for (const [device, spec] of Object.entries(outlets)) {
    if (!(VIRTUAL_PDU_DRIVERS as readonly string[]).includes(spec.driver)) {
      throw new VirtualRigError(`${device}: the virtual rig has no "${spec.driver}" power switch; it has ${VIRTUAL_PDU_DRIVERS.join(', ')}`, 'E_VIRTUAL_PDU', 'config');
    }
    const unit = byAddress.get(spec.address) ?? { devices: {}, spec };
    if (unit.devices[spec.outlet] !== undefined) {
      throw new VirtualRigError(`${device}: outlet ${spec.outlet} of the power switch at ${spec.address} already feeds ${unit.devices[spec.outlet]}`, 'E_VIRTUAL_PDU', 'config');
    }
    unit.devices[spec.outlet] = device;
    byAddress.set(spec.address, unit);
  }
  const units: VirtualGudePdu[] = [];
  const endpoints: BenchPdus['endpoints'] = {};
  const close = async (): Promise<void> => {
    await Promise.allSettled(units.map((u) => u.close()));
  };
  try {
    for (const [address, { devices, spec }] of byAddress) {
      const username = spec.usernameEnv ? process.env[spec.usernameEnv] : undefined;
      const password = spec.passwordEnv ? process.env[spec.passwordEnv] : undefined;
      const u = await VirtualGudePdu.start({
        host: opts.host,
        port: Number(address.slice(address.lastIndexOf(':') + 1)),
        outlets: Math.max(8, ...Object.keys(devices).map(Number)),
        names: devices,
        credentials: username !== undefined || password !== undefined ? { username: username ?? '', password: password ?? '' } : undefined,
        onSwitch: (outlet, on) => {
          const device = devices[outlet];
          if (device !== undefined) opts.onSwitch(device, on);
        },
      });
      units.push(u);
      for (const device of Object.values(devices)) endpoints[device] = { host: opts.host, port: u.port };
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { endpoints, units, close };
}
