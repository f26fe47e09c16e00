/**
 * What every power switch driver is built from: the device it powers, where the switch
 * listens, the outlet, credentials read from the environment variables the inventory
 * names (never the inventory itself), and the inventory entry for drivers with settings
 * of their own (snmp, rest, command).
 */
import type { PowerSpec } from '../../inventory/schema.ts';

export interface PowerSwitchSpec {
  /** The device this outlet powers (inventory name). */
  name: string;
  /** Where the switch listens (the command driver has no address: empty host, port 0). */
  host: string;
  port: number;
  outlet: number;
  credentials?: { username: string; password: string };
  /** Per-request timeout, real ms (default 3000). */
  timeoutMs?: number;
  /** How long to wait for the read-back to show the new state, real ms (default 2000). */
  settleMs?: number;
  /** The inventory's power entry, for the drivers that need more than an address (snmp, rest, command). */
  settings?: PowerSpec;
  /** Where the secrets the settings name are read (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** `host:port` for messages and URLs (IPv6 literals bracketed). */
export function hostPort(spec: Pick<PowerSwitchSpec, 'host' | 'port'>): string {
  return `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
}
