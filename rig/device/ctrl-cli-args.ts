/**
 * The options hostapd_cli and wpa_cli share (hostap 2.10, hostapd/hostapd_cli.c and
 * wpa_supplicant/wpa_cli.c, getopt): `-i IFACE` or `-iIFACE` (the control interface),
 * `-p DIR` or `-pDIR` (the control sockets' folder); the first word that is not an option
 * starts the command. The virtual boards take no other option: null, and the caller prints
 * its tool's usage.
 */
export function ctrlCliArgs(args: string[], defaultDir: string): { iface: string | null; dir: string; command: string[] } | null {
  let iface: string | null = null;
  let dir = defaultDir;
  let i = 0;
  for (; i < args.length && args[i].startsWith('-'); i++) {
    if (args[i] === '-i') iface = args[++i] ?? '';
    else if (args[i].startsWith('-i')) iface = args[i].slice(2);
    else if (args[i] === '-p') dir = args[++i] ?? '';
    else if (args[i].startsWith('-p')) dir = args[i].slice(2);
    else return null;
  }
  return { iface, dir, command: args.slice(i) };
}
