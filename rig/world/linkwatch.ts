import type { Scheduler, Timer } from './clock.ts';

/**
 * Linux 2.6.16 net/core/link_watch.c for one net_device (and, with `urgentCarrierOn`,
 * a current kernel's).
 *
 * netif_carrier_on/off() flip the carrier bit and call linkwatch_fire_event().
 * The event work runs at most once per second (linkwatch_nextevent = jiffies + HZ):
 * if the last run was more than a second ago it is scheduled at once (keventd
 * latency only), otherwise it waits for the rest of the second. When it runs it
 * looks at the carrier *then*: carrier off -> dev_deactivate() (the device is put
 * on the noop qdisc: every transmitted packet is freed silently); carrier on ->
 * dev_activate(). An off and an on that both happen before the pending work runs
 * coalesce (__LINK_STATE_LINKWATCH_PENDING) and the work sees only the final state.
 *
 * `urgentCarrierOn` (a current kernel, net/core/link_watch.c): linkwatch_fire_event()
 * asks linkwatch_urgent_event(), which is true for a running device whose carrier is
 * on while its qdisc is still deactivated (qdisc_tx_changing()): "Minimise down-time:
 * drop delay for up event" (linkwatch_schedule_work(): LW_URGENT, mod_delayed_work(...,
 * 0)), even when the device is already pending. A run inside the rate-limit second
 * (linkwatch_event(): __linkwatch_run_queue(time_after(linkwatch_nextevent, jiffies)))
 * handles only urgent devices, leaves linkwatch_nextevent alone and puts the others
 * back for the normal delayed run. So carrier-on after a roam reactivates the queue
 * after keventd's latency, not after the rest of the second.
 */
export class LinkWatch {
  carrierOk = false;
  /** False while the device sits on the noop qdisc. */
  qdiscActive = false;
  private nextEvent = -Infinity;
  private pending = false;
  private work: Timer | undefined;
  /** netif_running(): between interfaceUp() and interfaceDown(). */
  private running = false;
  /** LW_URGENT: an urgent run is scheduled. */
  private urgentScheduled = false;

  constructor(
    private readonly sched: Scheduler,
    private readonly workLatencyMs: () => number,
    private readonly onRun: (event: { atMs: number; carrierOk: boolean; activated: boolean; deactivated: boolean }) => void,
    private readonly options: { urgentCarrierOn?: boolean } = {},
  ) {}

  setCarrier(on: boolean): void {
    if (this.carrierOk === on) return;
    this.carrierOk = on;
    this.fireEvent();
  }

  /** The interface went down: the qdisc is deactivated at once (dev_close). */
  interfaceDown(): void {
    this.running = false;
    this.qdiscActive = false;
  }

  /** ifconfig up (dev_open -> dev_activate, which does nothing without carrier). */
  interfaceUp(): void {
    this.running = true;
    if (this.carrierOk) this.qdiscActive = true;
  }

  cancel(): void {
    this.work?.cancel();
    this.work = undefined;
    this.pending = false;
    this.urgentScheduled = false;
  }

  /** linkwatch_urgent_event(): running, carrier on, qdisc not yet back (never on 2.6.16). */
  private urgent(): boolean {
    return this.options.urgentCarrierOn === true && this.running && this.carrierOk && !this.qdiscActive;
  }

  private fireEvent(): void {
    const urgent = this.urgent();
    if (this.pending && !urgent) return; // coalesced with the event already queued
    this.pending = true;
    this.schedule(urgent);
  }

  /** linkwatch_schedule_work() (2.6.16: schedule_work() now, or delayed to linkwatch_nextevent). */
  private schedule(urgent: boolean): void {
    if (this.urgentScheduled) return;
    const now = this.sched.now();
    if (urgent) {
      this.urgentScheduled = true;
      this.work?.cancel(); // mod_delayed_work(..., 0)
      this.work = this.sched.at(now + this.workLatencyMs(), () => this.run());
      return;
    }
    if (this.work) return;
    const at = now >= this.nextEvent ? now + this.workLatencyMs() : this.nextEvent;
    this.work = this.sched.at(at, () => this.run());
  }

  private run(): void {
    const now = this.sched.now();
    this.work = undefined;
    const urgentOnly = this.options.urgentCarrierOn === true && now < this.nextEvent;
    this.urgentScheduled = false;
    if (urgentOnly && !this.urgent()) {
      this.schedule(false); // back on the list for the run at linkwatch_nextevent
      return;
    }
    if (!urgentOnly) this.nextEvent = now + 1000; // HZ
    this.pending = false;
    const was = this.qdiscActive;
    this.qdiscActive = this.carrierOk;
    this.onRun({ atMs: now, carrierOk: this.carrierOk, activated: !was && this.qdiscActive, deactivated: was && !this.qdiscActive });
  }
}
