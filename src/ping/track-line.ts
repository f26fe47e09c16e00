/**
 * Hand one parsed ping line to a RunTracker (continuity.ts): which of its inputs the
 * line is, and the numbers it judges seq lines by (raw seq, RTT, the `-D` stamp or
 * else the arrival time). Shared by the live analyzer and the file reader, so both
 * place lines into runs the same way.
 */
import type { RunTracker } from './continuity.ts';
import type { PingLine } from './parse.ts';

export function feedTracker<P>(tracker: RunTracker<P>, rec: PingLine, receivedAtMs: number | undefined, p: P): void {
  switch (rec.kind) {
    case 'header':
      tracker.header(p);
      return;
    case 'summary':
      tracker.summary(p);
      return;
    case 'error':
      tracker.error(p);
      return;
    case 'reply':
    case 'noAnswer':
    case 'icmpError': {
      const stamped = rec.ts !== undefined;
      const timeMs = stamped ? rec.ts! * 1000 : receivedAtMs !== undefined && Number.isFinite(receivedAtMs) ? receivedAtMs : Number.NaN;
      const rtt = rec.kind === 'reply' && rec.rttMs !== null ? rec.rttMs : Number.NaN;
      tracker.seq(p, rec.kind, rec.seq, rtt, timeMs, stamped);
      return;
    }
    default:
      tracker.quiet(p);
  }
}
