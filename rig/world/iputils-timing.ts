import type { Scheduler, Timer } from './clock.ts';
import type { KernelTicks } from './kernel-time.ts';

/** ping_common.h (iputils s20070202, the same in s20121011): the shortest wait, and SCHINT(). */
export const MININTERVAL_MS = 10;
const schint = (ms: number): number => (ms <= MININTERVAL_MS ? MININTERVAL_MS : ms);
/** User space's HZ (<sys/param.h> via <asm/param.h>: 100), which main_loop() compares against; not the kernel's. */
export const USER_HZ = 100;

export interface IputilsTimingHooks {
  /** The board's gettimeofday() at model time t, in whole microseconds since the epoch. */
  epochUs(t: number): number;
  /** in_flight(): an echo request sent after the last one answered (ping_common.h). */
  inFlight(): boolean;
  /** pinger() sends now (send_probe()); the caller reports back with sent(). */
  send(): void;
  /** How long the process takes to run after the kernel woke it (model ms). */
  wakeLatencyMs(): number;
}

/**
 * When iputils sends its echo requests: main_loop() and pinger() of ping_common.c
 * (s20070202; the timing code is unchanged in s20121011, which adds -D and -O), on a
 * kernel whose timeouts count in jiffies (kernel-time.ts).
 *
 * - pinger() with preload 1 sends once `ntokens`, the milliseconds since the last send
 *   from gettimeofday() (`(tv_sec - cur_time.tv_sec) * 1000 + (tv_usec -
 *   cur_time.tv_usec) / 1000`, C division), reach the interval; otherwise it returns
 *   the rest, `next`. After a send it returns the interval itself.
 * - main_loop(): `next` not below SCHINT(interval) (just after a send): a blocking
 *   recvmsg() whose SO_RCVTIMEO is the interval. Below it: when `1000 * next <= 1000000
 *   / HZ` (10 ms) it polls MININTERVAL (10 ms) if a request is in flight, and otherwise
 *   spins (sched_yield() and non-blocking recvmsg()) until the interval is up; above
 *   that, poll(next).
 * - A reply ends the wait at once; after reading it main_loop() goes back to pinger().
 *
 * On a 2.6.16 board at HZ 250 with `-i 0.2` this gives: reply within a few ms, then
 * poll(~198) sleeps 49..50 jiffies and the spin finishes the interval: a send 200 to ~202
 * ms after the last. No reply: SO_RCVTIMEO (50 jiffies) runs out 196..200 ms after the
 * send, the request is in flight, so poll(10) sleeps 3 jiffies more: 208..212 ms.
 */
export class IputilsTiming {
  private lastSendMs = 0;
  private lastSendUs = 0;
  private sentOnce = false;
  private wait: Timer | null = null;
  private stopped = false;

  constructor(
    private readonly sched: Scheduler,
    private readonly ticks: KernelTicks,
    private readonly intervalMs: number,
    private readonly hooks: IputilsTimingHooks,
  ) {}

  /** The first pinger() call sends at once (cur_time is still zero). */
  start(): void {
    this.wait = this.sched.after(0, () => this.pinger());
  }

  stop(): void {
    this.stopped = true;
    this.wait?.cancel();
    this.wait = null;
  }

  /** send_probe() succeeded at model time t: pinger() resets cur_time and returns the interval. */
  sent(t: number): void {
    this.lastSendMs = t;
    this.lastSendUs = this.hooks.epochUs(t);
    this.sentOnce = true;
    this.waitFor(this.intervalMs);
  }

  /** A reply reached the socket: a blocked recvmsg() or poll() returns, then pinger() runs. */
  replied(): void {
    if (this.stopped || !this.wait) return;
    this.wait.cancel();
    this.wait = this.sched.after(this.hooks.wakeLatencyMs(), () => this.pinger());
  }

  /** ntokens of pinger(): whole milliseconds since the last send, as iputils computes them from gettimeofday(). */
  ntokens(t: number): number {
    const now = this.hooks.epochUs(t);
    const s = this.lastSendUs;
    const sec = Math.floor(now / 1e6) - Math.floor(s / 1e6);
    const usec = (now % 1e6) - (s % 1e6);
    return sec * 1000 + Math.trunc(usec / 1000);
  }

  private pinger(): void {
    this.wait = null;
    if (this.stopped) return;
    const now = this.sched.now();
    if (!this.sentOnce || this.ntokens(now) >= this.intervalMs) {
      this.hooks.send();
      return;
    }
    this.waitFor(this.intervalMs - this.ntokens(now));
  }

  /** main_loop() after pinger() returned `next` ms. */
  private waitFor(nextMs: number): void {
    if (this.stopped) return;
    const now = this.sched.now();
    const t = this.ticks;
    if (nextMs >= schint(this.intervalMs)) {
      // recvmsg() blocking, SO_RCVTIMEO = SCHINT(interval) (set once at startup)
      this.sleepUntil(t.timeoutExpiry(now, t.usecsToJiffies(1000 * schint(this.intervalMs))));
      return;
    }
    let next = nextMs;
    if (1000 * next <= 1_000_000 / USER_HZ) {
      if (!this.hooks.inFlight()) {
        // spin: sched_yield() and non-blocking recvmsg() until ntokens reaches the interval
        this.wait = this.sched.at(this.spinEnd(now), () => this.pinger());
        return;
      }
      next = MININTERVAL_MS;
    }
    this.sleepUntil(t.timeoutExpiry(now, t.msecsToJiffies(next)));
  }

  private sleepUntil(at: number): void {
    this.wait = this.sched.at(at + this.hooks.wakeLatencyMs(), () => this.pinger());
  }

  /** The first microsecond at which ntokens reaches the interval. */
  private spinEnd(now: number): number {
    const base = this.lastSendMs;
    let lo = Math.max(now, base + this.intervalMs - 1.5);
    let hi = base + this.intervalMs + 1.5;
    if (this.ntokens(lo) >= this.intervalMs) return lo;
    while (hi - lo > 0.0005) {
      const mid = (lo + hi) / 2;
      if (this.ntokens(mid) >= this.intervalMs) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}
