/**
 * A virtual client board of today's Linux Wi-Fi stack: a mac80211 station (wlan0 on
 * phy0, created by the kernel at boot) driven through nl80211 by wpa_supplicant 2.x,
 * with iw 6.x, wpa_cli, iproute2 and net-tools, over the same world model as the
 * madwifi client (rig/world/station.ts). What it prints: nl80211-format.ts.
 *
 * Commands: `iw dev IFACE link|scan`, `iw event [-t|-T|-r]` (streams until signalled),
 * `iw dev`, `wpa_supplicant` and `wpa_cli` (nl80211-supplicant.ts), `killall NAME`, `ip link
 * [show|set]`, `ifconfig IFACE [up|down]`, `ping` (the board's flavour, ping-run.ts), `uname`.
 *
 * Where a current stack differs from the 2007 madwifi board (the sources):
 * - The station roams only when told (`wpa_cli roam`): the world's net80211 roam check is
 *   off for it (rig/world/variants.ts NL80211_CLIENT); mac80211 keeps no SSID of its own,
 *   so without wpa_supplicant it joins nothing.
 * - Carrier-on is an urgent linkwatch event (net/core/link_watch.c
 *   linkwatch_urgent_event()): no one-second blackout after the association.
 * - A commanded roam (`wpa_cli roam`, nl80211-supplicant.ts): mac80211's
 *   ieee80211_mgd_auth() (net/mac80211/mlme.c) drops the old AP with a local
 *   deauthentication (WLAN_REASON_UNSPECIFIED), reported by cfg80211 as `deauth` +
 *   `disconnected (local request)`; the new association as `auth`, `assoc`, `connected to`
 *   (cfg80211_rx_assoc_resp() -> NL80211_CMD_CONNECT). wpa_supplicant leaving: reason 3;
 *   any other leave is mac80211's connection monitor giving up (reason 4).
 * - `iw dev IFACE scan` (iw scan.c) triggers a scan (background while associated) and
 *   waits for NL80211_CMD_NEW_SCAN_RESULTS; -EBUSY while another one runs.
 * - No madwifi kernel and no firmware to flash: a reboot only loses runtime state.
 */
import type { ProcessIO } from '../ssh/types.ts';
import type { AccessPoint } from '../world/access-point.ts';
import { channelFrequencyMHz } from '../world/channels.ts';
import type { PingFlavour, PingProcess } from '../world/ping.ts';
import type { World } from '../world/world.ts';
import { Board } from './board.ts';
import { fail } from './command-error.ts';
import {
  formatIfconfig,
  formatIpLink,
  formatIwEventLine,
  formatIwEventStamp,
  formatIwLink,
  formatIwScan,
  iwEventConnected,
  iwEventDeauth,
  iwEventDisconnected,
  iwEventMlmeResponse,
  iwEventScan,
  iwMac,
  type IwEventTime,
} from './nl80211-format.ts';
import { CFG80211_BSS_EXPIRE_MS, VirtualWpaSupplicant, type LeaveCause } from './nl80211-supplicant.ts';
import { runPing } from './ping-run.ts';
import { APPLETS } from '../ssh/shell/applets/index.ts';

export interface Nl80211Wireless {
  /** The station's netdev (wlan0). */
  iface: string;
  /** Its wiphy (phy0). */
  phy: string;
}

/** The board's kernel release (`uname -r`). */
const KERNEL_RELEASE = '6.1.0';
const IFINDEX = 3;

export class Nl80211ClientBoard extends Board {
  /** Ping processes running now (faults kill them). */
  readonly pings = new Set<PingProcess>();
  private readonly supplicant: VirtualWpaSupplicant;
  /** `iw event` listeners: the event text and the board time it happened at (epoch ms). */
  private readonly nlListeners = new Set<(text: string, atMs: number) => void>();
  private leaveCause: LeaveCause = null;
  /** `tail -f` readers: told of every write to a board file. */
  private readonly followers = new Set<(path: string, stored: Buffer) => void>();
  /** The AP the station is with (for the deauth line of a leave). */
  private current: string | null = null;

  constructor(
    name: string,
    world: World,
    private readonly wireless: Nl80211Wireless,
    readonly pingFlavour: PingFlavour,
  ) {
    super(name, world, name);
    this.commands.set('iw', (a, io) => this.iw(a, io));
    this.supplicant = new VirtualWpaSupplicant({
      world,
      iface: wireless.iface,
      readFile: (path) => this.readFile(path),
      startDaemon: (command) => void this.startDaemon(command),
      stopDaemons: (n) => this.stopDaemons(n),
      withLeaveCause: (cause, fn) => this.withLeaveCause(cause, fn),
      appendFile: (path, text) => this.writeFile(path, Buffer.from(text), true),
      nowMs: () => this.nowMs(),
    });
    this.commands.set('wpa_supplicant', (a, io) => this.supplicant.start(a, io));
    this.commands.set('wpa_cli', (a, io) => this.supplicant.cli(a, io));
    this.commands.set('killall', (a, io) => this.killall(a, io));
    this.commands.set('ip', (a, io) => this.ip(a, io));
    this.commands.set('ifconfig', (a, io) => this.ifconfig(a, io));
    this.commands.set('uname', (a, io) => this.modernUname(a, io));
    this.commands.set('tail', (a, io) => this.tail(a, io));
    this.commands.set('ping', (a, io) =>
      runPing({ world: this.world, flavour: this.pingFlavour, pings: this.pings, now: () => this.nowMs(), track: (c, b) => this.track(c, b) }, a, io),
    );
    this.extend({
      onReboot: () => this.powerCycle(),
      afterWrite: (path, stored) => {
        for (const f of this.followers) f(path, stored);
      },
    });
    this.sta.onWirelessEvent((bssid) => this.wirelessEvent(bssid));
    this.sta.onBssTransitionRequest((_from, candidates) => this.supplicant.bssTransitionRequest(candidates));
    this.sta.onKeysInstalled(() => {
      if (this.current) this.supplicant.completed(this.current);
    });
    // mac80211 registers the station netdev when the driver loads at boot.
    this.sta.createVap(wireless.iface, wireless.phy);
  }

  private get sta() {
    return this.world.client;
  }

  /** The board lost power: processes die, wpa_supplicant and the association are gone; the kernel makes wlan0 again. */
  powerCycle(): void {
    this.world.sched.now();
    for (const p of [...this.pings]) p.die(null, 137);
    this.pings.clear();
    this.supplicant.powerLost();
    this.sta.powerCycle();
    this.sta.createVap(this.wireless.iface, this.wireless.phy);
  }

  private get phyIndex(): number {
    return Number(/(\d+)$/.exec(this.wireless.phy)?.[1] ?? 0);
  }

  // ---- nl80211 events ------------------------------------------------------------

  /** The station joined `bssid` or left (null): the MLME events iw shows for it. */
  private wirelessEvent(bssid: string | null): void {
    const own = this.sta.mac;
    const at = this.nowMs();
    if (bssid) {
      this.current = bssid;
      this.emit(iwEventMlmeResponse('auth', bssid, own), at);
      this.emit(iwEventMlmeResponse('assoc', bssid, own), at);
      this.emit(iwEventConnected(bssid), at);
      this.supplicant.associated(bssid);
      this.supplicant.joined(bssid);
      return;
    }
    // A roam: ieee80211_mgd_auth() drops the old AP (reason 1); wpa_supplicant exiting:
    // reason 3; anything else is the connection lost (mac80211's connection monitor, reason 4).
    const reason = this.leaveCause === 'roam' ? 1 : this.leaveCause === 'terminate' ? 3 : 4;
    if (this.current) this.emit(iwEventDeauth(own, this.current, reason), at);
    this.supplicant.leaving(this.current, reason, this.leaveCause === 'roam');
    this.emit(iwEventDisconnected(false, reason), at);
    this.current = null;
  }

  private emit(text: string, atMs: number = this.nowMs()): void {
    for (const l of this.nlListeners) l(text, atMs);
  }

  private withLeaveCause(cause: LeaveCause, fn: () => void): void {
    this.leaveCause = cause;
    try {
      fn();
    } finally {
      this.leaveCause = null;
    }
  }

  // ---- iw --------------------------------------------------------------------------

  private iw(args: string[], io: ProcessIO): Promise<number> | number {
    if (args[0] === 'event') return this.iwEvent(args.slice(1), io);
    if (args[0] === 'dev' && args.length === 1) {
      io.stdout.write(`phy#${this.phyIndex}\n\tInterface ${this.wireless.iface}\n\t\tifindex ${IFINDEX}\n\t\twdev 0x1\n\t\taddr ${iwMac(this.sta.mac)}\n\t\ttype managed\n`);
      return 0;
    }
    if (args[0] === 'dev' && args.length >= 3) {
      const [, iface, cmd, ...rest] = args;
      // iw: if_nametoindex() fails, the kernel answers -ENODEV: "command failed: No such device (-19)", exit 256-19.
      if (iface !== this.wireless.iface || !this.sta.vap) return fail(io, 'command failed: No such device (-19)', 237);
      if (cmd === 'link' && rest.length === 0) return this.iwLink(io);
      if (cmd === 'scan') return this.iwScan(io);
    }
    return fail(io, 'Usage:\tiw [options] command\nDo NOT screenscrape this tool, we don\'t consider its output stable.', 1);
  }

  private iwLink(io: ProcessIO): number {
    const ap = this.associatedAp();
    io.stdout.write(
      formatIwLink(
        ap
          ? { iface: this.wireless.iface, bssid: ap.bssid, ssid: ap.ssid ?? '', freqMhz: channelFrequencyMHz(ap.channel) ?? 0, signalDbm: this.sta.signalFrom(ap), txBitrateMbps: 54 }
          : null,
      ),
    );
    return 0;
  }

  /** `iw dev IFACE scan`: trigger a scan, wait for it (NL80211_CMD_NEW_SCAN_RESULTS), print what it heard. */
  private iwScan(io: ProcessIO): Promise<number> | number {
    if (!this.sta.up) return fail(io, 'command failed: Network is down (-100)', 156);
    return this.track(`iw dev ${this.wireless.iface} scan`, () =>
      new Promise<number>((resolve) => {
        const freqs = this.world.accessPoints.map((ap) => channelFrequencyMHz(ap.channel)).filter((f): f is number => f !== null);
        const started = this.sta.requestScan(() => {
          this.emit(iwEventScan('finished', [...new Set(freqs)].sort((a, b) => a - b)));
          const heard = this.world.accessPoints.flatMap((ap) => {
            const ago = this.sta.heardAgoMs(ap);
            if (ago === null || ago > CFG80211_BSS_EXPIRE_MS || !ap.ssid) return [];
            return [{ bssid: ap.bssid, freqMhz: channelFrequencyMHz(ap.channel) ?? 0, signalDbm: this.sta.signalFrom(ap), lastSeenMs: ago, ssid: ap.ssid, channel: ap.channel, associated: this.associatedAp() === ap }];
          });
          io.stdout.write(formatIwScan(this.wireless.iface, heard));
          resolve(0);
        });
        if (!started) {
          resolve(fail(io, 'command failed: Device or resource busy (-16)', 240));
          return;
        }
        this.emit(iwEventScan('started', []));
        io.abort.addEventListener('abort', () => resolve(129), { once: true });
      }),
    );
  }

  private iwEvent(args: string[], io: ProcessIO): Promise<number> | number {
    let time: IwEventTime = 'none';
    for (const a of args) {
      const t = ({ '-t': 'epoch', '-T': 'ctime', '-r': 'relative' } as const)[a as '-t'];
      if (t && time === 'none') time = t;
      else if (a !== '-f') return fail(io, 'Usage:\tiw [options] event [-t|-T|-r] [-f]', 1);
    }
    return this.track(`iw ${['event', ...args].join(' ')}`, async () => {
      let prev: number | null = null;
      const listener = (text: string, atMs: number): void => {
        io.stdout.write(formatIwEventLine(formatIwEventStamp(time, atMs, prev), this.wireless.iface, this.phyIndex, text));
        prev = atMs;
      };
      this.nlListeners.add(listener);
      const sig = await this.untilSignal(io);
      this.nlListeners.delete(listener);
      return sig === 'INT' ? 130 : sig === 'TERM' ? 143 : 129;
    });
  }

  private associatedAp(): AccessPoint | null {
    return this.sta.state === 'RUN' ? this.sta.bss : null;
  }

  // ---- processes, interfaces -------------------------------------------------------

  private killall(args: string[], io: ProcessIO): number {
    const name = args.filter((a) => !a.startsWith('-'))[0];
    if (!name) return fail(io, 'Usage: killall [OPTION]... [--] NAME...', 1);
    const killed = name === 'wpa_supplicant' ? this.supplicant.stop() : this.stopDaemons(name) > 0;
    return killed ? 0 : fail(io, `${name}: no process found`, 1);
  }

  private linkState() {
    return { ifindex: IFINDEX, iface: this.wireless.iface, mac: this.sta.mac, up: this.sta.up, carrier: this.sta.linkwatch.carrierOk };
  }

  /** `ip link`, `ip link show [dev] IFACE`, `ip link set [dev] IFACE up|down`. */
  private ip(args: string[], io: ProcessIO): number {
    const [obj, verb = 'show', ...rest] = args;
    if (obj !== 'link' && obj !== 'l') return fail(io, `Object "${obj ?? ''}" is unknown, try "ip help".`, 255);
    const words = rest.filter((w) => w !== 'dev');
    const iface = words[0];
    if (iface !== undefined && iface !== this.wireless.iface && iface !== 'lo') return fail(io, `Device "${iface}" does not exist.`, 1);
    if (verb === 'show' || verb === 'list') {
      if (iface !== 'lo') io.stdout.write(formatIpLink(this.linkState()));
      return 0;
    }
    if (verb === 'set' && iface === this.wireless.iface && (words[1] === 'up' || words[1] === 'down')) {
      if (words[1] === 'up') this.sta.ifUp();
      else this.sta.ifDown();
      return 0;
    }
    return fail(io, `Command "${verb}" is unknown, try "ip link help".`, 255);
  }

  private ifconfig(args: string[], io: ProcessIO): number {
    const [iface, action] = args;
    if (!iface) {
      io.stdout.write(formatIfconfig(this.linkState()));
      return 0;
    }
    if (iface !== this.wireless.iface) return fail(io, `${iface}: error fetching interface information: Device not found`, 1);
    if (action === undefined) io.stdout.write(formatIfconfig(this.linkState()));
    else if (action === 'up') this.sta.ifUp();
    else if (action === 'down') this.sta.ifDown();
    else return fail(io, `ifconfig: unsupported in the virtual board: ${action}`, 1);
    return 0;
  }

  /**
   * GNU coreutils `tail` (a current board has coreutils, not busybox 1.4.2): `-f` / `-F`
   * follows the file through inotify, so what is appended is printed at once (model time),
   * not at busybox's one-second poll; `-n N` (`-n 0`: nothing of what is there). A file that
   * does not exist: "tail: cannot open 'F' for reading: No such file or directory", exit 1.
   * Without -f the busybox applet answers (same output for a plain tail).
   */
  private async tail(args: string[], io: ProcessIO): Promise<number> {
    const follow = args.includes('-f') || args.includes('-F') || args.includes('--follow');
    if (!follow) return APPLETS.tail(['tail', ...args], { io, device: this });
    let count = 10;
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-n') count = Number(args[++i]);
      else if (/^-n\d+$/.test(a)) count = Number(a.slice(2));
      else if (a === '-f' || a === '-F' || a === '--follow') continue;
      else if (a.startsWith('-')) return fail(io, `tail: invalid option -- '${a.slice(1)}'`, 1);
      else files.push(a);
    }
    if (files.length !== 1 || !Number.isInteger(count) || count < 0) return fail(io, 'tail: the virtual board follows one file: tail [-n N] -f FILE', 1);
    const file = files[0];
    const data = this.readFile(file);
    if (!data) return fail(io, `tail: cannot open '${file}' for reading: No such file or directory`, 1);
    const text = data.toString('utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (count > 0) io.stdout.write(lines.slice(-count).map((l) => `${l}\n`).join(''));
    let size = data.length;
    const follower = (path: string, stored: Buffer): void => {
      if (path !== file) return;
      if (stored.length < size) size = 0; // removed and written afresh: -F follows the name
      if (stored.length > size) io.stdout.write(stored.subarray(size));
      size = stored.length;
    };
    return this.track(`tail ${args.join(' ')}`, async () => {
      this.followers.add(follower);
      const sig = await this.untilSignal(io);
      this.followers.delete(follower);
      return sig === 'INT' ? 130 : sig === 'TERM' ? 143 : 129;
    });
  }

  /** `uname` of a current kernel (the base board answers as Linux 2.6.16). */
  private modernUname(args: string[], io: ProcessIO): number {
    if (args.includes('-a')) io.stdout.write(`Linux ${this.hostname} ${KERNEL_RELEASE} #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\n`);
    else if (args.includes('-r')) io.stdout.write(`${KERNEL_RELEASE}\n`);
    else if (args.includes('-m')) io.stdout.write('x86_64\n');
    else io.stdout.write('Linux\n');
    return 0;
  }
}
