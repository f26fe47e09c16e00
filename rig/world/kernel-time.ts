/**
 * A Linux 2.6.16 board's timer tick, for the timeouts user space asks the kernel for.
 *
 * - HZ is a kernel build option; kernel/Kconfig.hz (2.6.13 and later) defaults to
 *   `HZ_250`, which the model's boards use: one jiffy is 4 ms.
 * - include/linux/jiffies.h, msecs_to_jiffies(): for an HZ that divides 1000, `(m + (1000
 *   / HZ) - 1) / (1000 / HZ)`: milliseconds rounded up to whole jiffies. fs/select.c,
 *   sys_poll() (2.6.16) passes the poll() timeout through it unchanged.
 * - net/core/sock.c, sock_set_timeout() (SO_RCVTIMEO): `tv_sec * HZ + (tv_usec +
 *   (1000000 / HZ - 1)) / (1000000 / HZ)`: the same rounding, from microseconds.
 * - kernel/timer.c, schedule_timeout(n) at jiffy J arms a timer for J + n; the timer wheel
 *   runs it in the tick where jiffies reaches J + n. The call came some way into jiffy J,
 *   so the sleep lasts between n - 1 and n jiffies.
 *
 * The tick's phase against the model clock is the board's own (it booted at some moment).
 */
export const HZ_DEFAULT = 250;

export class KernelTicks {
  readonly jiffyMs: number;

  constructor(
    readonly hz: number,
    /** Model ms of one tick (any tick: the grid is phase + k * jiffyMs). */
    readonly phaseMs: number,
  ) {
    if (1000 % hz !== 0) throw new Error(`HZ ${hz} does not divide 1000 (the model only has those)`);
    this.jiffyMs = 1000 / hz;
  }

  /** The jiffy count at model time t (which tick period t lies in). */
  jiffies(t: number): number {
    return Math.floor((t - this.phaseMs) / this.jiffyMs + 1e-9);
  }

  /** Model time of tick j. */
  tickTime(j: number): number {
    return this.phaseMs + j * this.jiffyMs;
  }

  /** msecs_to_jiffies(): milliseconds rounded up to jiffies. */
  msecsToJiffies(ms: number): number {
    return Math.ceil(ms / this.jiffyMs - 1e-9);
  }

  /** sock_set_timeout(): an SO_RCVTIMEO of `us` microseconds in jiffies (rounded up). */
  usecsToJiffies(us: number): number {
    return Math.ceil(us / (1_000_000 / this.hz) - 1e-9);
  }

  /** When schedule_timeout(n) called at model time t returns by timeout: the tick where jiffies reaches J(t) + n. */
  timeoutExpiry(t: number, n: number): number {
    return this.tickTime(this.jiffies(t) + n);
  }
}
