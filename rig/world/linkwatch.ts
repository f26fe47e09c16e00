import type { Scheduler, Timer } from './clock.ts';

export interface LinkWatchRun {
  atMs: number;
  carrierOk: boolean;
  activated: boolean;
  deactivated: boolean;
}

export interface LinkWatchOptions {
  /** A current kernel's linkwatch_urgent_event() (see LinkWatchQueue); 2.6.16 has none. */
  urgentCarrierOn?: boolean;
}

/** HZ of linkwatch_nextevent = jiffies + HZ: one second. */
const RATE_LIMIT_MS = 1000;

/**
 * One kernel's linkwatch, Linux 2.6.16 net/core/link_watch.c: the state is global, not per
 * device. `linkwatch_nextevent`, the `LW_RUNNING` flag, the one `linkwatch_work` and the
 * `lweventlist` are statics shared by every net_device of the board (the client's ath0 and
 * its wired eth0 alike); only `__LINK_STATE_LINKWATCH_PENDING` is per device.
 *
 * - linkwatch_fire_event(dev): a device already pending is not queued again (its events
 *   coalesce). Otherwise it is appended to lweventlist and, unless a run is already
 *   scheduled (LW_RUNNING), linkwatch_work is scheduled: at once (schedule_work(), keventd's
 *   latency only) when `jiffies >= linkwatch_nextevent`, else delayed until then.
 * - linkwatch_event(): `linkwatch_nextevent = jiffies + HZ` ("Limit the number of linkwatch
 *   events to one per second so that a runaway driver does not cause a storm of messages on
 *   the netlink socket"), clears LW_RUNNING and runs linkwatch_run_queue(), which takes every
 *   queued device, clears its pending bit and, if the device is up (IFF_UP), looks at its
 *   carrier *now*: carrier ok -> dev_activate() (back to its qdisc), else dev_deactivate()
 *   (the noop qdisc: every transmitted packet is freed silently).
 *
 * So an event of any device within the second after a run (eth0 flapping, say) makes the
 * next event of every other device wait for the rest of that second too.
 *
 * `urgentCarrierOn` (a current kernel, net/core/link_watch.c): linkwatch_fire_event() asks
 * linkwatch_urgent_event(), which is true for a running device whose carrier is on while its
 * qdisc is still deactivated ("Minimise down-time: drop delay for up event":
 * linkwatch_schedule_work() sets LW_URGENT and mod_delayed_work(..., 0)), even when the
 * device is already pending. A run inside the rate-limit second (linkwatch_event():
 * __linkwatch_run_queue(time_after(linkwatch_nextevent, jiffies))) handles only urgent
 * devices, leaves linkwatch_nextevent alone and puts the others back for the normal delayed
 * run.
 */
export class LinkWatchQueue {
  private nextEvent = -Infinity;
  /** lweventlist: devices queued, in order. */
  private readonly list: LinkWatch[] = [];
  /** The scheduled linkwatch_work (2.6.16: LW_RUNNING is set while it is). */
  private work: Timer | undefined;
  /** LW_URGENT: an urgent run is scheduled (current kernels only). */
  private urgentScheduled = false;

  constructor(
    readonly sched: Scheduler,
    /** keventd picking the work up. */
    readonly workLatencyMs: () => number,
    readonly options: LinkWatchOptions = {},
  ) {}

  /** A net_device of this kernel (ath0, eth0, ...). */
  device(name: string, onRun: (run: LinkWatchRun) => void = () => {}): LinkWatch {
    return new LinkWatch(this.sched, this.workLatencyMs, onRun, this.options, { queue: this, name });
  }

  /** linkwatch_fire_event(). */
  fire(dev: LinkWatch): void {
    const urgent = this.urgent(dev);
    if (!dev.pending) {
      dev.pending = true;
      this.list.push(dev);
    } else if (!urgent) {
      return; // coalesced with the event already queued
    }
    this.schedule(urgent);
  }

  /** Forget a device's queued event (it went away). */
  forget(dev: LinkWatch): void {
    const i = this.list.indexOf(dev);
    if (i >= 0) this.list.splice(i, 1);
    dev.pending = false;
  }

  /** linkwatch_urgent_event(): running, carrier on, qdisc not yet back (never on 2.6.16). */
  private urgent(dev: LinkWatch): boolean {
    return this.options.urgentCarrierOn === true && dev.running && dev.carrierOk && !dev.qdiscActive;
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
    if (this.work) return; // LW_RUNNING: a run is already scheduled
    const at = now >= this.nextEvent ? now + this.workLatencyMs() : this.nextEvent;
    this.work = this.sched.at(at, () => this.run());
  }

  /** linkwatch_event() -> linkwatch_run_queue(). */
  private run(): void {
    const now = this.sched.now();
    this.work = undefined;
    const urgentOnly = this.options.urgentCarrierOn === true && now < this.nextEvent;
    if (!urgentOnly) this.nextEvent = now + RATE_LIMIT_MS;
    this.urgentScheduled = false;
    const queued = this.list.splice(0);
    for (const dev of queued) {
      if (urgentOnly && !this.urgent(dev)) {
        this.list.push(dev); // back on the list for the run at linkwatch_nextevent
        continue;
      }
      dev.pending = false;
      dev.handle(now);
    }
    if (this.list.length > 0) this.schedule(false);
  }
}

/**
 * One net_device's link state as linkwatch sees it: netif_carrier_on/off() flip the carrier
 * bit (include/linux/netdevice.h, inline in 2.6.16) and, on a change, call
 * linkwatch_fire_event(); the qdisc is active or the noop qdisc (net/sched/sch_generic.c,
 * dev_activate() / dev_deactivate()). Constructed alone it is the only device of its own
 * kernel (unit tests); `LinkWatchQueue.device()` puts it on a board's shared queue.
 */
export class LinkWatch {
  carrierOk = false;
  /** False while the device sits on the noop qdisc. */
  qdiscActive = false;
  /** __LINK_STATE_LINKWATCH_PENDING. */
  pending = false;
  /** IFF_UP / netif_running(): between interfaceUp() and interfaceDown(). */
  running = false;
  readonly name: string;
  readonly queue: LinkWatchQueue;

  constructor(
    sched: Scheduler,
    workLatencyMs: () => number,
    private readonly onRun: (event: LinkWatchRun) => void,
    options: LinkWatchOptions = {},
    shared?: { queue: LinkWatchQueue; name: string },
  ) {
    this.queue = shared?.queue ?? new LinkWatchQueue(sched, workLatencyMs, options);
    this.name = shared?.name ?? 'dev';
  }

  setCarrier(on: boolean): void {
    if (this.carrierOk === on) return;
    this.carrierOk = on;
    this.queue.fire(this);
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
    this.queue.forget(this);
  }

  /** linkwatch_run_queue() for this device: only an up device is (de)activated. */
  handle(atMs: number): void {
    const was = this.qdiscActive;
    if (this.running) this.qdiscActive = this.carrierOk;
    this.onRun({ atMs, carrierOk: this.carrierOk, activated: !was && this.qdiscActive, deactivated: was && !this.qdiscActive });
  }
}
