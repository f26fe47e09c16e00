/**
 * Drive the virtual rig's world model directly, on a manual clock: no SSH, no HTTP,
 * no real time. The model runs only when a test calls `run()` / `until()`, so
 * thousands of model seconds take milliseconds and every outcome is exact.
 *
 * The setup mirrors what the rig does over SSH (APs configured and beaconing, the
 * client's VAP created, the supplicant started for WPA, the ESSID set, the interface
 * up) and the roam mirrors the rig's crossfade (stepDb every stepDelay, stop at the
 * new BSSID), so the model tests see the same physics as `rig roam`.
 */
import type { AccessPoint } from '../../../rig/world/access-point.ts';
import type { GroundTruthEntry } from '../../../rig/world/ground-truth.ts';
import { PingProcess, type PingFlavour } from '../../../rig/world/ping.ts';
import { World } from '../../../rig/world/world.ts';

export const BSSID = { ap1: '00:03:7F:0A:00:01', ap2: '00:03:7F:0A:00:02' } as const;
export const ESSID = 'rig-roam';
export const PSK = 'model-test-passphrase';

export type ApName = 'ap1' | 'ap2';

export interface ModelBenchOptions {
  variant?: string;
  wpa?: boolean;
  seed?: number;
  /** Programmed attenuation range of the crossfade, dB (the shipped profile, inventory.yaml's `virtual` bench: 20..60 in 3 dB steps of 1 s). */
  minDb?: number;
  maxDb?: number;
  stepDb?: number;
  stepDelayMs?: number;
  /** iwpriv scanvalid on the client (the shipped inventory: 20 s). */
  scanvalidS?: number;
  /** The client's background scan: the model's default, or net80211's own (WorldOptions.backgroundScan). */
  backgroundScan?: 'model' | 'net80211';
}

export interface WirelessEvent {
  atMs: number;
  bssid: string | null;
}

export interface ModelRoam {
  index: number;
  from: ApName;
  to: ApName;
  /** Model ms: crossfade start, association to the new AP (undefined: no roam within the ramp + timeout). */
  startMs: number;
  joinMs: number | undefined;
}

export class ModelBench {
  readonly world: World;
  readonly events: WirelessEvent[] = [];
  readonly attenuation: Record<ApName, number>;
  private readonly o: Required<ModelBenchOptions>;
  current: ApName = 'ap1';
  private cycle = 0;

  constructor(opts: ModelBenchOptions = {}) {
    this.o = {
      variant: 'stock',
      wpa: false,
      seed: 1404,
      minDb: 20,
      maxDb: 60,
      stepDb: 3,
      stepDelayMs: 1000,
      scanvalidS: 20,
      backgroundScan: 'model',
      ...opts,
    };
    this.attenuation = { ap1: this.o.minDb, ap2: this.o.maxDb };
    this.world = new World({
      seed: this.o.seed,
      timeScale: 1,
      manualClock: true,
      epochBaseMs: 1_700_000_000_000,
      accessPoints: [
        { name: 'ap1', bssid: BSSID.ap1, txPowerDbm: 18 },
        { name: 'ap2', bssid: BSSID.ap2, txPowerDbm: 18 },
      ],
      paths: [
        { ap: 'ap1', fixedLossDb: 40, attenuationDb: this.o.minDb },
        { ap: 'ap2', fixedLossDb: 40, attenuationDb: this.o.maxDb },
      ],
      client: { name: 'client', mac: '00:03:7F:0C:00:01', variant: this.o.variant },
      backgroundScan: this.o.backgroundScan,
    });
    const w = this.world;
    w.ap('ap1').channel = 1;
    w.ap('ap2').channel = 6;
    for (const ap of w.accessPoints) {
      ap.vap = { iface: 'ath0', radio: 'wifi0' };
      ap.essid = ESSID;
      if (this.o.wpa) ap.hostapd = { ssid: ESSID, psk: PSK };
      ap.up = true;
    }
    const c = w.client;
    c.onWirelessEvent((bssid) => this.events.push({ atMs: w.sched.now(), bssid }));
    c.createVap('ath0', 'wifi0');
    c.params.scanvalid = this.o.scanvalidS;
    if (this.o.wpa) c.startSupplicant({ ssid: ESSID, psk: PSK });
    c.setEssid(ESSID);
    c.ifUp();
  }

  /** Model time now (ms since the world started). */
  get now(): number {
    return this.world.sched.now();
  }

  /** Board epoch ms of model time t (ground-truth times are in this). */
  epoch(t: number): number {
    return this.world.epochMs(t);
  }

  /** Run the model for `ms` model milliseconds. */
  run(ms: number): void {
    this.world.sched.runUntil(this.now + ms);
  }

  /** Run until `cond()` holds (checked every `stepMs`), at most `maxMs`. True when it held. */
  until(cond: () => boolean, maxMs: number, stepMs = 10): boolean {
    const end = this.now + maxMs;
    while (!cond()) {
      if (this.now >= end) return false;
      this.world.sched.runUntil(Math.min(end, this.now + stepMs));
    }
    return true;
  }

  /** Run until the client is associated (and keyed under WPA) to the strong AP. */
  associate(maxMs = 30_000): void {
    const c = this.world.client;
    const ok = this.until(() => c.state === 'RUN' && c.bss?.name === this.current && (!this.o.wpa || c.keysInstalled), maxMs);
    if (!ok) throw new Error(`the model client did not associate to ${this.current} within ${maxMs} ms (state ${c.state})`);
  }

  ap(name: ApName): AccessPoint {
    return this.world.ap(name);
  }

  setAttenuation(ap: ApName, db: number): void {
    this.attenuation[ap] = db;
    this.world.setAttenuation(ap, db);
  }

  /** A ping on the client, as `ping -i 0.2 -D -O` (iputils) would run; its output lines are collected. */
  startPing(opts: { flavour?: PingFlavour; intervalMs?: number } = {}): { process: PingProcess; lines: string[] } {
    const lines: string[] = [];
    const flavour = opts.flavour ?? 'iputils';
    const process = new PingProcess(
      this.world,
      flavour,
      {
        target: '192.0.2.10',
        intervalMs: opts.intervalMs ?? 200,
        timestamps: flavour === 'iputils',
        reportOutstanding: flavour === 'iputils',
        count: null,
        deadlineMs: null,
      },
      { stdout: (l) => lines.push(l), stderr: (l) => lines.push(`E ${l}`), exit: () => {} },
    );
    process.start();
    return { process, lines };
  }

  /**
   * One roam cycle the way the rig runs it: announce the cycle to the ground truth,
   * crossfade stepDb per stepDelay until the client reports the other AP's BSSID (or the
   * ramp ends and `timeoutMs` passed), then `afterMs` of recovery and grace.
   */
  roam(opts: { timeoutMs?: number; afterMs?: number } = {}): ModelRoam {
    const from = this.current;
    const to: ApName = from === 'ap1' ? 'ap2' : 'ap1';
    const index = ++this.cycle;
    this.world.groundTruth.beginCycle(index);
    const startMs = this.now;
    const firstEvent = this.events.length;
    const joined = (): WirelessEvent | undefined => this.events.slice(firstEvent).find((e) => e.bssid === BSSID[to]);
    const timeoutMs = opts.timeoutMs ?? 90_000;
    while (!joined() && this.now - startMs < timeoutMs) {
      const rampDone = this.attenuation[from] >= this.o.maxDb && this.attenuation[to] <= this.o.minDb;
      if (!rampDone) {
        this.setAttenuation(from, Math.min(this.o.maxDb, this.attenuation[from] + this.o.stepDb));
        this.setAttenuation(to, Math.max(this.o.minDb, this.attenuation[to] - this.o.stepDb));
      }
      this.until(() => joined() !== undefined, this.o.stepDelayMs, 5);
    }
    const join = joined();
    if (join) this.current = to;
    this.run(opts.afterMs ?? 4000);
    return { index, from, to, startMs, joinMs: join?.atMs };
  }

  /** Close the open ground-truth entry and return every entry of a roam cycle (index >= 1). */
  finish(): GroundTruthEntry[] {
    this.world.stop();
    return this.world.groundTruth.entries.filter((e) => e.index > 0);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Seqs of the ping lines that are replies (`icmp_seq=N` or busybox `seq=N`), first replies only. */
export function repliedSeqs(lines: string[]): Set<number> {
  const out = new Set<number>();
  for (const l of lines) {
    const m = /\b(?:icmp_)?seq=(\d+) ttl=/.exec(l);
    if (m && !l.includes('(DUP!)')) out.add(Number(m[1]));
  }
  return out;
}
