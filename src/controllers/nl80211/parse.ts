/**
 * Parsers for what a current Linux client prints through nl80211's tools: `iw dev IFACE
 * link`, `iw event -t`, and wpa_cli's key=value replies (STATUS, BSS) and one-word
 * replies (OK / FAIL). Written from the tools' sources, not from the virtual rig's
 * formatter (rig/device/nl80211-format.ts); src/tests/nl80211-parse.test.ts feeds them
 * inputs written from the printf formats below, malformed ones included.
 *
 * - iw link.c, link_bss_handler(): `"Connected to %s (on %s)\n"` (NL80211_BSS_STATUS_
 *   ASSOCIATED), `"Authenticated with %s (on %s)\n"` (and then, nothing associated,
 *   handle_link()'s `"Not connected.\n"`), `"Joined IBSS %s (on %s)\n"`; the SSID from
 *   print_ies() as `"\tSSID: %s\n"` (util.c print_ssid_escaped(): `\xNN` for bytes it does
 *   not print); `"\tfreq: %d\n"` (iw < 5.16) or `"%sfreq: %d.%d\n"` (frequency and its
 *   offset); print_link_sta() `"\tsignal: %d dBm\n"`. An MLO link prints `"\tLink %d BSSID
 *   %s\n"` under the MLD address. mac_addr_n2a() prints lower case.
 * - iw event.c, print_event(): with -t `"%llu.%06llu: "` (gettimeofday() when iw handled the
 *   event), then `"%s (phy #%d): "` / `"phy #%d: "` / `"%s: "` / `"wdev 0x%llx ...: "`, then
 *   NL80211_CMD_CONNECT `"connected to %s"` (or `"failed to connect to %s, status: %d:
 *   %s"`, `"timed out"`), NL80211_CMD_ROAM `"roamed to %s"`, NL80211_CMD_DISCONNECT
 *   `"disconnected"` + `" (by AP)"` / `" (local request)"` + `" reason: %d: %s"`,
 *   `"auth"` / `"assoc"` / `"deauth"` / `"disassoc"` + print_frame() `" %s -> %s"` with
 *   `" status: %d: %s"` or `" reason %d: %s"` (or `": timed out"`), and many others (scan,
 *   regulatory, CQM...) that a roam does not need.
 * - wpa_supplicant ctrl_iface.c: wpa_supplicant_ctrl_iface_status() and print_bss_info()
 *   write `name=value\n` lines; wpa_cli.c _wpa_ctrl_command() prints the reply as it is and
 *   exits 0 even for `FAIL` (only a failed control connection exits non-zero).
 *
 * Parsers throw a plain Error naming what they could not read.
 */

const MAC = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;

function mac(text: string, what: string): string {
  if (!MAC.test(text)) throw new Error(`${what}: not a MAC address: "${text.slice(0, 40)}"`);
  return text.toUpperCase();
}

function lines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n');
}

/** Undo iw's print_ssid_escaped(): `\xNN` back to the byte. */
function unescapeSsid(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = /^\\x([0-9a-fA-F]{2})/.exec(text.slice(i));
    if (hex) {
      bytes.push(parseInt(hex[1], 16));
      i += 3;
    } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Channel of a centre frequency (MHz): 2.4 GHz 1..14, 5 GHz, 6 GHz (IEEE 802.11 channel numbering); null otherwise. */
export function channelOfMhz(mhz: number): number | null {
  if (!Number.isInteger(mhz)) return null;
  if (mhz === 2484) return 14;
  if (mhz >= 2412 && mhz <= 2472 && (mhz - 2407) % 5 === 0) return (mhz - 2407) / 5;
  if (mhz >= 5160 && mhz <= 5885 && mhz % 5 === 0) return (mhz - 5000) / 5;
  if (mhz >= 5955 && mhz <= 7115 && (mhz - 5950) % 5 === 0) return (mhz - 5950) / 5;
  return null;
}

export interface IwLink {
  /** The AP (upper case); null: not connected. */
  bssid: string | null;
  /** The interface iw named; null when not connected. */
  iface: string | null;
  ssid: string | null;
  freqMhz: number | null;
  channel: number | null;
  signalDbm: number | null;
}

/** Parse `iw dev IFACE link`. */
export function parseIwLink(text: string): IwLink {
  const all = lines(text).filter((l) => l.trim() !== '');
  if (all.length === 0) throw new Error('iw link: empty output');
  const none: IwLink = { bssid: null, iface: null, ssid: null, freqMhz: null, channel: null, signalDbm: null };
  if (all.some((l) => l === 'Not connected.')) return none;
  const head = /^Connected to (\S+) \(on (\S+)\)$/.exec(all[0]);
  if (!head) {
    if (/^Joined IBSS /.test(all[0])) throw new Error(`iw link: an IBSS, not a station's link: "${all[0].slice(0, 80)}"`);
    throw new Error(`not iw link output: "${all[0].slice(0, 80)}"`);
  }
  const out: IwLink = { ...none, bssid: mac(head[1], 'iw link'), iface: head[2] };
  for (const l of all.slice(1)) {
    if (!l.startsWith('\t')) throw new Error(`iw link: unexpected line "${l.slice(0, 80)}"`);
    const item = l.trim();
    const ssid = /^SSID: (.*)$/.exec(item);
    const freq = /^freq: (\d+)(?:\.(\d+))?$/.exec(item);
    const signal = /^signal: (-?\d+)(?: \[[^\]]*\])? dBm$/.exec(item);
    if (ssid) out.ssid = unescapeSsid(ssid[1]);
    else if (freq) {
      out.freqMhz = Number(freq[1]);
      out.channel = channelOfMhz(out.freqMhz);
    } else if (signal) out.signalDbm = Number(signal[1]);
    else if (/^(freq|signal):/.test(item)) throw new Error(`iw link: unreadable "${item.slice(0, 80)}"`);
  }
  return out;
}

/** What an `iw event` line says, as far as association goes. */
export type IwEvent =
  /** NL80211_CMD_CONNECT (status 0) or NL80211_CMD_ROAM: now associated to `bssid`. */
  | { kind: 'connected' | 'roamed'; bssid: string }
  /** NL80211_CMD_DISCONNECT. */
  | { kind: 'disconnected'; byAp: boolean; reason: number | null }
  /** An MLME frame event: `from -> to`, with the status or reason code it carried (null: timed out). */
  | { kind: 'auth' | 'assoc' | 'deauth' | 'disassoc'; from: string | null; to: string | null; code: number | null }
  /** Anything else (a failed connect, scans, regulatory, CQM, ...). */
  | { kind: 'other' };

export interface IwEventLine {
  /** The -t stamp as epoch ms (the board's clock when iw handled the event); null without -t. */
  timeMs: number | null;
  /** The interface the event is about; null when the line names none. */
  iface: string | null;
  event: IwEvent;
  /** The event text after the interface prefix. */
  text: string;
}

/**
 * print_event()'s prefix: `IFACE (phy #N): `, `phy #N: `, `wdev 0xN (phy #N): `, `wdev 0xN: `
 * or `IFACE: ` (an event with an interface and no wiphy; never one of the MLME words,
 * whose `auth: timed out` form would look like it).
 */
const EVENT_PREFIX = /^(?:(\S+) \(phy #\d+\)|phy #\d+|wdev 0x[0-9a-f]+(?: \(phy #\d+\))?|(?!(?:auth|assoc|deauth|disassoc):)([^\s:]+)): /;

const MLME = /^(auth|assoc|deauth|disassoc|unprotected deauth|unprotected disassoc)(?::? (.*))?$/;

/**
 * Parse one line of `iw event -t` (`stamped: false` for `iw event` without -t). Returns null
 * for a blank line; throws for a line without the stamp it should have, or an event of
 * interest whose address or code cannot be read.
 */
export function parseIwEventLine(line: string, opts: { stamped?: boolean } = {}): IwEventLine | null {
  const l = line.replace(/[\r\n]+$/, '');
  if (l.trim() === '') return null;
  let rest = l;
  let timeMs: number | null = null;
  if (opts.stamped !== false) {
    const t = /^(\d+)\.(\d{6}): /.exec(rest);
    if (!t) throw new Error(`not an iw event -t line (no "SECONDS.MICROSECONDS: " stamp): "${l.slice(0, 120)}"`);
    timeMs = Number(t[1]) * 1000 + Number(t[2]) / 1000;
    rest = rest.slice(t[0].length);
  }
  let iface: string | null = null;
  const prefix = EVENT_PREFIX.exec(rest);
  if (prefix) {
    iface = prefix[1] ?? prefix[2] ?? null;
    rest = rest.slice(prefix[0].length);
  }
  return { timeMs, iface, event: classify(rest, l), text: rest };
}

function classify(text: string, line: string): IwEvent {
  const what = (): string => `iw event: unreadable "${line.slice(0, 120)}"`;
  const joined = /^(connected|roamed) to (\S+)$/.exec(text);
  if (joined) {
    if (!MAC.test(joined[2])) throw new Error(what());
    return { kind: joined[1] as 'connected' | 'roamed', bssid: joined[2].toUpperCase() };
  }
  if (text === 'disconnected' || text.startsWith('disconnected ')) {
    const m = /^disconnected(?: \((by AP|local request)\))?(?: reason: (\d+)(?:: .*)?)?$/.exec(text);
    if (!m) throw new Error(what());
    return { kind: 'disconnected', byAp: m[1] === 'by AP', reason: m[2] === undefined ? null : Number(m[2]) };
  }
  const mlme = MLME.exec(text);
  if (mlme) {
    const kind = mlme[1].replace('unprotected ', '') as 'auth' | 'assoc' | 'deauth' | 'disassoc';
    const body = mlme[2] ?? '';
    if (body === 'timed out' || body === 'unknown event' || body === '[no frame]') return { kind, from: null, to: null, code: null };
    const f = /^(\S+) -> (\S+)(?: (?:status: |reason )(\d+): .*)?(?: \[frame:[0-9a-f ]*\])?$/.exec(body);
    if (!f || !MAC.test(f[1]) || !MAC.test(f[2])) throw new Error(what());
    return { kind, from: f[1].toUpperCase(), to: f[2].toUpperCase(), code: f[3] === undefined ? null : Number(f[3]) };
  }
  return { kind: 'other' };
}

/**
 * Parse a wpa_cli reply made of `name=value` lines (STATUS, BSS): the values by name, the
 * first `=` splitting. An empty reply is an empty record (BSS of an unknown BSSID).
 */
export function parseWpaCliKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines(text)) {
    if (l.trim() === '') continue;
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`wpa_cli: not a name=value reply: "${l.slice(0, 120)}"`);
    out[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return out;
}

export interface WpaStatus {
  /** wpa_supplicant_state_txt(): COMPLETED, SCANNING, ... */
  wpaState: string;
  /** Upper case; null before WPA_ASSOCIATED. */
  bssid: string | null;
  ssid: string | null;
  freqMhz: number | null;
  keyMgmt: string | null;
  address: string | null;
}

/** Parse `wpa_cli status` (wpa_state is always there). */
export function parseWpaStatus(text: string): WpaStatus {
  const kv = parseWpaCliKeyValues(text);
  if (!kv.wpa_state) throw new Error(`wpa_cli status: no wpa_state in "${text.trim().slice(0, 120) || '(empty)'}"`);
  const freq = kv.freq === undefined ? null : Number(kv.freq);
  return {
    wpaState: kv.wpa_state,
    bssid: kv.bssid === undefined ? null : mac(kv.bssid, 'wpa_cli status bssid'),
    ssid: kv.ssid ?? null,
    freqMhz: freq !== null && Number.isInteger(freq) ? freq : null,
    keyMgmt: kv.key_mgmt ?? null,
    address: kv.address === undefined ? null : mac(kv.address, 'wpa_cli status address'),
  };
}

export interface WpaBss {
  bssid: string;
  /** Seconds since the entry was last updated from a scan. */
  ageS: number;
  freqMhz: number | null;
  levelDbm: number | null;
  ssid: string | null;
}

/** Parse `wpa_cli bss BSSID`: the entry, or null when wpa_supplicant's BSS table has none. */
export function parseWpaBss(text: string): WpaBss | null {
  const kv = parseWpaCliKeyValues(text);
  if (Object.keys(kv).length === 0) return null;
  if (!kv.bssid || kv.age === undefined || !/^\d+$/.test(kv.age)) throw new Error(`wpa_cli bss: no bssid and age in "${text.trim().slice(0, 120)}"`);
  const num = (v: string | undefined): number | null => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null);
  return { bssid: mac(kv.bssid, 'wpa_cli bss'), ageS: Number(kv.age), freqMhz: num(kv.freq), levelDbm: num(kv.level), ssid: kv.ssid ?? null };
}

/** A one-word wpa_cli reply (ROAM, SCAN, TERMINATE): true for OK, false for FAIL / FAIL-*; throws on anything else. */
export function parseWpaCliOk(text: string): boolean {
  const t = text.trim();
  if (t === 'OK') return true;
  if (/^FAIL(-[A-Z-]+)?$/.test(t)) return false;
  throw new Error(`wpa_cli: expected OK or FAIL, got "${t.slice(0, 120) || '(empty)'}"`);
}
