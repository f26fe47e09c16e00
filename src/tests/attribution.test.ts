/**
 * Loss attribution on its own: synthetic ping output with stamps chosen here, and the
 * expected numbers worked out by hand from those stamps.
 */
import { describe, expect, it } from 'vitest';
import { PingAnalyzer } from '../ping/analyzer.ts';
import { attributeWindow, highestAnswered } from '../roam/attribution.ts';

const T0 = 1_700_000_000; // epoch seconds of seq 1's reply
/** `ping -D -i 0.2`: seq n answered at T0 + (n - 1) x 0.2 s (+ 3 ms RTT folded in), except `lost`. */
function pingD(last: number, lost: number[]): PingAnalyzer {
  const a = new PingAnalyzer({ intervalMs: 200 });
  a.push('PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.');
  for (let n = 1; n <= last; n++) {
    if (lost.includes(n)) continue;
    const stamp = (T0 + (n - 1) * 0.2).toFixed(6);
    a.push(`[${stamp}] 64 bytes from 192.0.2.10: icmp_seq=${n} ttl=64 time=3.00 ms`);
  }
  return a;
}
const at = (n: number): number => (T0 + (n - 1) * 0.2) * 1000;

describe('attributeWindow: (ping analysis, sequence window, join time) -> the record numbers', () => {
  it('a ticket-1404 roam: 5 lost, the outage split at the join', () => {
    const a = pingD(30, [11, 12, 13, 14, 15]);
    // Joined 150 ms after seq 11 would have been answered: 1 s of the outage is after it.
    const tJoin = at(11) + 50;
    const r = attributeWindow(a, { seqFrom: 5, seqTo: highestAnswered(a) }, tJoin);
    expect(r.lostSeqs).toEqual([11, 12, 13, 14, 15]);
    expect(r.lost).toBe(5);
    expect(r.seqTo).toBe(30);
    // Last reply before: seq 10 at at(10); first after: seq 16 at at(16) = at(10) + 1200 ms.
    expect(r.outageMs).toBeCloseTo(1200, 3);
    expect(r.beforeAssociationMs).toBeCloseTo(250, 3);
    expect(r.afterAssociationMs).toBeCloseTo(950, 3);
    expect(r.timestampSource).toBe('ping');
  });

  it('loss outside the window belongs to another roam', () => {
    const a = pingD(40, [5, 6, 31, 32]);
    const r = attributeWindow(a, { seqFrom: 10, seqTo: 28 }, at(20));
    expect(r.lostSeqs).toEqual([]);
    expect(r.outageMs).toBe(0);
    expect(r.beforeAssociationMs).toBe(0);
    expect(r.afterAssociationMs).toBe(0);
  });

  it('a join outside every outage: the outage that lost most, the join clamped to its edge', () => {
    const a = pingD(40, [12, 25, 26, 27]);
    // Joined well before the larger outage (25-27, between replies 24 and 28).
    const r = attributeWindow(a, { seqFrom: 10, seqTo: 40 }, at(18));
    expect(r.lostSeqs).toEqual([12, 25, 26, 27]);
    expect(r.outageMs).toBeCloseTo(800, 3);
    expect(r.beforeAssociationMs).toBe(0);
    expect(r.afterAssociationMs).toBeCloseTo(800, 3);
  });

  it('without -D the times are arrival times, as the live stream passes them', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    const arrive = (n: number): number => 5_000_000 + n * 200;
    for (let n = 1; n <= 20; n++) if (n < 8 || n > 10) a.push(`64 bytes from 192.0.2.10: icmp_seq=${n} ttl=64 time=3.00 ms`, arrive(n));
    const r = attributeWindow(a, { seqFrom: 1, seqTo: 20 }, arrive(9));
    expect(r.timestampSource).toBe('arrival');
    expect(r.lostSeqs).toEqual([8, 9, 10]);
    expect(r.outageMs).toBe(arrive(11) - arrive(7));
    expect(r.beforeAssociationMs).toBe(arrive(9) - arrive(7));
    expect(r.afterAssociationMs).toBe(arrive(11) - arrive(9));
  });

  it('highestAnswered skips the unanswered tail', () => {
    const a = pingD(12, [11, 12]);
    a.push('no answer yet for icmp_seq=12');
    expect(highestAnswered(a)).toBe(10);
  });
});
