/**
 * What the inventory asks of each role, in the roles' terms: the settings a bench's
 * access points and its station are configured with (by the roam run, its recovery,
 * and a flash's restore alike).
 */
import type { AccessPointSettings, StationSettings, WepSettings } from '../controllers/roles.ts';
import { parseWepKey } from '../controllers/wep-key.ts';
import { ConfigError } from '../errors.ts';
import { AP_NAMES, type ApName, type Bench } from '../inventory/schema.ts';

/** The bench's WEP key from the environment variable it names (null when the bench is not WEP); what is wrong names the variable, never the key. */
export function wepSettings(bench: Bench): WepSettings | null {
  const sec = bench.security;
  if (sec.mode !== 'wep') return null;
  const v = process.env[sec.keyEnv];
  if (!v) throw new ConfigError(`the bench uses WEP: set its key in the environment variable ${sec.keyEnv}`, { code: 'E_SECRET_ENV' });
  const key = parseWepKey(v);
  if (typeof key === 'string') throw new ConfigError(`the WEP key in ${sec.keyEnv}: ${key}`, { code: 'E_SECRET_ENV' });
  return { key, index: sec.keyIndex, keyMode: sec.keyMode };
}

export function accessPointSettings(bench: Bench, ap: ApName, psk: string | null): AccessPointSettings {
  return { essid: bench.essid, channel: bench.devices[ap].wireless.channel, psk, wep: wepSettings(bench) };
}

export function stationSettings(bench: Bench, psk: string | null): StationSettings {
  return { essid: bench.essid, roaming: { ...bench.roaming }, psk, channels: AP_NAMES.map((ap) => bench.devices[ap].wireless.channel), wep: wepSettings(bench) };
}
