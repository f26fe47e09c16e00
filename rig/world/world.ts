import { AccessPoint } from './access-point.ts';
import { ModelClock, Scheduler } from './clock.ts';
import { GroundTruthLog } from './ground-truth.ts';
import { HZ_DEFAULT, KernelTicks } from './kernel-time.ts';
import { type LinkWatch, LinkWatchQueue } from './linkwatch.ts';
import { sampleSignalDbm } from './radio.ts';
import { Random } from './random.ts';
import { Station } from './station.ts';
import { driverBehaviour, NL80211_CLIENT } from './variants.ts';

export interface WorldOptions {
  seed: number;
  timeScale: number;
  /** Model tests: a clock that only moves by `sched.runUntil()`. */
  manualClock?: boolean;
  /** Board clocks start here (epoch ms); default: the real time at start. */
  epochBaseMs?: number;
  accessPoints: { name: string; bssid: string; txPowerDbm: number }[];
  /** One RF path per AP: fixed loss of cables/combiner and the programmable attenuation on it. */
  paths: { ap: string; fixedLossDb: number; attenuationDb: number }[];
  /**
   * The client: madwifi 0.9.3 on Linux 2.6.16 running `variant` (default), or `stack:
   * 'nl80211'`, a current kernel's mac80211 station under wpa_supplicant (variants.ts
   * NL80211_CLIENT; `variant` is then not used).
   */
  client: { name: string; mac: string; variant: string; stack?: 'madwifi' | 'nl80211' };
  groundTruthFile?: string;
  /**
   * The madwifi client's background scan: the model's default, one 0.7 s scan that hears
   * every AP, or `'net80211'`, madwifi 0.9.3's own (rig/world/bg-scan.ts: one channel per
   * call, cancelled by data frames, continued only when idle), which with `ping -i 0.2`
   * running delays roams by minutes and loses pings (docs/virtual-rig.md, departures).
   */
  backgroundScan?: 'model' | 'net80211';
}

/**
 * The virtual bench's physics and drivers: two madwifi APs, one madwifi station on
 * Linux 2.6.16, the RF paths between them, and a clock that may run faster than
 * real time. Devices (SSH servers) and attenuators (HTTP servers) are views on it.
 */
export class World {
  readonly clock: ModelClock;
  readonly sched: Scheduler;
  readonly rnd: Random;
  readonly groundTruth: GroundTruthLog;
  readonly accessPoints: AccessPoint[];
  readonly client: Station;
  /** The client board's timer tick (its kernel's HZ and phase): user space's timeouts (kernel-time.ts). */
  readonly clientTicks: KernelTicks;
  /** The client board kernel's linkwatch, one for all its interfaces (linkwatch.ts). */
  readonly clientLinkwatch: LinkWatchQueue;
  /** The client's wired management interface: up with carrier since boot, on the same linkwatch as ath0. */
  readonly clientEth0: LinkWatch;
  private readonly epochBaseMs: number;
  private readonly paths = new Map<AccessPoint, { fixedLossDb: number; attenuationDb: number }>();

  constructor(readonly options: WorldOptions) {
    this.clock = new ModelClock(options.timeScale, options.manualClock ?? false);
    this.sched = new Scheduler(this.clock);
    this.rnd = new Random(options.seed);
    this.epochBaseMs = options.epochBaseMs ?? Date.now();
    this.groundTruth = new GroundTruthLog(options.groundTruthFile);
    this.accessPoints = options.accessPoints.map((a) => new AccessPoint(this, a.name, a.bssid, a.txPowerDbm));
    for (const p of options.paths) {
      const ap = this.ap(p.ap);
      this.paths.set(ap, { fixedLossDb: p.fixedLossDb, attenuationDb: p.attenuationDb });
    }
    const c = options.client;
    const nl80211 = c.stack === 'nl80211';
    this.clientTicks = new KernelTicks(HZ_DEFAULT, this.rnd.uniform(0, 1000 / HZ_DEFAULT));
    this.clientLinkwatch = new LinkWatchQueue(
      this.sched,
      () => this.rnd.uniform(0.2, 3), // keventd picks the work up
      { urgentCarrierOn: nl80211 },
    );
    this.clientEth0 = this.clientLinkwatch.device('eth0');
    this.clientEth0.carrierOk = true; // the link came up at boot, long before the model started
    this.clientEth0.interfaceUp();
    this.client = nl80211
      ? new Station(this, c.name, c.mac, { ...NL80211_CLIENT }, this.clientLinkwatch)
      : new Station(this, c.name, c.mac, driverBehaviour(c.variant), this.clientLinkwatch);
  }

  ap(name: string): AccessPoint {
    const ap = this.accessPoints.find((a) => a.name === name);
    if (!ap) throw new Error(`no access point "${name}" in the virtual bench`);
    return ap;
  }

  /** Board wall clock (epoch ms) at model time `t` (default: now). */
  epochMs(t: number = this.sched.now()): number {
    return this.epochBaseMs + t;
  }

  setAttenuation(apName: string, db: number): void {
    this.sched.now(); // run what was due before the change
    const path = this.paths.get(this.ap(apName));
    if (path) path.attenuationDb = db;
  }

  attenuation(apName: string): number {
    return this.paths.get(this.ap(apName))?.attenuationDb ?? 0;
  }

  sampleSignalDbm(ap: AccessPoint): number {
    const path = this.paths.get(ap) ?? { fixedLossDb: 0, attenuationDb: 0 };
    return sampleSignalDbm({ txPowerDbm: ap.txPowerDbm, ...path }, this.rnd);
  }

  stop(): void {
    this.sched.stop();
    this.groundTruth.flush();
  }
}
