import type { HandshakeTruth } from './ground-truth.ts';
import type { Timer } from './clock.ts';
import type { World } from './world.ts';
import type { Station } from './station.ts';

export interface HostapdConfig {
  ssid: string;
  /** WPA-PSK when set; open otherwise. */
  psk: string | null;
}

interface Association {
  /** hostapd installed the pairwise key for this station (data to it can flow). */
  ptk: boolean;
  handshake: HandshakeTruth | null;
  retry: Timer | null;
}

/** hostapd 0.5's dot11RSNAConfigPairwiseUpdateTimeOut and ...Count. */
export const EAPOL_TIMEOUT_MS = 1000;
export const EAPOL_TRIES = 3;

/** One madwifi access point (AP-mode VAP, optionally hostapd for WPA-PSK). */
export class AccessPoint {
  vap: { iface: string; radio: string } | null = null;
  up = false;
  essid: string | null = null;
  channel = 0;
  hostapd: HostapdConfig | null = null;
  private readonly associations = new Map<Station, Association>();

  constructor(
    private readonly world: World,
    readonly name: string,
    readonly bssid: string,
    readonly txPowerDbm: number,
  ) {}

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

  /** The AP can send unicast data to this station (associated, and keyed under WPA). */
  canSendDataTo(sta: Station): boolean {
    const a = this.associations.get(sta);
    return a !== undefined && (!this.wpa || a.ptk);
  }

  /** The stations in the AP's node table now, with their association ids (1-based, in order of association). */
  stationTable(): { mac: string; aid: number; keyed: boolean }[] {
    return [...this.associations].map(([sta, a], i) => ({ mac: sta.mac, aid: i + 1, keyed: !this.wpa || a.ptk }));
  }

  associated(sta: Station): void {
    this.disassociated(sta);
    const a: Association = { ptk: false, handshake: null, retry: null };
    this.associations.set(sta, a);
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
    a.handshake = hs;
    this.world.groundTruth.addHandshake(hs);
    // hostapd learns of the station from the driver's wireless event (netlink), reads its
    // WPA IE with an ioctl, logs to syslog and starts the authenticator: 80-200 ms on a
    // 2007 AP board (a 180 MHz MIPS with syslog on flash).
    this.world.sched.after(rnd.uniform(80, 200), () => this.sendKeyMessage(sta, a, 1, 1));
  }

  disassociated(sta: Station): void {
    const a = this.associations.get(sta);
    if (!a) return;
    a.retry?.cancel();
    this.associations.delete(sta);
  }

  /** hostapd sends EAPOL-Key message 1 or 3 and arms the pairwise update timeout. */
  private sendKeyMessage(sta: Station, a: Association, msg: 1 | 3, attempt: number): void {
    if (this.associations.get(sta) !== a || !a.handshake) return;
    const hs = a.handshake;
    const delivered = sta.canReceiveFrom(this);
    hs.frames.push({ msg, atMs: this.world.epochMs(), attempt, delivered });
    a.retry?.cancel();
    a.retry = this.world.sched.after(EAPOL_TIMEOUT_MS, () => {
      a.retry = null;
      if (attempt >= EAPOL_TRIES) {
        hs.failed = true;
        this.disassociated(sta);
        sta.deauthenticated(this);
        return;
      }
      hs.retries++;
      this.sendKeyMessage(sta, a, msg, attempt + 1);
    });
    if (!delivered) return;
    sta.supplicantKeyMessage(this, msg, (reply, replyDelivered, pskOk) => {
      if (this.associations.get(sta) !== a) return;
      hs.frames.push({ msg: reply, atMs: this.world.epochMs(), attempt, delivered: replyDelivered });
      if (!replyDelivered || !pskOk) return; // MIC failure: hostapd drops it and waits for its timeout
      a.retry?.cancel();
      a.retry = null;
      if (reply === 2) {
        // PTK derivation, MIC check, message 3 with the GTK on a slow AP CPU.
        this.world.sched.after(this.world.rnd.uniform(20, 50), () => this.sendKeyMessage(sta, a, 3, 1));
      } else {
        a.ptk = true;
        hs.completedMs = this.world.epochMs();
      }
    });
  }
}
