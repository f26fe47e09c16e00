/**
 * wpa_supplicant 2.x and wpa_cli on the virtual nl80211 client board, over the world's
 * station: the daemon's command line and configuration file, its control interface as
 * wpa_cli reaches it (STATUS, BSS, ROAM, SCAN, PING, TERMINATE), its BSS table, and the
 * BSS Transition Management requests an AP sends it (802.11v, wnm_sta.c).
 * What it prints: nl80211-format.ts.
 *
 * Sources (hostap, wpa_supplicant/):
 * - main.c / wpa_supplicant.c: `-B -i IFACE -c FILE -D DRIVER`; "Unsupported driver '%s'.";
 *   a second instance on the same control socket: ctrl_iface_unix.c "ctrl_iface exists and
 *   seems to be in use - cannot override it"; config.c "Failed to read or parse
 *   configuration '%s'."; config_file.c network blocks (ssid, key_mgmt, psk 8..63).
 * - wpa_cli.c: `-i IFACE`, `-p DIR` (default /var/run/wpa_supplicant); no control socket:
 *   "Failed to connect to non-global ctrl_ifname: %s  error: %s", exit 255; the reply is
 *   printed as it is, exit 0 even for FAIL; "Unknown command '%s'", exit 1.
 * - ctrl_iface.c: STATUS (wpa_supplicant_ctrl_iface_status()), BSS (print_bss_info();
 *   nothing at all for an unknown BSSID), ROAM (wpa_supplicant_ctrl_iface_roam(): FAIL
 *   without a current network or when wpa_bss_get_connection() finds no entry, else
 *   wpa_supplicant_connect() in the background).
 * - bss.c / wpa_supplicant.c: entries not updated for bss_expiration_age (config.h
 *   DEFAULT_BSS_EXPIRATION_AGE, 180 s) are flushed by wpas_periodic() unless in use;
 *   events.c _wpa_supplicant_event_scan_results(): every scan's results (an external
 *   one too) update the table.
 * - src/drivers/driver_nl80211.c wpa_driver_nl80211_authenticate(): when cfg80211 has
 *   expired its own entry (IEEE80211_SCAN_RESULT_EXPIRE, 30 s) the authentication fails
 *   with ENOENT and the driver scans the target's channel first.
 * - On exit (wpa_supplicant_deinit_iface()) it deauthenticates (WLAN_REASON_DEAUTH_LEAVING)
 *   and wpa_driver_nl80211_deinit() sets the interface down again unless it was up before
 *   the daemon started (start_iface_up).
 */
import type { ProcessIO } from '../ssh/types.ts';
import type { AccessPoint } from '../world/access-point.ts';
import { channelFrequencyMHz } from '../world/channels.ts';
import { NOISE_FLOOR_DBM } from '../world/radio.ts';
import type { World } from '../world/world.ts';
import { fail } from './command-error.ts';
import { ctrlCliArgs } from './ctrl-cli-args.ts';
import { formatWpaBss, formatWpaStatus, type WpaStatus } from './nl80211-format.ts';
import { parseConfText, parseDaemonArgs } from './wireless-tools.ts';

/** DEFAULT_BSS_EXPIRATION_AGE (wpa_supplicant/config.h), in model ms. */
const BSS_EXPIRATION_MS = 180_000;
/** IEEE80211_SCAN_RESULT_EXPIRE (net/wireless/core.h): cfg80211's own BSS entries, model ms. */
export const CFG80211_BSS_EXPIRE_MS = 30_000;
const WPA_CLI_DEFAULT_DIR = '/var/run/wpa_supplicant';

/** Why the station's next leave happens (the board reports it in `iw event`). */
export type LeaveCause = 'roam' | 'terminate' | null;

/** What the daemon needs of its board. */
export interface SupplicantHost {
  world: World;
  /** The netdev wpa_supplicant may drive (wlan0). */
  iface: string;
  readFile(path: string): Buffer | undefined;
  /** The board's process table (`ps`, `killall`). */
  startDaemon(command: string): void;
  stopDaemons(name: string): number;
  /** Run `fn`; a leave of the station inside it happens for `cause`. */
  withLeaveCause(cause: LeaveCause, fn: () => void): void;
  /** Append to a board file (the daemon's `-f` log). */
  appendFile(path: string, text: string): void;
  /** The board's clock, epoch ms. */
  nowMs(): number;
}

interface Running {
  ctrlDir: string | null;
  ssid: string;
  psk: string | null;
  /** The interface was up before wpa_supplicant started (start_iface_up). */
  startIfaceUp: boolean;
  /** `-f FILE`: where wpa_printf() writes (wpa_debug_open_file()); `-t`: with stamps. */
  logFile: string | null;
  logStamps: boolean;
}

export class VirtualWpaSupplicant {
  private running: Running | null = null;
  /** The BSSID a ROAM asked for: wpa_supplicant connects to it once, it does not pin it. */
  private roamTarget: string | null = null;

  constructor(private readonly host: SupplicantHost) {}

  private get sta() {
    return this.host.world.client;
  }

  /**
   * wpa_msg(MSG_INFO) into the `-f` log: `"%ld.%06u: "` with -t (wpa_debug_print_timestamp(),
   * gettimeofday()), `"%s: "` with the interface name, the text, a newline (wpa_debug.c).
   */
  logEvent(text: string): void {
    const run = this.running;
    if (!run?.logFile) return;
    const now = this.host.nowMs();
    const sec = Math.floor(now / 1000);
    const usec = Math.floor((now - sec * 1000) * 1000);
    const stamp = run.logStamps ? `${sec}.${String(usec).padStart(6, '0')}: ` : '';
    this.host.appendFile(run.logFile, `${stamp}${this.host.iface}: ${text}\n`);
  }

  /** The SSID and frequency of the AP with `bssid`, as "Trying to ... with" lines show them. */
  private target(bssid: string): string {
    const ap = this.host.world.accessPoints.find((a) => a.bssid.toUpperCase() === bssid.toUpperCase());
    return `${bssid.toLowerCase()} (SSID='${ap?.ssid ?? ''}' freq=${ap ? (channelFrequencyMHz(ap.channel) ?? 0) : 0} MHz)`;
  }

  /** The station leaves its AP: for a roam, sme.c's "SME: Trying to authenticate with" the target; otherwise CTRL-EVENT-DISCONNECTED. */
  leaving(from: string | null, reason: number, forRoam: boolean): void {
    if (forRoam && this.roamTarget) this.logEvent(`SME: Trying to authenticate with ${this.target(this.roamTarget)}`);
    else this.logEvent(`CTRL-EVENT-DISCONNECTED bssid=${(from ?? '00:00:00:00:00:00').toLowerCase()} reason=${reason} locally_generated=1`);
  }

  /** The association is done: "Associated with"; on an open network the connection is complete at once. */
  associated(bssid: string): void {
    this.logEvent(`Trying to associate with ${this.target(bssid)}`);
    this.logEvent(`Associated with ${bssid.toLowerCase()}`);
    const ap = this.associatedAp();
    if (ap && !ap.wpa) this.completed(bssid);
  }

  /** The WPA handshake is done (or none was needed): CTRL-EVENT-CONNECTED (wpa_supplicant_set_state(COMPLETED)). */
  completed(bssid: string): void {
    const ap = this.associatedAp();
    if (ap?.wpa) this.logEvent(`WPA: Key negotiation completed with ${bssid.toLowerCase()} [PTK=CCMP GTK=CCMP]`);
    this.logEvent(`CTRL-EVENT-CONNECTED - Connection to ${bssid.toLowerCase()} completed [id=0 id_str=]`);
  }

  /** The station joined `bssid`: a pending ROAM is done. */
  joined(bssid: string): void {
    if (this.roamTarget === null) return;
    this.roamTarget = null;
    if (bssid) this.sta.setDesiredBssid('00:00:00:00:00:00'); // only clears the BSSID the roam asked for
  }

  /** The board lost power: the daemon is gone with everything it knew. */
  powerLost(): void {
    this.running = null;
    this.roamTarget = null;
  }

  /** `wpa_supplicant -B -i IFACE -c FILE -D nl80211`. */
  start(args: string[], io: ProcessIO): number {
    const { options } = parseDaemonArgs(args);
    const iface = options.get('i');
    const file = options.get('c');
    const driver = options.get('D') ?? 'nl80211';
    if (!iface || !file) return fail(io, 'wpa_supplicant: -i and -c are required here (wpa_supplicant -B -i IFACE -c FILE -D nl80211)', 255);
    if (driver.split(',')[0] !== 'nl80211') return fail(io, `Unsupported driver '${driver}'.`, 255);
    if (iface !== this.host.iface) return fail(io, `Could not read interface ${iface} flags: No such device\n${iface}: Failed to initialize driver interface`, 255);
    const data = this.host.readFile(file);
    if (!data) return fail(io, `Failed to open config file '${file}', error: No such file or directory\nFailed to read or parse configuration '${file}'.`, 255);
    const { top, networks } = parseConfText(data.toString('utf8'));
    const net = networks[0];
    const ssid = net?.get('ssid');
    if (!net || !ssid) return fail(io, `Failed to read or parse configuration '${file}'.`, 255);
    const keyMgmt = net.get('key_mgmt') ?? 'WPA-PSK';
    if (keyMgmt !== 'NONE' && keyMgmt !== 'WPA-PSK') return fail(io, `Line 1: invalid key_mgmt '${keyMgmt}'\nFailed to read or parse configuration '${file}'.`, 255);
    const psk = keyMgmt === 'NONE' ? null : (net.get('psk') ?? null);
    if (keyMgmt !== 'NONE' && (!psk || psk.length < 8 || psk.length > 63)) {
      return fail(io, `Line 1: Invalid passphrase length ${psk?.length ?? 0} (expected: 8..63) '${'*'.repeat(psk?.length ?? 0)}'.\nFailed to read or parse configuration '${file}'.`, 255);
    }
    const ctrl = top.get('ctrl_interface');
    const ctrlDir = ctrl === undefined ? null : (/(?:^|\s)DIR=(\S+)/.exec(ctrl)?.[1] ?? ctrl.split(/\s/)[0]);
    if (this.running) {
      const dir = this.running.ctrlDir;
      return fail(io, `ctrl_iface exists and seems to be in use - cannot override it\nDelete '${dir}/${iface}' manually if it is not used anymore\nFailed to initialize control interface '${dir}'.`, 255);
    }
    this.host.startDaemon(`wpa_supplicant ${args.join(' ')}`);
    const logFile = options.get('f') ?? null;
    this.running = { ctrlDir, ssid, psk, startIfaceUp: this.sta.up, logFile, logStamps: options.get('t') === 'true' };
    if (logFile) {
      // wpa_debug_open_file(): fopen(path, "a"); wpa_supplicant_init() then says it is up (MSG_INFO)
      const now = this.host.nowMs();
      this.host.appendFile(logFile, options.get('t') === 'true' ? `${Math.floor(now / 1000)}.${String(Math.floor((now % 1000) * 1000)).padStart(6, '0')}: Successfully initialized wpa_supplicant\n` : 'Successfully initialized wpa_supplicant\n');
    }
    this.sta.setDesiredBssid('00:00:00:00:00:00'); // a new wpa_supplicant asks for no BSSID
    this.roamTarget = null;
    this.sta.ifUp();
    this.sta.startSupplicant({ ssid, psk });
    return 0;
  }

  /** The daemon exits (SIGTERM, TERMINATE): it leaves the network, the interface goes down unless it was up before. */
  stop(): boolean {
    const run = this.running;
    if (!run || this.host.stopDaemons('wpa_supplicant') === 0) return false;
    this.running = null;
    this.roamTarget = null;
    this.host.withLeaveCause('terminate', () => {
      this.sta.stopSupplicant();
      this.sta.setEssid(''); // the SSID lived in wpa_supplicant: nothing left to join
      if (!run.startIfaceUp) this.sta.ifDown();
    });
    return true;
  }

  /** `wpa_cli [-i IFACE] [-p DIR] COMMAND [ARG]`. */
  cli(args: string[], io: ProcessIO): number {
    const o = ctrlCliArgs(args, WPA_CLI_DEFAULT_DIR);
    if (!o) return fail(io, 'usage: wpa_cli [-p<path to ctrl sockets>] [-i<ifname>] [command..]', 255);
    const { iface, dir } = o;
    const [cmd, ...rest] = o.command;
    const run = this.running;
    const name = iface ?? (run ? this.host.iface : null);
    if (!run || run.ctrlDir !== dir || name !== this.host.iface) {
      return fail(io, `Failed to connect to non-global ctrl_ifname: ${name ?? '(nil)'}  error: No such file or directory`, 255);
    }
    switch ((cmd ?? '').toLowerCase()) {
      case 'status':
        io.stdout.write(formatWpaStatus(this.status(run)));
        return 0;
      case 'ping':
        io.stdout.write('PONG\n');
        return 0;
      case 'bss':
        io.stdout.write(this.bss(rest[0] ?? ''));
        return 0;
      case 'roam':
        io.stdout.write(this.roam(run, rest[0] ?? '') ? 'OK\n' : 'FAIL\n');
        return 0;
      case 'scan':
        io.stdout.write(this.sta.requestScan(() => {}) ? 'OK\n' : 'FAIL-BUSY\n');
        return 0;
      case 'terminate':
        this.stop();
        io.stdout.write('OK\n');
        return 0;
      default:
        io.stdout.write(`Unknown command '${cmd ?? ''}'\n`);
        return 1;
    }
  }

  private associatedAp(): AccessPoint | null {
    return this.sta.state === 'RUN' ? this.sta.bss : null;
  }

  private status(run: Running): WpaStatus {
    const sta = this.sta;
    const ap = this.associatedAp();
    const state: WpaStatus['state'] = ap
      ? ap.wpa && !sta.keysInstalled
        ? '4WAY_HANDSHAKE'
        : 'COMPLETED'
      : sta.state === 'AUTH'
        ? 'ASSOCIATING'
        : sta.up && sta.essid
          ? 'SCANNING'
          : 'DISCONNECTED';
    return {
      associated: ap ? { bssid: ap.bssid, freqMhz: channelFrequencyMHz(ap.channel) ?? 0, ssid: run.ssid, networkId: 0 } : null,
      keyMgmt: ap?.wpa ? 'WPA-PSK' : 'NONE',
      cipher: ap?.wpa ? 'TKIP' : 'NONE',
      state,
      address: sta.mac,
    };
  }

  /** The AP in the BSS table with this BSSID, its entry id and age (ms); null when the table has none. */
  private bssEntry(bssid: string): { ap: AccessPoint; id: number; ageMs: number } | null {
    if (!/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/.test(bssid)) return null;
    const aps = this.host.world.accessPoints;
    const id = aps.findIndex((a) => a.bssid.toUpperCase() === bssid.toUpperCase());
    const ap = aps[id];
    if (!ap) return null;
    const ageMs = this.sta.heardAgoMs(ap);
    if (ageMs === null) return null;
    if (this.associatedAp() !== ap && ageMs > BSS_EXPIRATION_MS) return null; // wpas_periodic() -> wpa_bss_flush_by_age()
    return { ap, id, ageMs };
  }

  /** `BSS <bssid>`: the entry, or nothing at all. */
  private bss(bssid: string): string {
    const e = this.bssEntry(bssid);
    if (!e) return '';
    return formatWpaBss({
      id: e.id,
      bssid: e.ap.bssid,
      freqMhz: channelFrequencyMHz(e.ap.channel) ?? 0,
      levelDbm: this.sta.signalFrom(e.ap),
      noiseDbm: NOISE_FLOOR_DBM,
      ageS: e.ageMs / 1000,
      ssid: e.ap.ssid ?? '',
      wpa: e.ap.wpa,
    });
  }

  /**
   * A BSS Transition Management request reached the station (wnm_sta.c
   * ieee802_11_rx_bss_trans_mgmt_req()): the first preferred candidate of its network that
   * the BSS table holds (other than the current AP) is where it goes, the way ROAM goes
   * there (wnm_scan_process() -> wpa_supplicant_connect()); with none in the table it scans
   * first and decides on the results (wnm_scan_process() after the scan). Without a
   * running daemon nothing handles the frame.
   */
  bssTransitionRequest(candidates: string[]): void {
    const run = this.running;
    if (!run) return;
    const pick = (): string | undefined =>
      candidates.find((b) => {
        const e = this.bssEntry(b);
        return e !== null && e.ap.ssid === run.ssid && e.ap !== this.associatedAp();
      });
    const now = pick();
    if (now) {
      this.roam(run, now);
      return;
    }
    this.sta.requestScan(() => {
      const later = pick();
      if (later && this.running === run) this.roam(run, later);
    });
  }

  /** `ROAM <bssid>`: false (FAIL) without a current network or without the target in the BSS table. */
  private roam(run: Running, bssid: string): boolean {
    const e = this.bssEntry(bssid);
    if (!this.sta.essid || !e || e.ap.ssid !== run.ssid) return false;
    const target = e.ap.bssid;
    this.roamTarget = target;
    const connect = (): void => this.host.withLeaveCause('roam', () => this.sta.setDesiredBssid(target));
    // cfg80211's entry expired: NL80211_CMD_AUTHENTICATE gets ENOENT, the driver scans first.
    if (e.ageMs > CFG80211_BSS_EXPIRE_MS && this.sta.requestScan(() => (this.roamTarget === target ? connect() : undefined))) return true;
    connect();
    return true;
  }
}
