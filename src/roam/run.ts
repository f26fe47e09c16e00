import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchError, ConfigError, RigError, UsageError, describeError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { thresholdsFor, type Bench } from '../inventory/schema.ts';
import { detectPing, pingArgv, PingStream, type PingCapabilities } from '../controllers/ping/remote.ts';
import { startLab, type Lab } from '../../rig/lab.ts';
import { BenchSession, type ApName } from './bench-session.ts';
import { runCycle } from './cycle.ts';
import { emptyRecord } from './record.ts';
import { RunFolder } from '../record/run-folder.ts';
import { readPlan } from '../record/read.ts';
import type { RoamRecord, RunPlan, RunSummary } from '../record/schema.ts';
import { summarizeVariant } from '../record/summary.ts';
import { writeRunReport } from '../report/index.ts';
import { RIG_VERSION } from '../version.ts';
import { flashSession, identifySession } from '../flash/session.ts';
import { loadManifest } from '../firmware/manifest.ts';

export interface RoamOptions {
  inventory: string;
  bench?: string;
  /** Roams per variant. With `resume`, the total to reach (default: the count the run was started with). */
  count?: number;
  /** Virtual bench: the client's driver variant (until flashing exists). Real bench: the label recorded. */
  firmware?: string;
  /** Several variants in one run, one after the other, `count` roams each. */
  variants?: string[];
  reportsDir?: string;
  /** Continue this run folder up to the requested count. */
  resume?: string;
  /** Virtual bench: override the inventory's time scale. */
  timeScale?: number;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  log?: (message: string) => void;
}

export type ProgressEvent =
  | { kind: 'setup'; message: string }
  | { kind: 'roam'; record: RoamRecord; done: number; total: number };

export interface RunResult {
  runDir: string;
  summary: RunSummary;
  exitCode: number;
}

/** `rig roam`: the main job, as a function. */
export async function runRoam(opts: RoamOptions): Promise<RunResult> {
  const plan = await planRun(opts);
  const loaded = await loadInventory(plan.inventory);
  const { bench } = selectBench(loaded, plan.bench);
  const psk = bench.security.mode === 'wpa-psk' ? secretFromEnv(bench.security.pskEnv) : null;

  const folder = opts.resume
    ? new RunFolder(resolve(opts.resume))
    : new RunFolder(join(resolve(opts.reportsDir ?? join(loaded.dir, 'reports')), RunFolder.newRunId(plan.bench)), plan);
  const records: RoamRecord[] = folder.recoverRoams();
  const summary: RunSummary = {
    runDir: folder.dir,
    bench: plan.bench,
    inventory: loaded.file,
    inventoryDigest: loaded.digest,
    rigVersion: RIG_VERSION,
    startedAt: plan.startedAt,
    endedAt: '',
    timeScale: plan.timeScale,
    virtual: Boolean(bench.virtual),
    ping: null,
    attenuators: {},
    devices: {},
    firmwareByVariant: {},
    essid: bench.essid,
    variants: [],
    lostOutsideCycles: [],
    verdict: 'passed',
    benchFailure: null,
    problems: [],
  };
  const progress = (message: string): void => opts.onProgress?.({ kind: 'setup', message });
  const live = new LiveBench(bench, plan, folder, psk, opts, progress);

  let fatal: unknown = null;
  try {
    const remaining = plan.variants.map((v) => ({ variant: v, todo: plan.count - records.filter((r) => r.variant === v).length }));
    if (remaining.some((r) => r.todo > 0)) {
      await live.start(remaining.find((r) => r.todo > 0)!.variant);
      summary.attenuators = live.attenuators;
      summary.ping = live.pingInfo;
      const total = plan.count * plan.variants.length;
      for (const { variant, todo } of remaining) {
        if (todo <= 0) continue;
        live.nextIndex = records.length + 1;
        await live.useVariant(variant);
        summary.devices = { ...live.devices };
        summary.firmwareByVariant = { ...summary.firmwareByVariant, [variant]: { ...live.devices } };
        for (let n = 0; n < todo && !opts.signal?.aborted; n++) {
          live.nextIndex = records.length + 1;
          const record = await live.cycle(records.length + 1, variant);
          if (record.invalidReason === 'interrupted') break;
          live.endCycle(record.index);
          records.push(record);
          folder.appendRoam(record);
          opts.onProgress?.({ kind: 'roam', record, done: records.length, total });
        }
        if (opts.signal?.aborted) break;
      }
    }
    if (opts.signal?.aborted) summary.verdict = 'interrupted';
  } catch (err) {
    if (err instanceof RigError && err.kind === 'bench') {
      summary.verdict = opts.signal?.aborted ? 'interrupted' : 'bench-failure';
      summary.benchFailure = describeError(err);
    } else fatal = err;
  } finally {
    summary.problems.push(...(await live.stop()));
    summary.lostOutsideCycles = live.lostOutsideCycles(records);
  }
  if (fatal) {
    folder.close();
    throw fatal;
  }

  summary.endedAt = new Date().toISOString();
  summary.variants = plan.variants.map((v) => summarizeVariant(v, records.filter((r) => r.variant === v), thresholdsFor(bench.thresholds, v)));
  if (summary.verdict === 'passed' && summary.variants.some((v) => v.failures.length > 0)) summary.verdict = 'failed';
  folder.writeSummary(summary);
  await writeRunReport(folder.dir);
  folder.close();
  const exitCode =
    summary.verdict === 'bench-failure' ? 3 : summary.verdict === 'interrupted' ? 130 : summary.verdict === 'failed' ? 1 : 0;
  return { runDir: folder.dir, summary, exitCode };
}

/** Resolve what to run: from the options, or from run.json when resuming. */
async function planRun(opts: RoamOptions): Promise<RunPlan> {
  if (opts.resume) {
    const p = readPlan(resolve(opts.resume));
    return { ...p, count: opts.count ?? p.count };
  }
  if (opts.count === undefined || !Number.isInteger(opts.count) || opts.count < 1) {
    throw new UsageError(`--count must be a positive integer, got ${opts.count}`);
  }
  const loaded = await loadInventory(resolve(opts.inventory));
  const { name, bench } = selectBench(loaded, opts.bench);
  const variants = opts.variants ?? [opts.firmware ?? bench.virtual?.firmware ?? 'as-installed'];
  if (variants.length === 0 || new Set(variants).size !== variants.length) throw new UsageError('--variants: list each variant once');
  const known = Object.keys(loadManifest().variants);
  const unknown = variants.filter((v) => v !== 'as-installed' && !known.includes(v));
  if (unknown.length) throw new UsageError(`--firmware/--variants ${unknown.join(',')}: firmware/variants.yaml has ${known.join(', ')}`);
  return {
    inventory: loaded.file,
    bench: name,
    variants,
    count: opts.count,
    timeScale: bench.virtual ? opts.timeScale ?? bench.virtual.timeScale : 1,
    startedAt: new Date().toISOString(),
  };
}

/**
 * The bench while a run uses it: the virtual rig (if any), the session, the APs'
 * BSSIDs, the programmed attenuation, the client's ping stream.
 */
class LiveBench {
  private lab: Lab | null = null;
  private session: BenchSession | null = null;
  private ping: PingStream | null = null;
  private caps: PingCapabilities | null = null;
  private bssids: Record<ApName, string> = { ap1: '', ap2: '' };
  private attenuation: Record<ApName, number> = { ap1: 0, ap2: 0 };
  private current: ApName = 'ap1';
  private pingDeath: string | null = null;
  private bootTimes: Record<string, number | null> = {};
  private readonly pingStreams: { analyzer: PingStream['analyzer']; firstIndex: number }[] = [];
  attenuators: Record<string, string> = {};

  constructor(
    private readonly bench: Bench,
    private readonly plan: RunPlan,
    private readonly folder: RunFolder,
    private readonly psk: string | null,
    private readonly opts: RoamOptions,
    private readonly progress: (m: string) => void,
  ) {}

  get pingInfo(): RunSummary['ping'] {
    if (!this.ping || !this.caps) return null;
    return { command: this.ping.command, version: this.caps.version, timestampSource: this.caps.timestamps ? 'ping' : 'arrival' };
  }

  /** Bring the bench up: virtual rig, connections, APs, client association, event stream, ping. */
  async start(firstVariant: string): Promise<void> {
    const { bench, plan } = this;
    if (bench.virtual) {
      this.progress(`starting the virtual rig (time scale ${plan.timeScale}, client firmware ${firstVariant})`);
      this.lab = await startLab({ bench, firmware: firstVariant, timeScale: plan.timeScale, groundTruthFile: this.folder.groundTruthFile, log: this.opts.log });
    }
    this.checkAbort();
    this.progress('connecting to ap1, ap2, client');
    const s = (this.session = await BenchSession.open(bench, { overrides: this.lab?.endpoints, timeScale: plan.timeScale, log: this.opts.log }));
    this.attenuators = await s.identifyAttenuators();
    await s.anchorClock();
    for (const name of ['ap1', 'ap2', 'client'] as const) this.bootTimes[name] = await s.bootTime(name);

    // Start from ap1 strong, ap2 weak; configure the APs, then the client.
    const { minDb, maxDb } = bench.profile.range;
    this.attenuation = { ap1: minDb, ap2: maxDb };
    await Promise.all([s.setPath('ap1', minDb), s.setPath('ap2', maxDb)]);
    this.checkAbort();
    this.progress('configuring the access points');
    const [b1, b2] = await Promise.all(
      (['ap1', 'ap2'] as const).map((ap) => s.aps[ap].configure({ essid: bench.essid, channel: bench.devices[ap].wireless.channel, psk: this.psk })),
    );
    this.bssids = { ap1: b1, ap2: b2 };
    this.checkAbort();
    this.progress('configuring the client and waiting for it to associate to ap1');
    await s.station.configure({ essid: bench.essid, roaming: { ...bench.roaming }, psk: this.psk });
    await s.station.waitAssociated(s.clock, 60_000, [this.bssids.ap1], this.opts.signal);
    this.checkAbort();
    this.current = 'ap1';
    s.startEvents((line) => this.folder.log('events.log', line));

    this.progress('starting ping on the client');
    this.caps = await detectPing(s.devices.client, bench.devices.client.commandTimeoutS * 1000);
    this.startPing(this.nextIndex);
  }

  /**
   * Flash `variant` onto every board (fast and harmless when it is already loaded), then
   * bring the bench back to the start of a roam sequence: attenuation reset, the client
   * associated to ap1, events and ping running. `as-installed` (a real bench run without
   * a variant) flashes nothing and only reads what the boards run.
   */
  async useVariant(variant: string): Promise<void> {
    const s = this.session!;
    if (variant !== 'as-installed') {
      await this.ping?.stop(2000).catch(() => {});
      this.ping = null;
      this.progress(`flashing ${variant}`);
      await flashSession(s, {
        variant,
        psk: this.psk,
        onProgress: (e) => this.opts.log?.(`${e.device}: ${e.rollback ? 'rollback ' : ''}${e.step}: ${e.message}`),
        log: this.opts.log,
      });
      const { minDb, maxDb } = this.bench.profile.range;
      this.attenuation = { ap1: minDb, ap2: maxDb };
      await Promise.all([s.setPath('ap1', minDb), s.setPath('ap2', maxDb)]);
      this.bssids = { ap1: (await s.aps.ap1.iwconfig()).accessPoint ?? this.bssids.ap1, ap2: (await s.aps.ap2.iwconfig()).accessPoint ?? this.bssids.ap2 };
      await s.station.waitAssociated(s.clock, 60_000, [this.bssids.ap1], this.opts.signal);
      this.current = 'ap1';
      if (!s.eventsRunning) s.startEvents((line) => this.folder.log('events.log', line));
      this.startPing(this.nextIndex);
    }
    const fw = await identifySession(s).catch(() => null);
    this.firmware = Object.fromEntries(
      (['ap1', 'ap2', 'client'] as const).map((d) => [d, fw?.[d]?.loadedVariant ?? (variant === 'as-installed' ? 'unknown' : variant)]),
    );
    for (const d of ['ap1', 'ap2', 'client'] as const) {
      this.devices[d] = { variant: this.firmware[d], banner: fw ? Object.values(fw[d].banners ?? {}).join(' | ') : null };
    }
  }

  /** What each device runs now (for the records) and what its drivers said (for the report). */
  firmware: Record<string, string> = {};
  readonly devices: Record<string, { variant: string; banner: string | null }> = {};
  /** Index of the next roam (the ping restarted for it counts loss from there). */
  nextIndex = 1;

  async cycle(index: number, variant: string): Promise<RoamRecord> {
    const s = this.session!;
    const from = this.current;
    const to: ApName = from === 'ap1' ? 'ap2' : 'ap1';
    let record: RoamRecord;
    try {
      record = await this.runOne(s, index, variant, from, to);
    } catch (err) {
      // The bench failed under this roam (a device unreachable, an attenuator not
      // answering): the roam could not be measured. Record why, then recover.
      if (!(err instanceof RigError) || err.kind !== 'bench') throw err;
      record = invalidRecord(index, variant, from, to, this.bssids, s, printable(describeError(err)));
      record.firmware = { ...this.firmware };
    }
    // A roam during which a device dropped off cannot be trusted, however it looked.
    const gone = s.disconnected();
    if (record.valid && gone.length > 0) {
      record.valid = false;
      record.invalidReason = `ssh connection to ${gone.join(', ')} lost during the roam`;
    }
    if (!record.valid && record.invalidReason !== 'interrupted' && this.needsRecovery(record)) {
      const lost = s.disconnected();
      const found = await this.recover(index, record.invalidReason ?? 'unknown');
      const notes = [...(lost.length ? [`ssh connection to ${lost.join(', ')} lost`] : []), ...found];
      const extra = notes.filter((n) => !record.invalidReason?.includes(n));
      if (extra.length) record.invalidReason = `${extra.join('; ')}; ${record.invalidReason}`;
    }
    return record;
  }

  private runOne(s: BenchSession, index: number, variant: string, from: ApName, to: ApName): Promise<RoamRecord> {
    return runCycle(
      {
        session: s,
        ping: this.ping!,
        profile: this.bench.profile,
        bssids: this.bssids,
        attenuation: this.attenuation,
        variant,
        signal: this.opts.signal,
        onCycleStart: (n) => this.lab?.beginCycle(n),
        timeline: (sample) => this.folder.log('timeline.jsonl', JSON.stringify(sample)),
      },
      index,
      from,
      to,
    ).then((record) => {
      if (record.toBssid === this.bssids[to]) this.current = to;
      record.firmware = { ...this.firmware };
      return record;
    });
  }

  /** After an invalid roam: is anything on the bench broken that the next roam needs? */
  private needsRecovery(record: RoamRecord): boolean {
    const s = this.session!;
    return (
      s.disconnected().length > 0 ||
      !s.eventsRunning ||
      this.pingDied ||
      /attenuator|clock|ssh|command|timed out/i.test(record.invalidReason ?? '')
    );
  }

  /**
   * Bring the bench back after a fault, explicitly and boundedly: reconnect what is
   * disconnected (a rebooted board refuses SSH for a while: the device's connect
   * deadline covers that), re-apply the attenuation, reconfigure an AP or the client
   * that lost its configuration, restart the event stream and the ping.
   */
  private async recover(index: number, why: string): Promise<string[]> {
    const s = this.session!;
    const found: string[] = [];
    const log = (m: string): void => {
      this.opts.log?.(m);
      this.folder.log('recovery.log', `${new Date().toISOString()} roam ${index}: ${m}`);
    };
    log(`recovering after: ${why}`);
    let last: unknown = null;
    for (let attempt = 1; attempt <= 5; attempt++) {
      if (this.opts.signal?.aborted) return found;
      try {
        for (const name of s.disconnected()) {
          log(`reconnecting to ${name} (attempt ${attempt})`);
          await s.reconnect(name);
          const booted = await s.bootTime(name);
          const before = this.bootTimes[name];
          if (booted !== null && before !== null && booted - before > 30_000) {
            found.push(`${name} rebooted`);
            log(`${name} rebooted (uptime says it booted ${Math.round((booted - before) / 1000)} s after the last boot seen)`);
          }
          this.bootTimes[name] = booted;
        }
        await s.anchorClock();
        await Promise.all([s.setPath('ap1', this.attenuation.ap1), s.setPath('ap2', this.attenuation.ap2)]);
        for (const ap of ['ap1', 'ap2'] as const) {
          const info = await s.aps[ap].iwconfig().catch(() => null);
          if (info?.accessPoint !== this.bssids[ap] || info.essid !== this.bench.essid) {
            log(`${ap} lost its configuration: configuring it again`);
            this.bssids[ap] = await s.aps[ap].configure({ essid: this.bench.essid, channel: this.bench.devices[ap].wireless.channel, psk: this.psk });
          }
        }
        const sta = await s.station.iwconfig().catch(() => null);
        if (!sta || sta.essid !== this.bench.essid) {
          log('client lost its configuration: configuring it again');
          await s.station.configure({ essid: this.bench.essid, roaming: { ...this.bench.roaming }, psk: this.psk });
        }
        const bssid = await s.station.waitAssociated(s.clock, 60_000, [this.bssids.ap1, this.bssids.ap2], this.opts.signal);
        this.current = bssid === this.bssids.ap1 ? 'ap1' : 'ap2';
        if (!s.eventsRunning) s.startEvents((line) => this.folder.log('events.log', line));
        await this.ping?.stop(2000).catch(() => {});
        this.startPing(index + 1);
        log(`recovered: client on ${this.current}`);
        return found;
      } catch (err) {
        if (!(err instanceof RigError) || err.kind !== 'bench') throw err;
        last = err;
        log(`recovery attempt ${attempt} failed: ${describeError(err)}`);
        // Give a rebooting board or a wedged unit time: 1, 2, 4, 8 s of real time (at least 5 s of bench time).
        await new Promise((r) => setTimeout(r, Math.max(1000 * 2 ** (attempt - 1), s.clock.real(5000))));
      }
    }
    throw new BenchError(`the bench did not recover after roam ${index} (${why}): ${describeError(last)}`, { code: 'E_RECOVERY' });
  }

  /** The virtual rig writes the cycle's ground truth before the rig writes its record. */
  endCycle(index: number): void {
    this.lab?.endCycle(index);
  }

  lostOutsideCycles(records: RoamRecord[]): number[] {
    const out: number[] = [];
    this.pingStreams.forEach(({ analyzer, firstIndex }, i) => {
      const lastIndex = this.pingStreams[i + 1]?.firstIndex ?? Infinity;
      const mine = records.filter((r) => r.index >= firstIndex && r.index < lastIndex && r.seqTo > 0);
      out.push(...analyzer.result().lost.filter((seq) => !mine.some((r) => seq >= r.seqFrom && seq <= r.seqTo)));
    });
    return out;
  }

  /** Leave the bench safe and stopped; returns the problems met on the way. */
  async stop(): Promise<string[]> {
    const problems: string[] = [];
    await this.ping?.stop(2000).catch(() => {});
    if (this.session) problems.push(...(await this.session.close()));
    this.session = null;
    if (this.lab) await this.lab.stop();
    this.lab = null;
    return problems;
  }

  private checkAbort(): void {
    if (this.opts.signal?.aborted) throw new BenchError('interrupted during setup', { code: 'E_INTERRUPTED' });
  }

  private get pingDied(): boolean {
    return this.pingDeath !== null;
  }

  private startPing(firstIndex: number): void {
    const s = this.session!;
    this.pingDeath = null;
    const argv = pingArgv(this.bench.traffic.target, this.bench.traffic.intervalS, this.caps!);
    const p = new PingStream(s.devices.client, argv, this.bench.traffic.intervalS, s.clock, (line, stream, at) =>
      this.folder.log('ping.log', `${(at / 1000).toFixed(6)} ${stream === 'stderr' ? 'E ' : ''}${line}`),
    );
    p.onLine(() => s.waiter.notify());
    void p.died.then((d) => {
      if (this.ping === p && d) this.pingDeath = d.reason;
    });
    this.ping = p;
    this.pingStreams.push({ analyzer: p.analyzer, firstIndex });
  }
}

function secretFromEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new ConfigError(`the bench uses WPA-PSK: set its passphrase in the environment variable ${name}`, { code: 'E_SECRET_ENV' });
  if (v.length < 8 || v.length > 63 || /[\n\r"]/.test(v)) {
    throw new ConfigError(`the passphrase in ${name} must be 8 to 63 printable characters without quotes`, { code: 'E_SECRET_ENV' });
  }
  return v;
}

/** A roam the bench could not measure because something failed under it. */
function invalidRecord(index: number, variant: string, from: ApName, to: ApName, bssids: Record<ApName, string>, s: BenchSession, reason: string): RoamRecord {
  const r = emptyRecord({ index, variant, trigger: 'crossfade', fromAp: from, toAp: to, fromBssid: bssids[from], tStart: s.clock.now(), fixedLossDb: s.fixedLoss(), timestampSource: 'none' });
  r.invalidReason = reason;
  return r;
}

/** Device replies can be binary garbage: keep reasons printable. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
