/**
 * The AccessPoint role on today's Linux Wi-Fi stack: hostapd 2.x on a mac80211 (any
 * cfg80211) radio through nl80211, driven with hostapd_cli. Driver name `nl80211`. The
 * interface (`wireless.interface`, e.g. wlan0) and, when the inventory gives one, the
 * bridge hostapd adds it to (`wireless.bridge`) come from the inventory.
 *
 * Several APs may share one board (one VM with mac80211_hwsim radios=3), so nothing here is
 * board-wide: the configuration, pid file and control socket are per interface, and an old
 * hostapd is stopped through its own control socket and pid file, never by `killall`.
 *
 * - configure(): stops the interface's old hostapd (`hostapd_cli -i IFACE raw TERMINATE`, then
 *   `kill` of the pid in its pid file), writes /tmp/rig-hostapd-IFACE.conf through stdin
 *   (umask 077: it holds the passphrase; hostapd/hostapd.conf documents the fields),
 *   starts `hostapd -B -P PIDFILE CONF` (retried when the old one still holds its control
 *   socket: "ctrl_iface exists and seems to be in use", hostapd/ctrl_iface.c) and waits
 *   until `hostapd_cli -i IFACE status` says state=ENABLED; returns bssid[0].
 * - link(): `hostapd_cli status`: bssid[0], ssid[0], channel.
 * - stations(): `hostapd_cli all_sta`: the stations with the ASSOC flag.
 * - requestTransition(STA, target): `hostapd_cli -i IFACE bss_tm_req STA neighbor=BSSID,
 *   0x0000,OPCLASS,CHANNEL,PHYTYPE pref=1 disassoc_imminent=1` (no disassoc_timer: a
 *   station that ignores the request is not dropped, so an ignored request shows as a
 *   roam timeout rather than as a disconnection the AP forced)
 *   (hostapd/ctrl_iface.c hostapd_ctrl_iface_bss_tm_req(); the neighbor entry is a
 *   Neighbor Report: BSSID, BSSID Information, Operating Class, Channel, PHY type,
 *   src/common/ieee802_11_common.c ieee802_11_parse_candidate_list()). `FAIL` (the station is
 *   not associated, or bss_transition is off) is a BenchError.
 * - setTxPower(dBm): `iw dev IFACE set txpower fixed MBM` (mBm: dBm * 100), read back
 *   from `iw dev IFACE info` (`txpower %d.%.2d dBm`).
 */
import { BenchError, ConfigError } from '../../errors.ts';
import type { AccessPoint, AccessPointSettings, LinkInfo, TransitionTarget } from '../roles.ts';
import { run } from '../ssh/run.ts';
import { shellQuote } from '../ssh/quote.ts';
import type { DeviceShell, ExecResult } from '../ssh/types.ts';
import { associatedStations, parseHostapdAllSta, parseHostapdCliOk, parseHostapdStatus, parseIwInfoTxPower, type HostapdStatus } from './hostapd-parse.ts';

/** hostapd's control socket folder (hostapd_cli's default, `-p`). */
export const HOSTAPD_CTRL_DIR = '/var/run/hostapd';
/** How many times configure() reads the status for state=ENABLED, one second apart on the board. */
const ENABLE_TRIES = 8;

export interface Nl80211ApConfig {
  /** The AP's netdev, e.g. wlan0. */
  iface: string;
  /** Its wiphy (not needed by the commands used here). */
  radio: string;
  /** The bridge hostapd adds the interface to (`bridge=`), when the inventory names one. */
  bridge?: string;
  commandTimeoutMs: number;
}

export class Nl80211AccessPoint implements AccessPoint {
  readonly driver = 'nl80211';

  constructor(
    readonly shell: DeviceShell,
    readonly cfg: Nl80211ApConfig,
  ) {}

  get name(): string {
    return this.shell.name;
  }

  private get confPath(): string {
    return `/tmp/rig-hostapd-${this.cfg.iface}.conf`;
  }

  private get pidPath(): string {
    return `/tmp/rig-hostapd-${this.cfg.iface}.pid`;
  }

  async configure(s: AccessPointSettings): Promise<string> {
    const conf = hostapdNl80211Conf({ iface: this.cfg.iface, bridge: this.cfg.bridge, essid: s.essid, channel: s.channel, psk: s.psk });
    await this.stopOld();
    await this.run(['sh', '-c', `umask 077; cat > ${shellQuote(this.confPath)}`], { stdin: conf });
    await this.startHostapd();
    let st: HostapdStatus | null = null;
    for (let i = 1; i <= ENABLE_TRIES; i++) {
      st = await this.status();
      if (st.state === 'ENABLED') break;
      if (i < ENABLE_TRIES) await this.run(['sleep', '1']);
    }
    if (!st || st.state !== 'ENABLED' || !st.bssid) {
      throw new BenchError(`${this.name}: hostapd started on ${this.cfg.iface} but is ${st?.state ?? 'silent'}, not ENABLED, after ${ENABLE_TRIES} s`, { code: 'E_COMMAND', subject: this.name });
    }
    return st.bssid;
  }

  /**
   * The interface's own hostapd, if one runs: asked to terminate, then the pid in its pid
   * file killed, unless /proc says that pid is now another program (a stale pid file after a
   * crash, the pid reused).
   */
  private async stopOld(): Promise<void> {
    // hostapd_cli 2.10 has no `terminate`; the control interface's TERMINATE goes through `raw`
    await this.run(this.cli('raw', 'TERMINATE'), { allowFail: true });
    const pid = await this.run(['cat', this.pidPath], { allowFail: true });
    const n = pid.stdout.trim();
    if (pid.exitCode !== 0 || !/^\d+$/.test(n)) return;
    const comm = await this.run(['cat', `/proc/${n}/comm`], { allowFail: true });
    if (comm.exitCode === 0 && comm.stdout.trim() !== 'hostapd') return;
    await this.run(['kill', n], { allowFail: true });
  }

  /** `hostapd -B`, retried (3 times, 1 s apart) while the old one still holds the control socket. */
  private async startHostapd(): Promise<void> {
    const argv = ['hostapd', '-B', '-P', this.pidPath, this.confPath];
    for (let attempt = 1; ; attempt++) {
      const r = await this.run(argv, { allowFail: true });
      if (r.exitCode === 0) return;
      if (attempt === 3 || !/ctrl_iface exists/.test(r.stdout + r.stderr)) throw this.failed(r);
      await this.run(['sleep', '1']);
    }
  }

  async link(): Promise<LinkInfo> {
    const st = await this.status();
    const on = st.state === 'ENABLED';
    return { bssid: on ? st.bssid : null, essid: on ? st.ssid : null, signalDbm: null, channel: st.channel };
  }

  async stations(): Promise<string[]> {
    const r = await this.run(this.cli('all_sta'));
    return associatedStations(this.parse(r, parseHostapdAllSta));
  }

  async requestTransition(station: string, target: TransitionTarget): Promise<void> {
    const r = await this.run(this.cli('bss_tm_req', ...bssTmRequestArgs(station, target)));
    if (!this.parse(r, parseHostapdCliOk)) {
      throw new BenchError(`${this.name}: \`${r.command}\` answered FAIL: hostapd has no station ${station}, or bss_transition is off`, { code: 'E_COMMAND', subject: this.name });
    }
  }

  async setTxPower(dbm: number): Promise<number | null> {
    if (!Number.isInteger(dbm) || dbm < 0 || dbm > 30) throw new ConfigError(`${this.name}: transmit power ${dbm} dBm: whole dBm 0..30`, { code: 'E_TXPOWER', subject: this.name });
    await this.run(['iw', 'dev', this.cfg.iface, 'set', 'txpower', 'fixed', String(dbm * 100)]);
    const r = await this.run(['iw', 'dev', this.cfg.iface, 'info']);
    return this.parse(r, parseIwInfoTxPower);
  }

  private async status(): Promise<HostapdStatus> {
    return this.parse(await this.run(this.cli('status')), parseHostapdStatus);
  }

  private cli(...words: string[]): string[] {
    return ['hostapd_cli', '-p', HOSTAPD_CTRL_DIR, '-i', this.cfg.iface, ...words];
  }

  private parse<T>(r: ExecResult, parser: (text: string) => T): T {
    try {
      return parser(r.stdout);
    } catch (err) {
      throw new BenchError(`${this.name}: \`${r.command}\`: ${(err as Error).message}`, { code: 'E_COMMAND', subject: this.name });
    }
  }

  /**
   * A command that failed, naming device, command, status and why. hostapd writes its
   * configuration errors to stderr and its driver's to stdout, ending with lines that say
   * little ("AP-DISABLED", "wasn't started"): the lines that name a failure come first.
   */
  private failed(r: ExecResult): BenchError {
    const all = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
    const telling = all.filter((l) => /fail|could not|invalid|error|not found|no such|in use/i.test(l)).slice(0, 3);
    const why = (telling.length > 0 ? telling : all.slice(-2)).join(' / ');
    return new BenchError(`${this.name}: \`${r.command}\` failed (exit ${r.exitCode ?? r.signal}): ${why}`, { code: 'E_COMMAND', subject: this.name });
  }

  private run(argv: string[], o: { stdin?: string; allowFail?: boolean } = {}): Promise<ExecResult> {
    return run(this.shell, argv, { timeoutMs: this.cfg.commandTimeoutMs, ...o });
  }
}

export interface HostapdConfInput {
  iface: string;
  bridge?: string;
  essid: string;
  channel: number;
  psk: string | null;
}

/**
 * hostapd 2.x configuration (hostapd/hostapd.conf documents each field): the nl80211
 * driver, the control socket, hw_mode g (2.4 GHz) or a (5 GHz) by the channel, BSS
 * Transition Management on (bss_transition=1: the extended capability a station checks
 * before it accepts a BTM request), open or WPA2-PSK (RSN, CCMP) with the passphrase.
 */
export function hostapdNl80211Conf(c: HostapdConfInput): string {
  if (c.psk !== null && !/^[\x20-\x7e]{8,63}$/.test(c.psk)) {
    throw new BenchError('the WPA-PSK passphrase must be 8..63 printable ASCII characters (hostapd.conf wpa_passphrase)', { code: 'E_SECRET' });
  }
  const lines = [
    `interface=${c.iface}`,
    ...(c.bridge ? [`bridge=${c.bridge}`] : []),
    'driver=nl80211',
    `ctrl_interface=${HOSTAPD_CTRL_DIR}`,
    `ssid=${c.essid}`,
    `hw_mode=${c.channel <= 14 ? 'g' : 'a'}`,
    `channel=${c.channel}`,
    'bss_transition=1',
  ];
  if (c.psk !== null) lines.push('wpa=2', 'wpa_key_mgmt=WPA-PSK', 'rsn_pairwise=CCMP', `wpa_passphrase=${c.psk}`);
  return [...lines, ''].join('\n');
}

/**
 * The global operating class of a 20 MHz channel (IEEE 802.11-2020 Table E-4): 81 for
 * 2.4 GHz 1..13, 82 for 14, 115/118/121/124/125 for the 5 GHz bands.
 */
export function operatingClass(channel: number): number {
  if (channel >= 1 && channel <= 13) return 81;
  if (channel === 14) return 82;
  if (channel >= 36 && channel <= 48) return 115;
  if (channel >= 52 && channel <= 64) return 118;
  if (channel >= 100 && channel <= 144) return 121;
  if (channel >= 149 && channel <= 161) return 124;
  if (channel >= 165 && channel <= 177) return 125;
  throw new RangeError(`channel ${channel}: no 20 MHz operating class`);
}

/**
 * The arguments of BSS_TM_REQ after the station: one candidate (the target) with the
 * Preferred Candidate List bit set, and Disassociation Imminent so the station moves now.
 * PHY type (dot11PHYType): 6 ERP for 2.4 GHz hw_mode g, 4 OFDM for 5 GHz hw_mode a.
 */
export function bssTmRequestArgs(station: string, target: TransitionTarget): string[] {
  const phy = target.channel <= 14 ? 6 : 4;
  const bssid = target.bssid.toLowerCase();
  return [station.toLowerCase(), `neighbor=${bssid},0x0000,${operatingClass(target.channel)},${target.channel},${phy}`, 'pref=1', 'disassoc_imminent=1'];
}
