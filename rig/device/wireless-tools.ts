/**
 * Command-line and configuration-file readers shared by the madwifi boards' tools:
 * wireless-tools' `iwconfig IFACE key value...`, the daemons' `-B -i -c -D` options
 * (hostapd, wpa_supplicant), and their configuration files (hostapd.conf key=value
 * lines, wpa_supplicant.conf network={...} blocks).
 */

/** Parse `iwconfig IFACE key value [key value ...]` settings (essid, channel, freq, mode). */
export function parseIwconfigSettings(args: string[]): Map<string, string> | string {
  const out = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const key = args[i].toLowerCase();
    const value = args[i + 1];
    if (value === undefined) return `Error for wireless request "Set ${key}" (8B1A) :\n    too few arguments.`;
    if (!['essid', 'channel', 'freq', 'mode', 'rate', 'txpower', 'ap', 'key', 'nick'].includes(key)) {
      return `iwconfig: unknown command "${args[i]}"`;
    }
    out.set(key, value);
  }
  return out;
}

/** `-B -i ath0 -c /tmp/x.conf -D madwifi` style option parsing shared by wpa_supplicant/hostapd. */
export function parseDaemonArgs(args: string[]): { background: boolean; options: Map<string, string>; rest: string[] } {
  const options = new Map<string, string>();
  const rest: string[] = [];
  let background = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-B') background = true;
    else if (/^-[icDPfg]$/.test(a)) options.set(a.slice(1), args[++i] ?? '');
    else if (/^-[icDPfg].+/.test(a)) options.set(a[1], a.slice(2));
    else if (a.startsWith('-')) options.set(a.slice(1), 'true');
    else rest.push(a);
  }
  return { background, options, rest };
}

/** Read `key=value` lines (hostapd.conf) and `network={...}` blocks (wpa_supplicant.conf). */
export function parseConfText(text: string): { top: Map<string, string>; networks: Map<string, string>[] } {
  const top = new Map<string, string>();
  const networks: Map<string, string>[] = [];
  let cur: Map<string, string> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (/^network\s*=\s*\{$/.test(line)) {
      cur = new Map();
      continue;
    }
    if (line === '}') {
      if (cur) networks.push(cur);
      cur = null;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    (cur ?? top).set(key, value);
  }
  return { top, networks };
}

/** One `key` / `enc` directive of iwconfig (wireless-tools 29 iwconfig.c set_enc_info()), the rig's own reading. */
export type IwconfigKeyOp =
  | { op: 'set'; index: number | null; hex: string }
  | { op: 'select'; index: number }
  | { op: 'mode'; mode: 'open' | 'restricted' }
  | { op: 'off' }
  | { op: 'on' };

const IWCONFIG_KEYWORDS = new Set(['essid', 'channel', 'freq', 'mode', 'rate', 'txpower', 'ap', 'nick', 'key', 'enc', 'encryption']);

/**
 * Split iwconfig's arguments into its `key` directives and the rest. A key is hex
 * digits (pairs, "-" or ":" allowed between them) or `s:` ASCII; `[n]` picks a slot
 * (1..4); `open`, `restricted`, `on`, `off`. A malformed key is an error that does not
 * repeat it.
 */
export function extractIwconfigKeys(args: string[]): { rest: string[]; keys: IwconfigKeyOp[] } | string {
  const rest: string[] = [];
  const keys: IwconfigKeyOp[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a !== 'key' && a !== 'enc' && a !== 'encryption') {
      rest.push(args[i]);
      if (i + 1 < args.length) rest.push(args[++i]);
      continue;
    }
    let index: number | null = null;
    let hex: string | null = null;
    let any = false;
    while (i + 1 < args.length && !IWCONFIG_KEYWORDS.has(args[i + 1].toLowerCase())) {
      const t = args[++i];
      any = true;
      const slot = /^\[([1-4])\]$/.exec(t);
      if (slot) index = Number(slot[1]);
      else if (/^\[\d+\]$/.test(t)) return 'Error for wireless request "Set Encode" (8B2A) :\n    SET failed on device ath0 ; Invalid argument.';
      else if (t === 'open' || t === 'restricted') keys.push({ op: 'mode', mode: t });
      else if (t === 'off' || t === 'on') keys.push({ op: t });
      else if (t.startsWith('s:')) hex = Buffer.from(t.slice(2), 'latin1').toString('hex');
      else if (/^[0-9A-Fa-f]{2}([-:]?[0-9A-Fa-f]{2})*$/.test(t)) hex = t.replace(/[-:]/g, '').toLowerCase();
      else return 'iwconfig: unknown key argument (not hex digits, s:text, [index], open, restricted, on or off).';
    }
    if (!any) return 'Error for wireless request "Set Encode" (8B2A) :\n    too few arguments.';
    if (hex !== null) {
      if (![5, 13, 16].includes(hex.length / 2)) return 'Error for wireless request "Set Encode" (8B2A) :\n    SET failed on device ath0 ; Invalid argument.';
      keys.push({ op: 'set', index, hex });
    } else if (index !== null) {
      keys.push({ op: 'select', index });
    }
  }
  return { rest, keys };
}
