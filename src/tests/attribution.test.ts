/**
 * Loss attribution on its own: synthetic ping output with stamps chosen here, and the
 * expected numbers worked out by hand from those stamps. Every reply says time=3.00 ms,
 * so a ping was sent 3 ms before its reply's stamp: s(n) = at(n) - 3.
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
  it('a ticket-1404 roam: 5 lost, split by when each was sent', () => {
    const a = pingD(30, [11, 12, 13, 14, 15]);
    // Joined 53 ms after seq 11 was sent: 11 died before the join, 12..15 after it.
    const tJoin = at(11) + 50;
    const r = attributeWindow(a, { seqFrom: 5, seqTo: highestAnswered(a) }, tJoin);
    expect(r.lostSeqs).toEqual([11, 12, 13, 14, 15]);
    expect(r.lost).toBe(5);
    expect(r.seqTo).toBe(30);
    // As ping saw it: last reply before, seq 10 at at(10); first after, seq 16 at at(10) + 1200 ms.
    expect(r.outageMs).toBeCloseTo(1200, 3);
    // After: the blackout ended between s(15) (lost) and s(16) (through): 747..947 ms after the join.
    expect(r.afterAssociationMs).toBeCloseTo(847, 3);
    expect(r.splitResolutionMs).toBeCloseTo(100, 3);
    // Before: it began between s(10) and s(11), i.e. at at(11) - 103 in the middle: 153 ms before the join.
    expect(r.beforeAssociationMs).toBeCloseTo(153, 3);
    expect(r.timestampSource).toBe('ping');
  });

  it('a gap longer than its whole intervals widens the resolution by that slack: the lost pings\' send times are interpolated', () => {
    // As a 2.6.16 iputils does: the pings after seq 15 left 12 ms late (a timer tick or
    // three), so seq 16 answered at at(16) + 12 and every later one too.
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.push('PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.');
    for (let n = 1; n <= 30; n++) {
      if (n >= 11 && n <= 15) continue;
      const stamp = (T0 + (n - 1) * 0.2 + (n >= 16 ? 0.012 : 0)).toFixed(6);
      a.push(`[${stamp}] 64 bytes from 192.0.2.10: icmp_seq=${n} ttl=64 time=3.00 ms`);
    }
    const tJoin = at(11) + 50;
    const r = attributeWindow(a, { seqFrom: 5, seqTo: 30 }, tJoin);
    // s(15) is interpolated between s(10) and s(16) = at(16) + 9. No send after an answered
    // ping came late here, so s(11) = s(10) + 200 and the 12 ms of slack is put in the five
    // gaps after unanswered pings, 2.4 ms each: s(15) = at(15) - 3 + 9.6. It really left
    // anywhere from at(15) - 3 to at(15) - 3 + 12. The join is at(10) + 250: the bracket is
    // 756.6..959 after it, middle 857.8 (half-width 101.2), plus the 12 ms slack.
    expect(r.afterAssociationMs).toBeCloseTo(857.8, 3);
    expect(r.splitResolutionMs).toBeCloseTo(113.2, 3);
  });

  it('loss outside the window belongs to another roam; a clean roam says 0, at most until the next ping', () => {
    const a = pingD(40, [5, 6, 31, 32]);
    const r = attributeWindow(a, { seqFrom: 10, seqTo: 28 }, at(20));
    expect(r.lostSeqs).toEqual([]);
    expect(r.outageMs).toBe(0);
    expect(r.beforeAssociationMs).toBe(0);
    expect(r.afterAssociationMs).toBe(0);
    // The first ping sent after the join, seq 21, left 197 ms after it.
    expect(r.splitResolutionMs).toBeCloseTo(197, 3);
  });

  it('a join between outages: the outage that lost most, and neither of them is the association blackout', () => {
    const a = pingD(40, [12, 25, 26, 27]);
    // Joined when seq 18 was answered: 19 was sent and answered just after, so nothing died around the join.
    const r = attributeWindow(a, { seqFrom: 10, seqTo: 40 }, at(18));
    expect(r.lostSeqs).toEqual([12, 25, 26, 27]);
    expect(r.outageMs).toBeCloseTo(800, 3);
    expect(r.beforeAssociationMs).toBe(0);
    expect(r.afterAssociationMs).toBe(0);
    expect(r.splitResolutionMs).toBeCloseTo(197, 3);
  });

  it('without -D the times are arrival times: the split is good to one interval', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    const arrive = (n: number): number => 5_000_000 + n * 200;
    for (let n = 1; n <= 20; n++) if (n < 8 || n > 10) a.push(`64 bytes from 192.0.2.10: icmp_seq=${n} ttl=64 time=3.00 ms`, arrive(n));
    const r = attributeWindow(a, { seqFrom: 1, seqTo: 20 }, arrive(9));
    expect(r.timestampSource).toBe('arrival');
    expect(r.lostSeqs).toEqual([8, 9, 10]);
    expect(r.outageMs).toBe(arrive(11) - arrive(7));
    // Sent: 8 and 9 before the join (arrive(9)), 10 after; 11 went through.
    expect(r.beforeAssociationMs).toBeCloseTo(303, 3); // the join minus the middle of s(7)..s(8)
    expect(r.afterAssociationMs).toBeCloseTo(297, 3); // the middle of s(10)..s(11), after the join
    expect(r.splitResolutionMs).toBe(200); // one interval: arrival times carry the delivery's jitter
  });

  it('highestAnswered skips the unanswered tail', () => {
    const a = pingD(12, [11, 12]);
    a.push('no answer yet for icmp_seq=12');
    expect(highestAnswered(a)).toBe(10);
  });
});
