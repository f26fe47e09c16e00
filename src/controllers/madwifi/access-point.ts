import type { AccessPoint, AccessPointSettings } from '../roles.ts';
import type { DeviceShell } from '../ssh/types.ts';
import { parseWlanconfigStations } from './parse.ts';
import { run } from '../ssh/run.ts';
import { MadwifiVap, type VapConfig } from './vap.ts';

const HOSTAPD_CONF = '/tmp/rig-hostapd.conf';

/** An access point's madwifi AP VAP (and hostapd for WPA-PSK): the madwifi implementation of the AccessPoint role. */
export class MadwifiAccessPoint extends MadwifiVap implements AccessPoint {
  readonly driver = 'madwifi';

  constructor(shell: DeviceShell, cfg: VapConfig) {
    super(shell, cfg, 'ap');
  }

  /** `wlanconfig athN list sta`: the stations associated now. */
  async stations(): Promise<string[]> {
    const r = await run(this.shell, ['wlanconfig', this.cfg.iface, 'list', 'sta'], { timeoutMs: this.cfg.commandTimeoutMs });
    return parseWlanconfigStations(r.stdout);
  }

  /** Bring the VAP up with the inventory's ESSID and channel; returns the AP's BSSID. */
  async configure(s: AccessPointSettings): Promise<string> {
    await this.ensureVap();
    const t = { timeoutMs: this.cfg.commandTimeoutMs };
    await run(this.shell, ['iwconfig', this.cfg.iface, 'essid', s.essid, 'channel', String(s.channel)], t);
    await this.killall('hostapd');
    if (s.wep) await this.setWep(s.wep);
    if (s.psk !== null) {
      await this.writeFile(HOSTAPD_CONF, hostapdConf(this.cfg.iface, s.essid, s.psk));
      await run(this.shell, ['hostapd', '-B', HOSTAPD_CONF], t);
    }
    await this.up();
    const info = await this.iwconfig();
    if (!info.accessPoint) throw new Error(`${this.name}: ${this.cfg.iface} reports no BSSID after configuration`);
    return info.accessPoint;
  }
}

export function hostapdConf(iface: string, essid: string, psk: string): string {
  return [`interface=${iface}`, 'driver=madwifi', `ssid=${essid}`, 'wpa=1', 'wpa_key_mgmt=WPA-PSK', 'wpa_pairwise=TKIP', `wpa_passphrase=${psk}`, ''].join('\n');
}
