/**
 * What the virtual nl80211 access point board prints: hostapd 2.10's control interface
 * replies as hostapd_cli shows them (STATUS, STA-FIRST / STA-NEXT for `all_sta`), hostapd's
 * start-up lines, and `iw dev IFACE info`. Each function returns exactly what the program
 * writes, trailing newline included.
 *
 * Sources (hostap 2.10):
 * - src/ap/ctrl_iface_ap.c hostapd_ctrl_iface_status(): `state=%s` (hostapd_state_text()),
 *   `phy=%s`, `freq=%d`, the num_sta_* / olbc counters, `ht_op_mode=0x%x`,
 *   `cac_time_seconds=%d`, `cac_time_left_seconds=N/A`, `channel=%u`, `edmg_enable=%d`,
 *   `edmg_channel=%d`, `secondary_channel=%d`, `ieee80211n=%d`, `ieee80211ac=%d`,
 *   `ieee80211ax=%d`, `beacon_int=%u`, `dtim_period=%d`, `supported_rates=` (`%s%02x`,
 *   rate / 5), `max_txpower=%u`, then per BSS `bss[%d]=%s`, `bssid[%d]=` MACSTR,
 *   `ssid[%d]=%s`, `num_sta[%d]=%d`.
 * - hostapd_ctrl_iface_sta_mib(): MACSTR `\nflags=` + ap_sta_flags_txt() (`[AUTH]`,
 *   `[ASSOC]`, `[AUTHORIZED]`, `[SHORT_PREAMBLE]`, `[WMM]`, ...), `\naid=%d\ncapability=0x%x\n
 *   listen_interval=%d\nsupported_rates=` (`%02x` joined by spaces), `\ntimeout_next=%s\n`;
 *   hostapd_get_sta_tx_rx(): `rx_packets=%lu` ... `inactive_msec=%lu`, `signal=%d`,
 *   `rx_rate_info=%lu`, `tx_rate_info=%lu`; hostapd_get_sta_conn_time() `connected_time=%u`.
 * - hostapd/hostapd_cli.c: `all_sta` prints every STA-FIRST / STA-NEXT reply as it is.
 * - hostapd/main.c and src/ap/hostapd.c: `Configuration file: %s`, `Using interface %s with
 *   hwaddr ` MACSTR ` and ssid "%s"`, `%s: interface state %s->%s`, `%s: AP-ENABLED `.
 * - iw interface.c print_iface_handler(): `Interface %s`, `\tifindex %d`, `\twdev 0x%llx`,
 *   `\taddr %s`, `\tssid %s`, `\ttype %s`, `\twiphy %d`, `\tchannel %d (%d MHz), width: ...`,
 *   `\ttxpower %d.%.2d dBm`.
 *
 * Independent of the controller's parsers (src/controllers/nl80211/hostapd-parse.ts).
 */

/** MACSTR: `%02x:%02x:...` lower case. */
function macstr(addr: string): string {
  if (!/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/.test(addr)) throw new Error(`not a MAC address: "${addr}"`);
  return addr.toLowerCase();
}

/** 802.11g rates in 500 kb/s units, basic rates without the 0x80 bit as hostapd's STATUS lists them. */
const G_RATES = [0x02, 0x04, 0x0b, 0x16, 0x0c, 0x12, 0x18, 0x24, 0x30, 0x48, 0x60, 0x6c];
const A_RATES = [0x0c, 0x12, 0x18, 0x24, 0x30, 0x48, 0x60, 0x6c];

export interface HostapdStatusState {
  phy: string;
  iface: string;
  bssid: string;
  ssid: string;
  channel: number;
  freqMhz: number;
  numSta: number;
  maxTxPowerDbm: number;
}

export function formatHostapdStatus(s: HostapdStatusState): string {
  const rates = (s.channel <= 14 ? G_RATES : A_RATES).map((r) => r.toString(16).padStart(2, '0')).join(' ');
  return [
    'state=ENABLED',
    `phy=${s.phy}`,
    `freq=${s.freqMhz}`,
    'num_sta_non_erp=0',
    'num_sta_no_short_slot_time=0',
    'num_sta_no_short_preamble=0',
    'olbc=0',
    'num_sta_ht_no_gf=0',
    `num_sta_no_ht=${s.numSta}`,
    'num_sta_ht_20_mhz=0',
    'num_sta_ht40_intolerant=0',
    'olbc_ht=0',
    'ht_op_mode=0x0',
    'cac_time_seconds=0',
    'cac_time_left_seconds=N/A',
    `channel=${s.channel}`,
    'edmg_enable=0',
    'edmg_channel=0',
    'secondary_channel=0',
    'ieee80211n=0',
    'ieee80211ac=0',
    'ieee80211ax=0',
    'beacon_int=100',
    'dtim_period=2',
    `supported_rates=${rates}`,
    `max_txpower=${s.maxTxPowerDbm}`,
    `bss[0]=${s.iface}`,
    `bssid[0]=${macstr(s.bssid)}`,
    `ssid[0]=${s.ssid}`,
    `num_sta[0]=${s.numSta}`,
    '',
  ].join('\n');
}

export interface HostapdStaState {
  mac: string;
  aid: number;
  /** The 4-way handshake done (WPA), or an open network: [AUTHORIZED]. */
  authorized: boolean;
  wpa: boolean;
  inactiveMs: number;
  signalDbm: number;
}

/** One STA-MIB reply (STA-FIRST / STA-NEXT). */
export function formatHostapdSta(s: HostapdStaState): string {
  const flags = `[AUTH][ASSOC]${s.authorized ? '[AUTHORIZED]' : ''}[SHORT_PREAMBLE]`;
  const rsn = s.wpa
    ? [
        `dot11RSNAStatsSTAAddress=${macstr(s.mac)}`,
        'dot11RSNAStatsVersion=1',
        'dot11RSNAStatsSelectedPairwiseCipher=00-0f-ac-4',
        'dot11RSNAStatsTKIPLocalMICFailures=0',
        'dot11RSNAStatsTKIPRemoteMICFailures=0',
        'wpa=2',
        'AKMSuiteSelector=00-0f-ac-2',
        `hostapdWPAPTKState=${s.authorized ? 11 : 5}`,
        'hostapdWPAPTKGroupState=0',
      ]
    : [];
  return [
    macstr(s.mac),
    `flags=${flags}`,
    `aid=${s.aid}`,
    'capability=0x421',
    'listen_interval=5',
    'supported_rates=82 84 8b 96 0c 12 18 24 30 48 60 6c',
    'timeout_next=NULLFUNC POLL',
    ...rsn,
    'rx_packets=0',
    'tx_packets=0',
    'rx_bytes=0',
    'tx_bytes=0',
    `inactive_msec=${Math.round(s.inactiveMs)}`,
    `signal=${Math.round(s.signalDbm)}`,
    'rx_rate_info=540',
    'tx_rate_info=540',
    '',
  ].join('\n');
}

/** hostapd -B's lines before it forks: the configuration, the interface, the state change, AP-ENABLED. */
export function formatHostapdStartup(conf: string, iface: string, bssid: string, ssid: string): string {
  return `Configuration file: ${conf}\nUsing interface ${iface} with hwaddr ${macstr(bssid)} and ssid "${ssid}"\n${iface}: interface state UNINITIALIZED->ENABLED\n${iface}: AP-ENABLED \n`;
}

export interface IwInfoState {
  iface: string;
  ifindex: number;
  addr: string;
  /** Serving a network: its SSID and channel; null when no hostapd runs. */
  serving: { ssid: string; channel: number; freqMhz: number } | null;
  wiphy: number;
  txPowerDbm: number;
}

/** `iw dev IFACE info` of an AP interface (type AP while hostapd runs, managed otherwise). */
export function formatIwInfo(s: IwInfoState): string {
  const lines = [`Interface ${s.iface}`, `\tifindex ${s.ifindex}`, `\twdev 0x${(s.wiphy * 0x100000000 + 1).toString(16)}`, `\taddr ${macstr(s.addr)}`];
  if (s.serving) lines.push(`\tssid ${s.serving.ssid}`);
  lines.push(`\ttype ${s.serving ? 'AP' : 'managed'}`, `\twiphy ${s.wiphy}`);
  if (s.serving) lines.push(`\tchannel ${s.serving.channel} (${s.serving.freqMhz} MHz), width: 20 MHz (no HT), center1: ${s.serving.freqMhz} MHz`);
  lines.push(`\ttxpower ${s.txPowerDbm}.00 dBm`);
  return [...lines, ''].join('\n');
}
