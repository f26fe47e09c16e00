/**
 * Parsers for what a madwifi 0.9.3 board (Linux 2.6.16, wireless-tools 28/29,
 * module-init-tools) prints: `iwconfig`, `iwevent`, `iwpriv athN get_*`, `lsmod`.
 * Written from the tools' printf formats and checked against real-world outputs
 * (src/tests/madwifi-parse.test.ts) and against the virtual rig's formatter
 * (rig/device/format.ts).
 *
 * Parsers throw a plain Error with a clear message when the text is not what the
 * tool prints on success (e.g. `ath9      No such device`).
 */

export interface IwconfigInfo {
  interface: string;
  /** Protocol name, e.g. `IEEE 802.11g`. */
  protocol: string;
  /** ESSID; null for `ESSID:off/any` (or none printed). */
  essid: string | null;
  /** e.g. `Managed`, `Master`, `Ad-Hoc`, `Monitor`; null when not printed. */
  mode: string | null;
  /** Null when the driver reports no frequency (`Channel:0`). */
  frequencyGHz: number | null;
  /** From the frequency (or from `Channel:N` when the driver prints a channel). */
  channel: number | null;
  /** Upper-case `AA:BB:CC:DD:EE:FF`; null when `Not-Associated` or all-zero. */
  accessPoint: string | null;
  bitRateMbps: number | null;
  /** Null for `Tx-Power:off` or when not printed. */
  txPowerDbm: number | null;
  linkQuality: { value: number; max: number } | null;
  signalDbm: number | null;
  noiseDbm: number | null;
  encryption: 'off' | 'on';
}

import { channelToFrequencyGHz, frequencyGHzToChannel } from '../wifi-channels.ts';

export { channelToFrequencyGHz, frequencyGHzToChannel } from '../wifi-channels.ts';

const MAC = /^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/;

/** Normalize a MAC to upper case; null for the all-zero address. Throws on a non-MAC. */
function normalizeMac(text: string): string | null {
  if (!MAC.test(text)) throw new Error(`not a MAC address: "${text}"`);
  const up = text.toUpperCase();
  return up === '00:00:00:00:00:00' ? null : up;
}

/** `Not-Associated`, all-zero (and wireless-tools' `Invalid` / `None` placeholders) → null. */
function apAddress(text: string): string | null {
  if (/^(Not-Associated|Invalid|None)$/i.test(text)) return null;
  return normalizeMac(text);
}

const UNIT_TO_GHZ: Record<string, number> = { GHz: 1, MHz: 1e-3, kHz: 1e-6 };
const RATE_TO_MBPS: Record<string, number> = { G: 1000, M: 1, k: 1e-3 };

/** Split multi-interface output into blocks: a header line (no leading blank) and its continuation lines. */
function blocks(text: string): string[][] {
  const out: string[][] = [];
  let cur: string[] | null = null;
  for (const raw of text.replace(/\r/g, '').split('\n')) {
    if (raw.trim() === '') {
      cur = null;
      continue;
    }
    if (/^\S/.test(raw) || cur === null) {
      cur = [raw];
      out.push(cur);
    } else {
      cur.push(raw);
    }
  }
  return out;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/**
 * Parse `iwconfig athN` (or a whole `iwconfig` listing: the first interface with
 * wireless extensions is taken).
 */
export function parseIwconfig(text: string): IwconfigInfo {
  const problems: string[] = [];
  for (const block of blocks(text)) {
    const header = /^(\S+)\s+(.*?)\s*$/.exec(block[0]);
    if (!header) continue;
    const [, iface, rest] = header;
    if (/^No such device\b/i.test(rest) || /^no wireless extensions\.?$/i.test(rest) || /^Interface doesn't support/i.test(rest)) {
      problems.push(`${iface}: ${rest}`);
      continue;
    }
    const all = block.join('\n');
    if (!/ESSID[:=]|Mode:|Access Point:|IEEE 802\.11/.test(all)) {
      problems.push(`unexpected line "${block[0].trim().slice(0, 80)}"`);
      continue;
    }
    return parseBlock(iface, rest, all);
  }
  const why = problems.length > 0 ? problems.join('; ') : 'empty output';
  throw new Error(`not iwconfig output for a wireless interface: ${why}`);
}

function parseBlock(iface: string, headerRest: string, all: string): IwconfigInfo {
  const protoMatch = /^(.*?)(?:\s{2,}|\s*$)(?=ESSID|Nickname|$)/.exec(headerRest);
  let protocol = (protoMatch?.[1] ?? headerRest).trim();
  if (/^(ESSID|Nickname)/.test(protocol)) protocol = '';

  let essid: string | null = null;
  const essidQuoted = /ESSID:"(.*?)"(?=\s{2}|\s+\[\d+\]|\s*$)/m.exec(headerRest) ?? /ESSID:"(.*?)"(?=\s{2}|\s+\[\d+\]|\s*$)/m.exec(all);
  if (essidQuoted) essid = essidQuoted[1];

  const mode = /\bMode:(\S+)/.exec(all)?.[1] ?? null;

  let frequencyGHz: number | null = null;
  let channel: number | null = null;
  const freq = /\bFrequency[:=](\d+(?:\.\d+)?)\s*(GHz|MHz|kHz)/.exec(all);
  if (freq) {
    frequencyGHz = round(Number(freq[1]) * UNIT_TO_GHZ[freq[2]], 6);
    channel = frequencyGHzToChannel(frequencyGHz);
  } else {
    const ch = /\bChannel[:=](\d+)/.exec(all);
    if (ch && Number(ch[1]) > 0) {
      channel = Number(ch[1]);
      try {
        frequencyGHz = channelToFrequencyGHz(channel);
      } catch {
        frequencyGHz = null;
      }
    }
  }

  let accessPoint: string | null = null;
  const ap = /\b(?:Access Point|Cell):\s*(\S+)/.exec(all);
  if (ap) {
    try {
      accessPoint = apAddress(ap[1]);
    } catch {
      throw new Error(`iwconfig ${iface}: unreadable access point address "${ap[1]}"`);
    }
  }

  let bitRateMbps: number | null = null;
  const rate = /\bBit Rate[:=](\d+(?:\.\d+)?)\s*([kMG])b\/s/.exec(all);
  if (rate) bitRateMbps = round(Number(rate[1]) * RATE_TO_MBPS[rate[2]], 6);

  let txPowerDbm: number | null = null;
  const txp = /\bTx-Power[:=](-?\d+(?:\.\d+)?)\s*(dBm|mW)/.exec(all);
  if (txp) txPowerDbm = txp[2] === 'dBm' ? Number(txp[1]) : round(10 * Math.log10(Number(txp[1])), 2);

  let linkQuality: IwconfigInfo['linkQuality'] = null;
  const q = /\bLink Quality[:=](\d+)\/(\d+)/.exec(all);
  if (q) linkQuality = { value: Number(q[1]), max: Number(q[2]) };

  const sig = /\bSignal level[:=](-?\d+)\s*dBm/.exec(all);
  const noise = /\bNoise level[:=](-?\d+)\s*dBm/.exec(all);

  const key = /\bEncryption key:(\S+)/.exec(all);
  const encryption: 'off' | 'on' = key && key[1] !== 'off' ? 'on' : 'off';

  return {
    interface: iface,
    protocol,
    essid,
    mode,
    frequencyGHz,
    channel,
    accessPoint,
    bitRateMbps,
    txPowerDbm,
    linkQuality,
    signalDbm: sig ? Number(sig[1]) : null,
    noiseDbm: noise ? Number(noise[1]) : null,
    encryption,
  };
}

export interface IweventLine {
  /** The board's local wall clock as iwevent printed it. */
  time: { h: number; m: number; s: number; us: number };
  iface: string;
  /** `ap`: a `New Access Point/Cell address:` event (SIOCGIWAP); everything else is `other`. */
  kind: 'ap' | 'other';
  /** For `ap` events: the new BSSID (upper case), null = Not-Associated / all-zero. Null for other events. */
  bssid: string | null;
  /** The event text after the interface name, e.g. `New Access Point/Cell address:00:0B:6B:0A:00:02`. */
  text: string;
}

const IWEVENT_BANNER = /^Waiting for Wireless Events from interfaces\.\.\./;

/**
 * Parse one line of `iwevent` output. Returns null for the banner and blank lines;
 * throws for anything that is not an event line.
 */
export function parseIweventLine(line: string): IweventLine | null {
  const l = line.replace(/[\r\n]+$/, '');
  if (l.trim() === '' || IWEVENT_BANNER.test(l.trim())) return null;
  const m = /^(\d{1,2}):(\d{2}):(\d{2})\.(\d{1,9})\s+(\S+)\s+(.*?)\s*$/.exec(l);
  if (!m) throw new Error(`not an iwevent line: "${l.slice(0, 120)}"`);
  const [, hh, mm, ss, frac, iface, text] = m;
  const time = { h: Number(hh), m: Number(mm), s: Number(ss), us: Math.floor(Number(frac.padEnd(6, '0').slice(0, 6))) };
  if (time.h > 23 || time.m > 59 || time.s > 60) throw new Error(`not an iwevent line (bad time): "${l.slice(0, 120)}"`);
  const ap = /^New Access Point\/Cell address:\s*(\S+)$/.exec(text);
  if (ap) {
    let bssid: string | null;
    try {
      bssid = apAddress(ap[1]);
    } catch {
      throw new Error(`iwevent: unreadable access point address in "${l.slice(0, 120)}"`);
    }
    return { time, iface, kind: 'ap', bssid, text };
  }
  return { time, iface, kind: 'other', bssid: null, text };
}

/** Parse `iwpriv athN get_xxx` output (`ath0      get_rssi11g:24  `) into its integer value. */
export function parseIwprivGet(text: string): number {
  const lines = text
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  for (const line of lines) {
    const m = /^(\S+)\s+(\S+?):(.*)$/.exec(line.trimEnd());
    if (!m || /\s/.test(m[2])) continue;
    const values = m[3].trim().split(/\s+/).filter((v) => v !== '');
    if (values.length === 1 && /^-?\d+$/.test(values[0])) return Number(values[0]);
    throw new Error(`iwpriv ${m[1]} ${m[2]}: expected one integer, got "${m[3].trim()}"`);
  }
  throw new Error(`not iwpriv get output: "${text.trim().slice(0, 120) || '(empty)'}"`);
}

export interface LsmodEntry {
  name: string;
  size: number;
  /** The reference count column (null when the kernel has no module unloading). */
  useCount: number | null;
  usedBy: string[];
}

/** Parse Linux 2.6 `lsmod` (module-init-tools) output. */
export function parseLsmod(text: string): LsmodEntry[] {
  const lines = text
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines.length === 0 || !/^Module\s+Size\s+Used by/.test(lines[0])) {
    throw new Error(`not lsmod output: "${(lines[0] ?? '(empty)').slice(0, 120)}"`);
  }
  return lines.slice(1).map((line) => {
    const m = /^(\S+)\s+(\d+)(?:\s+(-?\d+)(?:\s+(\S+))?)?\s*$/.exec(line);
    if (!m) throw new Error(`lsmod: unreadable line "${line.slice(0, 120)}"`);
    return {
      name: m[1],
      size: Number(m[2]),
      useCount: m[3] !== undefined ? Number(m[3]) : null,
      usedBy: m[4] ? m[4].split(',').filter((s) => s !== '' && s !== '-') : [],
    };
  });
}

/**
 * Parse `wlanconfig athN list sta` (madwifi tools/wlanconfig.c, list_stations()): a header
 * line starting `ADDR  AID  CHAN ...`, then one line per associated station starting with
 * its MAC (the columns after it differ between madwifi releases and are not needed here).
 * No station: wlanconfig prints nothing at all. Returns the MACs, upper case.
 */
export function parseWlanconfigStations(text: string): string[] {
  const lines = text
    .replace(/\r/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  if (!/^ADDR\s+AID\s+CHAN\b/.test(lines[0])) throw new Error(`not wlanconfig list sta output: "${lines[0].slice(0, 120)}"`);
  const out: string[] = [];
  for (const line of lines.slice(1)) {
    const mac = /^([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})\s/.exec(line);
    if (mac) out.push(mac[1].toUpperCase());
    else if (!/^\s/.test(line)) throw new Error(`wlanconfig list sta: unreadable line "${line.slice(0, 120)}"`);
    // Indented lines continue the station above (UAPSD details): nothing to read.
  }
  return out;
}
