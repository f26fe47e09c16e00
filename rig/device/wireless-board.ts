/**
 * What the virtual rig's madwifi boards share: the wireless commands (`wlanconfig`,
 * `ifconfig`, `iwconfig`, `iwpriv`, `killall`) with madwifi 0.9.3 / wireless-tools 29
 * messages, over a VAP that the access point and client boards keep in the world model.
 */
import type { ProcessIO } from '../ssh/types.ts';
import type { World } from '../world/world.ts';
import { Board } from './board.ts';
import { formatIwconfig, formatIwconfigNoWireless, formatIwprivGet, formatNoSuchDevice } from './format.ts';
import { fail } from './command-error.ts';
import { parseDaemonArgs, parseIwconfigSettings } from './wireless-tools.ts';
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
    const parsed = parseIwconfigSettings(settings);
    if (typeof parsed === 'string') return fail(io, parsed, 255);
    return this.applyIwconfig(parsed, io);
  }

  private iwpriv(args: string[], io: ProcessIO): number {
    const [iface, name, value] = args;
    const vap = this.vap();
    if (!iface || !vap || vap.iface !== iface) return fail(io, `${iface ?? ''}      Interface doesn't accept private ioctl...\n`, 255);
    if (!name) {
      io.stdout.write(`${iface}     Available private ioctls :\n`);
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
