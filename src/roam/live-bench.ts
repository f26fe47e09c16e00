/**
 * The bench while a run uses it: the session (opened through the provisioner the
 * caller chose), the roam trigger, the APs' BSSIDs, the programmed attenuation, the
 * client's ping stream; one roam cycle at a time, and the recovery ladder after a roam
 * that something on the bench broke.
 */
import { openBench } from '../bench/open.ts';
import type { Provisioner } from '../bench/provision.ts';
import type { ApName, BenchSession } from '../bench/session.ts';
import { accessPointSettings, stationSettings } from '../bench/settings.ts';
import { describeKernelEvent, findKernelEvents } from '../controllers/console/kernel-events.ts';
import { detectPing, pingArgv, PingStream, type PingCapabilities } from '../controllers/ping/remote.ts';
import { BenchError, RigError, describeError } from '../errors.ts';
import { flashSession, identifySession, madwifiDevices } from '../flash/session.ts';
import { AP_NAMES, DEVICE_NAMES, type Bench } from '../inventory/schema.ts';
import type { RunFolder } from '../record/run-folder.ts';
import type { KernelEventRecord, RoamRecord, RunPlan, RunSummary } from '../record/schema.ts';
import { runCycle } from './cycle.ts';
import { emptyRecord } from './record.ts';
import { recoverBench } from './recovery.ts';
import { roamTrigger } from './triggers/registry.ts';
import type { RoamTrigger } from './triggers/types.ts';

export interface LiveBenchOptions {
  provision: Provisioner;
  signal?: AbortSignal;
  log?: (message: string) => void;
  progress: (message: string) => void;
}

export class LiveBench {
  private session: BenchSession | null = null;
  private ping: PingStream | null = null;
  private caps: PingCapabilities | null = null;
  private bssids: Record<ApName, string> = { ap1: '', ap2: '' };
  private attenuation: Record<ApName, number> = { ap1: 0, ap2: 0 };
  private current: ApName = 'ap1';
  private pingDeath: string | null = null;
  private readonly bootTimes: Record<string, number | null> = {};
  private readonly pingStreams: { analyzer: PingStream['analyzer']; firstIndex: number }[] = [];
  readonly trigger: RoamTrigger;
  attenuators: Record<string, string> = {};
  /** What each device runs now (for the records) and what its drivers said (for the report). */
  firmware: Record<string, string> = {};
  readonly devices: Record<string, { variant: string; banner: string | null }> = {};
  /** Index of the next roam (the ping restarted for it counts loss from there). */
  nextIndex = 1;
  /** Set when the recovery after a roam failed: the run writes that roam's record, then ends (exit 3). */
  failure: BenchError | null = null;
  /** Per console: how far its capture has been searched for kernel events. */
  private readonly consoleMarks: Partial<Record<string, number>> = {};
  private variant = '';

  constructor(
    private readonly bench: Bench,
    private readonly plan: RunPlan,
    private readonly folder: RunFolder,
    private readonly psk: string | null,
    private readonly opts: LiveBenchOptions,
  ) {
    this.trigger = roamTrigger(bench.profile.trigger, plan.bench);
  }

  get pingInfo(): RunSummary['ping'] {
    if (!this.ping || !this.caps) return null;
    return { command: this.ping.command, version: this.caps.version, timestampSource: this.caps.timestamps ? 'ping' : 'arrival' };
  }

  /** Bring the bench up: provision, connect, the APs, the client's association, its events, the ping. */
  async start(firstVariant: string): Promise<void> {
    const { bench, plan } = this;
    const clientRuns = bench.devices.client.driver === 'madwifi' ? `client firmware ${firstVariant}` : `client driver ${bench.devices.client.driver}`;
    this.opts.progress(bench.virtual ? `starting the virtual rig (time scale ${plan.timeScale}, ${clientRuns})` : 'connecting to ap1, ap2, client');
    const s = (this.session = await openBench(bench, {
      provision: this.opts.provision,
      firmware: firstVariant,
      timeScale: plan.timeScale,
      groundTruthFile: this.folder.groundTruthFile,
      log: this.opts.log,
      // Each board's console, captured for the whole run.
      consoleOutput: (device, text) => this.folder.appendText(`console-${device}.log`, text),
    }));
    for (const [name, c] of Object.entries(s.consoles)) {
      this.consoleMarks[name] = c!.capturedChars;
      this.folder.appendText(`console-${name}.log`, ''); // one file per console, even while it says nothing
    }
    this.checkAbort();
    this.attenuators = await s.identifyAttenuators();
    const anchor = await s.anchorClock();
    this.opts.log?.(anchor ? `bench clock on the client's: ${anchor.method === 'tick' ? 'at the tick of date +%s' : 'no tick seen, the middle of its second'}, within ${Math.round(anchor.uncertaintyMs)} ms` : "bench clock: the client's date +%s unreadable, the controller's clock kept");
    for (const name of DEVICE_NAMES) this.bootTimes[name] = await s.bootTime(name);

    // ap1 strong, ap2 weak while the client first associates, so it starts on ap1 whatever the trigger.
    await this.setAssociationAttenuation();
    this.checkAbort();
    this.opts.progress('configuring the access points');
    const [b1, b2] = await Promise.all(AP_NAMES.map((ap) => s.aps[ap].configure(accessPointSettings(bench, ap, this.psk))));
    this.bssids = { ap1: b1, ap2: b2 };
    await this.trigger.check?.(s, plan.bench);
    this.checkAbort();
    this.opts.progress('configuring the client and waiting for it to associate to ap1');
    await s.configureStation(stationSettings(bench, this.psk));
    await this.associateToAp1();
    this.checkAbort();
    this.current = 'ap1';
    await this.setTriggerAttenuation();
    s.startEvents((line) => this.folder.log('events.log', line));

    this.opts.progress('starting ping on the client');
    this.caps = await detectPing(s.devices.client, bench.devices.client.commandTimeoutS * 1000);
    this.startPing(this.nextIndex);
  }

  /**
   * The client on ap1, where a roam sequence starts. The attenuation puts it there on a
   * bench whose attenuators reach the air; where they do not (hwsim: both APs equally
   * strong), a client that joined ap2 is sent to ap1 by a roam command, when that command
   * does not pin the station (Station.roamCommandPins: madwifi's does).
   */
  private async associateToAp1(): Promise<void> {
    const s = this.session!;
    const { ap1, ap2 } = this.bssids;
    // A roam command that pins the station (madwifi) would stop every later roam of its own: there,
    // the attenuation alone must put it on ap1, as before.
    if (s.station.roamCommandPins) {
      await s.station.waitAssociated(s.clock, 60_000, [ap1], this.opts.signal);
      return;
    }
    const on = await s.station.waitAssociated(s.clock, 60_000, [ap1, ap2], this.opts.signal);
    if (on.toUpperCase() === ap1.toUpperCase()) return;
    this.opts.log?.(`client joined ap2 (${ap2}) first: sending it to ap1 (${ap1})`);
    await s.station.roamTo(ap1);
    await s.station.waitAssociated(s.clock, 60_000, [ap1], this.opts.signal);
  }

  /** ap1 strong, ap2 weak: where a roam sequence starts, the client on ap1. */
  private async setAssociationAttenuation(): Promise<void> {
    const { minDb, maxDb } = this.bench.profile.range;
    await this.setAttenuation({ ap1: minDb, ap2: maxDb });
  }

  /** The trigger's own starting attenuation (a crossfade: the same; a station command: both strong). */
  private async setTriggerAttenuation(): Promise<void> {
    const want = this.trigger.initialAttenuation(this.bench.profile);
    if (want.ap1 !== this.attenuation.ap1 || want.ap2 !== this.attenuation.ap2) await this.setAttenuation(want);
  }

  private async setAttenuation(att: Record<ApName, number>): Promise<void> {
    const s = this.session!;
    this.attenuation = { ...att };
    await Promise.all(AP_NAMES.map((ap) => s.setPath(ap, att[ap])));
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
      // The flash restores the client's configuration: it must associate to ap1 again.
      await this.setAssociationAttenuation();
      this.opts.progress(`flashing ${variant}`);
      await flashSession(s, {
        variant,
        psk: this.psk,
        onProgress: (e) => this.opts.log?.(`${e.device}: ${e.rollback ? 'rollback ' : ''}${e.step}: ${e.message}`),
        log: this.opts.log,
      });
      this.bssids = { ap1: (await s.aps.ap1.link()).bssid ?? this.bssids.ap1, ap2: (await s.aps.ap2.link()).bssid ?? this.bssids.ap2 };
      await this.associateToAp1();
      this.current = 'ap1';
      await this.setTriggerAttenuation();
      if (!s.eventsRunning) s.startEvents((line) => this.folder.log('events.log', line));
      this.startPing(this.nextIndex);
    }
    const fw = await identifySession(s).catch(() => null);
    const madwifi = madwifiDevices(this.bench);
    for (const d of DEVICE_NAMES) {
      // A board madwifi does not drive runs no firmware variant: say which driver it is, never a variant.
      const state = fw?.[d];
      this.firmware[d] = !madwifi.includes(d) ? `${this.bench.devices[d].driver} (not flashed)` : state?.loadedVariant ?? (variant === 'as-installed' ? 'unknown' : variant);
      this.devices[d] = { variant: this.firmware[d], banner: state ? Object.values(state.banners ?? {}).join(' | ') : null };
    }
  }

  /** One roam, from the current AP to the other; a roam the bench broke is invalid, and the bench is recovered. */
  async cycle(index: number, variant: string): Promise<RoamRecord> {
    const s = this.session!;
    this.variant = variant;
    const from = this.current;
    const to: ApName = from === 'ap1' ? 'ap2' : 'ap1';
    let record: RoamRecord;
    try {
      record = await runCycle(
        {
          session: s,
          ping: this.ping!,
          profile: this.bench.profile,
          trigger: this.trigger,
          bssids: this.bssids,
          attenuation: this.attenuation,
          variant,
          signal: this.opts.signal,
          onCycleStart: (n) => s.provisioned?.beginCycle?.(n),
          timeline: (sample) => this.folder.log('timeline.jsonl', JSON.stringify(sample)),
        },
        index,
        from,
        to,
      );
      if (record.toBssid === this.bssids[to]) this.current = to;
    } catch (err) {
      // The bench failed under this roam (a device unreachable, an attenuator not
      // answering): the roam could not be measured. Record why, then recover.
      if (!(err instanceof RigError) || err.kind !== 'bench') throw err;
      record = emptyRecord({ index, variant, trigger: this.trigger.name, fromAp: from, toAp: to, fromBssid: this.bssids[from], tStart: s.clock.now(), fixedLossDb: s.fixedLoss(), timestampSource: 'none' });
      record.invalidReason = printable(describeError(err));
    }
    record.firmware = { ...this.firmware };
    // A roam during which a device dropped off cannot be trusted, however it looked.
    const gone = s.disconnected();
    if (record.valid && gone.length > 0) {
      record.valid = false;
      record.invalidReason = `ssh connection to ${gone.join(', ')} lost during the roam`;
    }
    // What the consoles printed meanwhile: an oops, a panic, a watchdog makes the roam untrustworthy.
    const kernel = this.kernelEvents();
    if (kernel.length > 0) {
      record.kernelEvents = kernel;
      const said = kernel.map((e) => `${e.device}: ${describeKernelEvent({ ...e, offset: 0, end: 0 })}`).join('; ');
      record.invalidReason = record.valid ? said : `${said}; ${record.invalidReason}`;
      record.valid = false;
    }
    if (!record.valid && record.invalidReason !== 'interrupted' && (await this.needsRecovery(record))) {
      const lost = s.disconnected();
      let found: string[] = [];
      try {
        found = await this.recover(index, record.invalidReason ?? 'unknown');
      } catch (err) {
        if (!(err instanceof BenchError)) throw err;
        // The bench did not come back: this roam is recorded with why, then the run ends.
        this.failure = err;
        found = [`bench did not recover: ${describeError(err)}`];
      }
      record.recovery = found;
      const late = this.kernelEvents();
      if (late.length > 0) record.kernelEvents = [...(record.kernelEvents ?? []), ...late];
      const notes = [...(lost.length ? [`ssh connection to ${lost.join(', ')} lost`] : []), ...late.map((e) => `${e.device}: ${describeKernelEvent({ ...e, offset: 0, end: 0 })}`), ...found];
      const extra = notes.filter((n) => !record.invalidReason?.includes(n));
      if (extra.length) record.invalidReason = printable(`${extra.join('; ')}; ${record.invalidReason}`);
    }
    return record;
  }

  /** Kernel oopses, panics and watchdogs each console printed since it was last searched. */
  private kernelEvents(): KernelEventRecord[] {
    const out: KernelEventRecord[] = [];
    for (const [name, c] of Object.entries(this.session?.consoles ?? {})) {
      if (!c) continue;
      const from = this.consoleMarks[name] ?? 0;
      const text = c.capturedSince(from);
      const events = findKernelEvents(text);
      // Keep an unfinished oops for the next look (the board may still be printing it).
      const last = events.at(-1);
      const unfinished = last !== undefined && last.kind === 'oops' && text.slice(last.end).trim() === '' && !/(^|\n)(\[[^\]]*\] *)?Code:/.test(last.text);
      const done = unfinished ? events.slice(0, -1) : events;
      for (const e of done) out.push({ device: name, kind: e.kind, title: e.title, where: e.where, module: e.module, text: e.text.replace(/\r/g, '') });
      this.consoleMarks[name] = unfinished ? from + last.offset : c.capturedChars;
    }
    return out;
  }

  /**
   * After an invalid roam: is anything on the bench broken that the next roam needs? A
   * lost connection, a stopped stream, a failure the reason names, or a device that no
   * longer answers a command (a wedged board accepts SSH and says nothing).
   */
  private async needsRecovery(record: RoamRecord): Promise<boolean> {
    const s = this.session!;
    if (s.disconnected().length > 0 || !s.eventsRunning || this.pingDeath !== null || (record.kernelEvents?.length ?? 0) > 0) return true;
    if (/attenuator|clock|ssh|command|timed out/i.test(record.invalidReason ?? '')) return true;
    const answers = await Promise.all(DEVICE_NAMES.map((n) => s.answers(n)));
    return answers.some((a) => !a);
  }

  private async recover(index: number, why: string): Promise<string[]> {
    const ctx = {
      session: this.session!,
      bench: this.bench,
      psk: this.psk,
      bssids: this.bssids,
      attenuation: this.attenuation,
      bootTimes: this.bootTimes,
      current: this.current,
      variant: this.variant,
      signal: this.opts.signal,
      log: (m: string): void => {
        this.opts.log?.(m);
        this.folder.log('recovery.log', `${new Date().toISOString()} roam ${index}: ${m}`);
      },
      restartStreams: async (nextIndex: number): Promise<void> => {
        const s = this.session!;
        if (!s.eventsRunning) s.startEvents((line) => this.folder.log('events.log', line));
        await this.ping?.stop(2000).catch(() => {});
        this.startPing(nextIndex);
      },
    };
    const found = await recoverBench(ctx, index, why);
    this.current = ctx.current;
    return found;
  }

  /** The virtual rig writes the cycle's ground truth before the rig writes its record. */
  endCycle(index: number): void {
    this.session?.provisioned?.endCycle?.(index);
  }

  /** Lost seqs of every ping stream that fall in no roam's window. */
  lostOutsideCycles(records: RoamRecord[]): number[] {
    const out: number[] = [];
    this.pingStreams.forEach(({ analyzer, firstIndex }, i) => {
      const lastIndex = this.pingStreams[i + 1]?.firstIndex ?? Infinity;
      const mine = records.filter((r) => r.index >= firstIndex && r.index < lastIndex && r.seqTo > 0);
      out.push(...analyzer.result().lost.filter((seq) => !mine.some((r) => seq >= r.seqFrom && seq <= r.seqTo)));
    });
    return out;
  }

  /** Leave the bench safe and stopped (the provisioned rig too); returns the problems met on the way. */
  async stop(): Promise<string[]> {
    const problems: string[] = [];
    await this.ping?.stop(2000).catch(() => {});
    if (this.session) problems.push(...(await this.session.close()));
    this.session = null;
    return problems;
  }

  private checkAbort(): void {
    if (this.opts.signal?.aborted) throw new BenchError('interrupted during setup', { code: 'E_INTERRUPTED' });
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

/** Device replies can be binary garbage: keep reasons printable. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}
