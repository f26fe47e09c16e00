import type { Scheduler, Timer } from './clock.ts';

/**
 * Linux 2.6.16 net/core/link_watch.c for one net_device.
 *
 * netif_carrier_on/off() flip the carrier bit and call linkwatch_fire_event().
 * The event work runs at most once per second (linkwatch_nextevent = jiffies + HZ):
 * if the last run was more than a second ago it is scheduled at once (keventd
 * latency only), otherwise it waits for the rest of the second. When it runs it
 * looks at the carrier *then*: carrier off -> dev_deactivate() (the device is put
 * on the noop qdisc: every transmitted packet is freed silently); carrier on ->
 * dev_activate(). An off and an on that both happen before the pending work runs
 * coalesce (__LINK_STATE_LINKWATCH_PENDING) and the work sees only the final state.
 */
export class LinkWatch {
  carrierOk = false;
  /** False while the device sits on the noop qdisc. */
  qdiscActive = false;
  private nextEvent = -Infinity;
  private pending = false;
  private work: Timer | undefined;

  constructor(
    private readonly sched: Scheduler,
    private readonly workLatencyMs: () => number,
    private readonly onRun: (event: { atMs: number; carrierOk: boolean; activated: boolean; deactivated: boolean }) => void,
  ) {}

  setCarrier(on: boolean): void {
    if (this.carrierOk === on) return;
    this.carrierOk = on;
    this.fireEvent();
  }

  /** The interface went down: the qdisc is deactivated at once (dev_close). */
  interfaceDown(): void {
    this.qdiscActive = false;
  }

  /** ifconfig up (dev_open -> dev_activate, which does nothing without carrier). */
  interfaceUp(): void {
    if (this.carrierOk) this.qdiscActive = true;
  }

  cancel(): void {
    this.work?.cancel();
    this.work = undefined;
    this.pending = false;
  }

  private fireEvent(): void {
    if (this.pending) return; // coalesced with the event already queued
    this.pending = true;
    if (this.work) return;
    const now = this.sched.now();
    const at = now >= this.nextEvent ? now + this.workLatencyMs() : this.nextEvent;
    this.work = this.sched.at(at, () => this.run());
  }

  private run(): void {
    const now = this.sched.now();
    this.work = undefined;
    this.nextEvent = now + 1000; // HZ
    this.pending = false;
    const was = this.qdiscActive;
    this.qdiscActive = this.carrierOk;
    this.onRun({ atMs: now, carrierOk: this.carrierOk, activated: !was && this.qdiscActive, deactivated: was && !this.qdiscActive });
  }
}
