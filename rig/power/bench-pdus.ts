/**
 * The virtual power switches of a bench: for every device whose inventory entry has a
 * `power:` outlet, a virtual PDU of that driver listens where the entry says (port 0:
 * any free port); devices naming the same address share one unit, each on its own
 * outlet (at port 0, those naming the same driver). Switching an outlet cuts or restores that board's power (`onSwitch`). The
 * unit requires the credentials the inventory's environment variables hold, when it
 * names any (an SNMP unit: the community, or the v3 user and keys). All or nothing: a
 * unit that fails to start closes those already started.
 */
import type { PowerSpec } from '../../src/inventory/schema.ts';
import { VirtualRigError } from '../errors.ts';
import { VirtualGudePdu } from './gude-pdu.ts';
import { VirtualNetioPdu } from './netio-pdu.ts';
import type { VirtualPdu } from './outlet-bank.ts';
import { VirtualSnmpPdu } from './snmp-pdu.ts';

export const VIRTUAL_PDU_DRIVERS = ['gude', 'netio', 'apc-snmp', 'raritan-snmp'] as const;

export interface BenchPdus {
  /** Per device: where its power switch listens. */
  endpoints: Record<string, { host: string; port: number }>;
  units: VirtualPdu[];
  /** Per device: the unit feeding it (for the pdu-stuck fault). */
  unitOf: Record<string, VirtualPdu>;
  close(): Promise<void>;
}

interface UnitStart {
  host: string;
  port: number;
  outlets: number;
  names: Record<number, string>;
  onSwitch: (outlet: number, on: boolean) => void;
}

const env = (name: string | undefined): string | undefined => (name ? process.env[name] : undefined);

/** Start the virtual unit a power entry names, with the credentials its environment variables hold. */
function startUnit(spec: PowerSpec, u: UnitStart): Promise<VirtualPdu> {
  const username = env(spec.usernameEnv);
  const password = env(spec.passwordEnv);
  const credentials = username !== undefined || password !== undefined ? { username: username ?? '', password: password ?? '' } : undefined;
  switch (spec.driver) {
    case 'netio':
      return VirtualNetioPdu.start({ ...u, credentials });
    case 'apc-snmp':
    case 'raritan-snmp': {
      const s = spec.snmp;
      const authKey = env(s?.authKeyEnv);
      const v3User = s?.version === '3' && authKey !== undefined
        ? { name: username ?? '', authProtocol: s.authProtocol ?? 'sha', authKey, privProtocol: s.privProtocol, privKey: env(s.privKeyEnv) }
        : undefined;
      return VirtualSnmpPdu.start({ ...u, mib: spec.driver === 'apc-snmp' ? 'apc' : 'raritan', community: env(s?.communityEnv) ?? 'private', v3User, pduId: s?.pduId });
    }
    default:
      return VirtualGudePdu.start({ ...u, credentials });
  }
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
    const address = spec.address ?? '127.0.0.1:0';
    // Port 0 ("any free port"): one unit per kind of switch; a real port: one unit per address.
    const key = address.endsWith(':0') ? `${spec.driver} ${address}` : address;
    const unit = byAddress.get(key) ?? { devices: {}, spec };
    if (unit.spec.driver !== spec.driver) {
      throw new VirtualRigError(`${device}: the power switch at ${address} is a ${unit.spec.driver} unit, not ${spec.driver}`, 'E_VIRTUAL_PDU', 'config');
    }
    if (unit.devices[spec.outlet] !== undefined) {
      throw new VirtualRigError(`${device}: outlet ${spec.outlet} of the power switch at ${address} already feeds ${unit.devices[spec.outlet]}`, 'E_VIRTUAL_PDU', 'config');
    }
    unit.devices[spec.outlet] = device;
    byAddress.set(key, unit);
  }
  const units: VirtualPdu[] = [];
  const endpoints: BenchPdus['endpoints'] = {};
  const unitOf: BenchPdus['unitOf'] = {};
  const close = async (): Promise<void> => {
    await Promise.allSettled(units.map((u) => u.close()));
  };
  try {
    for (const { devices, spec } of byAddress.values()) {
      const address = spec.address ?? '127.0.0.1:0';
      const u = await startUnit(spec, {
        host: opts.host,
        port: Number(address.slice(address.lastIndexOf(':') + 1)),
        outlets: Math.max(8, ...Object.keys(devices).map(Number)),
        names: devices,
        onSwitch: (outlet, on) => {
          const device = devices[outlet];
          if (device !== undefined) opts.onSwitch(device, on);
        },
      });
      units.push(u);
      for (const device of Object.values(devices)) {
        endpoints[device] = { host: opts.host, port: u.port };
        unitOf[device] = u;
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { endpoints, units, unitOf, close };
}
