/**
 * The Station role on today's Linux Wi-Fi stack: a mac80211 (or any cfg80211) station
 * driven through nl80211 by wpa_supplicant 2.x, read with iw. Driver name `nl80211`.
 *
 * - configure(): stops an old wpa_supplicant (`wpa_cli -i IFACE terminate`, then `killall
 *   wpa_supplicant`), writes /tmp/rig-wpa_supplicant.conf through stdin (ctrl_interface, one
 *   network: ssid, key_mgmt NONE or WPA-PSK with psk; wpa_supplicant/wpa_supplicant.conf
 *   documents the fields) and starts `wpa_supplicant -B -i IFACE -c FILE -D nl80211`, which
 *   brings the interface up itself; then checks that its control interface answers
 *   (`wpa_cli status`). The inventory's `roaming:` knobs are madwifi's iwpriv values
 *   (hostroaming, rssi11g, scanvalid): they mean nothing here and are ignored.
 * - link(): `iw dev IFACE link`. waitAssociated() polls it.
 * - watchAssociations(): `iw event -t` (the default). A join is `connected to BSSID`
 *   (NL80211_CMD_CONNECT) or `roamed to BSSID` (NL80211_CMD_ROAM, from drivers that roam in
 *   firmware); a leave is `disconnected`. The board time is the event's own -t stamp (epoch
 *   seconds from gettimeofday() when iw handled it), the arrival time the bench clock's.
 *   With `wireless.events: wpa_supplicant` the events are wpa_supplicant's own instead
 *   (wpa-events.ts): it is started with `-t -f /tmp/rig-wpa_supplicant.log` and the log is
 *   followed with `tail -n 0 -F`; the stamps are wpa_supplicant's. With `wireless.events:
 *   wpa_cli` the same events come from an interactive `wpa_cli -i IFACE` attached to the
 *   control socket, on a pty (on a pipe it buffers and quits), stamped on arrival less an
 *   offset measured against ping -D (watchWpaCli()). Not `wpa_cli -a`: its action script
 *   gets CONNECTED / DISCONNECTED only, no association.
 * - roamTo(BSSID): `wpa_cli -i IFACE roam BSSID`. wpa_supplicant answers FAIL when the target
 *   is not in its BSS table (ctrl_iface.c wpa_supplicant_ctrl_iface_roam()), and the table
 *   forgets an AP 180 s after a scan last heard it (bss_expiration_age); nothing scans while
 *   the station is connected. So when `wpa_cli bss BSSID` shows no entry, or one older than
 *   25 s (wpa_supplicant's own margin below cfg80211's 30 s IEEE80211_SCAN_RESULT_EXPIRE, bss.c
 *   WPA_BSS_ML_LINK_FRESH_AGE), `iw dev IFACE scan` refreshes it first: iw waits for the scan
 *   to finish, and wpa_supplicant takes every scan's results into its table
 *   (events.c _wpa_supplicant_event_scan_results()). A FAIL is a BenchError.
 *
 * Commands go through run() (madwifi/remote.ts: a failure names device, command and stderr)
 * with every argument quoted by ssh/quote.ts.
 */
import { BenchError, ConfigError } from '../../errors.ts';
import type { BenchClock } from '../bench-clock.ts';
import { commandEventStream, waitForAssociation } from '../station-helpers.ts';
import { run } from '../ssh/run.ts';
import { channelToFrequencyGHz } from '../wifi-channels.ts';
import type { AssociationEvent, EventStream, LinkInfo, Station, StationSettings } from '../roles.ts';
import { shellCommand, shellQuote } from '../ssh/quote.ts';
import type { DeviceShell, ExecResult } from '../ssh/types.ts';
import { measureArrivalOffset } from './arrival-offset.ts';
import { parseIwEventLine, parseIwLink, parseWpaBss, parseWpaCliKeyValues, parseWpaCliOk, parseWpaStatus, type IwLink } from './parse.ts';
import { parseWpaEventLine, wpaCliMonitorText, type WpaEventLine } from './wpa-events.ts';

export const WPA_CONF = '/tmp/rig-wpa_supplicant.conf';
/** wpa_supplicant's own log (`-t -f`), when the association events come from it. */
export const WPA_LOG = '/tmp/rig-wpa_supplicant.log';
export const CTRL_INTERFACE = '/var/run/wpa_supplicant';
/** wpa_supplicant 2.10's GREAT_SNR (wpa_supplicant/scan.h): no roam of its own above it. */
export const WPA_GREAT_SNR_DB = 25;
/** Refresh the target's BSS entry by a scan when it is older than this (seconds). */
export const BSS_FRESH_S = 25;

export interface Nl80211Config {
  /** The station's netdev, e.g. wlan0. */
  iface: string;
  /** Its wiphy, e.g. phy0 (not needed by the commands used here). */
  radio: string;
  commandTimeoutMs: number;
  /**
   * Where the association events come from: `iw` (`iw event -t`, the kernel's
   * NL80211_CMD_CONNECT / DISCONNECT) or `wpa_supplicant` (its own `-t -f` log: "Trying to
   * authenticate", "Associated with", CTRL-EVENT-CONNECTED / DISCONNECTED). Default iw.
   */
  events?: 'iw' | 'wpa_supplicant' | 'wpa_cli';
}

export class Nl80211Station implements Station {
  readonly driver = 'nl80211';

  constructor(
    readonly shell: DeviceShell,
    readonly cfg: Nl80211Config,
  ) {}

  get name(): string {
    return this.shell.name;
  }

  async configure(s: StationSettings): Promise<void> {
    if (s.wep) throw new ConfigError(`${this.name}: the nl80211 station driver does not do WEP here; use the madwifi driver, or open / wpa-psk`, { code: 'E_DRIVER_SECURITY', subject: this.name });
    await this.run(['wpa_cli', '-i', this.cfg.iface, 'terminate'], { allowFail: true });
    await this.run(['killall', 'wpa_supplicant'], { allowFail: true });
    if (this.wpaEvents) await this.run(['rm', '-f', WPA_LOG], { allowFail: true });
    await this.run(['sh', '-c', `cat > ${shellQuote(WPA_CONF)}`], { stdin: wpaSupplicantConf(s.essid, s.psk, s.channels) });
    await this.startSupplicant();
    const r = await this.run(['wpa_cli', '-i', this.cfg.iface, 'status']);
    try {
      parseWpaStatus(r.stdout);
    } catch (err) {
      throw new BenchError(`${this.name}: wpa_supplicant started, but \`${r.command}\` did not answer a status: ${(err as Error).message}`, {
        code: 'E_COMMAND',
        subject: this.name,
      });
    }
  }

  /**
   * `wpa_supplicant -B ...`. The old one may still be leaving (SIGTERM and TERMINATE are
   * handled asynchronously) and hold its control socket: wpa_supplicant then refuses with
   * "ctrl_iface exists and seems to be in use" (ctrl_iface_unix.c); wait a second on the
   * board and try again, three times at most.
   */
  private async startSupplicant(): Promise<void> {
    const argv = ['wpa_supplicant', '-B', '-i', this.cfg.iface, '-c', WPA_CONF, '-D', 'nl80211', ...(this.wpaEvents ? ['-t', '-f', WPA_LOG] : [])];
    for (let attempt = 1; ; attempt++) {
      const r = await this.run(argv, { allowFail: true });
      if (r.exitCode === 0) return;
      if (attempt === 3 || !/ctrl_iface exists/.test(r.stderr)) throw this.failed(r);
      await this.run(['sleep', '1']);
    }
  }

  /** A command that failed, as run() words it: device, command, exit status, the last line of its output. */
  private failed(r: ExecResult): BenchError {
    const why = (r.stderr || r.stdout).trim().split('\n').slice(-2).join(' / ');
    return new BenchError(`${this.name}: \`${r.command}\` failed (exit ${r.exitCode ?? r.signal}): ${why}`, { code: 'E_COMMAND', subject: this.name });
  }

  async link(): Promise<LinkInfo> {
    const l = await this.iwLink();
    return { bssid: l.bssid, essid: l.ssid, signalDbm: l.bssid ? l.signalDbm : null, channel: l.channel };
  }

  waitAssociated(clock: BenchClock, timeoutMs: number, bssids?: string[], signal?: AbortSignal): Promise<string> {
    return waitForAssociation(this.name, () => this.link(), clock, timeoutMs, bssids, signal);
  }


  private get wpaEvents(): boolean {
    return this.cfg.events === 'wpa_supplicant';
  }

  watchAssociations(clock: BenchClock, listener: (e: AssociationEvent) => void): EventStream {
    if (this.cfg.events === 'wpa_cli') return this.watchWpaCli(clock, listener);
    return this.wpaEvents ? this.watchWpaLog(clock, listener) : this.watchIwEvents(clock, listener);
  }

  /**
   * wpa_supplicant's own log, followed (`tail -n 0 -F`): each line stamped by wpa_supplicant
   * when the event happened (`-t`).
   */
  private watchWpaLog(clock: BenchClock, listener: (e: AssociationEvent) => void): EventStream {
    // -F: by name, so the log a reconfigured wpa_supplicant starts afresh is followed too
    const proc = this.shell.stream(shellCommand(['tail', '-n', '0', '-F', WPA_LOG]));
    const follow = this.followWpaEvents(listener);
    proc.onLine((line, stream, receivedAt) => {
      if (stream !== 'stdout') return;
      let ev;
      try {
        ev = parseWpaEventLine(line);
      } catch {
        return; // a line this parser cannot read is no association event
      }
      if (ev && ev.timeMs !== null) follow(ev, ev.timeMs, clock.fromWallClock(receivedAt));
    });
    return commandEventStream(proc);
  }

  /**
   * An interactive `wpa_cli -i IFACE` on a pty, attached to wpa_supplicant's control socket.
   * On a pipe wpa_cli buffers its output and quits at the first empty read; on a pty it
   * prints each event at once and its stdin stays open. When wpa_supplicant restarts
   * (configure()), wpa_cli reconnects by itself when its PING fails (`-G 1`: every second,
   * not 5; measured on hwsim, the events of the first association after a restart come
   * before it is back; the roam cycle waits for that one by polling iw link). Its monitor lines
   * (`<3>CTRL-EVENT-CONNECTED ...`, wpaCliMonitorText()) carry no time: each is stamped when
   * its bytes reach the rig (the SSH channel's data event, bench clock), less the arrival
   * offset measured once at the start against ping -D's board stamps (arrival-offset.ts), so
   * the stamp is on the board's clock like ping's. Events that come before the offset is
   * known wait for it; without it (no ping -D) the arrival on the bench clock is the stamp.
   */
  private watchWpaCli(clock: BenchClock, listener: (e: AssociationEvent) => void): EventStream {
    const proc = this.shell.stream(shellCommand(['wpa_cli', '-G', '1', '-i', this.cfg.iface]), { pty: true });
    const follow = this.followWpaEvents(listener);
    let offsetMs: number | null | undefined; // undefined: being measured
    const waiting: { ev: WpaEventLine; arrivedMs: number }[] = [];
    const deliver = (ev: WpaEventLine, arrivedMs: number): void => follow(ev, arrivedMs - (offsetMs ?? 0), arrivedMs);
    void measureArrivalOffset(this.shell, clock, 10_000)
      .catch(() => null)
      .then((o) => {
        offsetMs = o;
        for (const w of waiting.splice(0)) deliver(w.ev, w.arrivedMs);
      });
    proc.onLine((line, stream, receivedAt) => {
      if (stream !== 'stdout') return;
      const text = wpaCliMonitorText(line);
      if (text === null) return;
      let ev;
      try {
        ev = parseWpaEventLine(text);
      } catch {
        return;
      }
      if (!ev) return;
      const arrivedMs = clock.fromWallClock(receivedAt);
      if (offsetMs === undefined) waiting.push({ ev, arrivedMs });
      else deliver(ev, arrivedMs);
    });
    return commandEventStream(proc);
  }

  /**
   * wpa_supplicant's events as joins and leaves: the leave is "Trying to authenticate with"
   * another AP (mac80211 drops the old link there) or CTRL-EVENT-DISCONNECTED; the join is
   * "Associated with" (the association, as iw's `connected to`), or CTRL-EVENT-CONNECTED
   * when no "Associated with" came for that AP (a driver that roams by itself).
   */
  private followWpaEvents(listener: (e: AssociationEvent) => void): (ev: WpaEventLine, atMs: number, arrivedMs: number) => void {
    let current: string | null = null;
    return (ev, atMs, arrivedMs) => {
      if (ev.iface !== null && ev.iface !== this.cfg.iface) return;
      const e = ev.event;
      if (e.kind === 'associated' || (e.kind === 'connected' && current !== e.bssid)) {
        current = e.bssid;
        listener({ atMs, arrivedMs, bssid: e.bssid });
      } else if ((e.kind === 'trying-authenticate' && current !== e.bssid) || e.kind === 'disconnected') {
        current = null;
        listener({ atMs, arrivedMs, bssid: null });
      }
    };
  }

  private watchIwEvents(clock: BenchClock, listener: (e: AssociationEvent) => void): EventStream {
    const proc = this.shell.stream('iw event -t');
    proc.onLine((line, stream, receivedAt) => {
      if (stream !== 'stdout') return;
      let ev;
      try {
        ev = parseIwEventLine(line);
      } catch {
        return; // not an event line iw -t prints: ignore it
      }
      if (!ev || ev.timeMs === null || (ev.iface !== null && ev.iface !== this.cfg.iface)) return;
      const e = ev.event;
      const arrivedMs = clock.fromWallClock(receivedAt);
      if (e.kind === 'connected' || e.kind === 'roamed') listener({ atMs: ev.timeMs, arrivedMs, bssid: e.bssid });
      else if (e.kind === 'disconnected') listener({ atMs: ev.timeMs, arrivedMs, bssid: null });
    });
    return commandEventStream(proc);
  }

  /**
   * wpa_supplicant 2.10 does not roam by itself while its AP's SNR is above 25 dB (events.c
   * wpa_supplicant_need_to_roam_within_ess(): GREAT_SNR, "Skip roam - Current BSS has good
   * SNR"), whatever the other AP offers; below it, only after a scan (bgscan, or a lost link).
   */
  roamThresholdDb(): number {
    return WPA_GREAT_SNR_DB;
  }

  /** `wpa_cli signal_poll`'s NOISE (the driver's survey of the channel in use); null without one. */
  async noiseDbm(): Promise<number | null> {
    const r = await this.run(['wpa_cli', '-i', this.cfg.iface, 'signal_poll'], { allowFail: true });
    if (r.exitCode !== 0) return null;
    let kv: Record<string, string>;
    try {
      kv = parseWpaCliKeyValues(r.stdout);
    } catch {
      return null; // FAIL (not associated): no noise to read
    }
    return kv.NOISE !== undefined && /^-?\d+$/.test(kv.NOISE) && Number(kv.NOISE) !== 9999 ? Number(kv.NOISE) : null;
  }

  async roamTo(bssid: string): Promise<void> {
    const entry = await this.bssEntry(bssid);
    if (entry === null || entry.ageS >= BSS_FRESH_S) {
      const scan = await this.run(['iw', 'dev', this.cfg.iface, 'scan'], { allowFail: true });
      // -EBUSY: a scan is running already (wpa_supplicant's own); its results will do.
      if (scan.exitCode !== 0 && !/\(-16\)/.test(scan.stderr)) throw this.failed(scan);
    }
    const r = await this.run(['wpa_cli', '-i', this.cfg.iface, 'roam', bssid]);
    let ok: boolean;
    try {
      ok = parseWpaCliOk(r.stdout);
    } catch (err) {
      throw new BenchError(`${this.name}: \`${r.command}\`: ${(err as Error).message}`, { code: 'E_COMMAND', subject: this.name });
    }
    if (!ok) {
      const known = await this.bssEntry(bssid).catch(() => null);
      const why = known === null ? `${bssid} is not in wpa_supplicant's BSS table (no scan heard it)` : 'wpa_supplicant refused (no network configured for the target?)';
      throw new BenchError(`${this.name}: \`${r.command}\` answered FAIL: ${why}`, { code: 'E_COMMAND', subject: this.name });
    }
  }

  private async iwLink(): Promise<IwLink> {
    const r = await this.run(['iw', 'dev', this.cfg.iface, 'link']);
    try {
      return parseIwLink(r.stdout);
    } catch (err) {
      throw new BenchError(`${this.name}: \`${r.command}\`: ${(err as Error).message}`, { code: 'E_COMMAND', subject: this.name });
    }
  }

  /** wpa_supplicant's BSS table entry for `bssid`: its age in seconds, or null when it has none. */
  private async bssEntry(bssid: string): Promise<{ ageS: number } | null> {
    const r = await this.run(['wpa_cli', '-i', this.cfg.iface, 'bss', bssid]);
    try {
      return parseWpaBss(r.stdout);
    } catch (err) {
      throw new BenchError(`${this.name}: \`${r.command}\`: ${(err as Error).message}`, { code: 'E_COMMAND', subject: this.name });
    }
  }

  private run(argv: string[], o: { stdin?: string; allowFail?: boolean } = {}): Promise<ExecResult> {
    return run(this.shell, argv, { timeoutMs: this.cfg.commandTimeoutMs, ...o });
  }
}

/**
 * wpa_supplicant 2.x configuration for one network (written to the board through stdin,
 * so the passphrase is never on a command line): open (`key_mgmt=NONE`) or WPA-PSK with
 * the ASCII passphrase (8..63 printable characters, wpa_supplicant.conf: `psk="..."`);
 * scans limited to the bench's channels when they are given.
 */
export function wpaSupplicantConf(essid: string, psk: string | null, channels: number[] = []): string {
  if (psk !== null && !/^[\x20-\x7e]{8,63}$/.test(psk)) {
    throw new BenchError('the WPA-PSK passphrase must be 8..63 printable ASCII characters (wpa_supplicant.conf psk="...")', { code: 'E_SECRET' });
  }
  const network = psk === null ? ['\tkey_mgmt=NONE'] : ['\tkey_mgmt=WPA-PSK', `\tpsk="${psk}"`];
  // Only the bench's channels (wpa_supplicant.conf `scan_freq`, `freq_list`, in MHz): a full scan takes seconds.
  const mhz = [...new Set(channels)].map((c) => Math.round(channelToFrequencyGHz(c) * 1000));
  if (mhz.length > 0) network.push(`\tscan_freq=${mhz.join(' ')}`, `\tfreq_list=${mhz.join(' ')}`);
  return [`ctrl_interface=${CTRL_INTERFACE}`, 'ap_scan=1', 'network={', `\tssid="${essid}"`, ...network, '}', ''].join('\n');
}
