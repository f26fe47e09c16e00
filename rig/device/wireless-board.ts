/**
 * What the virtual rig's madwifi boards share: the wireless commands (`wlanconfig`,
 * `ifconfig`, `iwconfig`, `iwpriv`, `killall`) with madwifi 0.9.3 / wireless-tools 29
 * messages, over a VAP that the access point and client boards keep in the world model;
 * the radio and the VAP in /proc/net/dev; a daemon killed by pid undoes what it did.
 *
 * `iwpriv athN` lists madwifi's private ioctls as wireless-tools' iwpriv.c
 * print_priv_info() does (`%-8.16s  Available private ioctls :`, then per named entry
 * `          %-16.16s (%.4X) : set %3d %s & get %3d %s`, the type column from its
 * argtype[] table, a blank line after): madwifi's net80211/ieee80211_wireless.c
 * ieee80211_priv_args[] in order (its sub-ioctls show their parameter number), as in
 * the madwifi svn of 2007 (r2700, the layout of 0.9.3.x) without the
 * ATH_REVERSE_ENGINEERING entries; blob sizes as a 32-bit build reports them.
 */
import type { ProcessIO } from '../ssh/types.ts';
import type { World } from '../world/world.ts';
import { Board, type NetDevice } from './board.ts';
import { formatIwconfig, formatIwconfigNoWireless, formatIwprivGet, formatNoSuchDevice } from './format.ts';
import { fail } from './command-error.ts';
import { extractIwconfigKeys, parseDaemonArgs, parseIwconfigSettings, type IwconfigKeyOp } from './wireless-tools.ts';
import type { WepState } from '../world/wep.ts';
import { NOISE_FLOOR_DBM } from '../world/radio.ts';

export interface WirelessConfig {
  /** The madwifi parent device, e.g. wifi0. */
  radio: string;
}

/** Commands shared by madwifi boards: wlanconfig, ifconfig, iwpriv, iwconfig, killall. */
export abstract class WirelessBoard extends Board {
  protected abstract readonly mode: 'sta' | 'ap';

  constructor(name: string, world: World, hostname: string, protected readonly wireless: WirelessConfig) {
    super(name, world, hostname);
    this.commands.set('wlanconfig', (a, io) => this.wlanconfig(a, io));
    this.commands.set('ifconfig', (a, io) => this.ifconfig(a, io));
    this.commands.set('iwconfig', (a, io) => this.iwconfig(a, io));
    this.commands.set('iwpriv', (a, io) => this.iwpriv(a, io));
    this.commands.set('killall', (a, io) => this.killall(a, io));
  }

  /** The VAP, when one exists. */
  protected abstract vap(): { iface: string; radio: string } | null;
  protected abstract createVap(iface: string, radio: string): void;
  protected abstract destroyVap(): void;
  protected abstract setUp(up: boolean): void;
  protected abstract isUp(): boolean;
  protected abstract applyIwconfig(settings: Map<string, string>, io: ProcessIO): number;
  protected abstract iwconfigState(): Parameters<typeof formatIwconfig>[0];
  protected abstract setParam(name: string, value: number): boolean;
  protected abstract getParam(name: string): number | undefined;
  protected abstract stopDaemon(name: string): boolean;

  private wlanconfig(args: string[], io: ProcessIO): number {
    const [iface, verb, ...rest] = args;
    if (!iface || !verb) return fail(io, 'usage: wlanconfig athX create wlandev wifiX wlanmode [sta|adhoc|ap|monitor|wds|ahdemo] [bssid | -bssid] [nosbeacon]');
    if (verb === 'create') {
      const wlandev = rest[rest.indexOf('wlandev') + 1];
      const mode = rest[rest.indexOf('wlanmode') + 1];
      if (!rest.includes('wlandev') || wlandev !== this.wireless.radio) return fail(io, `wlanconfig: ioctl: No such device`);
      if (!rest.includes('wlanmode') || mode !== this.mode) {
        return fail(io, `wlanconfig: this virtual ${this.mode === 'sta' ? 'client' : 'access point'} board only runs wlanmode ${this.mode}`);
      }
      if (this.vap()) return fail(io, 'wlanconfig: ioctl: File exists');
      this.createVap(iface, wlandev);
      io.stdout.write(`${iface}\n`);
      return 0;
    }
    if (verb === 'destroy') {
      if (this.vap()?.iface !== iface) return fail(io, `wlanconfig: ioctl: No such device`);
      this.destroyVap();
      return 0;
    }
    if (verb === 'list') {
      if (this.vap()?.iface !== iface) return fail(io, 'wlanconfig: ioctl: No such device');
      if (rest[0] === 'sta') io.stdout.write(this.stationList());
      return 0;
    }
    return fail(io, `wlanconfig: unknown command "${verb}"`);
  }

  private ifconfig(args: string[], io: ProcessIO): number {
    const [iface, action] = args;
    const vap = this.vap();
    if (!iface) {
      io.stdout.write('lo        Link encap:Local Loopback\n          inet addr:127.0.0.1  Mask:255.0.0.0\n\n');
      return 0;
    }
    if (iface === 'lo' || iface === 'eth0') return 0;
    if (!vap || vap.iface !== iface) return fail(io, `${iface}: error fetching interface information: Device not found`);
    if (action === 'up') this.setUp(true);
    else if (action === 'down') this.setUp(false);
    else if (action === undefined) {
      io.stdout.write(`${iface}     Link encap:Ethernet  HWaddr ${this.hwaddr()}\n          ${this.isUp() ? 'UP BROADCAST RUNNING MULTICAST' : 'BROADCAST MULTICAST'}  MTU:1500  Metric:1\n\n`);
    } else return fail(io, `ifconfig: unsupported in the virtual board: ${action}`);
    return 0;
  }

  protected abstract hwaddr(): string;

  /** `wlanconfig athN list sta`: the stations this VAP has (an AP's associated clients; a station's own AP). */
  protected abstract stationList(): string;

  private iwconfig(args: string[], io: ProcessIO): number {
    const vap = this.vap();
    if (args.length === 0) {
      io.stdout.write('lo        no wireless extensions.\n\neth0      no wireless extensions.\n\n');
      if (vap) io.stdout.write(formatIwconfig(this.iwconfigState()));
      return 0;
    }
    const [iface, ...settings] = args;
    if (iface === 'lo' || iface === 'eth0' || iface === this.wireless.radio) {
      io.stdout.write(formatIwconfigNoWireless(iface));
      return 0;
    }
    if (!vap || vap.iface !== iface) {
      io.stderr.write(formatNoSuchDevice(iface));
      return 237;
    }
    if (settings.length === 0) {
      io.stdout.write(formatIwconfig(this.iwconfigState()));
      return 0;
    }
    const split = extractIwconfigKeys(settings);
    if (typeof split === 'string') return fail(io, split, 255);
    if (split.keys.length > 0) this.applyWep(split.keys);
    if (split.rest.length === 0) return 0;
    const parsed = parseIwconfigSettings(split.rest);
    if (typeof parsed === 'string') return fail(io, parsed, 255);
    return this.applyIwconfig(parsed, io);
  }

  /** The VAP's WEP state (world model). */
  protected abstract wepState(): WepState;

  /** ieee80211_ioctl_siwencode(): a key into its slot (or the transmit slot), a slot made the transmit key, privacy on/off, open/restricted. */
  private applyWep(ops: IwconfigKeyOp[]): void {
    const wep = this.wepState();
    for (const o of ops) {
      if (o.op === 'set') {
        wep.keys[o.index !== null ? o.index - 1 : wep.txIndex] = o.hex;
        wep.enabled = true;
      } else if (o.op === 'select') {
        wep.txIndex = o.index - 1;
        wep.enabled = true;
      } else if (o.op === 'mode') {
        wep.restricted = o.mode === 'restricted';
        wep.enabled = true;
      } else {
        wep.enabled = o.op === 'on';
      }
    }
    this.wepChanged();
  }

  /** The privacy of the VAP changed (an AP: the station may have to find it again). */
  protected wepChanged(): void {}

  private iwpriv(args: string[], io: ProcessIO): number {
    const [iface, name, value] = args;
    const vap = this.vap();
    if (iface && !name && (!vap || vap.iface !== iface)) {
      // iw_get_priv_info() found none: lo, eth0, the radio, or no such interface.
      io.stderr.write(`${iface.slice(0, 16).padEnd(8)}  no private ioctls.\n\n`);
      return 0; // print_priv_info() returns 0 either way
    }
    if (!iface || !vap || vap.iface !== iface) return fail(io, `${iface ?? ''}      Interface doesn't accept private ioctl...\n`, 255);
    if (!name) {
      io.stdout.write(formatPrivIoctls(iface));
      return 0;
    }
    if (name.startsWith('get_')) {
      const v = this.getParam(name.slice(4));
      if (v === undefined) return fail(io, `${iface}     Invalid command : ${name}`, 255);
      io.stdout.write(formatIwprivGet(iface, name, v));
      return 0;
    }
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n)) return fail(io, `${iface}     Invalid command : ${name}`, 255);
    if (!this.setParam(name, n)) return fail(io, `${iface}     Invalid command : ${name}`, 255);
    return 0;
  }

  private killall(args: string[], io: ProcessIO): number {
    const name = args.filter((a) => !a.startsWith('-'))[0];
    if (!name) return fail(io, 'usage: killall [-SIG] NAME');
    if (!this.stopDaemon(name)) return fail(io, `killall: ${name}: no process killed`);
    return 0;
  }

  protected noiseDbm(): number {
    return NOISE_FLOOR_DBM;
  }

  /** The radio and the VAP after lo and eth0, once a VAP exists (registration order). */
  protected override netDevices(): NetDevice[] {
    const vap = this.vap();
    return vap ? [...super.netDevices(), { name: vap.radio }, { name: vap.iface }] : super.netDevices();
  }

  /** `kill PID` of hostapd / wpa_supplicant: as `killall` does it. */
  protected override daemonKilled(pid: number, name: string): void {
    if (!this.stopDaemon(name)) super.daemonKilled(pid, name);
  }

  /** Parse `-B -c file` for a daemon and read its config file from the board's files. */
  protected daemonConfig(args: string[], io: ProcessIO, name: string): string | null {
    const { options, rest } = parseDaemonArgs(args);
    const file = options.get('c') ?? rest[0];
    if (!file) {
      fail(io, `${name}: no configuration file given`);
      return null;
    }
    const data = this.readFile(file);
    if (!data) {
      fail(io, `Could not open configuration file '${file}' for reading.`);
      return null;
    }
    return data.toString('utf8');
  }
}

/** madwifi's ieee80211_priv_args[] entries with a name: `NAME CMD SET GET` (`0`, or count and type). */
const MADWIFI_PRIV_IOCTLS = [
  'setoptie 8BEE 256byte 0', 'getoptie 8BEF 0 256byte', 'setkey 8BF2 60byte 0', 'delkey 8BF4 7byte 0',
  'setmlme 8BF0 42byte 0', 'addmac 8BF6 1addr 0', 'delmac 8BF8 1addr 0', 'kickmac 8BFE 1addr 0',
  'wds_add 8BFA 1addr 0', 'wds_del 8BFC 1addr 0', 'setchanlist 8BE6 32byte 0', 'getchanlist 8BE7 0 32byte',
  'getchaninfo 8BED 0 2044byte', 'mode 8BE2 6char 0', 'get_mode 8BE3 0 6char', 'setwmmparams 8BE4 4int 0',
  'getwmmparams 8BE5 3int 1int', 'cwmin 0001 3int 0', 'get_cwmin 0001 2int 1int', 'cwmax 0002 3int 0',
  'get_cwmax 0002 2int 1int', 'aifs 0003 3int 0', 'get_aifs 0003 2int 1int', 'txoplimit 0004 3int 0',
  'get_txoplimit 0004 2int 1int', 'acm 0005 3int 0', 'get_acm 0005 2int 1int', 'noackpolicy 0006 3int 0',
  'get_noackpolicy 0006 2int 1int', 'setparam 8BE0 2int 0', 'getparam 8BE1 1int 1int', 'authmode 0003 1int 0',
  'get_authmode 0003 0 1int', 'protmode 0004 1int 0', 'get_protmode 0004 0 1int', 'mcastcipher 0005 1int 0',
  'get_mcastcipher 0005 0 1int', 'mcastkeylen 0006 1int 0', 'get_mcastkeylen 0006 0 1int',
  'ucastciphers 0007 1int 0', 'get_uciphers 0007 0 1int', 'ucastcipher 0008 1int 0',
  'get_ucastcipher 0008 0 1int', 'ucastkeylen 0009 1int 0', 'get_ucastkeylen 0009 0 1int',
  'keymgtalgs 0015 1int 0', 'get_keymgtalgs 0015 0 1int', 'rsncaps 0016 1int 0', 'get_rsncaps 0016 0 1int',
  'hostroaming 000C 1int 0', 'get_hostroaming 000C 0 1int', 'privacy 000D 1int 0', 'get_privacy 000D 0 1int',
  'countermeasures 000E 1int 0', 'get_countermeas 000E 0 1int', 'dropunencrypted 000F 1int 0',
  'get_dropunencry 000F 0 1int', 'wpa 000A 1int 0', 'get_wpa 000A 0 1int', 'driver_caps 0010 1int 0',
  'get_driver_caps 0010 0 1int', 'maccmd 0011 1int 0', 'wmm 0012 1int 0', 'get_wmm 0012 0 1int',
  'hide_ssid 0013 1int 0', 'get_hide_ssid 0013 0 1int', 'ap_bridge 0014 1int 0', 'get_ap_bridge 0014 0 1int',
  'inact 0017 1int 0', 'get_inact 0017 0 1int', 'inact_auth 0018 1int 0', 'get_inact_auth 0018 0 1int',
  'inact_init 0019 1int 0', 'get_inact_init 0019 0 1int', 'abolt 001A 1int 0', 'get_abolt 001A 0 1int',
  'dtim_period 001C 1int 0', 'get_dtim_period 001C 0 1int', 'bintval 001D 1int 0', 'get_bintval 001D 0 1int',
  'doth 001E 1int 0', 'get_doth 001E 0 1int', 'doth_pwrtgt 001F 1int 0', 'get_doth_pwrtgt 001F 0 1int',
  'doth_reassoc 0020 1int 0', 'compression 0021 1int 0', 'get_compression 0021 0 1int', 'ff 0022 1int 0',
  'get_ff 0022 0 1int', 'turbo 0001 1int 0', 'get_turbo 0001 0 1int', 'xr 0023 1int 0', 'get_xr 0023 0 1int',
  'burst 0024 1int 0', 'get_burst 0024 0 1int', 'doth_chanswitch 8BE8 2int 0', 'pureg 0025 1int 0',
  'get_pureg 0025 0 1int', 'ar 0026 1int 0', 'get_ar 0026 0 1int', 'wds 0027 1int 0', 'get_wds 0027 0 1int',
  'bgscan 0028 1int 0', 'get_bgscan 0028 0 1int', 'bgscanidle 0029 1int 0', 'get_bgscanidle 0029 0 1int',
  'bgscanintvl 002A 1int 0', 'get_bgscanintvl 002A 0 1int', 'mcast_rate 002B 1int 0',
  'get_mcast_rate 002B 0 1int', 'coverageclass 002C 1int 0', 'get_coveragecls 002C 0 1int',
  'countryie 002D 1int 0', 'get_countryie 002D 0 1int', 'scanvalid 002E 1int 0', 'get_scanvalid 002E 0 1int',
  'regclass 003B 1int 0', 'get_regclass 003B 0 1int', 'dropunenceapol 003C 1int 0',
  'get_dropunencea 003C 0 1int', 'shpreamble 003D 1int 0', 'get_shpreamble 003D 0 1int', 'rssi11a 002F 1int 0',
  'get_rssi11a 002F 0 1int', 'rssi11b 0030 1int 0', 'get_rssi11b 0030 0 1int', 'rssi11g 0031 1int 0',
  'get_rssi11g 0031 0 1int', 'rate11a 0032 1int 0', 'get_rate11a 0032 0 1int', 'rate11b 0033 1int 0',
  'get_rate11b 0033 0 1int', 'rate11g 0034 1int 0', 'get_rate11g 0034 0 1int', 'uapsd 0035 1int 0',
  'get_uapsd 0035 0 1int', 'sleep 0036 1int 0', 'get_sleep 0036 0 1int', 'qosnull 0037 1int 0',
  'pspoll 0038 1int 0', 'eospdrop 0039 1int 0', 'get_eospdrop 0039 0 1int', 'markdfs 003A 1int 0',
  'get_markdfs 003A 0 1int', 'setiebuf 8BEA 1032byte 0', 'getiebuf 8BE9 0 1032byte', 'setfilter 8BEC 4byte 0',
];

/** wireless-tools iwpriv.c argtype[]. */
const ARGTYPE: Record<string, string> = { '': '     ', byte: 'byte ', char: 'char ', int: 'int  ', addr: 'addr ' };

function formatPrivIoctls(iface: string): string {
  const arg = (a: string): string => {
    const m = /^(\d+)([a-z]*)$/.exec(a) as RegExpExecArray;
    return `${m[1].padStart(3)} ${ARGTYPE[m[2]]}`;
  };
  const rows = MADWIFI_PRIV_IOCTLS.map((e) => {
    const [name, cmd, set, get] = e.split(' ');
    return `          ${name.padEnd(16)} (${cmd}) : set ${arg(set)} & get ${arg(get)}\n`;
  });
  return `${iface.slice(0, 16).padEnd(8)}  Available private ioctls :\n${rows.join('')}\n`;
}
