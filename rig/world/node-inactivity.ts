import type { Scheduler, Timer } from './clock.ts';
import { HZ_DEFAULT, KernelTicks } from './kernel-time.ts';
import type { Random } from './random.ts';

/**
 * madwifi 0.9.3's node inactivity (net80211/ieee80211_node.h and ieee80211_node.c), in
 * units of the inactivity timer:
 * - IEEE80211_INACT_WAIT (15 s): ieee80211_node_timeout() re-arms the ic_inact timer every
 *   15 s and calls ieee80211_timeout_stations() (and, on a station, ieee80211_scan_timeout()).
 * - IEEE80211_INACT_INIT (30 / 15 = 2): a node only authenticated (nt_inact_init);
 *   IEEE80211_INACT_AUTH (180 / 15 = 12): associated, not yet authorized (WPA before the
 *   handshake); IEEE80211_INACT_RUN (300 / 15 = 20): authorized; IEEE80211_INACT_PROBE
 *   (30 / 15 = 2): the window in which the AP probes the station with a null data frame.
 */
export const INACT_WAIT_MS = 15_000;
export const INACT_RELOAD = { init: 30 / 15, auth: 180 / 15, run: 300 / 15 } as const;
export const INACT_PROBE = 30 / 15;

/**
 * When ieee80211_node_timeout() next runs, called from the handler at model time `now`:
 * it re-arms with `mod_timer(&ic->ic_inact, jiffies + IEEE80211_INACT_WAIT * HZ)`, and
 * kernel/timer.c (2.6.16, __run_timers()) runs a timer from the timer softirq of the tick
 * where jiffies reaches its `expires`, so inside the handler `jiffies` is that tick: the
 * period is exactly 15 * HZ jiffies of the board's clock, the same clock gettimeofday()
 * counts. Nothing accumulates from run to run; only a handler that ran a whole jiffy late
 * (a softirq held off past the next tick) moves the later ones.
 */
export function nextInactExpiry(ticks: KernelTicks, now: number): number {
  return ticks.jiffies(now) + (INACT_WAIT_MS / 1000) * ticks.hz;
}

/** From the timer interrupt to the handler in the timer softirq on irq_exit(): tens of microseconds. */
export function timerSoftirqLatencyMs(rnd: Random): number {
  return rnd.uniform(0.01, 0.08);
}

export type InactKind = keyof typeof INACT_RELOAD;

interface Counter {
  /** ni_inact */
  inact: number;
  /** ni_inact_reload */
  reload: number;
}

/**
 * The AP side of it, ieee80211_timeout_stations(): every tick each node's ni_inact drops by
 * one; any frame received from the station (ieee80211_input(): `ni->ni_inact =
 * ni->ni_inact_reload`) or sent to it and ACKed (ath/if_ath.c, ath_tx_processq()) refills
 * it. At 0 < ni_inact <= IEEE80211_INACT_PROBE the AP sends the station a null data frame
 * (ieee80211_send_nulldata(), "probe station due to inactivity"), whose ACK refills it; at 0
 * "station timed out due to inactivity": a deauthentication and ieee80211_node_leave(). A
 * station that left silently (a roam: the AP is never told) is dropped 19 to 20 ticks after
 * its last frame, 285 to 300 s.
 */
export class NodeInactivity<K> {
  private readonly counters = new Map<K, Counter>();
  private timer: Timer | null = null;
  private readonly ticks: KernelTicks;

  constructor(
    private readonly sched: Scheduler,
    private readonly rnd: Random,
    private readonly hooks: { probeAcked(key: K): boolean; timedOut(key: K): void },
  ) {
    // The AP board's own tick; the ic_inact timer runs from the radio's attach, at whatever phase that was.
    this.ticks = new KernelTicks(HZ_DEFAULT, rnd.uniform(0, 1000 / HZ_DEFAULT));
    this.arm(this.ticks.jiffies(sched.now() + rnd.uniform(0, INACT_WAIT_MS)) + 1);
  }

  private arm(expires: number): void {
    this.timer = this.sched.at(this.ticks.tickTime(expires) + timerSoftirqLatencyMs(this.rnd), () => this.tick());
  }

  add(key: K, kind: InactKind): void {
    const reload = INACT_RELOAD[kind];
    this.counters.set(key, { inact: reload, reload });
  }

  /** ieee80211_node_authorize(): ni_inact_reload = iv_inact_run (ni_inact refills with the next frame). */
  setReload(key: K, kind: InactKind): void {
    const c = this.counters.get(key);
    if (c) c.reload = INACT_RELOAD[kind];
  }

  heard(key: K): void {
    const c = this.counters.get(key);
    if (c) c.inact = c.reload;
  }

  remove(key: K): void {
    this.counters.delete(key);
  }

  /** isi_inact as `wlanconfig list sta` prints it (IDLE): (reload - ni_inact) * IEEE80211_INACT_WAIT, seconds. */
  idleS(key: K): number {
    const c = this.counters.get(key);
    return c ? Math.max(0, c.reload - c.inact) * (INACT_WAIT_MS / 1000) : 0;
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private tick(): void {
    this.arm(nextInactExpiry(this.ticks, this.sched.now()));
    for (const [key, c] of [...this.counters]) {
      c.inact--;
      if (c.inact > 0 && c.inact <= INACT_PROBE && this.hooks.probeAcked(key)) c.inact = c.reload;
      if (c.inact <= 0) {
        this.counters.delete(key);
        this.hooks.timedOut(key);
      }
    }
  }
}
