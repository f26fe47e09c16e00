import { WepState } from './wep.ts';
import type { Timer } from './clock.ts';
import type { DropReason, RoamTruth } from './ground-truth.ts';
import type { LinkWatch, LinkWatchQueue } from './linkwatch.ts';
import { INACT_WAIT_MS, nextInactExpiry, timerSoftirqLatencyMs } from './node-inactivity.ts';
import { rssiOf, SENSITIVITY_DBM } from './radio.ts';
import { BackgroundScan } from './bg-scan.ts';
import { ScanCache } from './scan-cache.ts';
import { MGMT_TURNAROUND_MS, type AccessPoint } from './access-point.ts';
import { CHANNEL_SWITCH_MS, sendMgmt, type MgmtFrame, type MgmtOutcome } from './association.ts';
import type { DriverBehaviour } from './variants.ts';
import type { World } from './world.ts';

/** neigh retrans_time (ms): the kernel's ARP request is repeated this long after one went unanswered. */
export const ARP_RETRANS_MS = 1000;

/** net80211 (madwifi 0.9.3) constants, in model ms. */
export { INACT_WAIT_MS }; // IEEE80211_INACT_WAIT: sta_age() period
export const SCAN_VALID_DEFAULT_S = 60; // iv_scanvalid
const FG_SCAN_MS = 1_200; // active scan of the 2.4 GHz channels, 100 ms dwell
const BG_SCAN_MS = 700; // the model's default background scan (and the nl80211 client's `iw scan` while associated)
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
  /** Static WEP keys (iwconfig key ...). */
  readonly wep = new WepState();
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
  /** The scan cache (scan-cache.ts). */
  readonly cache = new ScanCache();
  /** madwifi's background scan and what data traffic does to it (bg-scan.ts). */
  readonly bg: BackgroundScan;
  private _keysInstalled = false;
  /** A join whose transmit path is still blocked: when it comes back, its postJoinTxBlackoutMs. */
  private txWait: { roam: RoamTruth; joinAt: number } | null = null;
  private scanning: 'fg' | 'bg' | null = null;
  /** The channel the radio is tuned to (null: unknown, after a scan). */
  private radioChannel: number | null = null;
  private ageTimer: Timer | null = null;
  private pendingLeave: Timer | null = null;
  private transition: Timer | null = null;
  private roam: RoamTruth | null = null;
  private readonly eventListeners = new Set<(bssid: string | null) => void>();
  private readonly btmListeners = new Set<(from: AccessPoint, candidates: string[]) => void>();
  private readonly keysListeners = new Set<() => void>();
  /** The `arp-stall` fault: the next join loses the ARP entry (armed at the join, started by the first packet). */
  arpStallAtNextJoin = false;
  private arpStallArmed = false;
  /** Model ms the next hop resolves again after a lost ARP request; null: resolved. */
  private neighbourResolvedMs: number | null = null;

  constructor(
    private readonly world: World,
    readonly name: string,
    readonly mac: string,
    public driver: DriverBehaviour,
    /** The board kernel's linkwatch (2.6.16, or a current one: linkwatch.ts), shared with its other interfaces. */
    linkwatchQueue: LinkWatchQueue,
  ) {
    this.linkwatch = linkwatchQueue.device('ath0', (run) => {
      if (this.roam) {
        if (run.deactivated) this.roam.qdiscOffMs = world.epochMs(run.atMs);
        if (run.activated && this.roam.qdiscOffMs !== null) this.roam.qdiscOnMs = world.epochMs(run.atMs);
      }
      if (run.activated) this.checkTxPath();
    });
    this.bg = new BackgroundScan({
      world,
      cache: this.cache,
      associatedTo: () => (this.bgSlots && this.state === 'RUN' ? this.bss : null),
      busy: () => this.scanning !== null || this.transition !== null,
      enabled: () => this.params.bgscan !== 0,
    });
  }

  /**
   * The background scan as net80211 does it, one channel per slot, cancelled by data
   * (bg-scan.ts), rather than the model's default single 0.7 s scan that hears every AP
   * (WorldOptions.backgroundScan).
   */
  private get bgSlots(): boolean {
    return this.driver.net80211 && this.world.options.backgroundScan === 'net80211';
  }

  /** wpa_supplicant installed the pairwise key (the transmit path needs it under WPA). */
  get keysInstalled(): boolean {
    return this._keysInstalled;
  }
  set keysInstalled(v: boolean) {
    const was = this._keysInstalled;
    this._keysInstalled = v;
    if (v) this.checkTxPath();
    if (v && !was) for (const l of this.keysListeners) l();
  }

  /** The WPA handshake installed the pairwise key (what wpa_supplicant reports as the connection completed). */
  onKeysInstalled(listener: () => void): () => void {
    this.keysListeners.add(listener);
    return () => this.keysListeners.delete(listener);
  }

  /**
   * IEEE 802.11v BSS Transition Management requests that reached the station: the AP that
   * sent it and its candidate BSSIDs, most preferred first. Only a supplicant that handles
   * WNM listens (the nl80211 board's wpa_supplicant 2.x); madwifi 0.9's station has none.
   */
  onBssTransitionRequest(listener: (from: AccessPoint, candidates: string[]) => void): () => void {
    this.btmListeners.add(listener);
    return () => this.btmListeners.delete(listener);
  }

  /**
   * `from` sends the station a BSS Transition Management request (an action frame, one
   * management exchange on the air). False when the station is not associated to `from`
   * (hostapd finds no such station and answers FAIL).
   */
  sendBssTransitionRequest(from: AccessPoint, candidates: string[]): boolean {
    if (this.state !== 'RUN' || this.bss !== from) return false;
    this.world.sched.after(this.world.rnd.uniform(MGMT_TURNAROUND_MS[0], MGMT_TURNAROUND_MS[1]), () => {
      if (this.state !== 'RUN' || this.bss !== from) return;
      for (const l of this.btmListeners) l(from, candidates);
    });
    return true;
  }

  /** wireless events (SIOCGIWAP) as iwevent sees them: a BSSID, or null for all-zero. */
  onWirelessEvent(listener: (bssid: string | null) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  createVap(iface: string, radio: string): void {
    this.vap = { iface, radio };
    // sta_age() runs from the node inactivity timer; its phase is wherever the timer started.
    const w = this.world;
    const arm = (expires: number): void => {
      this.ageTimer = w.sched.at(w.clientTicks.tickTime(expires) + timerSoftirqLatencyMs(w.rnd), tick);
    };
    const tick = (): void => {
      arm(nextInactExpiry(w.clientTicks, w.sched.now()));
      this.staAge();
    };
    arm(w.clientTicks.jiffies(w.sched.now() + w.rnd.uniform(0, INACT_WAIT_MS)) + 1);
  }

  destroyVap(): void {
    this.ifDown();
    this.ageTimer?.cancel();
    this.ageTimer = null;
    this.vap = null;
    this.cache.clear();
    this.bg.departed();
    this.bg.completed(-Infinity);
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
    const e = this.cache.get(ap);
    return e === undefined ? null : this.world.sched.now() - e.heardAtMs;
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

  /**
   * A data packet the station transmits now (ping, through the qdisc and ieee80211_hardstart()):
   * txVerdict(), then the background scan's share: hardstart cancels a running slot, and a
   * frame handed to the radio while it is on the scan channel is lost (bg-scan.ts).
   */
  transmitData(): { ap: AccessPoint } | { drop: DropReason } {
    const v = this.txVerdict();
    if ('drop' in v) return v;
    if (this.bgSlots && this.bg.transmit()) return { drop: 'tx-off-channel' };
    return v;
  }

  /**
   * A data frame from `ap` for the station: at once, or (power save during a background scan)
   * held by the AP until the station wakes; `fn` runs when it arrives.
   */
  receiveFrom(ap: AccessPoint, fn: () => void): void {
    if (!this.bgSlots) {
      fn();
      return;
    }
    this.bg.deliver(ap, () => {
      if (this.rxVerdict(ap) === null) this.bg.received();
      fn();
    });
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

  /** Extra delay data frames see now (the nl80211 client's user-space scan: off-channel dwells). */
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
      // EAPOL goes out through the qdisc and hardstart like any packet: the noop qdisc frees it.
      const delivered = this.linkwatch.qdiscActive && !(this.bgSlots && this.bg.transmit());
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
    this.wep.reset();
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
    if (kind === 'fg') this.radioChannel = null;
    this.world.sched.after(kind === 'fg' ? FG_SCAN_MS : BG_SCAN_MS, () => {
      this.scanning = null;
      if (!this.vap) return;
      const now = this.world.sched.now();
      for (const ap of this.world.accessPoints) {
        if (!ap.beaconing) continue;
        for (let i = 0; i < SAMPLES_PER_SCAN; i++) {
          const s = this.signalFrom(ap);
          if (s >= SENSITIVITY_DBM) this.cache.add(ap, rssiOf(s), now);
        }
      }
      if (kind === 'fg') {
        // a full pass over the channel list: ic_lastscan, and sta_pick_bss()'s update (st_newscan from sta_start())
        this.bg.completed(now);
        this.cache.updateNotseen();
      } else {
        this.bg.lastScanMs = now;
      }
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
    if (from) {
      this.depart(from);
      this.leave();
    }
    this.state = 'SCAN';
    this.bss = null;
    this.checkScan();
  }

  /** ieee80211_check_scan(): a cache younger than scanvalid is consulted at once and its pick joined; an older one means a scan first. */
  private checkScan(): void {
    const pick = (): void => {
      this.state = 'INIT';
      const best = this.selectBss();
      if (best) this.join(best);
      else this.world.sched.after(2000, () => this.maybeAssociate());
    };
    if (this.world.sched.now() - this.bg.lastScanMs <= this.params.scanvalid * 1000) pick();
    else this.scan('fg', pick);
  }

  /** select_bss() with match_bss()'s checks: same SSID, security we can do, the desired BSSID if one is set, not failed twice, seen lately. */
  private selectBss(): AccessPoint | null {
    return this.cache.select(
      (ap) =>
        ap.beaconing &&
        ap.ssid === this.essid &&
        (this.desiredBssid === null || ap.bssid === this.desiredBssid) &&
        (!ap.wpa || this.supplicant !== null) &&
        // match_bss(): the privacy bit must agree (WPA sets it too; WEP: both keyed or neither)
        (ap.wpa || ap.wep.privacy === this.wep.privacy),
    );
  }

  /**
   * sta_age() (net80211/ieee80211_scan_sta.c): purge the cache entries not seen lately, then,
   * with the bench's patch that enables it, sta_roam_check():
   * - cache older than scanvalid and background scanning on: below a threshold, start a
   *   background scan; above, only when the station has been idle for bgscanidle. The
   *   decision waits for a later tick.
   * - cache warm, or background scanning off: below a threshold, write the node's RSSI into
   *   the current AP's entry, select_bss(), and join the pick if it is another AP.
   * The background scan is net80211's (bg-scan.ts: one channel per call) with
   * `backgroundScan: 'net80211'`; by default the model's single 0.7 s scan that hears every
   * AP, started only below a threshold (docs/virtual-rig.md, departures).
   */
  private staAge(): void {
    if (this.driver.net80211) this.cache.age();
    if (!this.driver.roamCheck || this.params.hostroaming !== 1 || this.roamingHeld) return;
    if (this.state !== 'RUN' || !this.bss || this.scanning || this.bg.scanning || this.transition) return;
    const cur = rssiOf(this.signalFrom(this.bss));
    const crossed = cur < this.params.rssi11g;
    const now = this.world.sched.now();
    if (this.params.bgscan && now > this.bg.lastScanMs + this.params.scanvalid * 1000) {
      if (this.bgSlots) {
        if (crossed || this.bg.idle(now)) this.bg.start();
      } else if (crossed) {
        this.scan('bg', () => {});
      }
      return;
    }
    if (!crossed) return;
    this.cache.setRssi(this.bss, cur); // "the most up to date rssi is in the node"
    const sel = this.selectBss();
    if (sel && sel !== this.bss) this.join(sel);
  }

  /**
   * ieee80211_sta_join() -> ieee80211_sta_join1() (net80211/ieee80211_node.c): iv_bss becomes
   * the new AP and the radio switches to its channel (association.ts, CHANNEL_SWITCH_MS); the
   * station is gone from the old AP from then. Then the tasklet runs __ieee80211_newstate()
   * (net80211/ieee80211_proto.c): from RUN with the same SSID (`canreassoc`) to ASSOC, which
   * calls ieee80211_sta_leave() (the leave notification) and sends a REASSOC_REQ; otherwise
   * to AUTH with a DEAUTH argument, which sends AUTH (seq 1).
   */
  private join(ap: AccessPoint): void {
    const from = this.state === 'RUN' ? this.bss : null;
    const canReassoc = from !== null && from.ssid === ap.ssid;
    this.transition?.cancel();
    if (from) this.depart(from);
    this.state = canReassoc ? 'ASSOC' : 'AUTH';
    this.bss = ap;
    // ath_chan_set() does nothing when the radio is on that channel already (a retry after a timeout)
    const switchMs = this.radioChannel === ap.channel ? 0 : this.world.rnd.uniform(CHANNEL_SWITCH_MS[0], CHANNEL_SWITCH_MS[1]);
    this.radioChannel = ap.channel;
    this.transition = this.world.sched.after(switchMs, () => {
      this.transition = null;
      if (from) this.leave();
      this.send(ap, canReassoc ? 'reassoc' : 'auth');
    });
  }

  private send(ap: AccessPoint, frame: MgmtFrame): void {
    const entry = { frame, atMs: this.world.epochMs(), outcome: 'pending' };
    this.roam?.mgmt.push(entry);
    this.transition = sendMgmt(this.world, this, ap, frame, (outcome) => {
      this.transition = null;
      entry.outcome = outcome;
      this.mgmtAnswer(ap, outcome);
    });
  }

  /**
   * The station's side of the exchange (ieee80211_recv_mgmt() on the station, and
   * __ieee80211_newstate()):
   * - AUTH response (ieee80211_auth_open()): ASSOC, which sends an ASSOC_REQ.
   * - DEAUTH (the new AP's "sta not authenticated"): ieee80211_new_state(AUTH,
   *   IEEE80211_FC0_SUBTYPE_DEAUTH), which from ASSOC sends AUTH (seq 1).
   * - (RE)ASSOC response: RUN with the response's subtype as argument, so
   *   ieee80211_notify_node_join(ni, newassoc = 1).
   * - Nothing (the frame or its answer lost): IEEE80211_TRANS_WAIT later
   *   ieee80211_tx_timeout() -> SCAN (txTimeout()).
   */
  private mgmtAnswer(ap: AccessPoint, outcome: MgmtOutcome): void {
    if (this.bss !== ap) return;
    switch (outcome) {
      case 'auth-ok':
        this.state = 'ASSOC';
        this.send(ap, 'assoc');
        return;
      case 'deauth-not-authed':
        this.state = 'AUTH';
        this.send(ap, 'auth');
        return;
      case 'assoc-ok':
        this.state = 'RUN';
        this.notifyJoin(ap);
        return;
      case 'deauth-rsn-required':
      case 'auth-refused-wep':
      case 'lost':
        this.txTimeout(ap);
        return;
    }
  }

  /**
   * ieee80211_tx_timeout() -> __ieee80211_newstate(SCAN, IEEE80211_SCAN_FAIL_TIMEOUT): from
   * AUTH or ASSOC, ieee80211_scan_assoc_fail() counts a failure on the entry (sta_assoc_fail():
   * se_fails++, two of them and select_bss() ignores it), then in auto roaming
   * ieee80211_check_scan(). (An AP's refusal of a station without the WPA IE ends here too.)
   */
  private txTimeout(ap: AccessPoint): void {
    this.cache.assocFail(ap, this.world.sched.now());
    this.state = 'SCAN';
    this.bss = null;
    if (this.params.hostroaming === 1) this.checkScan();
    else this.state = 'INIT';
  }

  /** The station is gone from `from` (a roam, or a commanded rescan): the ground truth opens the roam. */
  private depart(from: AccessPoint): void {
    const now = this.world.epochMs();
    this.world.groundTruth.roamStarted();
    this.roam = {
      fromBssid: from.bssid,
      toBssid: '',
      tDepartMs: now,
      tLeaveMs: now,
      tJoinMs: 0,
      mgmt: [],
      carrierOffMs: null,
      carrierOnMs: null,
      qdiscOffMs: null,
      qdiscOnMs: null,
      deferredLeave: null,
      postJoinTxBlackoutMs: null,
    };
    this.world.groundTruth.addRoam(this.roam);
    this.txWait = null;
    // __ieee80211_newstate() cancels a background scan; what the old AP held for us is lost
    this.bg.departed();
    // The pairwise key belonged to the old AP's node; the new one has none yet.
    this.keysInstalled = false;
  }

  /**
   * Leaving `from` on a roam: ieee80211_sta_leave() -> ieee80211_notify_node_leave(). The
   * old AP is not told (sta_roam_check(): "XXX deauth current ap"; nothing is sent on
   * RUN -> ASSOC): it keeps the station in its node table until its inactivity timer
   * (node-inactivity.ts).
   */
  private leave(): void {
    if (this.roam) this.roam.tLeaveMs = this.world.epochMs();
    const notify = (): void => {
      this.pendingLeave = null;
      if (this.roam) this.roam.carrierOffMs = this.world.epochMs();
      this.linkwatch.setCarrier(false);
      this.emit(null);
    };
    if (this.driver.deferLeaveMs > 0) {
      if (this.roam) this.roam.deferredLeave = 'fired';
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
    this.bg.joined();
    if (this.roam) {
      this.txWait = { roam: this.roam, joinAt: this.world.epochMs() };
      this.checkTxPath();
    }
  }

  /** The transmit path came back after a join: the ground truth's postJoinTxBlackoutMs. */
  private checkTxPath(): void {
    const w = this.txWait;
    if (!w || !('ap' in this.txVerdict())) return;
    w.roam.postJoinTxBlackoutMs = this.world.epochMs() - w.joinAt;
    this.txWait = null;
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
    this.txWait = null;
    this.bg.departed();
    if (was) {
      // RUN -> INIT sends a DISASSOC (__ieee80211_newstate()); the AP drops the node.
      was.disassociated(this);
      this.linkwatch.setCarrier(false);
      this.emit(null);
    }
  }

  private emit(bssid: string | null): void {
    if (bssid && this.arpStallAtNextJoin) {
      this.arpStallAtNextJoin = false;
      this.arpStallArmed = true;
    }
    if (!bssid) this.neighbourResolvedMs = null;
    for (const l of this.eventListeners) l(bssid);
  }

  /**
   * How long a packet sent now waits in the neighbour queue, model ms (0: none). After a join
   * that lost the station's ARP entry (the `arp-stall` fault), the first packet sends an ARP
   * request that is lost, and the kernel retries after retrans_time (ARP_RETRANS_MS,
   * net/ipv4/arp.c, neigh retrans_time_ms): every packet sent until the retry resolves the
   * next hop waits for it (the neighbour's unres_qlen queue), then goes out.
   */
  neighbourHold(): number {
    const now = this.world.sched.now();
    if (this.arpStallArmed) {
      this.arpStallArmed = false;
      this.neighbourResolvedMs = now + ARP_RETRANS_MS;
    }
    return this.neighbourResolvedMs !== null && now < this.neighbourResolvedMs ? this.neighbourResolvedMs - now : 0;
  }
}
