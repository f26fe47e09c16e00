/**
 * The device-role registries (roles.ts) and the built-in drivers, one registration
 * line each. The inventory names a driver per device (`driver: madwifi`), per power
 * outlet (`power: { driver: gude, ... }`) and per console (`console: { driver: ser2net-telnet, ... }`). Attenuators have their own registry
 * (attenuator/registry.ts): they are chosen by model prefix and protocol.
 */
import { DriverRegistry } from './driver-registry.ts';
import { MadwifiAccessPoint } from './madwifi/access-point.ts';
import { MadwifiStation } from './madwifi/station.ts';
import { Nl80211AccessPoint } from './nl80211/access-point.ts';
import { Nl80211Station } from './nl80211/station.ts';
import { GudeHttpPowerSwitch } from './power/gude-http.ts';
import { LocalCommandPowerSwitch } from './power/local-command.ts';
import { NetioJsonPowerSwitch } from './power/netio-json.ts';
import { RestPowerSwitch } from './power/rest.ts';
import { APC_POWERNET, RARITAN_PDU2, SnmpPowerSwitch } from './power/snmp-outlet.ts';
import type { PowerSwitchSpec } from './power/spec.ts';
import { Ser2netConsole, type ConsoleSpec } from './console/ser2net-console.ts';
import type { AccessPoint, Console, PowerSwitch, Station } from './roles.ts';
import type { DeviceShell } from './ssh/types.ts';

export type { PowerSwitchSpec } from './power/spec.ts';
export type { ConsoleSpec } from './console/ser2net-console.ts';

/** What a station or AP driver is built from: the device's connection and its inventory entry. */
export interface RadioDriverSpec {
  shell: DeviceShell;
  /** The wireless interface (madwifi: the VAP, ath0) and its radio (madwifi: wifi0). */
  iface: string;
  radio: string;
  /** An AP's bridge (`wireless.bridge`), when the inventory names one. */
  bridge?: string;
  /** A station's association event source (`wireless.events`), when the inventory names one. */
  events?: 'iw' | 'wpa_supplicant' | 'wpa_cli';
  commandTimeoutMs: number;
}

export const stationDrivers = new DriverRegistry<RadioDriverSpec, Station>('station driver');
export const accessPointDrivers = new DriverRegistry<RadioDriverSpec, AccessPoint>('access point driver');
export const powerSwitchDrivers = new DriverRegistry<PowerSwitchSpec, PowerSwitch>('power switch driver');
export const consoleDrivers = new DriverRegistry<Omit<ConsoleSpec, 'mode'>, Console>('console driver');

stationDrivers.register('madwifi', (s) => new MadwifiStation(s.shell, { iface: s.iface, radio: s.radio, commandTimeoutMs: s.commandTimeoutMs }));
stationDrivers.register('nl80211', (s) => new Nl80211Station(s.shell, { iface: s.iface, radio: s.radio, commandTimeoutMs: s.commandTimeoutMs, events: s.events }));
accessPointDrivers.register('madwifi', (s) => new MadwifiAccessPoint(s.shell, { iface: s.iface, radio: s.radio, commandTimeoutMs: s.commandTimeoutMs }));
accessPointDrivers.register('nl80211', (s) => new Nl80211AccessPoint(s.shell, { iface: s.iface, radio: s.radio, bridge: s.bridge, commandTimeoutMs: s.commandTimeoutMs }));
powerSwitchDrivers.register('gude', (s) => new GudeHttpPowerSwitch(s));
consoleDrivers.register('ser2net-tcp', (s) => new Ser2netConsole({ ...s, mode: 'raw' }));
consoleDrivers.register('ser2net-telnet', (s) => new Ser2netConsole({ ...s, mode: 'telnet' }));
powerSwitchDrivers.register('netio', (s) => new NetioJsonPowerSwitch(s));
powerSwitchDrivers.register('apc-snmp', (s) => new SnmpPowerSwitch(APC_POWERNET, s));
powerSwitchDrivers.register('raritan-snmp', (s) => new SnmpPowerSwitch(RARITAN_PDU2, s));
powerSwitchDrivers.register('rest', (s) => new RestPowerSwitch(s));
powerSwitchDrivers.register('command', (s) => new LocalCommandPowerSwitch(s));
