/**
 * What the inventory asks of each role, in the roles' terms: the settings a bench's
 * access points and its station are configured with (by the roam run, its recovery,
 * and a flash's restore alike).
 */
import type { AccessPointSettings, StationSettings } from '../controllers/roles.ts';
import { AP_NAMES, type ApName, type Bench } from '../inventory/schema.ts';

export function accessPointSettings(bench: Bench, ap: ApName, psk: string | null): AccessPointSettings {
  return { essid: bench.essid, channel: bench.devices[ap].wireless.channel, psk };
}

export function stationSettings(bench: Bench, psk: string | null): StationSettings {
  return { essid: bench.essid, roaming: { ...bench.roaming }, psk, channels: AP_NAMES.map((ap) => bench.devices[ap].wireless.channel) };
}
