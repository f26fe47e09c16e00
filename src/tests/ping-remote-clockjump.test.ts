/**
 * PingStream's board-clock jump detection (src/controllers/ping/remote.ts): a step in
 * the ping's -D stamps is a jump only when neither the ping's cadence nor the arrival
 * times explain it. Lines that reach the rig late (an SSH or event-loop stall, which the
 * virtual rig's time scale multiplies by 100) are not a jump; a silent ping (ENOBUFS
 * stall, late replies) is not a jump; a wrapped seq is not a jump; a real jump is found
 * once, with its size to the millisecond.
 */
import { describe, expect, it } from 'vitest';
import type { BenchClock } from '../controllers/bench-clock.ts';
import { PingStream } from '../controllers/ping/remote.ts';
import type { DeviceShell, ExecResult, RemoteProcess } from '../controllers/ssh/types.ts';

const T0 = 1_718_000_000_000; // board epoch ms of seq 0
const INTERVAL = 200;

/** A PingStream fed by hand: `line(text, arrivalBenchMs)`. The clock maps arrival stamps 1:1 onto bench time. */
function stream(scale: number): { ping: PingStream; line: (text: string, atMs: number) => void } {
  let listener: ((line: string, stream: 'stdout' | 'stderr', receivedAt: number) => void) | undefined;
  const proc: RemoteProcess = {
    command: 'ping -i 0.2 -D -O 192.0.2.10',
    onLine: (l) => {
      listener = l;
    },
    done: new Promise<ExecResult>(() => {}),
    signal: () => {},
    close: () => {},
  };
  const shell: DeviceShell = {
    name: 'client',
    exec: () => Promise.reject(new Error('not used')),
    stream: () => proc,
    close: async () => {},
  };
  const clock = { scale, fromWallClock: (ms: number) => ms } as unknown as BenchClock;
  const ping = new PingStream(shell, ['ping', '-i', '0.2', '-D', '-O', '192.0.2.10'], INTERVAL / 1000, clock);
  return { ping, line: (text, atMs) => listener!(text, 'stdout', atMs) };
}

const stampOf = (ms: number): string => `[${(ms / 1000).toFixed(6)}]`;
const reply = (seq: number, stampMs: number, rtt = 1.5): string => `${stampOf(stampMs)} 64 bytes from 192.0.2.10: icmp_seq=${seq & 0xffff} ttl=64 time=${rtt} ms`;
const noAnswer = (seq: number, stampMs: number): string => `${stampOf(stampMs)} no answer yet for icmp_seq=${seq & 0xffff}`;

/** Replies for seqs [from, to]: printed at seq*interval + rtt (+ clock offset), arriving `delay(seq)` later. */
function replies(
  s: ReturnType<typeof stream>,
  from: number,
  to: number,
  opts: { clockOffsetMs?: (seq: number) => number; delay?: (seq: number) => number; rtt?: number } = {},
): void {
  for (let q = from; q <= to; q++) {
    const printed = T0 + q * INTERVAL + (opts.rtt ?? 1.5);
    s.line(reply(q, printed + (opts.clockOffsetMs?.(q) ?? 0), opts.rtt ?? 1.5), printed + (opts.delay?.(q) ?? 1));
  }
}

describe('board clock jumps in the -D stamps', () => {
  it('a steady stream: no jump', () => {
    const s = stream(100);
    replies(s, 1, 300, { delay: (q) => 1 + (q % 7) * 30 }); // arrival jitter up to 180 ms bench
    expect(s.ping.clockJumps).toEqual([]);
  });

  it('a stall on the rig\'s side (75 lines arrive at once, 15 s of bench time late): not a jump', () => {
    const s = stream(100); // threshold 10 s bench = 100 ms real at scale 100
    const burstEnd = T0 + 94 * INTERVAL + 1.5;
    replies(s, 1, 19);
    replies(s, 20, 94, { delay: (q) => burstEnd - (T0 + q * INTERVAL + 1.5) + 2 }); // all arrive with seq 94
    replies(s, 95, 200);
    expect(s.ping.clockJumps).toEqual([]);
  });

  it('the first lines arrive late (a slow start), the rest on time: not a jump', () => {
    const s = stream(100);
    replies(s, 1, 40, { delay: (q) => (q <= 10 ? 12_000 - q * INTERVAL : 1) });
    replies(s, 41, 100);
    expect(s.ping.clockJumps).toEqual([]);
  });

  it('the board clock steps back 11.8 s: one jump of -11.8 s, found although lines arrive late around it', () => {
    const s = stream(100);
    replies(s, 1, 29, { delay: (q) => 1 + (q % 5) * 40 });
    replies(s, 30, 120, { clockOffsetMs: () => -11_800, delay: (q) => 1 + (q % 5) * 40 });
    expect(s.ping.clockJumps).toHaveLength(1);
    expect(s.ping.clockJumps[0].byMs).toBeCloseTo(-11_800, 0);
    expect(s.ping.clockJumps[0].atMs).toBeCloseTo(T0 + 30 * INTERVAL + 1.5, -2);
  });

  it('the board clock steps forward an hour: one jump of 3600.0 s', () => {
    const s = stream(100);
    replies(s, 1, 50, { delay: (q) => 1 + (q % 3) * 90 });
    replies(s, 51, 100, { clockOffsetMs: () => 3_600_000, delay: (q) => 1 + (q % 3) * 90 });
    expect(s.ping.clockJumps).toHaveLength(1);
    expect((s.ping.clockJumps[0].byMs / 1000).toFixed(1)).toBe('3600.0');
  });

  it('a jump inside a stretch of -O "no answer yet" lines is found and sized', () => {
    const s = stream(1);
    replies(s, 1, 20);
    // 21..25 lost: each reported when the next request goes out; the clock steps back 5 s at seq 23
    for (let q = 21; q <= 25; q++) {
      const printed = T0 + (q + 1) * INTERVAL;
      s.line(noAnswer(q, printed + (q >= 23 ? -5000 : 0)), printed + 1);
    }
    replies(s, 26, 40, { clockOffsetMs: () => -5000 });
    expect(s.ping.clockJumps).toHaveLength(1);
    expect(s.ping.clockJumps[0].byMs).toBeCloseTo(-5000, 0);
  });

  it('an ENOBUFS stall of 10 s (iputils retries the same seq for its linger time): not a jump', () => {
    const s = stream(1); // threshold 2 s
    replies(s, 1, 10);
    // seq 11 only leaves 10 s later; everything after it is 10 s later too, on the board and at the rig
    for (let q = 11; q <= 30; q++) {
      const printed = T0 + q * INTERVAL + 10_000 + 1.5;
      s.line(reply(q, printed), printed + 1);
    }
    expect(s.ping.clockJumps).toEqual([]);
  });

  it('a burst of late replies (RTT 1024 ms ... 220 ms, printed at once): not a jump', () => {
    const s = stream(1);
    replies(s, 1, 10);
    const at = T0 + 11 * INTERVAL + 1024;
    [1024, 820, 620, 420, 220].forEach((rtt, i) => s.line(reply(11 + i, at, rtt), at + 1));
    replies(s, 16, 30);
    expect(s.ping.clockJumps).toEqual([]);
  });

  it('the 16-bit seq wrapping 65535 -> 0: not a jump', () => {
    const s = stream(1);
    replies(s, 65_520, 65_560); // printed as ... 65535, 0, 1, ...
    expect(s.ping.clockJumps).toEqual([]);
  });

  it('lines without stamps (iputils without -D, busybox) never make a jump', () => {
    const s = stream(100);
    for (let q = 0; q < 100; q++) s.line(`64 bytes from 192.0.2.10: seq=${q} ttl=64 time=1.5 ms`, T0 + q * INTERVAL + (q === 50 ? 60_000 : 0));
    expect(s.ping.clockJumps).toEqual([]);
  });
});
