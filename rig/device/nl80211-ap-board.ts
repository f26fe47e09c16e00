/**
 * A virtual access point board of today's Linux Wi-Fi stack: a mac80211 radio (the
 * interface the inventory names, created by the kernel at boot) run by hostapd 2.10
 * through nl80211, with hostapd_cli and iw, over the world model's AccessPoint. What it
 * prints: hostapd-format.ts.
 *
 * Commands: `hostapd [-B] [-P PIDFILE] CONF`, `hostapd_cli [-p DIR] [-i IFACE] status |
 * all_sta | list_sta | bss_tm_req STA ARGS | raw TERMINATE | ping`, `iw dev IFACE info`, `iw dev
 * IFACE set txpower fixed|auto [MBM]`; `kill PID` (the shell's) ends hostapd like SIGTERM.
 *
 * Sources:
 * - hostapd/main.c, src/ap/hostapd.c: the configuration's interface must exist ("Could not
 *   read interface %s flags: No such device", then "nl80211 driver initialization failed.");
 *   a second hostapd on the same control socket: hostapd/ctrl_iface.c "ctrl_iface exists and
 *   seems to be in use - cannot override it"; -P writes the pid file, removed on exit
 *   (os_daemonize_terminate()); on exit hostapd deauthenticates its stations and the BSS
 *   stops beaconing.
 * - hostapd/config_file.c: `ssid`, `channel`, `wpa`, `wpa_passphrase` 8..63 ("Line %d: invalid
 *   WPA passphrase length %d (expected 8..63)"), `driver`, `ctrl_interface`.
 * - hostapd/hostapd_cli.c: no control socket: "Failed to connect to hostapd - wpa_ctrl_open:
 *   No such file or directory", exit 255; unknown command: "Unknown command '%s'", exit 1.
 * - hostapd/ctrl_iface.c hostapd_ctrl_iface_bss_tm_req(): FAIL for a station it does not know
 *   or a malformed neighbor entry (ieee802_11_parse_candidate_list(): `neighbor=` BSSID,
 *   BSSID Information, Operating Class, Channel, PHY type); the request goes out as an
 *   action frame (wnm_send_bss_tm_req()). The station's supplicant decides what to do with it.
 * - net/mac80211/cfg.c ieee80211_set_tx_power(): NL80211_TX_POWER_FIXED with mBm < 0 or
 *   not a multiple of 100 is -EOPNOTSUPP; the power used is the lower of the user's and the
 *   channel's maximum (mac80211_hwsim: 20 dBm).
 *
 * The AP's behaviour towards stations (authentication, association, the node table and
 * its inactivity timer, the 4-way handshake) is the world model's (rig/world/access-point.ts),
 * shared with the madwifi AP board: this board changes the commands, not the air.
 */
import type { ProcessIO } from '../ssh/types.ts';
import type { AccessPoint } from '../world/access-point.ts';
import { channelFrequencyMHz } from '../world/channels.ts';
import type { World } from '../world/world.ts';
import { Board } from './board.ts';
import { fail } from './command-error.ts';
import { ctrlCliArgs } from './ctrl-cli-args.ts';
import { formatHostapdSta, formatHostapdStartup, formatHostapdStatus, formatIwInfo } from './hostapd-format.ts';
import { parseConfText, parseDaemonArgs } from './wireless-tools.ts';

export interface Nl80211ApWireless {
  /** The AP's netdev (wlan0). */
  iface: string;
  /** Its wiphy (phy0). */
  phy: string;
}

/** hostapd_cli's default control socket folder. */
const HOSTAPD_CLI_DEFAULT_DIR = '/var/run/hostapd';
/** mac80211_hwsim's channels allow 20 dBm. */
const CHANNEL_MAX_TXPOWER_DBM = 20;
const IFINDEX = 3;
const KERNEL_RELEASE = '6.1.0';
const MAC = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;

interface RunningHostapd {
  pid: number;
  pidFile: string | null;
  ctrlDir: string;
}

export class Nl80211ApBoard extends Board {
  private hostapd: RunningHostapd | null = null;

  constructor(
    name: string,
    world: World,
    private readonly wireless: Nl80211ApWireless,
    private readonly ap: AccessPoint,
  ) {
    super(name, world, name);
    this.commands.set('hostapd', (a, io) => this.startHostapd(a, io));
    this.commands.set('hostapd_cli', (a, io) => this.hostapdCli(a, io));
    this.commands.set('iw', (a, io) => this.iw(a, io));
    this.commands.set('uname', (a, io) => this.modernUname(a, io));
    this.extend({ onReboot: () => this.powerCycle() });
    // mac80211 registers the netdev when the driver loads at boot.
    this.ap.vap = { iface: wireless.iface, radio: wireless.phy };
  }

  private get phyIndex(): number {
    return Number(/(\d+)$/.exec(this.wireless.phy)?.[1] ?? 0);
  }

  /** The board lost power: hostapd is gone, the AP silent; the kernel makes the netdev again. */
  powerCycle(): void {
    this.world.sched.now();
    if (this.hostapd) this.stopDaemons('hostapd');
    this.hostapd = null;
    this.ap.up = false;
    this.ap.hostapd = null;
    this.world.client.beaconLost(this.ap);
    this.ap.vap = { iface: this.wireless.iface, radio: this.wireless.phy };
  }

  // ---- hostapd ----------------------------------------------------------------------

  private startHostapd(args: string[], io: ProcessIO): number {
    const { options, rest } = parseDaemonArgs(args);
    const file = rest[rest.length - 1];
    if (!file) return fail(io, 'usage: hostapd [-hdBKtv] [-P <PID file>] <configuration file(s)>', 1);
    const data = this.readFile(file);
    if (!data) return fail(io, `Could not open configuration file '${file}' for reading.\nFailed to set up interface with ${file}\nFailed to initialize interface`, 1);
    const { top } = parseConfText(data.toString('utf8'));
    const iface = top.get('interface') ?? '';
    const ssid = top.get('ssid');
    const channel = Number(top.get('channel') ?? '0');
    const wpa = Number(top.get('wpa') ?? '0');
    const pass = top.get('wpa_passphrase') ?? null;
    const bad = (line: string): number => fail(io, `${line}\n1 errors found in configuration file '${file}'\nFailed to set up interface with ${file}\nFailed to initialize interface`, 1);
    if ((top.get('driver') ?? 'nl80211') !== 'nl80211') return bad(`Line 2: invalid/unknown driver '${top.get('driver')}'`);
    if (!ssid || ssid.length > 32) return bad('Line 4: invalid SSID');
    if (channelFrequencyMHz(channel) === null) return bad(`Line 6: invalid channel '${top.get('channel') ?? ''}'`);
    if (wpa && (!pass || pass.length < 8 || pass.length > 63)) return bad(`Line 9: invalid WPA passphrase length ${pass?.length ?? 0} (expected 8..63)`);
    if (iface !== this.wireless.iface) {
      // the driver's messages go to stdout (wpa_printf), the configuration's to stderr
      io.stdout.write(`Could not read interface ${iface} flags: No such device\nnl80211 driver initialization failed.\n${iface}: interface state UNINITIALIZED->DISABLED\n${iface}: AP-DISABLED \n${iface}: CTRL-EVENT-TERMINATING \nhostapd_free_hapd_data: Interface ${iface} wasn't started\n`);
      return 1;
    }
    const ctrlDir = top.get('ctrl_interface') ?? HOSTAPD_CLI_DEFAULT_DIR;
    if (this.hostapd) {
      io.stdout.write(`ctrl_iface exists and seems to be in use - cannot override it\nDelete '${ctrlDir}/${iface}' manually if it is not used anymore\nFailed to setup control interface for ${iface}\n${iface}: interface state UNINITIALIZED->DISABLED\n`);
      return 1;
    }
    const pid = this.startDaemon(`hostapd ${args.join(' ')}`);
    const pidFile = options.get('P') ?? null;
    if (pidFile) this.writeFile(pidFile, Buffer.from(`${pid}\n`));
    this.hostapd = { pid, pidFile, ctrlDir };
    this.world.sched.now();
    this.ap.channel = channel;
    this.ap.essid = null;
    this.ap.hostapd = { ssid, psk: wpa ? pass : null };
    this.ap.up = true;
    io.stdout.write(formatHostapdStartup(file, iface, this.ap.bssid, ssid));
    return 0;
  }

  /** hostapd exits (TERMINATE, SIGTERM): its stations are deauthenticated, the BSS stops, the pid file goes. */
  private stopHostapd(): void {
    const h = this.hostapd;
    if (!h) return;
    this.hostapd = null;
    this.stopDaemons('hostapd');
    if (h.pidFile) this.removeFile(h.pidFile);
    this.world.sched.now();
    this.ap.up = false;
    this.ap.hostapd = null;
    this.world.client.beaconLost(this.ap);
  }

  protected override daemonKilled(pid: number, name: string): void {
    super.daemonKilled(pid, name);
    if (this.hostapd?.pid === pid) this.stopHostapd();
  }

  // ---- hostapd_cli ------------------------------------------------------------------

  private hostapdCli(args: string[], io: ProcessIO): number {
    const o = ctrlCliArgs(args, HOSTAPD_CLI_DEFAULT_DIR);
    if (!o) return fail(io, 'usage: hostapd_cli [-p<path>] [-i<ifname>] [-hvBr] [-a<path>] [-P<pid file>] [-G<ping interval>] [command..]', 1);
    const { iface, dir } = o;
    const [cmd, ...rest] = o.command;
    const h = this.hostapd;
    if (!h || h.ctrlDir !== dir || (iface !== null && iface !== this.wireless.iface)) {
      return fail(io, 'Failed to connect to hostapd - wpa_ctrl_open: No such file or directory', 255);
    }
    switch ((cmd ?? '').toLowerCase()) {
      case 'ping':
        io.stdout.write('PONG\n');
        return 0;
      case 'status':
        io.stdout.write(
          formatHostapdStatus({
            phy: this.wireless.phy,
            iface: this.wireless.iface,
            bssid: this.ap.bssid,
            ssid: this.ap.ssid ?? '',
            channel: this.ap.channel,
            freqMhz: channelFrequencyMHz(this.ap.channel) ?? 0,
            numSta: this.ap.stationTable().length,
            maxTxPowerDbm: CHANNEL_MAX_TXPOWER_DBM,
          }),
        );
        return 0;
      case 'all_sta':
        for (const st of this.ap.stationTable()) {
          io.stdout.write(formatHostapdSta({ mac: st.mac, aid: st.aid, authorized: st.keyed, wpa: this.ap.wpa, inactiveMs: st.idleS * 1000, signalDbm: this.world.sampleSignalDbm(this.ap) }));
        }
        return 0;
      case 'list_sta':
        for (const st of this.ap.stationTable()) io.stdout.write(`${st.mac.toLowerCase()}\n`);
        return 0;
      case 'bss_tm_req':
        io.stdout.write(this.bssTmRequest(rest) ? 'OK\n' : 'FAIL\n');
        return 0;
      case 'raw':
        // `raw TERMINATE` (hostapd/ctrl_iface.c: eloop_terminate()); hostapd_cli 2.10 has no `terminate` of its own
        if ((rest[0] ?? '').toUpperCase() !== 'TERMINATE') {
          io.stdout.write('UNKNOWN COMMAND\n');
          return 0;
        }
        io.stdout.write('OK\n');
        this.stopHostapd();
        return 0;
      default:
        io.stdout.write(`Unknown command '${cmd ?? ''}'\n`);
        return 1;
    }
  }

  /**
   * BSS_TM_REQ STA [neighbor=BSSID,INFO,OPCLASS,CHANNEL,PHY[,SUBELEMS]]... [pref=1]
   * [disassoc_imminent=1] ...: FAIL for an address it cannot read, a station not in its
   * table, or a neighbor entry it cannot parse; otherwise the frame goes to the station.
   */
  private bssTmRequest(words: string[]): boolean {
    const [addr, ...opts] = words;
    if (!addr || !MAC.test(addr)) return false;
    const sta = this.world.client;
    if (sta.mac.toUpperCase() !== addr.toUpperCase() || !this.ap.stationTable().some((s) => s.mac.toUpperCase() === addr.toUpperCase())) return false;
    const candidates: string[] = [];
    for (const o of opts) {
      if (!o.startsWith('neighbor=')) continue;
      const f = o.slice('neighbor='.length).split(',');
      if (f.length < 5 || !MAC.test(f[0]) || !/^(0x[0-9a-fA-F]+|\d+)$/.test(f[1]) || ![f[2], f[3], f[4]].every((x) => /^\d+$/.test(x))) return false;
      candidates.push(f[0].toUpperCase());
    }
    return sta.sendBssTransitionRequest(this.ap, candidates);
  }

  // ---- iw ---------------------------------------------------------------------------

  private iw(args: string[], io: ProcessIO): number {
    const [dev, iface, cmd, ...rest] = args;
    if (dev !== 'dev' || !iface || !cmd) return fail(io, 'Usage:\tiw [options] command\nDo NOT screenscrape this tool, we don\'t consider its output stable.', 1);
    if (iface !== this.wireless.iface) return fail(io, 'command failed: No such device (-19)', 237);
    if (cmd === 'info' && rest.length === 0) {
      const serving = this.hostapd && this.ap.ssid ? { ssid: this.ap.ssid, channel: this.ap.channel, freqMhz: channelFrequencyMHz(this.ap.channel) ?? 0 } : null;
      io.stdout.write(formatIwInfo({ iface, ifindex: IFINDEX, addr: this.ap.bssid, serving, wiphy: this.phyIndex, txPowerDbm: this.ap.txPowerDbm }));
      return 0;
    }
    if (cmd === 'set' && rest[0] === 'txpower') {
      const [, mode, value] = rest;
      if (mode === 'auto' && value === undefined) {
        this.setTxPower(CHANNEL_MAX_TXPOWER_DBM);
        return 0;
      }
      if ((mode === 'fixed' || mode === 'limit') && value !== undefined && /^-?\d+$/.test(value)) {
        const mbm = Number(value);
        if (mbm < 0 || mbm % 100 !== 0) return fail(io, 'command failed: Operation not supported (-95)', 161);
        this.setTxPower(Math.min(mbm / 100, CHANNEL_MAX_TXPOWER_DBM));
        return 0;
      }
      return fail(io, 'Usage:\tiw [options] dev <devname> set txpower <auto|fixed|limit> [<tx power in mBm>]', 1);
    }
    return fail(io, 'Usage:\tiw [options] command\nDo NOT screenscrape this tool, we don\'t consider its output stable.', 1);
  }

  private setTxPower(dbm: number): void {
    this.world.sched.now();
    this.ap.txPowerDbm = dbm;
  }

  private modernUname(args: string[], io: ProcessIO): number {
    if (args.includes('-a')) io.stdout.write(`Linux ${this.hostname} ${KERNEL_RELEASE} #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\n`);
    else if (args.includes('-r')) io.stdout.write(`${KERNEL_RELEASE}\n`);
    else io.stdout.write('Linux\n');
    return 0;
  }
}
