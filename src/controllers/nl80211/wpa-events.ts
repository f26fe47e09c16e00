/**
 * wpa_supplicant 2.x's association events, as its control interface sends them to an
 * attached monitor (`<3>CTRL-EVENT-CONNECTED ...`, what `wpa_cli` prints) and as its own log
 * writes them with `-t -f FILE` (`1764550000.123456: wlan0: CTRL-EVENT-CONNECTED ...`): the
 * same wpa_msg() text either way (src/utils/wpa_debug.c: wpa_msg() hands the text to the
 * control interface's monitors and to wpa_printf(); with -t wpa_debug_print_timestamp()
 * writes `"%ld.%06u: "` from os_get_time(), gettimeofday(), before it; wpa_msg() puts
 * `"%s: "` with the interface name in front of the text). The rig reads the log form: the
 * stamp is wpa_supplicant's own, taken when the event happened on the board.
 *
 * The events a roam needs (wpa_supplicant/, src/common/wpa_ctrl.h):
 * - sme.c: `"SME: Trying to authenticate with " MACSTR " (SSID='%s' freq=%d MHz)"` (2.10;
 *   older and non-SME drivers: `"Trying to authenticate with ..."`): the station leaves its
 *   AP for the new one (mac80211's ieee80211_mgd_auth() drops the old link here);
 * - sme.c / wpa_supplicant.c: `"Trying to associate with " MACSTR " (SSID='%s' freq=%d MHz)"`;
 * - events.c wpa_supplicant_event_assoc(): `"Associated with " MACSTR`: the association
 *   is done (the data path may still wait for the WPA handshake);
 * - wpa_supplicant.c wpa_supplicant_set_state(COMPLETED): WPA_EVENT_CONNECTED
 *   `"CTRL-EVENT-CONNECTED - Connection to " MACSTR " completed [id=%d id_str=%s]"`: keys in
 *   place, traffic flows;
 * - events.c wpa_supplicant_event_disassoc_finish(): WPA_EVENT_DISCONNECTED
 *   `"CTRL-EVENT-DISCONNECTED bssid=" MACSTR " reason=%d"` + `" locally_generated=1"`.
 * Anything else (scans, WPA key negotiation, BSS table changes) is `other`.
 *
 * Parsers throw a plain Error naming what they could not read.
 */

const MAC_RE = '[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}';

export type WpaEvent =
  | { kind: 'trying-authenticate' | 'trying-associate' | 'associated' | 'connected'; bssid: string }
  | { kind: 'disconnected'; bssid: string | null; reason: number | null; locallyGenerated: boolean }
  | { kind: 'other' };

export interface WpaEventLine {
  /** wpa_supplicant's -t stamp as epoch ms; null without one (a control-socket line). */
  timeMs: number | null;
  /** The interface the line names; null when it names none. */
  iface: string | null;
  event: WpaEvent;
}

/** Parse one line of wpa_supplicant's `-t -f` log or one `<N>`-prefixed control-socket event; null for a blank line. */
export function parseWpaEventLine(line: string): WpaEventLine | null {
  let rest = line.replace(/[\r\n]+$/, '');
  if (rest.trim() === '') return null;
  let timeMs: number | null = null;
  const stamp = /^(\d+)\.(\d{6}): /.exec(rest);
  if (stamp) {
    timeMs = Number(stamp[1]) * 1000 + Number(stamp[2]) / 1000;
    rest = rest.slice(stamp[0].length);
  }
  const level = /^<\d>/.exec(rest);
  if (level) rest = rest.slice(level[0].length);
  let iface: string | null = null;
  const prefix = /^([A-Za-z0-9_.-]{1,15}): /.exec(rest);
  // "SME: " and "WPA: " are module prefixes, not interfaces
  if (prefix && !['SME', 'WPA', 'RSN', 'WNM', 'P2P', 'EAPOL', 'nl80211'].includes(prefix[1])) {
    iface = prefix[1];
    rest = rest.slice(prefix[0].length);
  }
  return { timeMs, iface, event: classify(rest, line) };
}

function classify(text: string, line: string): WpaEvent {
  const bad = (): Error => new Error(`wpa_supplicant event: unreadable "${line.slice(0, 160)}"`);
  // "Trying to associate with SSID '%s'" (a driver that picks the BSS itself) names no AP
  if (/^Trying to associate with SSID '/.test(text)) return { kind: 'other' };
  const trying = /^(?:SME: )?Trying to (authenticate|associate) with (\S+)(?: \(.*\))?$/.exec(text);
  if (trying) {
    if (!new RegExp(`^${MAC_RE}$`).test(trying[2])) throw bad();
    return { kind: trying[1] === 'authenticate' ? 'trying-authenticate' : 'trying-associate', bssid: trying[2].toUpperCase() };
  }
  if (text.startsWith('Associated with ')) {
    const m = new RegExp(`^Associated with (${MAC_RE})$`).exec(text);
    if (!m) throw bad();
    return { kind: 'associated', bssid: m[1].toUpperCase() };
  }
  if (text.startsWith('CTRL-EVENT-CONNECTED ')) {
    const m = new RegExp(`^CTRL-EVENT-CONNECTED - Connection to (${MAC_RE}) completed`).exec(text);
    if (!m) throw bad();
    return { kind: 'connected', bssid: m[1].toUpperCase() };
  }
  if (text === 'CTRL-EVENT-DISCONNECTED' || text.startsWith('CTRL-EVENT-DISCONNECTED ')) {
    const bssid = new RegExp(`(?:^| )bssid=(${MAC_RE})(?: |$)`).exec(text)?.[1] ?? null;
    const reason = / reason=(\d+)(?: |$)/.exec(text)?.[1];
    return { kind: 'disconnected', bssid: bssid?.toUpperCase() ?? null, reason: reason === undefined ? null : Number(reason), locallyGenerated: / locally_generated=1(?: |$)/.test(text) };
  }
  return { kind: 'other' };
}

/**
 * The event an interactive `wpa_cli -i IFACE` prints on a terminal, out of one line of its
 * output: `<N>TEXT` (the level and wpa_msg()'s text), or null for anything else (banner,
 * prompt, command replies, "Connection to wpa_supplicant lost/re-established").
 *
 * wpa_cli.c wpa_cli_recv_pending(): for each message from the attached control socket,
 * edit_clear_line(), then `printf("\r%s\n", buf)`, then edit_redraw() (the `> ` prompt
 * again, which the next line then begins with). A terminal turns `\n` into `\r\n`. So a
 * line, split on `\n`, reads `> \r<3>CTRL-EVENT-CONNECTED - Connection to ... completed
 * [id=0 id_str=]\r`; readline's line clearing may add spaces and `\r`s before it. The event
 * is the last `\r`-separated piece that starts with `<N>`. A message the global control
 * interface sends carries `IFNAME=IFACE ` after the level; it becomes the `IFACE: `
 * prefix parseWpaEventLine() reads.
 */
export function wpaCliMonitorText(line: string): string | null {
  const pieces = line.split('\r').map((p) => p.replace(/^(?:> )+/, ''));
  for (let i = pieces.length - 1; i >= 0; i--) {
    const m = /^(<\d>)(?:IFNAME=(\S+) )?(.*)$/.exec(pieces[i]);
    if (!m) continue;
    const text = m[3].replace(/\s+$/, '');
    return m[2] ? `${m[1]}${m[2]}: ${text}` : `${m[1]}${text}`;
  }
  return null;
}
