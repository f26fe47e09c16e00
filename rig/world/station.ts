import type { Timer } from './clock.ts';
import type { DropReason, RoamTruth } from './ground-truth.ts';
import { LinkWatch } from './linkwatch.ts';
import { rssiLpf, rssiOf, SENSITIVITY_DBM } from './radio.ts';
import type { AccessPoint } from './access-point.ts';
import type { DriverBehaviour } from './variants.ts';
import type { World } from './world.ts';

/** net80211 (madwifi 0.9.3) constants, in model ms. */
export const INACT_WAIT_MS = 15_000; // IEEE80211_INACT_WAIT: sta_age() period
export const SCAN_VALID_DEFAULT_S = 60; // iv_scanvalid
const FG_SCAN_MS = 1_200; // active scan of the 2.4 GHz channels, 100 ms dwell
const BG_SCAN_MS = 700; // background scan: short off-channel dwells between data
const SAMPLES_PER_SCAN = 5; // beacons + probe responses heard per AP in one scan

export type StaState = 'INIT' | 'SCAN' | 'AUTH' | 'ASSOC' | 'RUN';

export interface SupplicantConfig {
  ssid: string;
  psk: string | null;
}

export type KeyReply = (msg: 2 | 4, delivered: boolean, pskOk: boolean) => void;

/**
 * The client board's madwifi 0.9.3 station VAP, its net_device (carrier, linkwatch,
 * qdisc), and wpa_supplicant's part of the 4-way handshake.
 */
export class Station {
  vap: { iface: string; radio: string } | null = null;
  up = false;
  essid: string | null = null;
  state: StaState = 'INIT';
  bss: AccessPoint | null = null;
  supplicant: SupplicantConfig | null = null;
  keysInstalled = false;
  /** `iwconfig athN ap BSSID`: the only BSSID the station may join (IEEE80211_F_DESBSSID); null = any. */
  desiredBssid: string | null = null;
  /** Fault injection (`never-roam`): the station stays where it is, whatever its roam check or a command says. */
  roamingHeld = false;
  readonly params: Record<string, number> = {
    hostroaming: 1,
    rssi11a: 24,
    rssi11b: 24,
    rssi11g: 24,
    rate11a: 24,
    rate11b: 9,
    rate11g: 18,
    scanvalid: SCAN_VALID_DEFAULT_S,
    bgscan: 1,
  };
  readonly linkwatch: LinkWatch;
  private readonly cache = new Map<AccessPoint, number>();
  /** Model ms of the last scan that heard each AP (wpa_supplicant's BSS table ages entries by it). */
  private readonly heardAtMs = new Map<AccessPoint, number>();
  private lastScanMs = -Infinity;
  private scanning: 'fg' | 'bg' | null = null;
  private ageTimer: Timer | null = null;
  private pendingLeave: Timer | null = null;
  private transition: Timer | null = null;
  private roam: RoamTruth | null = null;
  private readonly eventListeners = new Set<(bssid: string | null) => void>();

  constructor(
    private readonly world: World,
    readonly name: string,
    readonly mac: string,
    public driver: DriverBehaviour,
    /** The kernel's linkwatch: 2.6.16 (default), or a current one (`urgentCarrierOn`: linkwatch.ts). */
    linkwatchOptions: { urgentCarrierOn?: boolean } = {},
  ) {
    this.linkwatch = new LinkWatch(
      world.sched,
      () => world.rnd.uniform(0.2, 3), // keventd picks the work up
      (run) => {
        if (!this.roam) return;
        if (run.deactivated) this.roam.qdiscOffMs = world.epochMs(run.atMs);
        if (run.activated && this.roam.qdiscOffMs !== null) this.roam.qdiscOnMs = world.epochMs(run.atMs);
      },
      linkwatchOptions,
    );
  }

  /** wireless events (SIOCGIWAP) as iwevent sees them: a BSSID, or null for all-zero. */
  onWirelessEvent(listener: (bssid: string | null) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  createVap(iface: string, radio: string): void {
    this.vap = { iface, radio };
    // sta_age() runs from the node inactivity timer; its phase is wherever the timer started.
    const first = this.world.rnd.uniform(0, INACT_WAIT_MS);
    const tick = (): void => {
      // mod_timer(jiffies + IEEE80211_INACT_WAIT * HZ): HZ=100 jiffies and softirq latency
      this.ageTimer = this.world.sched.after(INACT_WAIT_MS + this.world.rnd.uniform(0, 10), tick);
      this.staAge();
    };
    this.ageTimer = this.world.sched.after(first, tick);
  }

  destroyVap(): void {
    this.ifDown();
    this.ageTimer?.cancel();
    this.ageTimer = null;
    this.vap = null;
    this.cache.clear();
    this.heardAtMs.clear();
  }

  ifUp(): void {
    if (!this.vap || this.up) return;
    this.up = true;
    this.linkwatch.interfaceUp();
    this.maybeAssociate();
  }

  ifDown(): void {
    if (!this.up) return;
    this.disconnect();
    this.up = false;
    this.linkwatch.interfaceDown();
  }

  setEssid(essid: string): void {
    if (this.essid === essid) return;
    this.essid = essid;
    if (this.state !== 'INIT') this.disconnect();
    this.maybeAssociate();
  }

  startSupplicant(cfg: SupplicantConfig): void {
    this.supplicant = cfg;
    this.essid = cfg.ssid;
    this.maybeAssociate();
  }

  stopSupplicant(): void {
    this.supplicant = null;
    if (this.bss?.wpa) this.disconnect();
  }

  /**
   * `iwconfig athN ap ADDR` (SIOCSIWAP: ieee80211_ioctl_siwap() in net80211/ieee80211_wireless.c).
   * The all-zero address (`ap off`) only clears the desired BSSID. Anything else sets it
   * (the broadcast address, `ap any`, sets none: any AP will do) and, with the VAP up and
   * roaming in auto mode (IS_UP_AUTO), moves the state machine to SCAN at once.
   */
  setDesiredBssid(addr: string): void {
    const a = addr.toUpperCase();
    if (a === '00:00:00:00:00:00' || a === 'OFF') {
      this.desiredBssid = null;
      return;
    }
    this.desiredBssid = a === 'FF:FF:FF:FF:FF:FF' || a === 'ANY' ? null : a;
    if (this.roamingHeld) return;
    if (this.vap && this.up && this.essid && this.params.hostroaming === 1) this.rescan();
  }

  /**
   * A scan asked for from user space (nl80211 NL80211_CMD_TRIGGER_SCAN: `iw dev wlanN scan`):
   * background while associated, foreground otherwise; `done` runs when it finished. False
   * (the kernel's -EBUSY) while a scan runs or there is no interface up.
   */
  requestScan(done: () => void): boolean {
    if (this.scanning || !this.vap || !this.up) return false;
    this.scan(this.state === 'RUN' ? 'bg' : 'fg', done);
    return true;
  }

  /** Model ms since a scan last heard `ap`; null when none ever did. */
  heardAgoMs(ap: AccessPoint): number | null {
    const at = this.heardAtMs.get(ap);
    return at === undefined ? null : this.world.sched.now() - at;
  }

  /** Current signal from an AP as the radio hears it now (dBm), with fading noise. */
  signalFrom(ap: AccessPoint): number {
    return this.world.sampleSignalDbm(ap);
  }

  // ---- data path -------------------------------------------------------------------

  /** Why a packet the station transmits now would die, or null when it goes out (and through which AP). */
  txVerdict(): { ap: AccessPoint } | { drop: DropReason } {
    if (this.state !== 'RUN' || !this.bss) return { drop: 'tx-not-associated' };
    if (!this.linkwatch.qdiscActive) return { drop: 'tx-noop-qdisc' };
    if (this.bss.wpa && !this.keysInstalled) return { drop: 'tx-no-keys' };
    return { ap: this.bss };
  }

  /** Why a data frame from `ap` arriving now would die, or null when the station gets it. */
  rxVerdict(ap: AccessPoint): DropReason | null {
    if (this.state !== 'RUN' || this.bss !== ap) return 'rx-not-associated';
    if (!ap.canSendDataTo(this)) return 'rx-no-keys';
    return null;
  }

  /** Management/EAPOL frame from the AP reaches the station (associated to it). */
  canReceiveFrom(ap: AccessPoint): boolean {
    return this.state === 'RUN' && this.bss === ap;
  }

  /** Extra delay data frames see now (background scan: off-channel dwells). */
  extraLatencyMs(): number {
    return this.scanning === 'bg' ? this.world.rnd.uniform(0, 60) : 0;
  }

  // ---- wpa_supplicant 0.5.7: its side of the 4-way handshake ---------------------

  supplicantKeyMessage(ap: AccessPoint, msg: 1 | 3, reply: KeyReply): void {
    const sup = this.supplicant;
    if (!sup) return;
    const pskOk = sup.psk !== null && sup.psk === ap.hostapd?.psk;
    const delay = msg === 1 ? this.world.rnd.uniform(3, 8) : this.world.rnd.uniform(5, 15);
    this.world.sched.after(delay, () => {
      if (!this.canReceiveFrom(ap)) return;
      // EAPOL goes out through the qdisc like any packet: the noop qdisc frees it.
      const delivered = this.linkwatch.qdiscActive;
      if (msg === 1) {
        reply(2, delivered, pskOk);
      } else {
        // wpa_supplicant sends message 4, then installs the pairwise key.
        if (pskOk) this.keysInstalled = true;
        reply(4, delivered, pskOk);
      }
    });
  }

  /**
   * The AP stopped beaconing (its VAP went down, the board rebooted): after
   * madwifi's beacon-miss threshold (7 beacons, ~700 ms) the station drops the
   * association and scans again.
   */
  beaconLost(ap: AccessPoint): void {
    this.world.sched.after(700, () => {
      if (this.bss !== ap || ap.beaconing) return;
      this.disconnect();
      this.world.sched.after(100, () => this.maybeAssociate());
    });
  }

  /** The board rebooted: no VAP, no supplicant, nothing associated. */
  powerCycle(): void {
    this.destroyVap();
    this.supplicant = null;
    this.essid = null;
    this.desiredBssid = null;
  }

  /** hostapd gave up on the handshake and deauthenticated us. */
  deauthenticated(ap: AccessPoint): void {
    if (this.bss !== ap) return;
    this.disconnect();
    this.world.sched.after(1000, () => this.maybeAssociate());
  }

  // ---- net80211 station logic ----------------------------------------------------

  private maybeAssociate(): void {
    if (!this.vap || !this.up || !this.essid || this.state !== 'INIT' || this.scanning) return;
    this.state = 'SCAN';
    this.scan('fg', () => {
      this.state = 'INIT';
      const best = this.selectBss();
      if (best) this.join(best);
      else this.world.sched.after(2000, () => this.maybeAssociate());
    });
  }

  private scan(kind: 'fg' | 'bg', done: () => void): void {
    this.scanning = kind;
    this.world.sched.after(kind === 'fg' ? FG_SCAN_MS : BG_SCAN_MS, () => {
      this.scanning = null;
      if (!this.vap) return;
      for (const ap of this.world.accessPoints) {
        if (!ap.beaconing) continue;
        let avg = this.cache.get(ap);
        let heard = 0;
        for (let i = 0; i < SAMPLES_PER_SCAN; i++) {
          const s = this.signalFrom(ap);
          if (s < SENSITIVITY_DBM) continue;
          avg = rssiLpf(avg, rssiOf(s));
          heard++;
        }
        if (heard > 0 && avg !== undefined) {
          this.cache.set(ap, avg);
          this.heardAtMs.set(ap, this.world.sched.now());
        }
      }
      this.lastScanMs = this.world.sched.now();
      done();
    });
  }

  /**
   * __ieee80211_newstate() to SCAN (net80211/ieee80211_proto.c): from RUN the station leaves
   * its BSS (ieee80211_sta_leave: the leave notification, deferred by the patch), then
   * ieee80211_check_scan() (net80211/ieee80211_scan.c) consults a scan cache younger than
   * scanvalid at once and joins its pick; an older cache means a foreground scan first.
   */
  private rescan(): void {
    if (this.scanning) return;
    this.transition?.cancel();
    this.transition = null;
    const from = this.state === 'RUN' ? this.bss : null;
    if (from) this.leave(from);
    this.state = 'SCAN';
    this.bss = null;
    const pick = (): void => {
      this.state = 'INIT';
      const best = this.selectBss();
      if (best) this.join(best);
      else this.world.sched.after(2000, () => this.maybeAssociate());
    };
    if (this.world.sched.now() - this.lastScanMs <= this.params.scanvalid * 1000) pick();
    else this.scan('fg', pick);
  }

  /** Acceptable candidates: same SSID, security we can do, heard in the last scan, the desired BSSID if one is set. */
  private selectBss(): AccessPoint | null {
    let best: AccessPoint | null = null;
    let bestRssi = -Infinity;
    for (const [ap, rssi] of this.cache) {
      if (!ap.beaconing || ap.ssid !== this.essid) continue;
      if (this.desiredBssid !== null && ap.bssid !== this.desiredBssid) continue;
      if (ap.wpa && !this.supplicant) continue;
      if (rssi > bestRssi) {
        best = ap;
        bestRssi = rssi;
      }
    }
    return best;
  }

  /** sta_age() -> sta_roam_check(), with the bench's patch that enables it. */
  private staAge(): void {
    if (!this.driver.roamCheck || this.params.hostroaming !== 1 || this.roamingHeld) return;
    if (this.state !== 'RUN' || !this.bss || this.scanning) return;
    const cur = rssiOf(this.signalFrom(this.bss));
    if (cur >= this.params.rssi11g) return;
    const now = this.world.sched.now();
    if (now - this.lastScanMs > this.params.scanvalid * 1000) {
      // Cache too old: only start a background scan; the decision waits for the next tick.
      if (this.params.bgscan) this.scan('bg', () => {});
      return;
    }
    this.cache.set(this.bss, cur); // "the most up to date rssi is in the node"
    const sel = this.selectBss();
    if (sel && sel !== this.bss) this.join(sel);
  }

  /** ieee80211_sta_join(): leave the current BSS (if any), authenticate and associate to `ap`. */
  private join(ap: AccessPoint): void {
    const from = this.state === 'RUN' ? this.bss : null;
    if (from) this.leave(from);
    this.state = 'AUTH';
    this.bss = ap;
    // auth + assoc request/response over the air and the driver's state machine
    const switchMs = this.world.rnd.uniform(8, 40);
    this.transition = this.world.sched.after(switchMs, () => {
      this.transition = null;
      if (!ap.beaconing || this.signalFrom(ap) < SENSITIVITY_DBM || (ap.wpa && !this.supplicant)) {
        this.state = 'INIT';
        this.bss = null;
        this.world.sched.after(1000, () => this.maybeAssociate());
        return;
      }
      this.state = 'RUN';
      this.notifyJoin(ap);
      ap.associated(this);
    });
  }

  /** Leaving `from` on a roam: ieee80211_sta_leave() -> ieee80211_notify_node_leave(). */
  private leave(from: AccessPoint): void {
    const now = this.world.epochMs();
    this.world.groundTruth.roamStarted();
    this.roam = {
      fromBssid: from.bssid,
      toBssid: '',
      tLeaveMs: now,
      tJoinMs: 0,
      carrierOffMs: null,
      carrierOnMs: null,
      qdiscOffMs: null,
      qdiscOnMs: null,
      deferredLeave: null,
    };
    this.world.groundTruth.addRoam(this.roam);
    from.disassociated(this);
    this.keysInstalled = false;
    const notify = (): void => {
      this.pendingLeave = null;
      if (this.roam) this.roam.carrierOffMs = this.world.epochMs();
      this.linkwatch.setCarrier(false);
      this.emit(null);
    };
    if (this.driver.deferLeaveMs > 0) {
      const roam = this.roam;
      roam.deferredLeave = 'fired';
      this.pendingLeave = this.world.sched.after(this.driver.deferLeaveMs, notify);
    } else {
      notify();
    }
  }

  /** ieee80211_notify_node_join(): carrier on and SIOCGIWAP with the new BSSID. */
  private notifyJoin(ap: AccessPoint): void {
    if (this.pendingLeave) {
      this.pendingLeave.cancel();
      this.pendingLeave = null;
      if (this.roam) this.roam.deferredLeave = 'cancelled';
    }
    if (this.roam) {
      this.roam.toBssid = ap.bssid;
      this.roam.tJoinMs = this.world.epochMs();
      if (!this.linkwatch.carrierOk) this.roam.carrierOnMs = this.roam.tJoinMs;
    }
    this.linkwatch.setCarrier(true);
    this.emit(ap.bssid);
  }

  /** Lost the BSS (interface down, SSID change, deauth): not a roam. */
  private disconnect(): void {
    this.transition?.cancel();
    this.transition = null;
    this.pendingLeave?.cancel();
    this.pendingLeave = null;
    const was = this.state === 'RUN' ? this.bss : null;
    this.state = 'INIT';
    this.bss = null;
    this.keysInstalled = false;
    this.roam = null;
    if (was) {
      was.disassociated(this);
      this.linkwatch.setCarrier(false);
      this.emit(null);
    }
  }

  private emit(bssid: string | null): void {
    for (const l of this.eventListeners) l(bssid);
  }
}
