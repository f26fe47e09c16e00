/**
 * Parsers for what hostapd 2.x answers through hostapd_cli (the nl80211 access point,
 * access-point.ts) and for `iw dev IFACE info`'s transmit power. Written from the sources,
 * not from the virtual rig's formatter; src/tests/hostapd-parse.test.ts feeds them inputs
 * written from these printf formats, malformed ones included.
 *
 * - STATUS: hostapd src/ap/ctrl_iface_ap.c hostapd_ctrl_iface_status(): `state=%s\n`
 *   (hostapd_state_text(): UNINITIALIZED, DISABLED, COUNTRY_UPDATE, ACS, HT_SCAN, DFS,
 *   ENABLED, UNKNOWN), `phy=%s\n`, `freq=%d\n`, ..., `channel=%u\n`, ..., then per BSS
 *   `bss[%d]=%s\n` (the interface), `bssid[%d]=` MACSTR `\n` (lower case), `ssid[%d]=%s\n`
 *   (wpa_ssid_txt(): printable bytes as they are, others `_`), `num_sta[%d]=%d\n`.
 * - STA-FIRST / STA-NEXT (`hostapd_cli all_sta` sends one, then the other for each address
 *   until the reply is empty, printing every reply: hostapd/hostapd_cli.c
 *   hostapd_cli_cmd_all_sta(), wpa_ctrl_command_sta()): hostapd_ctrl_iface_sta_mib() writes
 *   MACSTR `\n`, then `flags=` and ap_sta_flags_txt() (`[AUTH][ASSOC][AUTHORIZED]...`),
 *   `\naid=%d\ncapability=0x%x\nlisten_interval=%d\nsupported_rates=...` and more
 *   `name=value` lines (the MIB, rx/tx counters, `connected_time=%u`). A station that is
 *   only authenticated has no `[ASSOC]`.
 * - One-word replies (BSS_TM_REQ, TERMINATE): `OK` or `FAIL` (hostapd/ctrl_iface.c
 *   hostapd_ctrl_iface_receive(): a handler returning -1 answers "FAIL\n"); hostapd_cli
 *   prints the reply as it is.
 * - iw info.c print_iface_handler(): `"%s\ttxpower %d.%.2d dBm\n"` (NL80211_ATTR_WIPHY_TX_POWER_LEVEL, mBm).
 *
 * Parsers throw a plain Error naming what they could not read.
 */

const MAC = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;

function lines(text: string): string[] {
  return text.replace(/\r/g, '').split('\n');
}

export interface HostapdStatus {
  /** hostapd_state_text(): ENABLED once the BSS is beaconing. */
  state: string;
  channel: number | null;
  freqMhz: number | null;
  /** The first BSS (bss[0]): its interface, BSSID (upper case), SSID, stations. */
  iface: string | null;
  bssid: string | null;
  ssid: string | null;
  numSta: number | null;
}

/** Parse `hostapd_cli -i IFACE status` (hostapd_ctrl_iface_status()). */
export function parseHostapdStatus(text: string): HostapdStatus {
  const kv = new Map<string, string>();
  for (const l of lines(text)) {
    if (l.trim() === '') continue;
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`hostapd_cli status: not a name=value line: "${l.slice(0, 120)}"`);
    kv.set(l.slice(0, eq), l.slice(eq + 1));
  }
  const state = kv.get('state');
  if (!state) throw new Error(`hostapd_cli status: no state= in "${text.trim().slice(0, 120) || '(empty)'}"`);
  const int = (name: string): number | null => {
    const v = kv.get(name);
    if (v === undefined) return null;
    if (!/^\d+$/.test(v)) throw new Error(`hostapd_cli status: ${name}=${v.slice(0, 40)} is not a number`);
    return Number(v);
  };
  const bssid = kv.get('bssid[0]');
  if (bssid !== undefined && !MAC.test(bssid)) throw new Error(`hostapd_cli status: bssid[0]=${bssid.slice(0, 40)} is not a MAC address`);
  return {
    state,
    channel: int('channel'),
    freqMhz: int('freq'),
    iface: kv.get('bss[0]') ?? null,
    bssid: bssid === undefined ? null : bssid.toUpperCase(),
    ssid: kv.get('ssid[0]') ?? null,
    numSta: int('num_sta[0]'),
  };
}

export interface HostapdStation {
  /** Upper case. */
  mac: string;
  /** ap_sta_flags_txt()'s words without brackets: AUTH, ASSOC, AUTHORIZED, WMM, ... */
  flags: string[];
  aid: number | null;
  /** Seconds since it associated (hostapd_get_sta_conn_time()); null when not given. */
  connectedS: number | null;
}

/**
 * Parse `hostapd_cli -i IFACE all_sta`: one block per station, each starting with its
 * address on a line of its own, then `name=value` lines. Empty output: no stations.
 */
export function parseHostapdAllSta(text: string): HostapdStation[] {
  const out: HostapdStation[] = [];
  let cur: HostapdStation | null = null;
  for (const raw of lines(text)) {
    const l = raw.trim();
    if (l === '') continue;
    if (MAC.test(l)) {
      cur = { mac: l.toUpperCase(), flags: [], aid: null, connectedS: null };
      out.push(cur);
      continue;
    }
    const eq = l.indexOf('=');
    if (eq <= 0) throw new Error(`hostapd_cli all_sta: neither a station address nor name=value: "${l.slice(0, 120)}"`);
    if (!cur) throw new Error(`hostapd_cli all_sta: "${l.slice(0, 60)}" before any station address`);
    const [name, value] = [l.slice(0, eq), l.slice(eq + 1)];
    if (name === 'flags') {
      if (!/^(\[[A-Z0-9_-]+\])*$/.test(value)) throw new Error(`hostapd_cli all_sta: unreadable flags "${value.slice(0, 80)}"`);
      cur.flags = [...value.matchAll(/\[([A-Z0-9_-]+)\]/g)].map((m) => m[1]);
    } else if (name === 'aid' && /^\d+$/.test(value)) cur.aid = Number(value);
    else if (name === 'connected_time' && /^\d+$/.test(value)) cur.connectedS = Number(value);
  }
  return out;
}

/** The associated stations of an all_sta listing (flag ASSOC), upper case. */
export function associatedStations(stations: HostapdStation[]): string[] {
  return stations.filter((s) => s.flags.includes('ASSOC')).map((s) => s.mac);
}

/** A one-word hostapd_cli reply: true for OK, false for FAIL; throws on anything else. */
export function parseHostapdCliOk(text: string): boolean {
  const t = text.trim();
  if (t === 'OK') return true;
  if (t === 'FAIL' || /^FAIL-[A-Z-]+$/.test(t)) return false;
  throw new Error(`hostapd_cli: expected OK or FAIL, got "${t.slice(0, 120) || '(empty)'}"`);
}

/** The transmit power `iw dev IFACE info` reports (dBm); null when it prints none (the driver does not report it). */
export function parseIwInfoTxPower(text: string): number | null {
  const m = /^\s*txpower (-?\d+)\.(\d{2}) dBm$/m.exec(text.replace(/\r/g, ''));
  if (!m) {
    if (!/^Interface \S+$/m.test(text)) throw new Error(`not iw info output: "${text.trim().split('\n')[0]?.slice(0, 80) ?? ''}"`);
    return null;
  }
  const sign = m[1].startsWith('-') ? -1 : 1;
  return Number(m[1]) + (sign * Number(m[2])) / 100;
}
