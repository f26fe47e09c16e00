/**
 * Expected values below are read off the fixture logs by eye (stamps copied
 * from the lines), never from a run of the code.
 *
 * Fixtures (src/tests/fixtures/ping/):
 * - iputils-plain.log         modern iputils, no -D: seq 7 missing, seq 3 DUP'd
 * - iputils-D.log             -D, 12 clean replies
 * - iputils-DO-loss.log       -D -O: seqs 21-25 lost ("no answer yet" for each)
 * - iputils-D-enobufs.log     -D, five "ping: sendmsg: No buffer space available"
 *                             lines after seq 10, seq 11 resent and answered 1.2 s later
 * - iputils-D-enobufs-silent.log  the same stall as iputils' source really behaves:
 *                             ENOBUFS retried silently (no message), same seq, 1.2 s gap
 * - iputils-D-late-burst.log  seqs 11-15 answered together, time=1024/820/620/420/220 ms
 * - iputils-DO-wrap-tail.log  tail of a 13-hour log: 65535, 0, 1 lost across the wrap
 * - busybox-gap.log           busybox at its fixed 1 s interval, seqs 20-24 missing
 * - busybox-sendto-died.log   busybox losing 6-7, then dying on sendto, no statistics
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PingAnalyzer } from '../ping/analyzer.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'ping');

function fixtureLines(name: string): string[] {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function feed(name: string, intervalMs = 200): PingAnalyzer {
  const a = new PingAnalyzer({ intervalMs });
  for (const line of fixtureLines(name)) a.push(line);
  return a;
}

/** ms between two -D stamps written as in the log, e.g. '1718012507.555773'. */
function stampDiffMs(later: string, earlier: string): number {
  return (Number(later) - Number(earlier)) * 1000;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('PingAnalyzer on captured logs', () => {
  it('iputils plain: one lost seq, the DUP ignored, no timestamps', () => {
    const r = feed('iputils-plain.log').end();
    expect(r).toEqual({
      format: 'iputils',
      timestamps: false,
      timestampSource: 'none',
      transmitted: 10,
      received: 9,
      lost: [7],
      late: [],
      outages: [{ firstSeq: 7, lastSeq: 7, lost: 1, durationMs: null }],
      ended: 'summary',
      error: null,
    });
  });

  it('iputils -D: clean run, reply times from the stamps', () => {
    const a = feed('iputils-D.log');
    const r = a.end();
    expect(r).toMatchObject({
      format: 'iputils',
      timestamps: true,
      timestampSource: 'ping',
      transmitted: 12,
      received: 12,
      lost: [],
      late: [],
      outages: [],
      ended: 'summary',
    });
    // [1718012400.921539] ... icmp_seq=4
    expect(a.replyAtMs(4)).toBeCloseTo(1718012400921.539, 2);
    expect(a.trailingAnswered()).toBe(12);
    expect(a.highestSeq()).toBe(12);
  });

  it('iputils -D -O: seqs 21-25 lost, one outage measured between the stamps of 20 and 26', () => {
    const r = feed('iputils-DO-loss.log').end();
    expect(r.lost).toEqual([21, 22, 23, 24, 25]);
    expect(r.transmitted).toBe(35);
    expect(r.received).toBe(30);
    expect(r.late).toEqual([]);
    expect(r.outages).toHaveLength(1);
    const o = r.outages[0];
    expect(o).toMatchObject({ firstSeq: 21, lastSeq: 25, lost: 5 });
    // [1718012506.355466] icmp_seq=20 ... [1718012507.555773] icmp_seq=26
    expect(o.durationMs).not.toBeNull();
    expect(Math.abs(o.durationMs! - stampDiffMs('1718012507.555773', '1718012506.355466'))).toBeLessThanOrEqual(2);
    expect(o.durationMs!).toBeGreaterThan(1198);
    expect(o.durationMs!).toBeLessThan(1202);
  });

  it('ENOBUFS stall with sendmsg errors: no lost seq, one ~1.2 s outage on seq 11, stream not dead', () => {
    const a = feed('iputils-D-enobufs.log');
    const r = a.end();
    expect(r.lost).toEqual([]);
    expect(r.transmitted).toBe(20);
    expect(r.received).toBe(20);
    expect(r.ended).toBe('summary');
    expect(r.error).toBeNull();
    expect(r.outages).toHaveLength(1);
    expect(r.outages[0]).toMatchObject({ firstSeq: 11, lastSeq: 11, lost: 0 });
    // [1718012612.825557] icmp_seq=10 ... [1718012614.025867] icmp_seq=11
    const expected = stampDiffMs('1718012614.025867', '1718012612.825557');
    expect(Math.abs(r.outages[0].durationMs! - expected)).toBeLessThanOrEqual(2);
    expect(Math.abs(r.outages[0].durationMs! - 1200)).toBeLessThan(5);
    // the replies that bound it: the last before the stall, and the resent seq itself
    const b = a.outageBounds(r.outages[0]);
    expect(b.before?.seq).toBe(10);
    expect(b.after?.seq).toBe(11);
    expect(b.after!.atMs - b.before!.atMs).toBeCloseTo(r.outages[0].durationMs!, 3);
  });

  it('ENOBUFS stall as iputils really prints it (silent retry of the same seq)', () => {
    const r = feed('iputils-D-enobufs-silent.log').end();
    expect(r.lost).toEqual([]);
    expect(r.outages).toHaveLength(1);
    expect(r.outages[0]).toMatchObject({ firstSeq: 11, lastSeq: 11, lost: 0 });
    // [1718012735.676442] icmp_seq=10 ... [1718012736.876752] icmp_seq=11
    expect(Math.abs(r.outages[0].durationMs! - stampDiffMs('1718012736.876752', '1718012735.676442'))).toBeLessThanOrEqual(2);
  });

  it('late burst: 1024/820/620/420/220 ms are late, not lost', () => {
    const a = feed('iputils-D-late-burst.log');
    const r = a.end();
    expect(r.lost).toEqual([]);
    expect(r.late).toEqual([11, 12, 13, 14, 15]); // seq 16 (23.9 ms) is on time
    expect(r.received).toBe(25);
    // Nothing came back for 1.2 s: a time-gap outage with nothing lost, on the seq that ended it.
    // [1718012852.204511] icmp_seq=10 ... [1718012853.427703] icmp_seq=11
    expect(r.outages).toHaveLength(1);
    expect(r.outages[0]).toMatchObject({ firstSeq: 11, lastSeq: 11, lost: 0 });
    expect(Math.abs(r.outages[0].durationMs! - stampDiffMs('1718012853.427703', '1718012852.204511'))).toBeLessThanOrEqual(2);
    expect(a.lateIn(1, 12)).toEqual([11, 12]);
    expect(a.lateIn(16, 25)).toEqual([]);
  });

  it('busybox seq= lines with a gap, at its fixed 1 s interval', () => {
    const r = feed('busybox-gap.log', 1000).end();
    expect(r).toEqual({
      format: 'busybox',
      timestamps: false,
      timestampSource: 'none',
      transmitted: 40,
      received: 35,
      lost: [20, 21, 22, 23, 24],
      late: [],
      outages: [{ firstSeq: 20, lastSeq: 24, lost: 5, durationMs: null }],
      ended: 'summary',
      error: null,
    });
  });

  it('busybox dying on sendto: ended error, message kept, no summary', () => {
    const r = feed('busybox-sendto-died.log').end();
    expect(r.ended).toBe('error');
    expect(r.error).toBe('ping: sendto: Network is unreachable');
    expect(r.format).toBe('busybox');
    expect(r.lost).toEqual([6, 7]);
    expect(r.transmitted).toBe(13); // seq=0 .. seq=12 seen
    expect(r.received).toBe(11);
  });

  it('sequence wrap 65535 -> 0: seqs keep counting', () => {
    const a = feed('iputils-DO-wrap-tail.log');
    const r = a.end();
    // no answer yet for 65535, 0, 1 -> unwrapped 65535, 65536, 65537
    expect(r.lost).toEqual([65535, 65536, 65537]);
    expect(a.highestSeq()).toBe(65536 + 6);
    expect(a.answered(65534)).toBe(true);
    expect(a.answered(65538)).toBe(true); // icmp_seq=2 after the wrap
    expect(r.transmitted).toBe(65542); // from the summary line
    expect(r.received).toBe(12); // 65528..65534 and 2..6 in this excerpt
    expect(r.outages).toHaveLength(1);
    expect(r.outages[0]).toMatchObject({ firstSeq: 65535, lastSeq: 65537, lost: 3 });
    // [1718025722.580265] icmp_seq=65534 ... [1718025723.381650] icmp_seq=2
    expect(Math.abs(r.outages[0].durationMs! - stampDiffMs('1718025723.381650', '1718025722.580265'))).toBeLessThanOrEqual(2);
    expect(a.replyAtMs(65536 + 6)).toBeCloseTo(1718025724181.319, 2);
  });
});

describe('PingAnalyzer live (streaming) semantics', () => {
  it('seqs are only lost once a later seq was answered', () => {
    const lines = fixtureLines('iputils-DO-loss.log');
    const a = new PingAnalyzer({ intervalMs: 200 });
    const upTo = (needle: string) => {
      while (lines.length) {
        const l = lines.shift()!;
        a.push(l);
        if (l.includes(needle)) return;
      }
      throw new Error(`not in fixture: ${needle}`);
    };
    upTo('icmp_seq=20 ');
    expect(a.trailingAnswered()).toBe(20);
    upTo('no answer yet for icmp_seq=25');
    expect(a.highestSeq()).toBe(25);
    expect(a.lostIn(1, 40)).toEqual([]);
    expect(a.outagesIn(1, 40)).toEqual([]);
    expect(a.trailingAnswered()).toBe(20);
    expect(a.result().ended).toBe('eof');

    upTo('icmp_seq=26 ');
    expect(a.lostIn(1, 40)).toEqual(range(21, 25));
    expect(a.lostIn(23, 24)).toEqual([23, 24]);
    expect(a.trailingAnswered()).toBe(1);
    expect(a.outagesIn(15, 22)).toHaveLength(1);
    expect(a.outagesIn(26, 40)).toEqual([]);
    expect(a.lastReplyBefore(21)).toEqual({ seq: 20, atMs: expect.closeTo(1718012506355.466, 2) });
    expect(a.firstReplyAfter(25)).toEqual({ seq: 26, atMs: expect.closeTo(1718012507555.773, 2) });

    upTo('icmp_seq=30 ');
    expect(a.trailingAnswered()).toBe(5);
    const live = a.result();
    expect(live.lost).toEqual(range(21, 25));
    expect(live.transmitted).toBe(30);
  });

  it('arrival stamps give durations when the ping has no -D', () => {
    // busybox log, fed as the rig receives it: each reply 40 ms after its 1 s send slot.
    const T0 = 1_718_020_000_000;
    const a = new PingAnalyzer({ intervalMs: 1000 });
    for (const line of fixtureLines('busybox-gap.log')) {
      const m = /seq=(\d+)/.exec(line);
      a.push(line, m ? T0 + Number(m[1]) * 1000 + 40 : T0 + 45_000);
    }
    const r = a.end();
    expect(r.timestamps).toBe(false);
    expect(r.timestampSource).toBe('arrival');
    expect(a.replyAtMs(19)).toBe(T0 + 19_040);
    // last reply before the gap: seq 19; first after: seq 25
    expect(r.outages).toEqual([{ firstSeq: 20, lastSeq: 24, lost: 5, durationMs: 6000 }]);
  });

  it('-D stamps win over arrival stamps', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    for (const line of fixtureLines('iputils-D.log')) a.push(line, 5);
    expect(a.timestampSource).toBe('ping');
    // [1718012400.321187] icmp_seq=1
    expect(a.replyAtMs(1)).toBeCloseTo(1718012400321.187, 2);
  });

  it('a single lost seq with -D: outage from the reply before to the reply after', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    for (const line of fixtureLines('iputils-D.log')) if (!line.includes('icmp_seq=7 ')) a.push(line);
    const r = a.end();
    expect(r.lost).toEqual([7]);
    // [1718012401.323462] icmp_seq=6 ... [1718012401.723396] icmp_seq=8: 0.4 s, below 2.5 intervals
    expect(r.outages).toHaveLength(1);
    expect(r.outages[0]).toMatchObject({ firstSeq: 7, lastSeq: 7, lost: 1 });
    expect(Math.abs(r.outages[0].durationMs! - stampDiffMs('1718012401.723396', '1718012401.323462'))).toBeLessThanOrEqual(2);
  });

  it('stream cut without statistics ends as eof', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    for (const line of fixtureLines('iputils-D.log')) if (line.includes('icmp_seq=') || line.startsWith('PING')) a.push(line);
    const r = a.end();
    expect(r.ended).toBe('eof');
    expect(r.error).toBeNull();
    expect(r.transmitted).toBe(12);
  });

  it('after end(), trailing unanswered seqs counted by the summary are lost, with no duration; the last one is in flight', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.push('PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.');
    for (let s = 1; s <= 8; s++) a.push(`[1700000000.${String(s * 2).padStart(2, '0')}0000] 64 bytes from 192.0.2.10: icmp_seq=${s} ttl=64 time=1.50 ms`);
    a.push('');
    a.push('--- 192.0.2.10 ping statistics ---');
    a.push('10 packets transmitted, 8 received, 20% packet loss, time 1802ms');
    expect(a.result().lost).toEqual([]); // still live: 9 and 10 may be in flight
    const r = a.end();
    // 9 was followed by the send of 10, so ping waited an interval for it: lost. 10 was the
    // last send before the statistics (time 1802 ms: 9 intervals and 2 ms) and has no line:
    // nothing shows it had time to come back, so it is in flight, not lost (issue 9).
    expect(r.lost).toEqual([9]);
    expect(a.inFlightAtEnd).toEqual([10]);
    expect(r.transmitted).toBe(10);
    expect(r.outages).toEqual([{ firstSeq: 9, lastSeq: 9, lost: 1, durationMs: null }]);
  });

  it('with the header seen, seqs lost before the first printed reply count', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.push('PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.');
    a.push('64 bytes from 192.0.2.10: icmp_seq=3 ttl=64 time=1.50 ms');
    a.push('64 bytes from 192.0.2.10: icmp_seq=4 ttl=64 time=1.50 ms');
    const r = a.end();
    expect(r.lost).toEqual([1, 2]);
    expect(r.transmitted).toBe(4);
    expect(r.outages).toEqual([{ firstSeq: 1, lastSeq: 2, lost: 2, durationMs: null }]);
  });

  it('ICMP errors mark a seq as sent but not answered', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.push('64 bytes from 192.0.2.10: icmp_seq=6 ttl=64 time=1.50 ms');
    a.push('From 192.0.2.77 icmp_seq=7 Destination Host Unreachable');
    expect(a.highestSeq()).toBe(7);
    a.push('64 bytes from 192.0.2.10: icmp_seq=8 ttl=64 time=1.50 ms');
    expect(a.lostIn(0, 100)).toEqual([7]);
  });

  it('a late reply from before the wrap is not pushed into the next lap', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.push('64 bytes from 192.0.2.10: icmp_seq=65534 ttl=64 time=1.50 ms');
    a.push('64 bytes from 192.0.2.10: icmp_seq=0 ttl=64 time=1.50 ms');
    a.push('64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=1.50 ms');
    a.push('64 bytes from 192.0.2.10: icmp_seq=65535 ttl=64 time=640 ms');
    expect(a.highestSeq()).toBe(65537);
    expect(a.answered(65535)).toBe(true);
    const r = a.end();
    expect(r.lost).toEqual([]);
    expect(r.late).toEqual([65535]);
    expect(a.trailingAnswered()).toBe(4);
  });

  it('a late reply filling a hole joins the trailing run', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    for (const s of [1, 2, 4, 5]) a.push(`64 bytes from 192.0.2.10: icmp_seq=${s} ttl=64 time=1.50 ms`);
    expect(a.trailingAnswered()).toBe(2);
    a.push('64 bytes from 192.0.2.10: icmp_seq=3 ttl=64 time=900 ms');
    expect(a.trailingAnswered()).toBe(5);
  });

  it('an error line followed by replies is not the end of the stream', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.push('64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=1.50 ms');
    a.push('ping: sendmsg: No buffer space available');
    expect(a.result()).toMatchObject({ ended: 'error', error: 'ping: sendmsg: No buffer space available' });
    a.push('64 bytes from 192.0.2.10: icmp_seq=2 ttl=64 time=1.50 ms');
    expect(a.end()).toMatchObject({ ended: 'eof', error: null });
  });

  it('busybox usage text after a fatal option error still ends as error', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.push("ping: invalid option -- 'D'");
    a.push('BusyBox v1.1.3 (2007.06.11-14:33+0000) multi-call binary');
    a.push('');
    a.push('Usage: ping [OPTION]... host');
    expect(a.end()).toMatchObject({ ended: 'error', error: "ping: invalid option -- 'D'", transmitted: 0, lost: [] });
  });

  it('sendTimeMs: an answered seq\'s reply minus its RTT; a lost or late one from its on-time neighbours', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    // sends at 1000.0 + 0.2 * s, except an ENOBUFS stall of 1 s before seq 6; 4 and 5 lost; 7 late
    const send = (s: number): number => 1000 + 0.2 * s + (s >= 6 ? 1 : 0);
    for (const [s, rtt] of [[1, 2], [2, 2], [3, 4], [6, 2], [8, 2], [7, 450], [9, 2]]) {
      a.push(`[${(send(s) + rtt / 1000).toFixed(6)}] 64 bytes from 192.0.2.10: icmp_seq=${s} ttl=64 time=${rtt}.00 ms`);
    }
    expect(a.sendTimeMs(3)).toBeCloseTo(1000_600, 3); // 1000.604 s - 4 ms
    // 4 and 5 between 3 (1000.6 s) and 6 (1002.2 s). 4 followed an answered ping, and such
    // sends came on time here (1 -> 2 -> 3): its true time. The 1 s of slack lies after the
    // unanswered ones (the stall was before 6): 5 somewhere from its true 1001.0 s to the
    // latest the interval allows, 1002.0 s; the slack is split between the two gaps.
    expect(a.sendTimeMs(4)).toBeCloseTo(send(4) * 1000, 3);
    expect(a.sendTimeMs(5)).toBeCloseTo(1001_500, 3);
    expect(a.sendTimeMs(5)!).toBeGreaterThanOrEqual(send(5) * 1000);
    expect(a.sendTimeMs(5)!).toBeLessThanOrEqual(send(6) * 1000 - 200);
    // 7 is late (450 ms): its reply says little about its send; between 6 and 8
    expect(a.sendTimeMs(7)).toBeCloseTo(1002_400, 3);
    // beyond the last answered (9 at 1002.8 s): one interval a seq
    expect(a.sendTimeMs(11)).toBeCloseTo(1003_200, 3);
    expect(new PingAnalyzer({ intervalMs: 200 }).sendTimeMs(1)).toBeUndefined();
  });

  it('sendTimeMs as iputils sends: 200 to 202 ms after an answered ping, 208 to 212 after one still in flight; a lost ping\'s time within the sends\' jitter', () => {
    // main_loop(): SO_RCVTIMEO (the interval) runs out with the request in flight, then
    // poll(MININTERVAL) waits 10 ms more. A seeded walk of sends with 3 to 5 lost in a row.
    let seed = 1404;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const a = new PingAnalyzer({ intervalMs: 200 });
    const sendAt = new Map<number, number>();
    const lost = new Set([21, 22, 23, 41, 42, 43, 44, 61, 62, 63, 64, 65]);
    let t = 1_700_000_000_000;
    for (let s = 1; s <= 80; s++) {
      sendAt.set(s, t);
      if (!lost.has(s)) a.push(`[${((t + 2) / 1000).toFixed(6)}] 64 bytes from 192.0.2.10: icmp_seq=${s} ttl=64 time=2.00 ms`);
      t += lost.has(s) ? 208 + 4 * rnd() : 200 + 2 * rnd();
    }
    // within the sends' own jitter (2 ms after an answered ping, 4 after a lost one)
    for (const s of lost) expect(Math.abs(a.sendTimeMs(s)! - sendAt.get(s)!)).toBeLessThan(2.5);
    // an even spread of the gap would put the first of each run 5 to 9 ms late: across a
    // join it was sent just before
    for (const [first, hi] of [[21, 24], [41, 45], [61, 66]]) {
      const lo = first - 1;
      const even = sendAt.get(lo)! + (sendAt.get(hi)! - sendAt.get(lo)!) / (hi - lo);
      expect(even - sendAt.get(first)!).toBeGreaterThan(4);
    }
  });

  it('rejects misuse', () => {
    expect(() => new PingAnalyzer({ intervalMs: 0 })).toThrow(/intervalMs/);
    const a = new PingAnalyzer({ intervalMs: 200 });
    a.end();
    expect(() => a.push('64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=1.50 ms')).toThrow(/after end/);
  });

  it('100k lines with a 5-seq loss every 1000: fast, and the counts add up', () => {
    const a = new PingAnalyzer({ intervalMs: 200 });
    const t0 = performance.now();
    a.push('PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.');
    const T = 1_700_000_000;
    for (let s = 1; s <= 100_000; s++) {
      if (s % 1000 >= 500 && s % 1000 < 505) continue; // 500-504, 1500-1504, ...
      const ts = (T + s * 0.2 + 0.002).toFixed(6);
      a.push(`[${ts}] 64 bytes from 192.0.2.10: icmp_seq=${s % 65536} ttl=64 time=2.00 ms`);
    }
    const r = a.end();
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(r.transmitted).toBe(100_000);
    expect(r.lost).toHaveLength(500);
    expect(r.received).toBe(99_500);
    expect(r.outages).toHaveLength(100);
    expect(r.outages[99]).toMatchObject({ firstSeq: 99_500, lastSeq: 99_504, lost: 5 });
    // 6 intervals between the replies of 99499 and 99505
    expect(Math.abs(r.outages[99].durationMs! - 1200)).toBeLessThanOrEqual(2);
    // per-cycle queries stay cheap
    const q0 = performance.now();
    for (let c = 0; c < 100; c++) a.outagesIn(c * 1000 + 400, c * 1000 + 600);
    expect(performance.now() - q0).toBeLessThan(500);
  });
});
