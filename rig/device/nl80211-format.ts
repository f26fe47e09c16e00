/**
 * What the virtual nl80211 client board prints: the shapes of iw 6.x (`iw dev IFACE
 * link`, `iw event -t`, `iw dev IFACE scan`), wpa_supplicant 2.x's control interface
 * as `wpa_cli` shows it (STATUS, BSS), and iproute2 / net-tools for the interface.
 * Each function returns exactly what the program writes, trailing newline included;
 * the printf formats are quoted next to the code.
 *
 * Sources:
 * - iw link.c: link_bss_handler() `"Connected to %s (on %s)\n"`, the SSID from
 *   print_ies() (`"\tSSID: %s\n"`), `"%sfreq: %d.%d\n"` (frequency and its offset),
 *   print_link_sta() `"\tsignal: %d dBm\n"`, `"\ttx bitrate: %s\n"`, `"\tbss flags: "`,
 *   `"\n\tdtim period: %d"`, `"\n\tbeacon int: %d"`; handle_link() `"Not connected.\n"`.
 * - iw event.c: print_event() with -t: `"%llu.%06llu: "` (gettimeofday() when iw handled
 *   the message), `"%s (phy #%d): "`, then per command `"connected to %s"`, `"disconnected"`
 *   `" (by AP)"` / `" (local request)"` `" reason: %d: %s"`, `"auth"` / `"assoc"` /
 *   `"deauth"` + print_frame() `" %s -> %s"` (frame+10 = transmitter, frame+4 =
 *   receiver) and `" status: %d: %s"` / `" reason %d: %s"`, `"scan started"`,
 *   `"scan finished:"` + `" %d"` per frequency + `","` + `" \"%s\""` per SSID; -T:
 *   `"[%Y-%m-%d %H:%M:%S.%06lu]: "`; -r: the time since the previous event.
 * - iw util.c: mac_addr_n2a() (`%02x` lower case, `:`), reason_table[] / status_table[].
 * - iw scan.c: print_bss_handler() `"BSS %s(on %s)"` `" -- associated"`, `"\tfreq: %d"`,
 *   `"\tbeacon interval: %d TUs\n"`, `"\tcapability:"`, `"\tsignal: %d.%.2d dBm\n"`,
 *   `"\tlast seen: %d ms ago\n"`.
 * - wpa_supplicant ctrl_iface.c: wpa_supplicant_ctrl_iface_status() (`bssid=` `freq=`
 *   `ssid=` `id=` `mode=station` when associated, then wpa_sm_get_status()'s
 *   `pairwise_cipher=` `group_cipher=` `key_mgmt=` (src/rsn_supp/wpa.c), `wpa_state=`,
 *   `address=`); print_bss_info() (`id=` `bssid=` `freq=` `beacon_int=`
 *   `capabilities=0x%04x` `qual=` `noise=` `level=` `tsf=%016llu` `age=%d` ... `ssid=`).
 * - iproute2 ip/ipaddress.c print_linkinfo(): `"%d: %s: <%s> mtu %u qdisc %s state %s mode
 *   %s group %s qlen %u"`, `"    link/ether %s brd %s"`; net-tools ifconfig (lib/interface.c
 *   ife_print_long()): `"%s: flags=%d<%s>  mtu %d"`, `"        ether %s  txqueuelen %d  (%s)"`.
 *
 * Independent of the controller's parsers (src/controllers/nl80211/parse.ts).
 */

/** iw's mac_addr_n2a(): lower-case hex pairs joined by `:`. */
export function iwMac(addr: string): string {
  if (!/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/.test(addr)) throw new Error(`not a MAC address: "${addr}"`);
  return addr.toLowerCase();
}

/** iw util.c reason_table[] (the entries the board uses). */
export const IEEE80211_REASON: Record<number, string> = {
  1: 'Unspecified',
  2: 'Previous authentication no longer valid',
  3: 'Deauthenticated because sending station is leaving (or has left) the IBSS or ESS',
  4: 'Disassociated due to inactivity',
  15: '4-way handshake timeout',
};

/** iw util.c get_reason_str(): `<unknown>` for a code it has no text for. */
function reasonText(code: number): string {
  return IEEE80211_REASON[code] ?? '<unknown>';
}

export interface IwLinkState {
  iface: string;
  bssid: string;
  ssid: string;
  freqMhz: number;
  signalDbm: number;
  txBitrateMbps: number;
}

/** `iw dev IFACE link`: the associated BSS (iw 6.x prints the frequency with its offset, `2412.0`), or `Not connected.`. */
export function formatIwLink(s: IwLinkState | null): string {
  if (!s) return 'Not connected.\n';
  return [
    `Connected to ${iwMac(s.bssid)} (on ${s.iface})`,
    `\tSSID: ${ssidEscaped(s.ssid)}`,
    `\tfreq: ${s.freqMhz}.0`,
    `\tsignal: ${Math.round(s.signalDbm)} dBm`,
    `\ttx bitrate: ${s.txBitrateMbps.toFixed(1)} MBit/s`,
    '\tbss flags: short-slot-time',
    '\tdtim period: 2',
    '\tbeacon int: 100',
    '',
  ].join('\n');
}

/** iw util.c print_ssid_escaped(): printable bytes as they are, a space only inside, the rest `\xNN`. */
function ssidEscaped(ssid: string): string {
  const bytes = Buffer.from(ssid, 'utf8');
  let out = '';
  bytes.forEach((b, i) => {
    const printable = b >= 0x20 && b < 0x7f;
    if (printable && b !== 0x20 && b !== 0x5c) out += String.fromCharCode(b);
    else if (b === 0x20 && i !== 0 && i !== bytes.length - 1) out += ' ';
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  });
  return out;
}

/** How `iw event` stamps its lines: -t (epoch), -T (date and time), -r (since the previous event), or none. */
export type IwEventTime = 'epoch' | 'ctime' | 'relative' | 'none';

/** The stamp print_event() puts before an event, for the board's wall clock `epochMs` (`prevMs`: the previous event, for -r). */
export function formatIwEventStamp(kind: IwEventTime, epochMs: number, prevMs: number | null): string {
  if (kind === 'none') return '';
  const us = Math.round(epochMs * 1000);
  if (kind === 'ctime') {
    const d = new Date(Math.floor(us / 1000));
    const p = (n: number): string => String(n).padStart(2, '0');
    const date = `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
    return `[${date}.${String(us % 1_000_000).padStart(6, '0')}]: `;
  }
  const v = kind === 'relative' ? (prevMs === null ? 0 : Math.max(0, us - Math.round(prevMs * 1000))) : us;
  return `${Math.floor(v / 1_000_000)}.${String(v % 1_000_000).padStart(6, '0')}: `;
}

/** One `iw event` line: stamp, `IFACE (phy #N): `, the event text, newline. */
export function formatIwEventLine(stamp: string, iface: string, phyIndex: number, text: string): string {
  return `${stamp}${iface} (phy #${phyIndex}): ${text}\n`;
}

/** NL80211_CMD_CONNECT with status 0. */
export function iwEventConnected(bssid: string): string {
  return `connected to ${iwMac(bssid)}`;
}

/** NL80211_CMD_DISCONNECT. */
export function iwEventDisconnected(byAp: boolean, reason: number): string {
  return `disconnected ${byAp ? '(by AP)' : '(local request)'} reason: ${reason}: ${reasonText(reason)}`;
}

/** NL80211_CMD_AUTHENTICATE / NL80211_CMD_ASSOCIATE with the AP's (re)association or authentication response, status 0. */
export function iwEventMlmeResponse(kind: 'auth' | 'assoc', from: string, to: string): string {
  return `${kind} ${iwMac(from)} -> ${iwMac(to)} status: 0: Successful`;
}

/** NL80211_CMD_DEAUTHENTICATE with the deauthentication frame (a local one: from the station to its AP). */
export function iwEventDeauth(from: string, to: string, reason: number): string {
  return `deauth ${iwMac(from)} -> ${iwMac(to)} reason ${reason}: ${reasonText(reason)}`;
}

/** NL80211_CMD_TRIGGER_SCAN / NL80211_CMD_NEW_SCAN_RESULTS (one wildcard SSID, as `iw dev IFACE scan` asks). */
export function iwEventScan(kind: 'started' | 'finished', freqsMhz: number[]): string {
  return kind === 'started' ? 'scan started' : `scan finished:${freqsMhz.map((f) => ` ${f}`).join('')}, ""`;
}

export interface IwScanEntry {
  bssid: string;
  freqMhz: number;
  signalDbm: number;
  lastSeenMs: number;
  ssid: string;
  channel: number;
  associated: boolean;
}

/** `iw dev IFACE scan`: one block per BSS heard (iw scan.c print_bss_handler(), the lines the board has). */
export function formatIwScan(iface: string, entries: IwScanEntry[]): string {
  return entries
    .map((e) => {
      const mbm = Math.round(e.signalDbm) * 100;
      return [
        `BSS ${iwMac(e.bssid)}(on ${iface})${e.associated ? ' -- associated' : ''}`,
        `\tfreq: ${e.freqMhz}.0`,
        '\tbeacon interval: 100 TUs',
        '\tcapability: ESS ShortSlotTime (0x0401)',
        `\tsignal: ${Math.trunc(mbm / 100)}.${String(Math.abs(mbm % 100)).padStart(2, '0')} dBm`,
        `\tlast seen: ${Math.round(e.lastSeenMs)} ms ago`,
        `\tSSID: ${ssidEscaped(e.ssid)}`,
        `\tDS Parameter set: channel ${e.channel}`,
        '',
      ].join('\n');
    })
    .join('');
}

/** wpa_supplicant_state_txt() values the board reaches. */
export type WpaState = 'DISCONNECTED' | 'SCANNING' | 'ASSOCIATING' | '4WAY_HANDSHAKE' | 'COMPLETED';

export interface WpaStatus {
  /** Present from WPA_ASSOCIATED on. */
  associated: { bssid: string; freqMhz: number; ssid: string; networkId: number } | null;
  keyMgmt: 'NONE' | 'WPA2-PSK' | 'WPA-PSK';
  cipher: 'NONE' | 'CCMP' | 'TKIP';
  state: WpaState;
  address: string;
}

/** `wpa_cli -i IFACE status`: the STATUS reply (wpa_cli prints it as it is). */
export function formatWpaStatus(s: WpaStatus): string {
  const lines: string[] = [];
  if (s.associated) {
    const a = s.associated;
    lines.push(`bssid=${iwMac(a.bssid)}`, `freq=${a.freqMhz}`, `ssid=${a.ssid}`, `id=${a.networkId}`, 'mode=station');
    lines.push(`pairwise_cipher=${s.cipher}`, `group_cipher=${s.cipher}`, `key_mgmt=${s.keyMgmt}`);
  }
  lines.push(`wpa_state=${s.state}`, `address=${iwMac(s.address)}`);
  return lines.join('\n') + '\n';
}

export interface WpaBss {
  id: number;
  bssid: string;
  freqMhz: number;
  levelDbm: number;
  noiseDbm: number;
  ageS: number;
  ssid: string;
  wpa: boolean;
}

/** `wpa_cli -i IFACE bss BSSID`: the BSS reply (print_bss_info(), the default mask's first fields and the ssid). */
export function formatWpaBss(b: WpaBss): string {
  return [
    `id=${b.id}`,
    `bssid=${iwMac(b.bssid)}`,
    `freq=${b.freqMhz}`,
    'beacon_int=100',
    `capabilities=0x${(b.wpa ? 0x0411 : 0x0401).toString(16).padStart(4, '0')}`,
    'qual=0',
    `noise=${b.noiseDbm}`,
    `level=${Math.round(b.levelDbm)}`,
    `tsf=${'0'.repeat(16)}`,
    `age=${Math.floor(b.ageS)}`,
    `flags=${b.wpa ? '[WPA2-PSK-CCMP][ESS]' : '[ESS]'}`,
    `ssid=${b.ssid}`,
    '',
  ].join('\n');
}

export interface IpLinkState {
  ifindex: number;
  iface: string;
  mac: string;
  up: boolean;
  carrier: boolean;
}

/** `ip link show IFACE`: iproute2's print_linkinfo() for a wireless interface (link mode DORMANT under wpa_supplicant). */
export function formatIpLink(s: IpLinkState): string {
  const flags = [...(s.up && !s.carrier ? ['NO-CARRIER'] : []), 'BROADCAST', 'MULTICAST', ...(s.up ? ['UP'] : []), ...(s.up && s.carrier ? ['LOWER_UP'] : [])];
  const state = !s.up ? 'DOWN' : s.carrier ? 'UP' : 'DOWN';
  return `${s.ifindex}: ${s.iface}: <${flags.join(',')}> mtu 1500 qdisc ${s.up ? 'mq' : 'noop'} state ${state} mode DORMANT group default qlen 1000\n    link/ether ${iwMac(s.mac)} brd ff:ff:ff:ff:ff:ff\n`;
}

/** `ifconfig IFACE` (net-tools 2.10): the flags line and the ether line. */
export function formatIfconfig(s: IpLinkState): string {
  const names = [...(s.up ? ['UP'] : []), 'BROADCAST', ...(s.up && s.carrier ? ['RUNNING'] : []), 'MULTICAST'];
  const value = (s.up ? 0x1 : 0) | 0x2 | (s.up && s.carrier ? 0x40 : 0) | 0x1000;
  return `${s.iface}: flags=${value}<${names.join(',')}>  mtu 1500\n        ether ${iwMac(s.mac)}  txqueuelen 1000  (Ethernet)\n\n`;
}
