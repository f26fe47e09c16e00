/**
 * What the virtual madwifi 0.9.3 boards print: byte for byte the shapes of
 * wireless-tools 29 (`iwconfig`, `iwevent`, `iwpriv`) and module-init-tools
 * (`lsmod`) on Linux 2.6.16. Each function returns exactly what the program
 * writes, trailing newline(s) included. The printf formats are quoted next to the
 * code so they can be checked against the tools' sources.
 *
 * Independent of the controller's parsers (src/controllers/madwifi/parse.ts): the
 * two are tested against each other and against real outputs.
 */

export interface IwconfigState {
  iface: string;
  essid: string;
  mode: 'Managed' | 'Master';
  /** Null: the driver reports no frequency, printed `Channel:0` (a station that never joined). */
  frequencyGHz: number | null;
  /** BSSID (any case); null or all-zero prints `Not-Associated`. */
  accessPoint: string | null;
  /** Null: no bit rate line item. 0 prints `0 kb/s` (madwifi when not associated, and on an AP). */
  bitRateMbps: number | null;
  /** Null prints `Tx-Power:off`. */
  txPowerDbm: number | null;
  /** Link quality, out of `linkQualityMax` (madwifi: 94). */
  linkQuality: number;
  signalDbm: number;
  noiseDbm: number;
  encryption: boolean;
  /** Default: `IEEE 802.11g` on 2.4 GHz, `IEEE 802.11a` on 5 GHz. */
  protocol?: string;
  nickname?: string;
  /** What follows `Encryption key:` when encryption is on (default `on`, what iwconfig shows without the key). */
  encryptionKey?: string;
  linkQualityMax?: number;
}

/** `%-8.16s`: left-aligned in 8 columns, at most 16 characters. */
function ifname(iface: string): string {
  return iface.slice(0, 16).padEnd(8);
}

/** C's `%g` for the magnitudes used here (6 significant digits, no trailing zeros). */
function g(n: number): string {
  return String(Number(n.toPrecision(6)));
}

/** MAC upper case like iw_ether_ntop (`%02X:%02X:...`); all-zero → null. */
function mac(addr: string | null): string | null {
  if (addr === null) return null;
  if (!/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/.test(addr)) throw new Error(`not a MAC address: "${addr}"`);
  const up = addr.toUpperCase();
  return up === '00:00:00:00:00:00' ? null : up;
}

/** iw_print_freq: `Frequency:%g GHz`, or `Channel:%g` when the driver gave a channel (or 0). */
function freqItem(frequencyGHz: number | null): string {
  if (frequencyGHz === null || frequencyGHz <= 0) return 'Channel:0';
  if (frequencyGHz >= 1) return `Frequency:${g(frequencyGHz)} GHz`;
  return `Frequency:${g(frequencyGHz * 1000)} MHz`;
}

/** iw_print_bitrate: `%g %cb/s` with k, M or G. */
function bitrate(mbps: number): string {
  if (mbps >= 1000) return `${g(mbps / 1000)} Gb/s`;
  if (mbps >= 1) return `${g(mbps)} Mb/s`;
  return `${g(mbps * 1000)} kb/s`;
}

/**
 * `iwconfig athN` as wireless-tools 29 prints it for a madwifi 0.9.3 interface:
 *
 * ```
 * ath0      IEEE 802.11g  ESSID:"rig-roam"  Nickname:""
 *           Mode:Managed  Frequency:2.412 GHz  Access Point: 00:0B:6B:0A:00:01
 *           Bit Rate:54 Mb/s   Tx-Power:18 dBm   Sensitivity=0/3
 *           ...
 * ```
 * (the real lines keep their trailing blanks, and so does this).
 */
export function formatIwconfig(state: IwconfigState): string {
  const protocol =
    state.protocol ?? (state.frequencyGHz !== null && state.frequencyGHz >= 4.9 ? 'IEEE 802.11a' : 'IEEE 802.11g');
  const ap = mac(state.accessPoint) ?? 'Not-Associated';
  const lines: string[] = [];
  // printf("%-8.16s  %s  ", ifname, info->b.name); printf("ESSID:\"%s\"  ", essid); printf("Nickname:\"%s\"", nick);
  lines.push(`${ifname(state.iface)}  ${protocol}  ESSID:"${state.essid}"  Nickname:"${state.nickname ?? ''}"`);
  // printf("Mode:%s  ", mode); freq + "  "; printf("Access Point: %s   ", ap)
  lines.push(`Mode:${state.mode}  ${freqItem(state.frequencyGHz)}  Access Point: ${ap}   `);
  // printf("Bit Rate%c%s   "); printf("Tx-Power%c%s   "); printf("Sensitivity=%d/%d  ")
  const rate = state.bitRateMbps === null ? '' : `Bit Rate:${bitrate(state.bitRateMbps)}   `;
  const txp = state.txPowerDbm === null ? 'off' : `${Math.round(state.txPowerDbm)} dBm`;
  lines.push(`${rate}Tx-Power:${txp}   Sensitivity=0/3  `);
  lines.push('Retry:off   RTS thr:off   Fragment thr:off');
  lines.push(`Encryption key:${state.encryption ? (state.encryptionKey ?? 'on') : 'off'}`);
  lines.push('Power Management:off');
  // "Quality%c%d/%d  " "Signal level%c%d dBm  " "Noise level%c%d dBm", after "Link "
  lines.push(
    `Link Quality=${Math.round(state.linkQuality)}/${state.linkQualityMax ?? 94}  Signal level=${Math.round(state.signalDbm)} dBm  Noise level=${Math.round(state.noiseDbm)} dBm`,
  );
  lines.push('Rx invalid nwid:0  Rx invalid crypt:0  Rx invalid frag:0');
  lines.push('Tx excessive retries:0  Invalid misc:0   Missed beacon:0');
  return `${lines.join('\n          ')}\n\n`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * One `iwevent` line for a SIOCGIWAP event, as wireless-tools 29 prints it:
 * `printf("%02d:%02d:%02d.%06u   ", ...)`, `printf("%-8.16s ", ifname)`,
 * `printf("New Access Point/Cell address:%s\n", iw_sawap_ntop(...))`.
 * `timeMs` is the board's local clock (epoch ms, fractions give the microseconds);
 * its UTC time of day is printed (the boards run in UTC).
 */
export function formatIweventLine(timeMs: number, iface: string, bssid: string | null): string {
  return formatIweventEvent(timeMs, iface, `New Access Point/Cell address:${mac(bssid) ?? 'Not-Associated'}`);
}

/** Any other iwevent line: the same time and interface columns, then the event text (e.g. `Registered node:AA:..`). */
export function formatIweventEvent(timeMs: number, iface: string, text: string): string {
  const totalUs = Math.round(timeMs * 1000);
  const sec = Math.floor(totalUs / 1e6);
  const us = totalUs - sec * 1e6;
  const d = new Date(sec * 1000);
  const time = `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(us, 6)}`;
  return `${time}   ${ifname(iface)} ${text}\n`;
}

/** iwevent's first line. */
export function formatIweventBanner(): string {
  return 'Waiting for Wireless Events from interfaces...\n';
}

/** `iwpriv athN get_xxx`: `printf("%-8.16s  %s:", ifname, cmd)`, then `printf("%d  ", v)` per value, then `\n`. */
export function formatIwprivGet(iface: string, name: string, value: number | number[]): string {
  const values = Array.isArray(value) ? value : [value];
  return `${ifname(iface)}  ${name}:${values.map((v) => `${Math.trunc(v)}  `).join('')}\n`;
}

/** iwconfig on a missing interface (stderr): `fprintf(stderr, "%-8.16s  No such device\n\n", ifname)`. */
export function formatNoSuchDevice(iface: string): string {
  return `${ifname(iface)}  No such device\n\n`;
}

/** iwconfig on an interface without wireless extensions (eth0, lo, wifi0). */
export function formatIwconfigNoWireless(iface: string): string {
  return `${ifname(iface)}  no wireless extensions.\n\n`;
}

export interface LsmodModule {
  name: string;
  size: number;
  usedBy: string[];
  /** The reference count column; default usedBy.length (an interface or open file also holds a reference). */
  useCount?: number;
}

/**
 * Linux 2.6 `lsmod` (module-init-tools): header, then per module
 * `printf("%-19s %8lu  %li ", name, size, refs)` and the users comma-separated.
 * Modules in /proc/modules order (the most recently loaded first).
 */
export function formatLsmod(modules: LsmodModule[]): string {
  let out = 'Module                  Size  Used by\n';
  for (const m of modules) {
    const refs = m.useCount ?? m.usedBy.length;
    out += `${m.name.padEnd(19)} ${String(m.size).padStart(8)}  ${refs} ${m.usedBy.join(',')}\n`;
  }
  return out;
}

export interface WlanconfigStation {
  mac: string;
  aid: number;
  channel: number;
  rateMbps: number;
  /** madwifi's RSSI (dB above the noise floor). */
  rssi: number;
  idleS: number;
}

/**
 * `wlanconfig athN list sta`, as madwifi's tools/wlanconfig.c list_stations() prints
 * it (the 2007 tree's layout: header `"%-17.17s %4s %4s %4s %4s %4s %5s %6s %7s %6s
 * %7s %4s %5s %3s %8s %8s"`, one `"%s %4u %4d %3dM %4d %4d %5d ..."` line per
 * station). No station: wlanconfig returns before printing anything.
 */
export function formatWlanconfigStations(stations: WlanconfigStation[]): string {
  if (stations.length === 0) return '';
  const head = ['ADDR'.padEnd(17), ...['AID', 'CHAN', 'RATE', 'RSSI', 'DBM'].map((h) => h.padStart(4)), 'IDLE'.padStart(5), 'TXSEQ'.padStart(6), 'TXFRAG'.padStart(7), 'RXSEQ'.padStart(6), 'RXFRAG'.padStart(7), 'CAPS'.padStart(4), 'ACAPS'.padStart(5), 'ERP'.padStart(3), 'STATE'.padStart(8), 'MODE'.padStart(8)].join(' ');
  const rows = stations.map((st) =>
    [
      st.mac.toLowerCase(),
      String(st.aid).padStart(4),
      String(st.channel).padStart(4),
      `${String(st.rateMbps).padStart(3)}M`,
      String(st.rssi).padStart(4),
      String(st.rssi - 95).padStart(4),
      String(st.idleS).padStart(5),
      '0'.padStart(6),
      '0'.padStart(7),
      '0'.padStart(6),
      '0'.padStart(7),
      'E'.padEnd(4),
      ''.padEnd(5),
      '0'.padStart(3),
      '3'.padStart(8),
      'Normal'.padStart(8),
    ].join(' '),
  );
  return [head, ...rows].join('\n') + '\n';
}

export interface IwlistCell {
  bssid: string;
  essid: string;
  frequencyGHz: number | null;
  channel: number;
  quality: number;
  signalDbm: number;
  noiseDbm: number;
  encryption: boolean;
}

/**
 * `iwlist IFACE scan` as wireless-tools 29 prints madwifi 0.9.3's results
 * (print_scanning_info() -> print_scanning_token(): `"%-8.16s  Scan completed :\n"`, then per
 * cell `"          Cell %02d - Address: %s\n"` and its items indented by 20), or
 * `"%-8.16s  No scan results\n\n"`.
 */
export function formatIwlistScan(iface: string, cells: IwlistCell[]): string {
  if (cells.length === 0) return `${ifname(iface)}  No scan results\n\n`;
  const out = [`${ifname(iface)}  Scan completed :`];
  const item = (s: string): string => `                    ${s}`;
  cells.forEach((c, i) => {
    out.push(`          Cell ${pad(i + 1, 2)} - Address: ${mac(c.bssid)}`);
    out.push(item(`ESSID:"${c.essid}"`));
    out.push(item('Mode:Master'));
    if (c.frequencyGHz !== null) out.push(item(`Frequency:${g(c.frequencyGHz)} GHz (Channel ${c.channel})`));
    out.push(item(`Quality=${Math.round(c.quality)}/94  Signal level=${Math.round(c.signalDbm)} dBm  Noise level=${Math.round(c.noiseDbm)} dBm`));
    out.push(item(`Encryption key:${c.encryption ? 'on' : 'off'}`));
    out.push(item('Bit Rates:1 Mb/s; 2 Mb/s; 5.5 Mb/s; 11 Mb/s; 6 Mb/s; 9 Mb/s'));
    out.push(item('          12 Mb/s; 18 Mb/s; 24 Mb/s; 36 Mb/s; 48 Mb/s; 54 Mb/s'));
    out.push(item('Extra:bcn_int=100'));
  });
  return `${out.join('\n')}\n\n`;
}
