import { WepState } from './wep.ts';
import type { HandshakeTruth } from './ground-truth.ts';
import type { Timer } from './clock.ts';
import { NodeInactivity } from './node-inactivity.ts';
import type { World } from './world.ts';
import { BEACON_INTERVAL_MS } from './bg-scan.ts';
import type { Station } from './station.ts';

export interface HostapdConfig {
  ssid: string;
  /** WPA-PSK when set; open otherwise. */
  psk: string | null;
}

/** A station in the AP's node table (net80211's struct ieee80211_node on the AP). */
interface Node {
  /** ni_associd: 0 while only authenticated. */
  aid: number;
  /** hostapd installed the pairwise key for this station (data to it can flow). */
  ptk: boolean;
  handshake: HandshakeTruth | null;
  retry: Timer | null;
}

/** What the AP answers a management frame with (ieee80211_recv_mgmt(), net80211/ieee80211_input.c). */
export type MgmtAnswer = 'auth-ok' | 'assoc-ok' | 'deauth-not-authed' | 'deauth-rsn-required' | 'auth-refused-wep';

/** hostapd 0.5's dot11RSNAConfigPairwiseUpdateTimeOut and ...Count. */
export const EAPOL_TIMEOUT_MS = 1000;
export const EAPOL_TRIES = 3;
/**
 * How long one management exchange takes, from the station's request to the AP's answer
 * arriving: both frames on the air at the 1 Mb/s basic rate with the long preamble (IEEE
 * 802.11-2007 clause 15: 192 us PLCP plus 8 us a byte; a ~80-byte (re)association request or
 * response and its 14-byte ACK after SIFS: ~1.1 ms each way, plus DIFS and backoff), and the
 * AP's rx tasklet, ieee80211_recv_mgmt() and IEEE80211_SEND_MGMT() on a 180 MHz CPU in
 * between (0.3 to 2 ms, the model's estimate; the sources give the steps, not their time).
 */
export const MGMT_TURNAROUND_MS = [2.5, 5.5] as const;

/** One madwifi access point (AP-mode VAP, optionally hostapd for WPA-PSK). */
export class AccessPoint {
  essid: string | null = null;
  channel = 0;
  hostapd: HostapdConfig | null = null;
  /** Static WEP keys (iwconfig key ...). */
  readonly wep = new WepState();
  private _vap: { iface: string; radio: string } | null = null;
  private _up = false;
  private readonly nodes = new Map<Station, Node>();
  /** The node table's inactivity counters (ieee80211_timeout_stations()). */
  readonly inactivity: NodeInactivity<Station>;
  /** Model ms of one target beacon transmission time; they follow every 100 TU. */
  private readonly tbttPhaseMs: number;

  constructor(
    private readonly world: World,
    readonly name: string,
    readonly bssid: string,
    /** Transmit power (dBm); an nl80211 AP board changes it (`iw dev IFACE set txpower fixed`). */
    public txPowerDbm: number,
  ) {
    this.tbttPhaseMs = world.rnd.uniform(0, BEACON_INTERVAL_MS);
    this.inactivity = new NodeInactivity<Station>(world.sched, world.rnd, {
      // ieee80211_send_nulldata() to a station in its probe window: ACKed only by a station
      // that is associated here and on this channel (ath_tx_processq() reloads ni_inact).
      probeAcked: (sta) => sta.state === 'RUN' && sta.bss === this,
      timedOut: (sta) => this.dropNode(sta),
    });
  }

  get vap(): { iface: string; radio: string } | null {
    return this._vap;
  }
  set vap(v: { iface: string; radio: string } | null) {
    this._vap = v;
    if (!v) this.flush();
  }

  /** The VAP is up. Down (or destroyed) empties the node table (ieee80211_newstate() to INIT: sta_disassoc for every node). */
  get up(): boolean {
    return this._up;
  }
  set up(v: boolean) {
    this._up = v;
    if (!v) this.flush();
  }

  get ssid(): string | null {
    return this.hostapd?.ssid ?? this.essid;
  }

  get wpa(): boolean {
    return this.hostapd?.psk != null;
  }

  /** Sending beacons: a VAP exists, is up and has an SSID. */
  get beaconing(): boolean {
    return this.vap !== null && this.up && this.ssid !== null;
  }

  /** The first beacon at or after model time t (the AP's TBTTs, every 100 TU). */
  nextTbtt(t: number): number {
    const k = Math.ceil((t - this.tbttPhaseMs) / BEACON_INTERVAL_MS - 1e-9);
    return this.tbttPhaseMs + k * BEACON_INTERVAL_MS;
  }

  /** The AP can send unicast data to this station (associated, and keyed under WPA). */
  canSendDataTo(sta: Station): boolean {
    const n = this.nodes.get(sta);
    return n !== undefined && n.aid !== 0 && (!this.wpa || n.ptk);
  }

  /** The station is in the node table (authenticated, perhaps associated). */
  knows(sta: Station): boolean {
    return this.nodes.has(sta);
  }

  /**
   * The associated stations in the node table now, as `wlanconfig athN list sta` lists them
   * (ieee80211_wireless.c, get_sta_info(): nodes with an association id only). A station
   * that left without telling the AP stays listed until its inactivity timer drops it;
   * `idleS` is isi_inact, `(reload - ni_inact) * IEEE80211_INACT_WAIT`: whole 15 s steps.
   */
  stationTable(): { mac: string; aid: number; keyed: boolean; idleS: number }[] {
    return [...this.nodes]
      .filter(([, n]) => n.aid !== 0)
      .sort(([, a], [, b]) => a.aid - b.aid)
      .map(([sta, n]) => ({ mac: sta.mac, aid: n.aid, keyed: !this.wpa || n.ptk, idleS: this.inactivity.idleS(sta) }));
  }

  /** A frame from the station reached the AP, or one to it was ACKed: ni_inact = ni_inact_reload. */
  heardFrom(sta: Station): void {
    this.inactivity.heard(sta);
  }

  /**
   * The AP receives a management frame from `sta` and answers it (ieee80211_recv_mgmt(),
   * net80211/ieee80211_input.c):
   * - AUTH (open system, ieee80211_auth_open()): the station gets a node (ieee80211_dup_bss()
   *   when the lookup found only the BSS node), or keeps the one it has.
   * - ASSOC_REQ / REASSOC_REQ from a station without a node (the lookup returned iv_bss):
   *   "deny %s request, sta not authenticated", ieee80211_send_error(...,
   *   IEEE80211_FC0_SUBTYPE_DEAUTH, IEEE80211_REASON_ASSOC_NOT_AUTHED). With a node (it
   *   authenticated here before, and the AP never heard it leave): accepted,
   *   ieee80211_node_join() keeps its association id or gives it the lowest free one.
   * - WPA without the station's WPA IE: "no WPA/RSN IE in association request", deauth
   *   IEEE80211_REASON_RSN_REQUIRED and ieee80211_node_leave().
   */
  receiveMgmt(sta: Station, frame: 'auth' | 'assoc' | 'reassoc'): MgmtAnswer {
    this.heardFrom(sta);
    if (frame === 'auth') {
      // WEP: a station whose key is not the AP's key in that slot is refused (the model's
      // reading of shared-key authentication's failed challenge, docs/virtual-rig.md).
      if (this.wep.privacy && sta.wep.txKey !== this.wep.keys[sta.wep.txIndex]) {
        this.dropNode(sta);
        return 'auth-refused-wep';
      }
      if (!this.nodes.has(sta)) {
        this.nodes.set(sta, { aid: 0, ptk: false, handshake: null, retry: null });
        this.inactivity.add(sta, 'init');
      }
      return 'auth-ok';
    }
    const n = this.nodes.get(sta);
    if (!n) return 'deauth-not-authed';
    if (this.wpa && !sta.supplicant) {
      this.dropNode(sta);
      return 'deauth-rsn-required';
    }
    this.join(sta, n);
    return 'assoc-ok';
  }

  /** The AP's time from a management request to its response (model ms). */
  mgmtTurnaroundMs(): number {
    return this.world.rnd.uniform(MGMT_TURNAROUND_MS[0], MGMT_TURNAROUND_MS[1]);
  }

  /** The station sent a disassociation (it went down or changed ESSID): ieee80211_node_leave(). */
  disassociated(sta: Station): void {
    this.dropNode(sta);
  }

  /** Every node gone (the VAP went down). */
  private flush(): void {
    for (const sta of [...this.nodes.keys()]) this.dropNode(sta);
  }

  private dropNode(sta: Station): void {
    const n = this.nodes.get(sta);
    if (!n) return;
    n.retry?.cancel();
    this.nodes.delete(sta);
    this.inactivity.remove(sta);
  }

  /**
   * ieee80211_node_join() on the AP: an association id (kept on a reassociation, else the
   * lowest free one), ni_inact_reload = iv_inact_run once authorized (open: at once; WPA:
   * iv_inact_auth until hostapd authorizes), and the IWEVREGISTERED event hostapd reads to
   * (re)start the 4-way handshake.
   */
  private join(sta: Station, n: Node): void {
    if (n.aid === 0) {
      const used = new Set([...this.nodes.values()].map((x) => x.aid));
      let aid = 1;
      while (used.has(aid)) aid++;
      n.aid = aid;
    }
    n.retry?.cancel();
    n.retry = null;
    n.ptk = false;
    n.handshake = null;
    this.inactivity.add(sta, this.wpa ? 'auth' : 'run');
    if (!this.wpa) return;
    const rnd = this.world.rnd;
    const hs: HandshakeTruth = {
      bssid: this.bssid,
      startMs: this.world.epochMs(),
      frames: [],
      retries: 0,
      completedMs: null,
      failed: false,
    };
    n.handshake = hs;
    this.world.groundTruth.addHandshake(hs);
    // hostapd learns of the station from the driver's wireless event (netlink), reads its
    // WPA IE with an ioctl, logs to syslog and starts the authenticator: 80-200 ms on a
    // 2007 AP board (a 180 MHz MIPS with syslog on flash).
    this.world.sched.after(rnd.uniform(80, 200), () => this.sendKeyMessage(sta, n, 1, 1));
  }

  /** hostapd sends EAPOL-Key message 1 or 3 and arms the pairwise update timeout. */
  private sendKeyMessage(sta: Station, n: Node, msg: 1 | 3, attempt: number): void {
    if (this.nodes.get(sta) !== n || !n.handshake) return;
    const hs = n.handshake;
    const delivered = sta.canReceiveFrom(this);
    hs.frames.push({ msg, atMs: this.world.epochMs(), attempt, delivered });
    n.retry?.cancel();
    n.retry = this.world.sched.after(EAPOL_TIMEOUT_MS, () => {
      n.retry = null;
      if (attempt >= EAPOL_TRIES) {
        hs.failed = true;
        this.dropNode(sta);
        sta.deauthenticated(this);
        return;
      }
      hs.retries++;
      this.sendKeyMessage(sta, n, msg, attempt + 1);
    });
    if (!delivered) return;
    sta.supplicantKeyMessage(this, msg, (reply, replyDelivered, pskOk) => {
      if (this.nodes.get(sta) !== n) return;
      hs.frames.push({ msg: reply, atMs: this.world.epochMs(), attempt, delivered: replyDelivered });
      if (!replyDelivered || !pskOk) return; // MIC failure: hostapd drops it and waits for its timeout
      this.heardFrom(sta);
      n.retry?.cancel();
      n.retry = null;
      if (reply === 2) {
        // PTK derivation, MIC check, message 3 with the GTK on a slow AP CPU.
        this.world.sched.after(this.world.rnd.uniform(20, 50), () => this.sendKeyMessage(sta, n, 3, 1));
      } else {
        n.ptk = true;
        hs.completedMs = this.world.epochMs();
        // hostapd authorizes the port (IEEE80211_MLME_AUTHORIZE -> ieee80211_node_authorize(): reload = iv_inact_run)
        this.inactivity.setReload(sta, 'run');
      }
    });
  }
}
