/**
 * The client board's ping command line, per flavour: iputils s20121221 (ping.c's getopt;
 * it has -D, added in s20100214, and -O, added in s20121011), the old s20070202 without
 * -D / -O, and busybox 1.36 (networking/ping.c: no -V, -D or -O), with their version
 * strings (ping_common.c: `case 'V': printf("ping utility, iputils-%s\n", SNAPSHOT)`,
 * the wording of every release before the 2019 meson ones), usage lines and exit
 * statuses (iputils: 2 for a usage error; busybox: 1, and `-V` is an invalid option
 * that prints busybox's usage).
 */
import type { ProcessIO } from '../ssh/types.ts';
import type { PingFlavour, PingOptions } from '../world/ping.ts';
import { fail } from './command-error.ts';

const PING_VERSION: Record<PingFlavour, string> = {
  iputils: 'ping utility, iputils-s20121221',
  'iputils-old': 'ping utility, iputils-s20070202',
  busybox: 'BusyBox v1.36.1 (2023-06-05 10:13:41 UTC) multi-call binary.',
};

/**
 * ping's command line as the board's ping parses it: the options the rig uses (`-i -c
 * -w -W -s -q -n -V`, and iputils' `-D -O`), each flavour's usage and error messages
 * and exit statuses. Returns the options, or the exit status after writing the
 * error (or the `-V` answer).
 */
export function parsePingArgs(args: string[], flavour: PingFlavour, io: ProcessIO): PingOptions | number {
  const o: PingOptions = { target: '', intervalMs: 1000, timestamps: false, reportOutstanding: false, count: null, deadlineMs: null };
  const invalid = (opt: string): number => {
    if (flavour === 'busybox') {
      io.stderr.write(`ping: invalid option -- '${opt}'\n${PING_VERSION.busybox}\n\nUsage: ping [OPTIONS] HOST\n`);
      return 1;
    }
    io.stderr.write(`ping: invalid option -- '${opt}'\nUsage: ping [-LRUbdfnqrvVaAD] [-c count] [-i interval] [-w deadline] destination\n`);
    return 2;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = (): number => Number(args[++i]);
    if (a === '-V') {
      if (flavour === 'busybox') return invalid('V');
      io.stdout.write(`${PING_VERSION[flavour]}\n`);
      return 0;
    } else if (a === '-D' || a === '-O') {
      if (flavour !== 'iputils') return invalid(a[1]);
      if (a === '-D') o.timestamps = true;
      else o.reportOutstanding = true;
    } else if (a === '-i') {
      const v = num();
      if (!(v > 0)) return fail(io, `ping: bad timing interval`, 2);
      o.intervalMs = v * 1000;
    } else if (a === '-c') o.count = num();
    else if (a === '-w') o.deadlineMs = num() * 1000;
    else if (a === '-W' || a === '-s') i++;
    else if (a === '-q' || a === '-n') continue;
    else if (a.startsWith('-')) return invalid(a.slice(1, 2));
    else o.target = a;
  }
  if (!o.target) return fail(io, flavour === 'busybox' ? 'BusyBox v1.36.1 multi-call binary.\n\nUsage: ping [OPTIONS] HOST' : 'Usage: ping [-LRUbdfnqrvVaAD] destination', 2);
  if (!/^[0-9.]+$|^[0-9a-fA-F:]+$|^localhost$/.test(o.target)) return fail(io, `ping: unknown host ${o.target}`, 2);
  return o;
}
