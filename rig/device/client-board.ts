/**
 * The client board of the virtual rig: madwifi 0.9.3 in station mode over the world
 * model's station, `iwevent` (wireless-tools 29, SIOCGIWAP events), `ping` (the
 * board's flavour: ping-command.ts) and wpa_supplicant / `wpa_cli status`.
 */
import type { ProcessIO } from '../ssh/types.ts';
import { PingProcess, type PingFlavour } from '../world/ping.ts';
import { rssiOf } from '../world/radio.ts';
import type { World } from '../world/world.ts';
import { formatIweventBanner, formatIweventLine, formatIwlistScan, formatWlanconfigStations } from './format.ts';
import { channelFrequencyGHz } from '../world/channels.ts';
import { WirelessBoard, type WirelessConfig } from './wireless-board.ts';
import { fail } from './command-error.ts';
import { runPing } from './ping-run.ts';
import { parseConfText } from './wireless-tools.ts';

/** The client board: madwifi station VAP, wpa_supplicant, iwevent, ping. */
export class ClientBoard extends WirelessBoard {
  protected readonly mode = 'sta' as const;
  /** Ping processes running now (faults kill them). */
  readonly pings = new Set<PingProcess>();

  constructor(name: string, world: World, wireless: WirelessConfig, readonly pingFlavour: PingFlavour) {
    super(name, world, name, wireless);
    this.commands.set('iwevent', (a, io) => this.iwevent(a, io));
    this.commands.set('ping', (a, io) => this.ping(a, io));
    this.commands.set('wpa_supplicant', (a, io) => this.wpaSupplicant(a, io));
    this.commands.set('wpa_cli', (a, io) => this.wpaCli(a, io));
    this.commands.set('iwlist', (a, io) => this.iwlist(a, io));
  }

  /** The board rebooted: processes die, the VAP and wpa_supplicant are gone. */
  powerCycle(): void {
    this.world.sched.now();
    this.bootedAtModelMs = this.world.sched.now();
    for (const p of [...this.pings]) p.die(null, 137);
    this.pings.clear();
    this.stopDaemons('wpa_supplicant');
    this.sta.powerCycle();
  }

  private get sta() {
    return this.world.client;
  }

  protected vap() {
    return this.sta.vap;
  }
  protected wepState() {
    return this.sta.wep;
  }
  protected createVap(iface: string, radio: string): void {
    this.sta.createVap(iface, radio);
  }
  protected destroyVap(): void {
    this.sta.destroyVap();
  }
  protected setUp(up: boolean): void {
    if (up) this.sta.ifUp();
    else this.sta.ifDown();
  }
  protected isUp(): boolean {
    return this.sta.up;
  }
  protected hwaddr(): string {
    return this.sta.mac;
  }
  /** A station's node table holds its AP (madwifi lists the BSS node on a STA VAP). */
  protected stationList(): string {
    const ap = this.sta.state === 'RUN' ? this.sta.bss : null;
    if (!ap) return '';
    return formatWlanconfigStations([{ mac: ap.bssid, aid: 1, channel: ap.channel, rateMbps: 54, rssi: rssiOf(this.sta.signalFrom(ap)), idleS: 0 }]);
  }
  protected setParam(name: string, value: number): boolean {
    if (!(name in this.sta.params)) return false;
    this.sta.params[name] = value;
    return true;
  }
  protected getParam(name: string): number | undefined {
    return this.sta.params[name];
  }
  protected stopDaemon(name: string): boolean {
    if (name !== 'wpa_supplicant' || this.stopDaemons(name) === 0) return false;
    this.sta.stopSupplicant();
    return true;
  }

  protected applyIwconfig(settings: Map<string, string>, io: ProcessIO): number {
    const essid = settings.get('essid');
    if (essid !== undefined) {
      if (essid.length > 32) return fail(io, 'Error for wireless request "Set ESSID" (8B1A) :\n    ESSID too long.', 255);
      this.sta.setEssid(essid);
    }
    // wireless-tools iwconfig.c: `ap` takes a MAC, `any`/`auto` (broadcast) or `off` (all-zero) -> SIOCSIWAP.
    const ap = settings.get('ap');
    if (ap !== undefined) {
      const a = ap.toLowerCase();
      const addr = a === 'any' || a === 'auto' ? 'FF:FF:FF:FF:FF:FF' : a === 'off' ? '00:00:00:00:00:00' : ap;
      if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(addr)) {
        return fail(io, `Error for wireless request "Set AP Address" (8B14) :\n    invalid argument "${ap}".`, 255);
      }
      this.sta.setDesiredBssid(addr);
    }
    return 0;
  }

  protected iwconfigState() {
    const sta = this.sta;
    const ap = sta.state === 'RUN' ? sta.bss : null;
    const signal = ap ? Math.round(sta.signalFrom(ap)) : null;
    return {
      iface: sta.vap!.iface,
      essid: sta.essid ?? '',
      mode: 'Managed' as const,
      frequencyGHz: ap ? channelFrequencyGHz(ap.channel) : null,
      accessPoint: ap ? ap.bssid : null,
      bitRateMbps: ap ? 54 : null,
      txPowerDbm: 18,
      linkQuality: signal === null ? 0 : Math.min(94, rssiOf(signal)),
      signalDbm: signal ?? this.noiseDbm(),
      noiseDbm: this.noiseDbm(),
      encryption: (ap?.wpa ?? false) || sta.wep.privacy,
    };
  }

  private iwevent(_args: string[], io: ProcessIO): Promise<number> {
    return this.track('iwevent', async () => {
      io.stdout.write(formatIweventBanner());
      const off = this.sta.onWirelessEvent((bssid) => {
        io.stdout.write(formatIweventLine(this.nowMs(), this.sta.vap?.iface ?? 'ath0', bssid));
      });
      const sig = await this.untilSignal(io);
      off();
      return sig === 'INT' ? 130 : sig === 'TERM' ? 143 : 129;
    });
  }

  /**
   * `iwlist IFACE scan[ning]` (wireless-tools 29 iwlist.c print_scanning_info()): SIOCSIWSCAN
   * starts a scan (madwifi's ieee80211_ioctl_siwscan(); -ENETDOWN when the VAP is down), then
   * SIOCGIWSCAN is polled every 250 ms until the results are in (-EAGAIN meanwhile), at most
   * 15 s. A scan already running is waited for (the ioctl's preempt_scan()). The model's scan
   * while associated is its default background scan (docs/virtual-rig.md): it hears every AP,
   * stamps the cache fresh for the roam check, and loses no frame.
   */
  private iwlist(args: string[], io: ProcessIO): Promise<number> | number {
    const [iface, cmd] = args;
    if (!iface || !cmd) return fail(io, 'Usage: iwlist [interface] scanning [essid NNN] [last]');
    if (cmd !== 'scan' && cmd !== 'scanning') return fail(io, `iwlist: unknown command \`${cmd}' (check 'iwlist --help').`, 255);
    const vap = this.sta.vap;
    if (!vap || vap.iface !== iface) return fail(io, `${iface.padEnd(8)}  Interface doesn't support scanning.\n`, 255);
    if (!this.sta.up) return fail(io, `${iface.padEnd(8)}  Interface doesn't support scanning : Network is down\n`, 255);
    return this.track(`iwlist ${iface} scan`, () =>
      new Promise<number>((resolve) => {
        let polls = 0;
        const attempt = (): void => {
          const started = this.sta.requestScan(() => {
            const cells = this.world.accessPoints.flatMap((ap) => {
              if (!ap.beaconing || this.sta.heardAgoMs(ap) === null || !ap.ssid) return [];
              const signalDbm = this.sta.signalFrom(ap);
              return [{ bssid: ap.bssid, essid: ap.ssid, frequencyGHz: channelFrequencyGHz(ap.channel), channel: ap.channel, quality: Math.min(94, rssiOf(signalDbm)), signalDbm, noiseDbm: this.noiseDbm(), encryption: ap.wpa }];
            });
            io.stdout.write(formatIwlistScan(iface, cells));
            resolve(0);
          });
          if (started) return;
          // busy: another scan runs; poll as iwlist does (250 ms), 15 s at most
          if (++polls > 60 || !this.sta.up) {
            resolve(fail(io, `${iface.padEnd(8)}  Allocation failed\n`, 255));
            return;
          }
          this.world.sched.after(250, attempt);
        };
        attempt();
        io.abort.addEventListener('abort', () => resolve(129), { once: true });
      }),
    );
  }

  private ping(args: string[], io: ProcessIO): Promise<number> | number {
    return runPing({ world: this.world, flavour: this.pingFlavour, pings: this.pings, now: () => this.nowMs(), track: (c, b) => this.track(c, b) }, args, io);
  }


  private wpaSupplicant(args: string[], io: ProcessIO): number {
    const text = this.daemonConfig(args, io, 'wpa_supplicant');
    if (text === null) return 1;
    const { networks } = parseConfText(text);
    const net = networks[0];
    if (!net?.get('ssid')) return fail(io, 'Line 1: no network block with an ssid in the configuration file');
    const keyMgmt = net.get('key_mgmt') ?? 'WPA-PSK';
    const psk = keyMgmt === 'NONE' ? null : net.get('psk') ?? null;
    if (keyMgmt !== 'NONE' && (!psk || psk.length < 8 || psk.length > 63)) {
      return fail(io, 'Line 4: Invalid passphrase length (expected: 8..63)');
    }
    this.stopDaemons('wpa_supplicant');
    this.startDaemon(`wpa_supplicant ${args.join(' ')}`);
    this.sta.startSupplicant({ ssid: net.get('ssid')!, psk });
    return 0;
  }

  private wpaCli(args: string[], io: ProcessIO): number {
    if (!args.includes('status')) return fail(io, 'wpa_cli: only "status" is available on this board');
    const sup = this.sta.supplicant;
    if (!sup) return fail(io, "Failed to connect to wpa_supplicant - wpa_ctrl_open: No such file or directory");
    const ap = this.sta.state === 'RUN' ? this.sta.bss : null;
    const state = !ap ? 'SCANNING' : ap.wpa && !this.sta.keysInstalled ? '4WAY_HANDSHAKE' : 'COMPLETED';
    const lines = [
      ...(ap ? [`bssid=${ap.bssid.toLowerCase()}`, `ssid=${sup.ssid}`, 'id=0'] : []),
      ...(ap?.wpa ? ['pairwise_cipher=TKIP', 'group_cipher=TKIP', 'key_mgmt=WPA-PSK'] : ['key_mgmt=NONE']),
      `wpa_state=${state}`,
    ];
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  }
}
