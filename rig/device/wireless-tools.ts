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
