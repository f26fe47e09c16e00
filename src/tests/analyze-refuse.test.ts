/**
 * `rig analyze` refuses to guess (issue 9): hand-written logs for every way a log can
 * mislead, with the expected values worked out from the lines by hand.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotPingLogError, analyzePingFile, analyzePingText, formatAnalysis } from '../ping/analyze.ts';
import { readLogLines } from '../ping/log-reader.ts';
import { ROOT, runCli } from './helpers/cli.ts';

const HEADER = 'PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.';
const T = 1_796_000_000;
/** iputils reply; with -D when stamped (sent at T + s * 0.2, answered 1 ms later). */
const rep = (s: number, stamped = true, rtt = '1.00', sendAtS = T + s * 0.2): string =>
  `${stamped ? `[${(sendAtS + Number(rtt) / 1000).toFixed(6)}] ` : ''}64 bytes from 10.0.0.2: icmp_seq=${s % 65536} ttl=64 time=${rtt} ms`;
const lines = (...ls: string[]): string => ls.join('\n') + '\n';
const seqs = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'rig-analyze-'));

describe('statistics only (ping -q, or a log cut down to its statistics)', () => {
  const q = ['', '--- 10.0.0.2 ping statistics ---', '60 packets transmitted, 55 received, 8.33333% packet loss, time 12040ms', 'rtt min/avg/max/mdev = 0.111/0.244/2.635/0.407 ms'];

  it('-q with loss: the statistics\' numbers, lost null with the reason, never invented seqs', () => {
    const a = analyzePingText(lines(HEADER, ...q));
    expect(a).toMatchObject({ transmitted: 60, received: 55, lossPercent: 8.33333, lost: null, outages: null, inFlightAtEnd: [] });
    expect(a.lostReason).toMatch(/statistics \(60 transmitted, 55 received\) but no reply lines/);
    expect(a.late).toEqual([]); // the rtt line's max, 2.635 ms, is within the 200 ms interval
    expect(a.duplicates).toEqual([]); // no "+N duplicates"
    // time 12040 ms is 240 ms over 59 intervals: well within what a run drifts (59 * 12 ms)
    // plus its end (an interval, or 10 s of lingering when the last reply may be lost)
    expect(a.stallMs).toBe(0);
    expect(formatAnalysis(a)).toContain('lost: unknown: the log has');
  });

  it('the statistics line alone says the same', () => {
    const a = analyzePingText(lines('60 packets transmitted, 55 received, 8.33333% packet loss, time 12040ms'));
    expect(a).toMatchObject({ transmitted: 60, received: 55, lost: null, late: null, duplicates: [] });
  });

  it('-q with nothing lost: then the statistics do say which seqs were lost (none)', () => {
    const a = analyzePingText(lines(HEADER, '', '--- 10.0.0.2 ping statistics ---', '60 packets transmitted, 60 received, 0% packet loss, time 12000ms'));
    expect(a).toMatchObject({ transmitted: 60, received: 60, lost: [], lostReason: null, lossPercent: 0 });
  });
});

describe('torn lines are dropped with a warning, never data', () => {
  const tail = [rep(40120), rep(40121), rep(40122), rep(40123)];
  const torn = `[${(T + 40124 * 0.2 + 0.001).toFixed(6)}] 64 bytes from 10.0.0.2: icmp_seq=4`;

  it('a last line without a newline (icmp_seq=4 of 40124) is not a wrap to 65540 and 25,416 lost seqs', () => {
    const a = analyzePingText(tail.join('\n') + '\n' + torn);
    expect(a.lost).toEqual([]);
    expect(a.transmitted).toBe(4); // 40120-40123, an excerpt without header or statistics
    expect(a.received).toBe(4);
    expect(a.warnings.join('\n')).toContain(`line 5 has no newline at the end of the file (cut while ping was writing it?): ignored: "${torn}"`);
    expect(a.notes.join('\n')).toMatch(/starts at seq 40120 without ping's header and has no statistics/);
  });

  it('the same through the file reader', async () => {
    const f = join(tmp(), 'ping.log');
    writeFileSync(f, tail.join('\n') + '\n' + torn);
    const a = await analyzePingFile(f);
    expect(a.lost).toEqual([]);
    expect(a.transmitted).toBe(4);
    expect(a.warnings.join('\n')).toMatch(/line 5 has no newline/);
  });

  it('a line cut mid-field with the next run glued to it: dropped, and the glued header starts run 2', () => {
    const a = analyzePingText(
      lines(HEADER, rep(1), rep(2), rep(3), `${rep(4).split('icmp_seq=')[0]}icmp_seq=4${HEADER}`, rep(1, true, '1.00', T + 10), rep(2, true, '1.00', T + 10.2), rep(3, true, '1.00', T + 10.4)),
    );
    expect(a.runs).toHaveLength(2);
    expect(a.runs[0]).toMatchObject({ lines: { first: 1, last: 4 }, startedBy: 'log-start', transmitted: 3, lost: [] });
    expect(a.runs[1]).toMatchObject({ lines: { first: 5, last: 8 }, startedBy: 'header', transmitted: 3, lost: [] });
    expect(a.runs[0].warnings.join('\n')).toMatch(/line 5 cut mid-field: ignored/);
  });
});

describe('several runs in one file are analysed separately', () => {
  it('seqs starting over without a header (the second ping\'s header lost): a new run', () => {
    const a = analyzePingText(lines(...seqs(1, 10).map((s) => rep(s)), ...seqs(1, 5).map((s) => rep(s, true, '0.30', T + 100 + s * 0.2))));
    expect(a.runs.map((r) => [r.startedBy, r.lines, r.transmitted, r.lost])).toEqual([
      ['log-start', { first: 1, last: 10 }, 10, []],
      ['seq-restart', { first: 11, last: 15 }, 5, []],
    ]);
    expect(a.runs[1].warnings[0]).toMatch(/^line 11 starts a new run without a PING header: seq 1 after 10: 9 seqs back with time=0.3 ms/);
    expect(a.warnings.join('\n')).toMatch(/holds 2 ping runs: the fields above are the last run's/);
    expect(a.lost).toEqual([]); // the last run's
  });

  it('ping output after a statistics block: a new run', () => {
    const stats = ['', '--- 10.0.0.2 ping statistics ---', '5 packets transmitted, 5 received, 0% packet loss, time 801ms'];
    const a = analyzePingText(lines(HEADER, ...seqs(1, 5).map((s) => rep(s)), ...stats, ...seqs(1, 3).map((s) => rep(s, true, '1.00', T + 50 + s * 0.2))));
    expect(a.runs.map((r) => [r.startedBy, r.ended, r.transmitted])).toEqual([
      ['log-start', 'summary', 5],
      ['statistics', 'eof', 3],
    ]);
  });

  it('a wrap with the interval between the stamps is one run; a jump the stamps cannot explain is a new one', () => {
    const wrap = analyzePingText(lines(...seqs(65533, 65538).map((s) => rep(s))));
    expect(wrap.runs).toHaveLength(1);
    expect(wrap).toMatchObject({ transmitted: 6, lost: [] });
    // seqs 100-105, then 3000 200 ms later: 2895 seqs can't have gone out in 200 ms
    const jump = analyzePingText(lines(...seqs(100, 105).map((s) => rep(s)), rep(3000, true, '1.00', T + 106 * 0.2), rep(3001, true, '1.00', T + 107 * 0.2)));
    expect(jump.runs.map((r) => [r.startedBy, r.transmitted, r.lost])).toEqual([
      ['log-start', 6, []],
      ['seq-jump', 2, []],
    ]);
  });

  it('without timestamps a jump of up to two minutes of seqs is loss; beyond that, a new run', () => {
    const near = analyzePingText(lines(rep(1, false), rep(2, false), rep(102, false), rep(103, false)));
    expect(near.runs).toHaveLength(1);
    expect(near.lost).toEqual(seqs(3, 101));
    const far = analyzePingText(lines(rep(1, false), rep(2, false), rep(1000, false), rep(1001, false)));
    expect(far.runs.map((r) => r.lost)).toEqual([[], []]);
    expect(far.runs[1].warnings[0]).toMatch(/a jump of 998 seqs, more than 600 \(120 s of silence\), and no timestamps/);
  });
});

describe('what the statistics reveal and the lines do not', () => {
  const plain = (n: number, time: number): string =>
    lines(HEADER, ...seqs(1, n).map((s) => rep(s, false)), '', '--- 10.0.0.2 ping statistics ---', `${n} packets transmitted, ${n} received, 0% packet loss, time ${time}ms`);

  it('a transmit stall without -D: time 13039 ms for 60 pings is 1239 ms beyond 59 intervals (drift allows 908)', () => {
    const a = analyzePingText(plain(60, 13039));
    expect(a.stallMs).toBe(1239);
    expect(a.lost).toEqual([]);
    expect(a.outages).toEqual([]);
    expect(a.notes.join('\n')).toMatch(/took 13039 ms, 1239 ms more than its 59 intervals of 200 ms .*stalled/);
    expect(a.notes.join('\n')).toMatch(/outage durations need times: run ping with -D/);
    expect(formatAnalysis(a)).toContain("stall (from the statistics' time): up to 1239 ms");
  });

  it('a clean run (time 12040 ms) shows no stall', () => {
    expect(analyzePingText(plain(60, 12040)).stallMs).toBe(0);
  });

  it('duplicates are reported by seq; the statistics\' count is checked against them', () => {
    const log = (dups: number): string =>
      lines(HEADER, rep(1, false), rep(2, false), rep(3, false), `${rep(3, false, '2.91')} (DUP!)`, rep(4, false), '', `4 packets transmitted, 4 received, +${dups} duplicates, 0% packet loss, time 601ms`);
    const ok = analyzePingText(log(1));
    expect(ok.duplicates).toEqual([3]);
    expect(ok.received).toBe(4);
    expect(ok.warnings).toEqual([]);
    expect(analyzePingText(log(2)).warnings).toContain("the log shows 1 duplicate replies, ping's statistics count 2");
  });

  it('the last seq the statistics count, with no line of its own, is in flight: not lost', () => {
    const a = analyzePingText(lines(HEADER, ...seqs(1, 10).map((s) => rep(s)), '', '11 packets transmitted, 10 received, 9.09091% packet loss, time 2003ms'));
    expect(a).toMatchObject({ lost: [], inFlightAtEnd: [11], lossPercent: 9.09091, lostReason: null });
  });

  it('reply lines missing (one cut out) and statistics that count them: lost null, not a made-up seq 5', () => {
    const a = analyzePingText(lines(HEADER, ...seqs(1, 10).filter((s) => s !== 5).map((s) => rep(s)), '', '10 packets transmitted, 10 received, 0% packet loss, time 1802ms'));
    expect(a.lost).toBeNull();
    expect(a.lostReason).toMatch(/shows 9 replies and 1 seqs unanswered where ping's statistics count 10 received of 10/);
  });

  it('an excerpt whose statistics count loss outside it: lost null, the loss it does show named', () => {
    // tail of a 13-hour log: the statistics count 65542 - 65534 = 8 lost, the excerpt shows 3
    const a = analyzePingText(readFileSync(join(ROOT, 'src/tests/fixtures/ping/iputils-DO-wrap-tail.log'), 'utf8'));
    expect(a).toMatchObject({ transmitted: 65542, received: 65534, lost: null });
    expect(a.lostReason).toBe("the log starts at seq 65528 without ping's header (its start was cut): ping's statistics count 8 lost, the log's seqs 65528-65542 show 3 (65535-65537)");
  });
});

describe("a rig run's ping.log, read directly", () => {
  it('arrival stamps are the reply times when ping printed no -D; stderr lines are ping\'s', () => {
    const a = analyzePingText(
      lines(
        '1000.000000 PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.',
        ...[1, 2, 3, 4].map((s) => `${(1000.005 + s * 0.2).toFixed(6)} 64 bytes from 192.0.2.10: icmp_seq=${s} ttl=64 time=2.00 ms`),
        // 5, 6, 7 lost
        '1001.605000 64 bytes from 192.0.2.10: icmp_seq=8 ttl=64 time=2.00 ms',
        '1001.805000 64 bytes from 192.0.2.10: icmp_seq=9 ttl=64 time=2.00 ms',
        '1001.900000 E ping: sendmsg: No buffer space available',
        '1002.005000 64 bytes from 192.0.2.10: icmp_seq=10 ttl=64 time=2.00 ms',
        '1002.100000 ',
        '1002.100000 --- 192.0.2.10 ping statistics ---',
        '1002.100000 10 packets transmitted, 7 received, 30% packet loss, time 1805ms',
      ),
    );
    expect(a).toMatchObject({ input: 'rig ping.log', timestampSource: 'arrival', timestamps: false, lost: [5, 6, 7], ended: 'summary', error: null });
    // from the arrival of 4 (1000.805) to that of 8 (1001.605)
    expect(a.outages).toEqual([{ firstSeq: 5, lastSeq: 7, lost: 3, durationMs: 800 }]);
  });
});

describe('not a ping log: exit 2, saying what was expected', () => {
  it.each([
    ['empty', Buffer.alloc(0), /the file is empty/],
    ['blank', Buffer.from('\n\n  \n'), /only blank lines/],
    ['binary', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x0a, 0x10, 0x00]), /binary data/],
    ['text', Buffer.from('Jun  4 10:12:01 bench kernel: ath0: link up\nJun  4 10:12:02 bench dhclient: bound\nhello\n'), /none of its 3 line\(s\) is ping output \(the first: "Jun  4 10:12:01/],
  ])('%s', async (_name, bytes, why) => {
    const f = join(tmp(), 'x.log');
    writeFileSync(f, bytes);
    const err = await analyzePingFile(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotPingLogError);
    expect((err as NotPingLogError).exitCode).toBe(2);
    expect((err as NotPingLogError).message).toMatch(why);
    expect((err as NotPingLogError).message).toContain(`${f}: not a ping log`);
    expect((err as NotPingLogError).message).toMatch(/Expected ping's output \(iputils or busybox.*or a rig run's ping\.log/);
  });
});

describe('rig analyze on the command line', () => {
  it('a table per run in the text output; runs[] in --json', async () => {
    const f = join(tmp(), 'two.log');
    writeFileSync(f, lines(HEADER, rep(1), rep(2), rep(4), HEADER, rep(1, true, '1.00', T + 10), rep(2, true, '1.00', T + 10.2)));
    const t = await runCli(['analyze', f], { timeoutMs: 60_000 });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('ping log: 2 runs');
    expect(t.stdout).toContain('run 1 of 2: lines 1-4, started by the start of the log');
    expect(t.stdout).toContain('run 2 of 2: lines 5-7, started by a PING header');
    expect(t.stdout).toMatch(/run 1 of 2[^]*lost: 3\n[^]*run 2 of 2[^]*lost: none/);
    const j = await runCli(['analyze', f, '--json'], { timeoutMs: 60_000 });
    const a = JSON.parse(j.stdout) as { runs: { lost: number[] }[]; lost: number[] };
    expect(a.runs.map((r) => r.lost)).toEqual([[3], []]);
    expect(a.lost).toEqual([]);
  });

  it('a file that is not ping output: exit 2, the reason on stderr, no stack trace, nothing on stdout', async () => {
    const f = join(tmp(), 'empty.log');
    writeFileSync(f, '');
    const r = await runCli(['analyze', f, '--json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${f}: not a ping log: the file is empty`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the file is read in chunks, line by line', () => {
  it('lines across 64 KiB chunk edges arrive whole; a 1.5 MiB line is skipped; the torn end is reported', () => {
    const f = join(tmp(), 'big.log');
    const want: string[] = [];
    for (let s = 1; s <= 60_000; s++) want.push(rep(s));
    const garbageAt = 30_000;
    const body = [...want.slice(0, garbageAt), 'x'.repeat(1_500_000), ...want.slice(garbageAt)];
    writeFileSync(f, body.join('\n') + '\nPING 10.0.0');
    const got: string[] = [];
    const stats = readLogLines(f, (text, n) => {
      got.push(text);
      if (n === garbageAt + 2) expect(text).toBe(want[garbageAt]);
    });
    expect(got).toEqual(want);
    expect(stats.overlong).toBe(1);
    expect(stats.lines).toBe(60_001);
    expect(stats.tornLast).toEqual({ line: 60_002, text: 'PING 10.0.0' });
  });
});
