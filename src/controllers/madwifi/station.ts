import type { BenchClock } from '../bench-clock.ts';
import { commandEventStream, waitForAssociation } from '../station-helpers.ts';
import type { AssociationEvent, EventStream, Station, StationSettings } from '../roles.ts';
import type { DeviceShell } from '../ssh/types.ts';
import { parseIweventLine } from './parse.ts';
import { run } from '../ssh/run.ts';
import { MadwifiVap, type VapConfig } from './vap.ts';

export type { StationSettings } from '../roles.ts';

const WPA_CONF = '/tmp/rig-wpa_supplicant.conf';

/**
 * The client board's madwifi station VAP (and wpa_supplicant for WPA-PSK): the madwifi
 * implementation of the Station role. `roaming` knobs are madwifi's iwpriv values
 * (hostroaming, rssi11a/b/g, scanvalid); association events come from `iwevent`
 * (SIOCGIWAP: a new BSSID, or all-zero when the driver left its AP).
 */
export class MadwifiStation extends MadwifiVap implements Station {
  readonly driver = 'madwifi';

  /** The roaming knobs set by configure() (iwpriv names). */
  private roaming: Record<string, number> = {};

  constructor(shell: DeviceShell, cfg: VapConfig) {
    super(shell, cfg, 'sta');
  }

  /** Create the VAP, set the roaming parameters, join the ESSID (via wpa_supplicant for WPA). */
  async configure(s: StationSettings): Promise<void> {
    this.roaming = { ...s.roaming };
    await this.ensureVap();
    for (const [name, value] of Object.entries(s.roaming)) await this.setPriv(name, value);
    await this.killall('wpa_supplicant');
    if (s.psk !== null) {
      await this.writeFile(WPA_CONF, wpaSupplicantConf(s.essid, s.psk));
      await this.run(['wpa_supplicant', '-B', '-i', this.cfg.iface, '-c', WPA_CONF, '-D', 'madwifi']);
    } else {
      if (s.wep) await this.setWep(s.wep);
      await this.run(['iwconfig', this.cfg.iface, 'essid', s.essid]);
    }
    await this.up();
  }

  /** Wait (bench time) until the station is associated; returns the BSSID. */
  waitAssociated(clock: BenchClock, timeoutMs: number, bssids?: string[], signal?: AbortSignal): Promise<string> {
    return waitForAssociation(this.name, () => this.link(), clock, timeoutMs, bssids, signal);
  }


  /**
   * Stream `iwevent`: every SIOCGIWAP event, with its time on the board's clock.
   * iwevent prints only the time of day, so the date comes from the bench clock.
   */
  watchAssociations(clock: BenchClock, listener: (e: AssociationEvent) => void): EventStream {
    const proc = this.shell.stream('iwevent');
    proc.onLine((line, stream, receivedAt) => {
      if (stream !== 'stdout') return;
      let ev;
      try {
        ev = parseIweventLine(line);
      } catch {
        return; // not an event line: ignore (the raw line is kept in the run's event log)
      }
      if (!ev || ev.kind !== 'ap' || ev.iface !== this.cfg.iface) return;
      listener({ atMs: timeOfDayNear(clock.now(), ev.time), arrivedMs: clock.fromWallClock(receivedAt), bssid: ev.bssid });
    });
    return commandEventStream(proc);
  }

  /**
   * `iwconfig athN ap BSSID`: madwifi's SIOCSIWAP (ieee80211_ioctl_siwap() in
   * net80211/ieee80211_wireless.c) sets the desired BSSID and, with the VAP up in auto
   * roaming, restarts the state machine towards it.
   */
  /** `iwconfig athN ap BSSID` sets IEEE80211_F_DESBSSID: the station stays on that AP. */
  readonly roamCommandPins = true;

  async roamTo(bssid: string): Promise<void> {
    await this.run(['iwconfig', this.cfg.iface, 'ap', bssid]);
  }

  /**
   * `iwlist athN scan` (wireless-tools 29: SIOCSIWSCAN, then SIOCGIWSCAN until the results
   * are in): madwifi's ieee80211_ioctl_siwscan() starts a scan; sta_add() files every
   * beacon and probe response it hears into the scan cache, and the scan's end stamps the
   * cache fresh for sta_roam_check() (`scanvalid`). The listing itself is not used.
   */
  async scan(): Promise<void> {
    await this.run(['iwlist', this.cfg.iface, 'scan']);
  }

  /**
   * sta_roam_check()'s threshold (net80211/ieee80211_scan_sta.c): `iv_roam.rssi11a` on a
   * 5 GHz channel, `rssi11b` (set by `iwpriv rssi11g`, the 11g channels' threshold) on
   * 2.4 GHz; madwifi's default 24 when not configured. Null with host roaming off.
   */
  roamThresholdDb(channel: number): number | null {
    if ((this.roaming.hostroaming ?? 1) !== 1) return null;
    return channel > 14 ? (this.roaming.rssi11a ?? 24) : (this.roaming.rssi11g ?? 24);
  }

  /** `iv_scanvalid` as configured (`iwpriv athN scanvalid`), madwifi's 60 s when not set. */
  scanValidMs(): number {
    return (this.roaming.scanvalid ?? 60) * 1000;
  }

  private async run(argv: string[]): Promise<void> {
    await run(this.shell, argv, { timeoutMs: this.cfg.commandTimeoutMs });
  }
}

/** The epoch ms whose UTC time of day is `t`, nearest to `nearMs` (handles midnight). */
export function timeOfDayNear(nearMs: number, t: { h: number; m: number; s: number; us: number }): number {
  const day = 86_400_000;
  const tod = ((t.h * 60 + t.m) * 60 + t.s) * 1000 + t.us / 1000;
  const base = Math.floor(nearMs / day) * day + tod;
  let best = base;
  for (const c of [base - day, base + day]) if (Math.abs(c - nearMs) < Math.abs(best - nearMs)) best = c;
  return best;
}

/** wpa_supplicant 0.5 configuration for one WPA-PSK network (written to the board through stdin). */
export function wpaSupplicantConf(essid: string, psk: string): string {
  return ['ctrl_interface=/var/run/wpa_supplicant', 'ap_scan=1', 'network={', `\tssid="${essid}"`, '\tkey_mgmt=WPA-PSK', '\tproto=WPA', `\tpsk="${psk}"`, '}', ''].join('\n');
}
