/**
 * An access point board of the virtual rig: madwifi 0.9.3 in AP mode (`wlanconfig
 * ... wlanmode ap`, `iwconfig` essid / channel, `iwpriv` AP knobs) and hostapd
 * (`-B` with a hostapd.conf: ssid, wpa, wpa_passphrase), over the world model's
 * AccessPoint.
 */
import type { ProcessIO } from '../ssh/types.ts';
import type { AccessPoint } from '../world/access-point.ts';
import type { World } from '../world/world.ts';
import { channelFrequencyGHz, channelFrequencyMHz } from '../world/channels.ts';
import { WirelessBoard, type WirelessConfig } from './wireless-board.ts';
import { fail } from './command-error.ts';
import { parseConfText } from './wireless-tools.ts';
import { formatWlanconfigStations } from './format.ts';
import { rssiOf } from '../world/radio.ts';

/** An access point board: madwifi AP VAP and hostapd. */
export class ApBoard extends WirelessBoard {
  protected readonly mode = 'ap' as const;
  private readonly params: Record<string, number> = { hide_ssid: 0, bintval: 100, wmm: 1, doth: 0 };

  constructor(name: string, world: World, wireless: WirelessConfig, private readonly ap: AccessPoint) {
    super(name, world, name, wireless);
    this.commands.set('hostapd', (a, io) => this.hostapd(a, io));
  }

  protected vap() {
    return this.ap.vap;
  }
  protected createVap(iface: string, radio: string): void {
    this.ap.vap = { iface, radio };
  }
  protected destroyVap(): void {
    this.ap.up = false;
    this.ap.vap = null;
    this.world.client.beaconLost(this.ap);
  }
  protected setUp(up: boolean): void {
    this.world.sched.now();
    this.ap.up = up;
    if (!up) this.world.client.beaconLost(this.ap);
  }

  /** The board rebooted: its VAP and hostapd are gone until someone configures them again. */
  powerCycle(): void {
    this.world.sched.now();
    this.bootedAtModelMs = this.world.sched.now();
    this.stopDaemons('hostapd');
    this.ap.hostapd = null;
    this.ap.essid = null;
    this.ap.wep.reset();
    this.destroyVap();
  }
  protected wepState() {
    return this.ap.wep;
  }
  protected isUp(): boolean {
    return this.ap.up;
  }
  protected hwaddr(): string {
    return this.ap.bssid;
  }
  protected stationList(): string {
    return formatWlanconfigStations(
      this.ap.stationTable().map((st) => ({
        mac: st.mac,
        aid: st.aid,
        channel: this.ap.channel,
        rateMbps: 54,
        rssi: rssiOf(this.world.sampleSignalDbm(this.ap)),
        // isi_inact: a station that roamed away silently stays listed, idle, until ni_inact runs out (node-inactivity.ts)
        idleS: st.idleS,
      })),
    );
  }
  protected setParam(name: string, value: number): boolean {
    if (!(name in this.params)) return false;
    this.params[name] = value;
    return true;
  }
  protected getParam(name: string): number | undefined {
    return this.params[name];
  }
  protected stopDaemon(name: string): boolean {
    if (name !== 'hostapd' || this.stopDaemons(name) === 0) return false;
    this.ap.hostapd = null;
    return true;
  }

  protected applyIwconfig(settings: Map<string, string>, io: ProcessIO): number {
    const essid = settings.get('essid');
    const channel = settings.get('channel');
    if (channel !== undefined) {
      const ch = Number(channel);
      // madwifi refuses a channel its radio does not have (SIOCSIWFREQ: EINVAL).
      if (channelFrequencyMHz(ch) === null) return fail(io, 'Error for wireless request "Set Frequency" (8B04) :\n    SET failed on device ath0 ; Invalid argument.', 255);
      this.ap.channel = ch;
    }
    if (essid !== undefined) {
      this.world.sched.now();
      this.ap.essid = essid;
    }
    return 0;
  }

  protected iwconfigState() {
    const ap = this.ap;
    return {
      iface: ap.vap!.iface,
      essid: ap.ssid ?? '',
      mode: 'Master' as const,
      frequencyGHz: channelFrequencyGHz(ap.channel), // null: no channel set yet
      accessPoint: ap.up ? ap.bssid : null,
      bitRateMbps: 54,
      txPowerDbm: ap.txPowerDbm,
      linkQuality: 0,
      signalDbm: this.noiseDbm(),
      noiseDbm: this.noiseDbm(),
      encryption: ap.wpa || ap.wep.privacy,
    };
  }

  private hostapd(args: string[], io: ProcessIO): number {
    const text = this.daemonConfig(args, io, 'hostapd');
    if (text === null) return 1;
    const { top } = parseConfText(text);
    const ssid = top.get('ssid');
    if (!ssid) return fail(io, 'Line 3: invalid SSID');
    const wpa = Number(top.get('wpa') ?? '0');
    const pass = top.get('wpa_passphrase') ?? null;
    if (wpa && (!pass || pass.length < 8 || pass.length > 63)) return fail(io, 'Line 5: invalid WPA passphrase length (expected 8..63)');
    if (!this.ap.vap) return fail(io, `Could not get interface flags (${top.get('interface') ?? 'ath0'}): No such device`);
    this.stopDaemons('hostapd');
    this.startDaemon(`hostapd ${args.join(' ')}`);
    io.stdout.write(`Configuration file: ${args[args.length - 1]}\n`);
    this.world.sched.now();
    this.ap.hostapd = { ssid, psk: wpa ? pass : null };
    return 0;
  }
}
