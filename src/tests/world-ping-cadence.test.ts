/**
 * When iputils sends on the 2.6.16 client board (rig/world/iputils-timing.ts, kernel-time.ts),
 * from iputils' ping_common.c (s20070202; unchanged in s20121011) and the kernel's rounding
 * of timeouts to jiffies (HZ 250: 4 ms):
 *
 * - pinger() sends once ntokens, the whole milliseconds since the last send computed from
 *   gettimeofday() as `(tv_sec - cur.tv_sec) * 1000 + (tv_usec - cur.tv_usec) / 1000`,
 *   reaches the interval.
 * - main_loop(): after a send a blocking recvmsg() with SO_RCVTIMEO = interval (50 jiffies);
 *   after a reply poll(next) (msecs_to_jiffies(next) jiffies); with next <= 1000000 / HZ
 *   (user space's HZ, 100: 10 ms) it spins if nothing is in flight, else polls MININTERVAL.
 */
import { describe, expect, it } from 'vitest';
import { ModelClock, Scheduler } from '../../rig/world/clock.ts';
import { IputilsTiming } from '../../rig/world/iputils-timing.ts';
import { HZ_DEFAULT, KernelTicks } from '../../rig/world/kernel-time.ts';
import { ModelBench, median } from './helpers/world.ts';

describe('a 2.6.16 kernel\'s timeouts (HZ 250)', () => {
  const t = new KernelTicks(HZ_DEFAULT, 0);
  it('rounds milliseconds and microseconds up to whole 4 ms jiffies', () => {
    expect(t.jiffyMs).toBe(4);
    expect(t.msecsToJiffies(198)).toBe(50);
    expect(t.msecsToJiffies(200)).toBe(50);
    expect(t.msecsToJiffies(201)).toBe(51);
    expect(t.msecsToJiffies(10)).toBe(3);
    expect(t.usecsToJiffies(200_000)).toBe(50);
  });
  it('schedule_timeout(n) ends at the tick where jiffies reaches J + n: between n - 1 and n jiffies', () => {
    expect(t.timeoutExpiry(1000, 50)).toBe(1200);
    expect(t.timeoutExpiry(1003.9, 50)).toBe(1200);
    expect(t.timeoutExpiry(1004, 50)).toBe(1204);
  });
});

/**
 * The loop alone: ticks at 0, 4, 8 ... ms, gettimeofday() = an epoch second boundary + t,
 * no wake-up latency; the test answers (or not) each request.
 */
function loop(opts: { replyAfterMs: number | null; epochOffsetUs?: number; firstSendAt: number }) {
  const sched = new Scheduler(new ModelClock(1, true));
  const sends: number[] = [];
  let acked = true;
  const base = 1_700_000_000 * 1e6 + (opts.epochOffsetUs ?? 0);
  const timing: IputilsTiming = new IputilsTiming(sched, new KernelTicks(250, 0), 200, {
    epochUs: (x) => Math.floor(base + x * 1000),
    inFlight: () => !acked,
    send: () => {
      const now = sched.now();
      sends.push(now);
      acked = false;
      timing.sent(now);
      if (opts.replyAfterMs !== null) {
        sched.after(opts.replyAfterMs, () => {
          acked = true;
          timing.replied();
        });
      }
    },
    wakeLatencyMs: () => 0,
  });
  sched.at(opts.firstSendAt, () => timing.start());
  sched.runUntil(opts.firstSendAt + 1000);
  return sends;
}

describe('iputils\' send times (ping_common.c) on HZ 250', () => {
  it('reply within the same jiffy: poll(198) wakes 0.5 ms early, the spin sends at exactly 200 ms', () => {
    // send at 1000.5 (0.5 ms into jiffy 250), reply at 1002.5: poll(198) = 50 jiffies from
    // jiffy 250 -> tick 300 = 1200.0; ntokens 199, nothing in flight: spin until 1200.5
    const sends = loop({ firstSendAt: 1000.5, replyAfterMs: 2 });
    expect(sends[1] - sends[0]).toBeCloseTo(200, 6);
    // and again: the next send is 0.5 ms into its jiffy too (within one gettimeofday() second;
    // across a second boundary C's division can send up to 1 ms early, the last test)
    expect(sends[2] - sends[1]).toBeCloseTo(200, 6);
  });

  it('reply in the next jiffy: poll(198) from jiffy 251 ends at tick 301, 200.5 ms after the send', () => {
    // send at 1003.5, reply at 1005.0 (jiffy 251): poll(198) -> tick 301 = 1204.0; ntokens
    // (1204 - 1003.5 = 200.5 ms) is 200: send at once
    const sends = loop({ firstSendAt: 1003.5, replyAfterMs: 1.5 });
    expect(sends[1] - sends[0]).toBeCloseTo(200.5, 6);
  });

  it('no reply: SO_RCVTIMEO (50 jiffies) ends at 199.5 ms, the request is in flight, poll(10) adds 3 jiffies: 211.5 ms', () => {
    const sends = loop({ firstSendAt: 1000.5, replyAfterMs: null });
    // recvmsg() from jiffy 250 -> tick 300 = 1200.0 (ntokens 199); poll(10) = 3 jiffies -> 1212.0
    expect(sends[1] - sends[0]).toBeCloseTo(211.5, 6);
    // the next send is 0 ms into jiffy 303: recvmsg ends at tick 353 = 1412.0 with ntokens 200: at once
    expect(sends[2] - sends[1]).toBeCloseTo(200, 6);
  });

  it('ntokens is C arithmetic on gettimeofday(): across a second boundary it reaches 200 after 199.001 ms', () => {
    // the first send at t = 1003 ms is at gettimeofday() x.999500 s (epoch offset -3.5 ms); the
    // reply 0.5 ms later; poll(199) (ntokens 1: 1000 + (0 - 999500) / 1000 = 1) ends at tick
    // 300 = 1200 ms, where ntokens is 1000 + (196500 - 999500) / 1000 = 197; the spin then
    // ends at the first microsecond with 1000 + (u - 999500) / 1000 >= 200 in C's division,
    // u > 198500: at x+1.198501 s, 199.001 ms after the send
    const sends = loop({ firstSendAt: 1003, replyAfterMs: 0.5, epochOffsetUs: -3500 });
    expect(sends[1] - sends[0]).toBeCloseTo(199.001, 3);
  });
});

describe('the model client\'s ping', () => {
  it('sends every 200 ms while answered, and 200 or 208..212 ms apart during the stock blackout', () => {
    const b = new ModelBench({ variant: 'stock', seed: 71 });
    b.associate();
    const sendsAt: number[] = [];
    const c = b.world.client;
    const real = c.transmitData.bind(c);
    c.transmitData = () => {
      sendsAt.push(b.now);
      return real();
    };
    b.startPing();
    b.run(3000);
    for (let i = 0; i < 6; i++) expect(b.roam().joinMs).toBeDefined();
    const entries = b.finish();
    const dropped = new Set(entries.flatMap((e) => e.drops.map((d) => d.atMs - b.epoch(0))));
    const gaps = sendsAt.slice(1).map((t, i) => ({ after: sendsAt[i], gap: t - sendsAt[i] }));
    const afterDrop = gaps.filter((g) => [...dropped].some((d) => Math.abs(d - g.after) < 0.01));
    const afterReply = gaps.filter((g) => !afterDrop.includes(g));
    expect(afterDrop.length).toBeGreaterThan(10);
    // answered: the spin finishes the interval (a send can be up to 1 ms early across a second
    // boundary, and a poll that overshoots by up to a jiffy sends late)
    for (const g of afterReply) {
      expect(g.gap).toBeGreaterThanOrEqual(199);
      expect(g.gap).toBeLessThan(204.2);
    }
    expect(median(afterReply.map((g) => g.gap))).toBeCloseTo(200, 0);
    // unanswered: either ntokens reached 200 when SO_RCVTIMEO ran out, or poll(10) added 3 jiffies
    for (const g of afterDrop) {
      const early = g.gap < 201;
      const late = g.gap >= 208 - 0.2 && g.gap <= 212.2;
      expect(early || late, `gap ${g.gap}`).toBe(true);
    }
    expect(afterDrop.some((g) => g.gap > 205)).toBe(true);
  });
});
