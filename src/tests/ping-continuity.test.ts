/**
 * RunTracker (src/ping/continuity.ts): which run a line belongs to and which unwrapped
 * seq it carries. Inputs written by hand; the interval is 200 ms throughout, so two
 * minutes of silence is 600 seqs, and a seq k behind the highest needs an RTT of at
 * least k * 200 - 100 ms.
 */
import { describe, expect, it } from 'vitest';
import { RunTracker, type RunStart, type SeqKind } from '../ping/continuity.ts';

type Ev = ['seq', string, number] | ['line', string] | ['newRun', RunStart] | ['dropped', string];

function tracker(split: boolean): { t: RunTracker<string>; ev: Ev[] } {
  const ev: Ev[] = [];
  const t = new RunTracker<string>(
    { intervalMs: 200, split },
    {
      seqLine: (p, seq) => ev.push(['seq', p, seq]),
      line: (p) => ev.push(['line', p]),
      newRun: (s) => ev.push(['newRun', s]),
      dropped: (p) => ev.push(['dropped', p]),
    },
  );
  return { t, ev };
}

/** A -D stamped reply: send at sendS seconds, rtt ms. */
function reply(t: RunTracker<string>, name: string, raw: number, sendS: number, rtt = 1, kind: SeqKind = 'reply'): void {
  t.seq(name, kind, raw, rtt, sendS * 1000 + rtt, true);
}

describe('RunTracker: the wrap and jumps', () => {
  it('65535 is followed by 0: seqs keep counting', () => {
    const { t, ev } = tracker(true);
    reply(t, 'a', 65534, 100.0);
    reply(t, 'b', 65535, 100.2);
    reply(t, 'c', 0, 100.4);
    reply(t, 'd', 1, 100.6);
    expect(ev).toEqual([
      ['seq', 'a', 65534],
      ['seq', 'b', 65535],
      ['seq', 'c', 65536],
      ['seq', 'd', 65537],
    ]);
  });

  it('a wrap that skips seqs is taken when the -D stamps leave time for them', () => {
    const { t, ev } = tracker(true);
    reply(t, 'a', 65533, 100.0);
    // 65534..65536 lost: 4 intervals later comes raw 1 (65537): 800 ms >= 4 * 200 - 100
    reply(t, 'b', 1, 100.8);
    expect(ev).toEqual([
      ['seq', 'a', 65533],
      ['seq', 'b', 65537],
    ]);
  });

  it('a torn number that looks like a wrap (40123 -> 4) is held, then dropped when the next line follows 40123', () => {
    const { t, ev } = tracker(true);
    reply(t, 'a', 40122, 100.0);
    reply(t, 'b', 40123, 100.2);
    reply(t, 'torn', 4, 100.4); // 25,417 seqs ahead after 200 ms
    expect(ev).toHaveLength(2);
    reply(t, 'c', 40124, 100.4);
    expect(ev.slice(2)).toEqual([
      ['dropped', 'torn'],
      ['seq', 'c', 40124],
    ]);
  });

  it('a jump confirmed by the next line: a new run (split), taken as printed', () => {
    const { t, ev } = tracker(true);
    reply(t, 'a', 40, 100.0);
    reply(t, 'b', 30000, 100.2); // 29,960 ahead: nonsense for 200 ms
    reply(t, 'c', 30001, 100.4);
    expect(ev).toEqual([
      ['seq', 'a', 40],
      ['newRun', 'seq-jump'],
      ['seq', 'b', 30000],
      ['seq', 'c', 30001],
    ]);
  });

  it('one process (live): the confirmed jump is taken where it unwraps, no new run', () => {
    const { t, ev } = tracker(false);
    reply(t, 'a', 100, 100.0);
    reply(t, 'b', 200, 100.2); // 100 seqs in 200 ms: held
    reply(t, 'c', 201, 100.4);
    expect(ev).toEqual([
      ['seq', 'a', 100],
      ['seq', 'b', 200],
      ['seq', 'c', 201],
    ]);
  });

  it('without times, a jump is taken up to two minutes of seqs (600), no further', () => {
    const { t, ev } = tracker(true);
    t.seq('a', 'reply', 10, 1, Number.NaN, false);
    t.seq('b', 'reply', 610, 1, Number.NaN, false); // 600 ahead: within
    t.seq('c', 'reply', 1211, 1, Number.NaN, false); // 601 ahead: held
    t.seq('d', 'reply', 1212, 1, Number.NaN, false);
    expect(ev).toEqual([
      ['seq', 'a', 10],
      ['seq', 'b', 610],
      ['newRun', 'seq-jump'],
      ['seq', 'c', 1211],
      ['seq', 'd', 1212],
    ]);
  });

  it('arrival times (lagging delivery): a long jump needs at least half its time', () => {
    const { t, ev } = tracker(true);
    t.seq('a', 'reply', 10, 1, 1_000_001, false);
    // 1000 seqs ahead = 200 s at 200 ms; 120 s passed (>= 100 s): taken
    t.seq('b', 'reply', 1010, 1, 1_120_001, false);
    // 1000 more after 10 s: held, then confirmed: a new run
    t.seq('c', 'reply', 2010, 1, 1_130_001, false);
    t.seq('d', 'reply', 2011, 1, 1_130_201, false);
    expect(ev.map((e) => e.slice(0, 2).join(':'))).toEqual(['seq:a', 'seq:b', 'newRun:seq-jump', 'seq:c', 'seq:d']);
  });
});

describe('RunTracker: going back', () => {
  it('a late reply is taken when its RTT covers how far back it is', () => {
    const { t, ev } = tracker(true);
    reply(t, 'a', 10, 100.0);
    reply(t, 'b', 13, 100.6);
    reply(t, 'late', 11, 100.2, 520); // 2 back: needs >= 300 ms
    expect(ev).toEqual([
      ['seq', 'a', 10],
      ['seq', 'b', 13],
      ['seq', 'late', 11],
    ]);
  });

  it('seqs starting over (a second ping without its header) are a new run once the next line follows', () => {
    const { t, ev } = tracker(true);
    for (let s = 1; s <= 40; s++) reply(t, `r${s}`, s, 100 + s * 0.2);
    reply(t, 'x1', 1, 200.0, 0.3); // 39 back with 0.3 ms: not a late reply
    reply(t, 'x2', 2, 200.2, 0.3);
    expect(ev.slice(40)).toEqual([
      ['newRun', 'seq-restart'],
      ['seq', 'x1', 1],
      ['seq', 'x2', 2],
    ]);
  });

  it('a DUP of the highest seq and ICMP errors arriving seconds late stay in the run', () => {
    const { t, ev } = tracker(true);
    for (let s = 1; s <= 20; s++) reply(t, `r${s}`, s, 100 + s * 0.2);
    reply(t, 'dup', 20, 104.0, 10.6);
    // "Destination Host Unreachable" for seq 5, 15 seqs back, no RTT: ARP gave up late
    t.seq('icmp', 'icmpError', 5, Number.NaN, 104.1 * 1000, true);
    expect(ev.slice(20)).toEqual([
      ['seq', 'dup', 20],
      ['seq', 'icmp', 5],
    ]);
  });
});

describe('RunTracker: headers and statistics', () => {
  it('a header starts a new run once the run has shown anything', () => {
    const { t, ev } = tracker(true);
    t.header('h1');
    reply(t, 'a', 1, 100.0);
    t.header('h2');
    reply(t, 'b', 1, 101.0);
    expect(ev).toEqual([
      ['line', 'h1'],
      ['seq', 'a', 1],
      ['newRun', 'header'],
      ['line', 'h2'],
      ['seq', 'b', 1],
    ]);
  });

  it('ping output after the statistics is a new run (the next ping printed no header); blank and rtt lines are not', () => {
    const { t, ev } = tracker(true);
    reply(t, 'a', 1, 100.0);
    t.quiet('stats header');
    t.summary('summary');
    t.quiet('rtt');
    t.quiet('blank');
    reply(t, 'b', 1, 101.0);
    expect(ev.map((e) => e.slice(0, 2).join(':'))).toEqual(['seq:a', 'line:stats header', 'line:summary', 'line:rtt', 'line:blank', 'newRun:statistics', 'seq:b']);
  });

  it('one process (live) never splits: a second header is just a line', () => {
    const { t, ev } = tracker(false);
    t.header('h1');
    reply(t, 'a', 1, 100.0);
    t.header('h2');
    expect(ev).toEqual([
      ['line', 'h1'],
      ['seq', 'a', 1],
      ['line', 'h2'],
    ]);
  });

  it('a held line is dropped at the end of the input, and at a header', () => {
    const a = tracker(true);
    reply(a.t, 'x', 5, 100.0);
    reply(a.t, 'held', 4000, 100.2);
    a.t.end();
    expect(a.ev).toEqual([
      ['seq', 'x', 5],
      ['dropped', 'held'],
    ]);
    const b = tracker(true);
    reply(b.t, 'x', 5, 100.0);
    reply(b.t, 'held', 4000, 100.2);
    b.t.header('h');
    expect(b.ev).toEqual([['seq', 'x', 5], ['dropped', 'held'], ['newRun', 'header'], ['line', 'h']]);
  });

  it('nextSeq: the payload-free path for the next seq, refusing anything else', () => {
    const { t, ev } = tracker(true);
    expect(t.nextSeq('reply', 1, 1, 100_001, true)).toBe(-1); // nothing yet: use seq()
    reply(t, 'a', 65535, 100.0);
    expect(t.nextSeq('reply', 0, 1, 100_201, true)).toBe(65536);
    expect(t.nextSeq('reply', 5, 1, 100_401, true)).toBe(-1);
    expect(t.highestSeq).toBe(65536);
    expect(ev).toEqual([['seq', 'a', 65535]]);
  });
});
