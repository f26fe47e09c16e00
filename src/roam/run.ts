import { resolve, join } from 'node:path';
import { ConfigError, RigError, describeError } from '../errors.ts';
import { loadInventory, selectBench } from '../inventory/load.ts';
import { thresholdsFor } from '../inventory/schema.ts';
import { detectPing, pingArgv, PingStream } from '../controllers/ping/remote.ts';
import { startLab, type Lab } from '../../rig/lab.ts';
import { BenchSession, type ApName } from './bench-session.ts';
import { runCycle } from './cycle.ts';
import type { RoamRecord } from './record.ts';
import { RunFolder } from './run-folder.ts';
import { summarizeVariant, type VariantSummary } from './summary.ts';
import { writePlainReport } from '../report/plain-html.ts';
import { RIG_VERSION } from '../version.ts';

export interface RoamOptions {
  inventory: string;
  bench?: string;
  count: number;
  /** Virtual bench: the client's driver variant (until flashing exists). Real bench: the label recorded. */
  firmware?: string;
  reportsDir?: string;
  /** Virtual bench: override the inventory's time scale. */
  timeScale?: number;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  log?: (message: string) => void;
}

export type ProgressEvent =
  | { kind: 'setup'; message: string }
  | { kind: 'roam'; record: RoamRecord; done: number; total: number };

export interface RunSummary {
  runDir: string;
  bench: string;
  inventory: string;
  inventoryDigest: string;
  rigVersion: string;
  startedAt: string;
  endedAt: string;
  timeScale: number;
  virtual: boolean;
  ping: { command: string; version: string; timestampSource: string } | null;
  attenuators: Record<string, string>;
  variants: VariantSummary[];
  /** Lost seqs that fell in no roam cycle's window. */
  lostOutsideCycles: number[];
  verdict: 'passed' | 'failed' | 'interrupted' | 'bench-failure';
  benchFailure: string | null;
  problems: string[];
}

export interface RunResult {
  runDir: string;
  summary: RunSummary;
  exitCode: number;
}

/** `rig roam`: the main job, as a function. */
export async function runRoam(opts: RoamOptions): Promise<RunResult> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new ConfigError(`--count must be a positive integer, got ${opts.count}`, { code: 'E_USAGE' });
  const loaded = await loadInventory(resolve(opts.inventory));
  const { name: benchName, bench } = selectBench(loaded, opts.bench);
  const variant = opts.firmware ?? bench.virtual?.firmware ?? 'as-installed';
  if (bench.virtual && !['stock', 'patched', 'vanilla'].includes(variant)) {
    throw new ConfigError(`--firmware ${variant}: the virtual bench knows stock, patched and vanilla`, { code: 'E_USAGE' });
  }
  const psk = bench.security.mode === 'wpa-psk' ? secretFromEnv(bench.security.pskEnv) : null;
  const timeScale = bench.virtual ? opts.timeScale ?? bench.virtual.timeScale : 1;

  const reportsDir = resolve(opts.reportsDir ?? join(loaded.dir, 'reports'));
  const folder = new RunFolder(join(reportsDir, RunFolder.newRunId(benchName)));
  const records: RoamRecord[] = [];
  const summary: RunSummary = {
    runDir: folder.dir,
    bench: benchName,
    inventory: loaded.file,
    inventoryDigest: loaded.digest,
    rigVersion: RIG_VERSION,
    startedAt: new Date().toISOString(),
    endedAt: '',
    timeScale,
    virtual: Boolean(bench.virtual),
    ping: null,
    attenuators: {},
    variants: [],
    lostOutsideCycles: [],
    verdict: 'passed',
    benchFailure: null,
    problems: [],
  };
  const progress = (message: string): void => opts.onProgress?.({ kind: 'setup', message });

  let lab: Lab | null = null;
  let session: BenchSession | null = null;
  let ping: PingStream | null = null;
  let fatal: unknown = null;
  try {
    if (bench.virtual) {
      progress(`starting the virtual rig (time scale ${timeScale}, client firmware ${variant})`);
      lab = await startLab({ bench, firmware: variant, timeScale, groundTruthFile: folder.groundTruthFile, log: opts.log });
    }
    progress('connecting to ap1, ap2, client');
    session = await BenchSession.open(bench, { overrides: lab?.endpoints, timeScale, log: opts.log });
    summary.attenuators = await session.identifyAttenuators();
    await session.anchorClock();
    const s = session;

    // Start from ap1 strong, ap2 weak; configure the APs, then the client.
    const { minDb, maxDb } = bench.profile.range;
    const attenuation: Record<ApName, number> = { ap1: minDb, ap2: maxDb };
    await Promise.all([s.setPath('ap1', minDb), s.setPath('ap2', maxDb)]);
    progress('configuring the access points');
    const [b1, b2] = await Promise.all(
      (['ap1', 'ap2'] as const).map((ap) => s.aps[ap].configure({ essid: bench.essid, channel: bench.devices[ap].wireless.channel, psk })),
    );
    const bssids: Record<ApName, string> = { ap1: b1, ap2: b2 };
    progress('configuring the client and waiting for it to associate to ap1');
    await s.station.configure({ essid: bench.essid, roaming: { ...bench.roaming }, psk });
    await s.station.waitAssociated(s.clock, 60_000, [bssids.ap1]);
    s.startEvents((line) => folder.log('events.log', line));

    progress('starting ping on the client');
    const caps = await detectPing(s.devices.client, bench.devices.client.commandTimeoutS * 1000);
    const argv = pingArgv(bench.traffic.target, bench.traffic.intervalS, caps);
    const startPing = (): PingStream => {
      const p = new PingStream(s.devices.client, argv, bench.traffic.intervalS, s.clock, (line, stream, at) =>
        folder.log('ping.log', `${(at / 1000).toFixed(6)} ${stream === 'stderr' ? 'E ' : ''}${line}`),
      );
      p.onLine(() => s.waiter.notify());
      return p;
    };
    ping = startPing();
    summary.ping = { command: ping.command, version: caps.version, timestampSource: caps.timestamps ? 'ping' : 'arrival' };

    let current: ApName = 'ap1';
    for (let i = 1; i <= opts.count; i++) {
      if (opts.signal?.aborted) break;
      const to: ApName = current === 'ap1' ? 'ap2' : 'ap1';
      const record = await runCycle(
        {
          session: s,
          ping,
          profile: bench.profile,
          bssids,
          attenuation,
          variant,
          signal: opts.signal,
          onCycleStart: (n) => lab?.beginCycle(n),
          timeline: (sample) => folder.log('timeline.jsonl', JSON.stringify(sample)),
        },
        i,
        current,
        to,
      );
      if (record.invalidReason === 'interrupted') break;
      records.push(record);
      folder.appendRoam(record);
      opts.onProgress?.({ kind: 'roam', record, done: i, total: opts.count });
      if (record.toBssid === bssids[to]) current = to;
      if (record.invalidReason?.startsWith('ping died')) {
        opts.log?.(`roam ${i}: ${record.invalidReason}; restarting ping`);
        await ping.stop(2000);
        ping = startPing();
      }
    }
    if (opts.signal?.aborted) summary.verdict = 'interrupted';
  } catch (err) {
    if (err instanceof RigError && err.kind === 'bench') {
      summary.verdict = 'bench-failure';
      summary.benchFailure = describeError(err);
    } else fatal = err;
  } finally {
    await shutdown();
  }
  if (fatal) {
    folder.close();
    throw fatal;
  }

  summary.endedAt = new Date().toISOString();
  const v = summarizeVariant(variant, records, thresholdsFor(bench.thresholds, variant));
  summary.variants = [v];
  if (summary.verdict === 'passed' && v.failures.length > 0) summary.verdict = 'failed';
  folder.writeJson('summary.json', summary);
  writePlainReport(folder.dir, summary, records);
  folder.close();
  const exitCode =
    summary.verdict === 'bench-failure' ? 3 : summary.verdict === 'interrupted' ? 130 : summary.verdict === 'failed' ? 1 : 0;
  return { runDir: folder.dir, summary, exitCode };

  async function shutdown(): Promise<void> {
    if (ping && session) {
      const a = ping.analyzer;
      await ping.stop(2000).catch(() => {});
      summary.lostOutsideCycles = lostOutside(a.result().lost, records);
    }
    if (session) summary.problems.push(...(await session.close()));
    session = null;
    if (lab) await lab.stop();
    lab = null;
  }
}

function lostOutside(lost: number[], records: RoamRecord[]): number[] {
  return lost.filter((s) => !records.some((r) => r.seqTo > 0 && s >= r.seqFrom && s <= r.seqTo));
}

function secretFromEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new ConfigError(`the bench uses WPA-PSK: set its passphrase in the environment variable ${name}`, { code: 'E_SECRET_ENV' });
  if (v.length < 8 || v.length > 63 || /[\n\r"]/.test(v)) {
    throw new ConfigError(`the passphrase in ${name} must be 8 to 63 printable characters without quotes`, { code: 'E_SECRET_ENV' });
  }
  return v;
}
