import type { AccessPoint } from './access-point.ts';
import type { Timer } from './clock.ts';
import { CHANNEL_SWITCH_MS } from './association.ts';
import { rssiOf, SENSITIVITY_DBM } from './radio.ts';
import type { ScanCache } from './scan-cache.ts';
import type { World } from './world.ts';

/**
 * The channels the client's radio scans, in the order sta_start() (net80211/ieee80211_scan_sta.c)
 * puts them: staScanTable's lists in turn, each channel the regulatory domain has active
 * (rcl3: 1, 6, 11, 7, 13; rcl8: 2, 3, 4, 5, 8, 9, 10, 12; rcl9: 14), 11b channels upgraded
 * to 11g. The model's client radio is 2.4 GHz only and in the FCC domain (channels 1 to 11:
 * the model's choice, as the 1.2 s foreground scan of station.ts assumes).
 */
export const SCAN_CHANNELS = [1, 6, 11, 7, 2, 3, 4, 5, 8, 9, 10] as const;
/** IEEE80211_SCAN_OFFCHANNEL: msecs_to_jiffies(150), the time of one background scan slot (ieee80211_scan.c). */
export const BG_SLOT_MS = 150;
/** IEEE80211_BGSCAN_IDLE_DEFAULT (ieee80211_var.h), ms: iv_bgscanidle. */
export const BGSCAN_IDLE_MS = 250;
/** IEEE80211_BGSCAN_INTVAL_DEFAULT (5 * 60 s): iv_bgscanintvl. */
export const BGSCAN_INTVAL_MS = 5 * 60_000;
/** 100 TU, the APs' beacon interval (the boards' `bintval`). */
export const BEACON_INTERVAL_MS = 102.4;

export interface BgScanHost {
  world: World;
  cache: ScanCache;
  /** The AP the station is associated to now (RUN), or null. */
  associatedTo(): AccessPoint | null;
  /** A foreground scan (or the join's own) is running: no background scan. */
  busy(): boolean;
  /** Background scanning is enabled (`iwpriv athN bgscan`, IEEE80211_F_BGSCAN). */
  enabled(): boolean;
}

interface Slot {
  channel: number | null;
  startMs: number;
  cancelling: boolean;
  end: Timer | null;
  samples: Timer[];
}

/** One background scan slot, as it went (for tests and traces). */
export interface BgScanSlot {
  /** The channel visited; null when cancelled before scan_next() switched. */
  channel: number | null;
  startMs: number;
  endMs: number;
  cancelled: boolean;
}

/**
 * madwifi 0.9.3's background scan on a station, net80211/ieee80211_scan.c, with what data
 * traffic does to it:
 *
 * - ieee80211_bg_scan(): restarts the channel list when the previous pass completed
 *   (`ss_next >= ss_last`: sta_restart()), else goes on where it stopped; puts the station
 *   into power save (scan_restart() -> scan_restart_pwrsave(), one jiffy) and sets
 *   IEEE80211_FEXT_BGSCAN. scan_next() then visits ONE channel per call: the slot lasts
 *   IEEE80211_SCAN_OFFCHANNEL (150 ms; ss_mindwell is set to it, so `jiffies + ss_mindwell`
 *   is past scanend after the first channel), with a probe request on arrival.
 * - At the end of an undisturbed slot the radio returns to the BSS channel; the pass is
 *   "stopped", not done: ic_lastscan is NOT updated, the station stays in power save (the AP
 *   buffers its frames until a beacon's TIM wakes it), and sta_pick_bss() (NOPICK) does only
 *   the once-per-pass sta_update_notseen(). When the last channel's slot ends the pass is
 *   done: ic_lastscan = jiffies, power save off, IEEE80211_FEXT_BGSCAN cleared.
 * - net80211/ieee80211_output.c, ieee80211_hardstart(): "Cancel any running BG scan": a data
 *   frame sent during a slot cancels it (ieee80211_cancel_scan(): ISCAN_CANCEL, the scan
 *   timer forced to the next tick), and scan_next() then counts the pass as done for the
 *   time: "Record scan complete time. Note that we also do this when canceled so any
 *   background scan will not be restarted for a while" (ic_lastscan = jiffies), power save
 *   off. The frame itself was handed to the hardware while the radio was on the scan
 *   channel: no AP there ACKs it, and ath_chan_set()'s ath_draintxq() frees what is left at
 *   the switch back: it is lost.
 * - A pass continues only from the BSS's beacons (ieee80211_input.c, ieee80211_recv_mgmt():
 *   contbgscan(): FEXT_BGSCAN and no data frame for iv_bgscanidle, 250 ms; startbgscan():
 *   bgscan on, ic_lastscan older than iv_bgscanintvl, 5 min, and the same idleness), or from
 *   sta_roam_check() on the next sta_age() tick. ic_lastdata is every data frame sent
 *   (ieee80211_parent_queue_xmit()) or received (ieee80211_input()).
 *
 * With ping -i 0.2 running the station is never idle for 250 ms, so a pass advances one
 * channel per roam check (15 s), and a ping falls into the 150 ms slot three times in four:
 * that ping is lost and the stale cache counts as fresh for scanvalid.
 */
export class BackgroundScan {
  /** ic_lastscan, model ms. */
  lastScanMs = -Infinity;
  /** ic_lastdata, model ms. */
  lastDataMs = -Infinity;
  /** IEEE80211_FEXT_BGSCAN: a pass is under way. */
  fext = false;
  /** ss_next: the index of the next channel of SCAN_CHANNELS. */
  next: number = SCAN_CHANNELS.length;
  /** The station told its AP it sleeps (power save): the AP buffers frames for it. */
  sleeping = false;
  /** Model ms until which the radio is off the BSS channel (a slot, or the switch back). */
  private offChannelUntil = -Infinity;
  private offChannelFrom = Infinity;
  private slot: Slot | null = null;
  /** st_newscan: the next pick does sta_update_notseen(). */
  private newScan = false;
  private idleCheck: Timer | null = null;
  private wakeTimer: Timer | null = null;
  private readonly buffered: (() => void)[] = [];
  /** Called at the end of every slot. */
  onSlotEnd: ((slot: BgScanSlot) => void) | null = null;

  constructor(private readonly host: BgScanHost) {}

  get scanning(): boolean {
    return this.slot !== null;
  }

  /** The radio is on another channel now: a frame sent now is lost. */
  offChannel(t = this.host.world.sched.now()): boolean {
    return t >= this.offChannelFrom && t < this.offChannelUntil;
  }

  /** A foreground scan finished (or the cache was reset): ic_lastscan, and the channel list done. */
  completed(now: number): void {
    this.lastScanMs = now;
    this.next = SCAN_CHANNELS.length;
    this.fext = false;
  }

  /** ieee80211_bg_scan(). */
  start(): void {
    const w = this.host.world;
    if (this.slot || this.host.busy()) return;
    if (this.next >= SCAN_CHANNELS.length) {
      this.next = 0;
      this.newScan = true; // sta_restart()
    }
    this.fext = true;
    this.sleeping = true;
    this.cancelIdleCheck();
    const slot: Slot = { channel: null, startMs: w.sched.now(), cancelling: false, end: null, samples: [] };
    this.slot = slot;
    // scan_restart(): the scan timer one jiffy on (via the power-save tasklet); scanend = then + duration
    const ticks = w.clientTicks;
    const first = ticks.timeoutExpiry(w.sched.now(), 1);
    slot.end = w.sched.at(first, () => this.visit(slot, first + ticks.msecsToJiffies(BG_SLOT_MS) * ticks.jiffyMs));
  }

  /** scan_next(): switch to the next channel, probe, listen until the slot's end. */
  private visit(slot: Slot, scanEnd: number): void {
    const w = this.host.world;
    if (this.slot !== slot) return;
    const channel = SCAN_CHANNELS[this.next++];
    slot.channel = channel;
    const now = w.sched.now();
    this.offChannelFrom = now;
    this.offChannelUntil = Infinity;
    const on = now + w.rnd.uniform(CHANNEL_SWITCH_MS[0], CHANNEL_SWITCH_MS[1]);
    for (const ap of w.accessPoints) {
      if (!ap.beaconing || ap.channel !== channel) continue;
      // the probe request on arrival, the AP's probe response; its beacons while we listen
      const times = [on + ap.mgmtTurnaroundMs()];
      for (let t = ap.nextTbtt(on); t < scanEnd; t = ap.nextTbtt(t + 0.001)) times.push(t);
      for (const t of times) {
        if (t >= scanEnd) continue;
        slot.samples.push(
          w.sched.at(t, () => {
            if (this.slot !== slot) return;
            const s = w.sampleSignalDbm(ap);
            if (s >= SENSITIVITY_DBM) this.host.cache.add(ap, rssiOf(s), w.sched.now());
          }),
        );
      }
    }
    slot.end = w.sched.at(scanEnd, () => this.finish(slot, false));
  }

  /** ieee80211_cancel_scan() from ieee80211_hardstart(): the slot ends at the next tick. */
  private cancel(): void {
    const slot = this.slot;
    if (!slot || slot.cancelling) return;
    slot.cancelling = true;
    slot.end?.cancel();
    const w = this.host.world;
    const at = w.clientTicks.timeoutExpiry(w.sched.now(), 1);
    slot.end = w.sched.at(at, () => this.finish(slot, true));
  }

  /** scan_next() at the end of a slot (or of the cancelled one). */
  private finish(slot: Slot, cancelled: boolean): void {
    const w = this.host.world;
    if (this.slot !== slot) return;
    for (const t of slot.samples) t.cancel();
    this.slot = null;
    const now = w.sched.now();
    const done = cancelled || this.next >= SCAN_CHANNELS.length;
    if (done) this.lastScanMs = now;
    if (slot.channel !== null) {
      // back to the BSS channel (ath_chan_set(): drains the tx queues)
      this.offChannelUntil = now + w.rnd.uniform(CHANNEL_SWITCH_MS[0], CHANNEL_SWITCH_MS[1]);
    } else {
      this.offChannelFrom = Infinity; // cancelled before it left the channel
    }
    this.onSlotEnd?.({ channel: slot.channel, startMs: slot.startMs, endMs: now, cancelled });
    if (!cancelled && this.newScan) {
      this.host.cache.updateNotseen(); // sta_pick_bss()
      this.newScan = false;
    }
    if (done) {
      if (this.next >= SCAN_CHANNELS.length) this.fext = false;
      this.wake(Math.max(now, this.offChannelUntil));
    } else if (this.buffered.length > 0) {
      this.timWake();
    }
    this.armIdleCheck();
  }

  /** A data frame goes to the hardware now (ieee80211_hardstart()). True when it is lost off-channel. */
  transmit(): boolean {
    const w = this.host.world;
    const now = w.sched.now();
    this.dataSeen(now);
    const lost = this.offChannel(now);
    if (this.slot) this.cancel();
    return lost;
  }

  /** A data frame from the AP reached the station (ieee80211_input()): ic_lastdata. */
  received(): void {
    this.dataSeen(this.host.world.sched.now());
  }

  /**
   * The AP has a frame for the station. Awake: delivered now. Asleep (power save for a
   * background scan): the AP holds it until the station wakes, at the first beacon back on the
   * channel whose TIM names it (ieee80211_recv_mgmt(): ieee80211_sta_pwrsave(vap, 0)).
   */
  deliver(ap: AccessPoint, fn: () => void): void {
    if (!this.sleeping) {
      fn();
      return;
    }
    this.buffered.push(fn);
    if (!this.slot) this.timWake(ap);
  }

  /** The first beacon back on the channel carries the TIM bit for the station: it wakes. */
  private timWake(ap = this.host.associatedTo()): void {
    if (this.wakeTimer || !ap) return;
    const w = this.host.world;
    const back = Math.max(w.sched.now(), this.offChannelUntil);
    this.wakeTimer = w.sched.at(ap.nextTbtt(back), () => {
      this.wakeTimer = null;
      if (!this.slot) this.wake(w.sched.now());
    });
  }

  /** The station left its AP (a roam): what the old AP held for it never arrives; the slot is cancelled by the state change. */
  departed(): void {
    if (this.slot) this.finish(this.slot, true);
    this.flush();
    this.sleeping = false;
    this.cancelIdleCheck();
  }

  /** The station associated (anew or to another AP): watch its beacons for idleness. */
  joined(): void {
    this.armIdleCheck();
  }

  private wake(at: number): void {
    const w = this.host.world;
    w.sched.at(at, () => {
      if (this.slot) return;
      this.sleeping = false;
      // null data with PM=0, then the AP sends what it buffered
      const due = this.buffered.splice(0);
      for (const fn of due) w.sched.after(w.rnd.uniform(1, 2), fn);
    });
  }

  private flush(): void {
    this.wakeTimer?.cancel();
    this.wakeTimer = null;
    for (const fn of this.buffered.splice(0)) fn();
  }

  private dataSeen(now: number): void {
    this.lastDataMs = now;
    this.armIdleCheck();
  }

  private cancelIdleCheck(): void {
    this.idleCheck?.cancel();
    this.idleCheck = null;
  }

  /** contbgscan() / startbgscan(), checked on the BSS's first beacon after 250 ms without data. */
  private armIdleCheck(): void {
    this.cancelIdleCheck();
    const ap = this.host.associatedTo();
    if (!ap || this.slot) return;
    const w = this.host.world;
    const from = Math.max(w.sched.now(), this.lastDataMs + BGSCAN_IDLE_MS + 0.001, this.offChannelUntil);
    this.idleCheck = w.sched.at(ap.nextTbtt(from), () => {
      this.idleCheck = null;
      const now = w.sched.now();
      if (this.host.associatedTo() !== ap || this.slot || this.host.busy()) return;
      if (now <= this.lastDataMs + BGSCAN_IDLE_MS) return;
      const cont = this.fext;
      const startNew = this.host.enabled() && now > this.lastScanMs + BGSCAN_INTVAL_MS;
      if (cont || startNew) this.start();
      else this.armLater(ap);
    });
  }

  /** Idle but nothing to do yet: look again when startbgscan() could become true. */
  private armLater(ap: AccessPoint): void {
    const w = this.host.world;
    const at = Math.max(w.sched.now() + BEACON_INTERVAL_MS, this.lastScanMs + BGSCAN_INTVAL_MS + 0.001);
    if (!Number.isFinite(at)) return;
    this.idleCheck = w.sched.at(ap.nextTbtt(at), () => {
      this.idleCheck = null;
      this.armIdleCheck();
    });
  }

  /** Roam check: an idle station (sta_roam_check()'s `ic_lastdata + iv_bgscanidle` test). */
  idle(now: number): boolean {
    return now > this.lastDataMs + BGSCAN_IDLE_MS;
  }
}
