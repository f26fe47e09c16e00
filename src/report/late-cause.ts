/**
 * What a roam's late replies say, in words for the report's table, detail and JUnit:
 * late is not lost. A late reply to a ping sent after the association that took about a
 * whole number of seconds is an ARP stall: the station's ARP entry for the next hop was
 * lost in the roam, the first ARP request went out before the link was back (or was lost
 * in the roam), and Linux retried after retrans_time (1 s: net/ipv4/arp.c,
 * /proc/sys/net/ipv4/neigh/IFACE/retrans_time_ms); the pings queued meanwhile
 * (neigh unres_qlen) went out once it resolved, the first of them ~1 s late
 * (docs/roam-cycle.md, "Late, not lost").
 */

/** neigh retrans_time's default, ms. */
export const ARP_RETRANS_MS = 1000;
/** How far from a whole number of retrans_time a late reply's round trip may be to count as an ARP stall, ms. */
const ARP_SLACK_MS = 250;

export interface LateFacts {
  late: number;
  /** The longest late round trip, ms; null when unknown (runs before it was recorded). */
  lateMaxRttMs: number | null;
  /** Late replies to pings sent after the association; null when unknown. */
  lateAfterAssociation: number | null;
}

/** The late replies look like an ARP stall: sent after the join, the latest ~1 or ~2 retrans_time late. */
export function isArpStall(f: LateFacts): boolean {
  if (f.late === 0 || !f.lateAfterAssociation || f.lateMaxRttMs === null) return false;
  const k = Math.round(f.lateMaxRttMs / ARP_RETRANS_MS);
  return k >= 1 && k <= 2 && Math.abs(f.lateMaxRttMs - k * ARP_RETRANS_MS) <= ARP_SLACK_MS;
}

/** `late 1 (ARP stall ~1.0 s)`, `late 3 (max 0.4 s)`, `late 2`; null when nothing came late. */
export function lateLabel(f: LateFacts): string | null {
  if (f.late === 0) return null;
  const s = f.lateMaxRttMs === null ? null : (f.lateMaxRttMs / 1000).toFixed(1);
  if (isArpStall(f)) return `late ${f.late} (ARP stall ~${s} s)`;
  return s === null ? `late ${f.late}` : `late ${f.late} (max ${s} s)`;
}
