import type { Profile } from '../inventory/schema.ts';
import type { PingAnalyzer } from '../ping/analyzer.ts';
import type { PingStream } from '../controllers/ping/remote.ts';
import type { ApEvent } from '../controllers/madwifi/station.ts';
import type { ApName, BenchSession } from './bench-session.ts';
import { emptyRecord } from './record.ts';
import type { RoamRecord } from '../record/schema.ts';

export interface CycleContext {
  session: BenchSession;
  ping: PingStream;
  profile: Profile;
  bssids: Record<ApName, string>;
  /** Current programmed attenuation per path (the cycle moves it). */
  attenuation: Record<ApName, number>;
  variant: string;
  signal?: AbortSignal;
  /** Told when the crossfade of a cycle starts (the virtual rig's ground truth follows the rig's numbering). */
  onCycleStart?: (index: number) => void;
  /** Timeline samples for the report: attenuation per step, the client's signal. */
  timeline?: (sample: TimelineSample) => void;
}

export type TimelineSample =
  | { t: number; kind: 'attenuation'; roam: number; ap1: number; ap2: number }
  | { t: number; kind: 'signal'; roam: number; bssid: string; dbm: number };

/** Highest seq that has a reply (-1 if none). */
function highestAnswered(a: PingAnalyzer): number {
  for (let s = a.highestSeq(), i = 0; s >= 0 && i < 100_000; s--, i++) if (a.answered(s)) return s;
  return -1;
}

/**
 * One roam cycle (DESIGN section 2): baseline, crossfade until the roam is seen,
 * recovery, grace; then attribute lost and late seqs of the cycle's sequence window.
 */
export async function runCycle(ctx: CycleContext, index: number, from: ApName, to: ApName): Promise<RoamRecord> {
  const { session, ping, profile } = ctx;
  const { clock, waiter } = session;
  const a = ping.analyzer;
  const K = profile.baselinePings;
  const intervalMs = a.intervalMs;
  let pingDeath: string | null = null;
  void ping.died.then((d) => {
    if (d) pingDeath = d.reason;
    waiter.notify();
  });

  const record = emptyRecord({
    index,
    variant: ctx.variant,
    trigger: 'crossfade',
    fromAp: from,
    toAp: to,
    fromBssid: ctx.bssids[from],
    tStart: clock.now(),
    fixedLossDb: session.fixedLoss(),
    timestampSource: a.timestampSource,
  });
  const invalid = (reason: string): RoamRecord => {
    record.valid = false;
    record.invalidReason = pingDeath ? `ping died: ${pingDeath}` : reason;
    return record;
  };

  // 1. Baseline: the last K pings answered.
  const baseline = await waiter.until(() => pingDeath !== null || a.trailingAnswered() >= K, clock.real(K * intervalMs * 4 + 10_000), ctx.signal);
  if (baseline === 'aborted') return invalid('interrupted');
  if (pingDeath || baseline !== 'ok') return invalid(`no baseline: ${K} consecutive replies not seen before the crossfade`);

  // 2. Crossfade until the client reports the new BSSID.
  record.seqFrom = a.highestSeq() + 1;
  ctx.onCycleStart?.(index);
  record.tStart = clock.now();
  const t0 = performance.now();
  const firstEvent = session.events.length;
  const toBssid = ctx.bssids[to];
  // Checked on every ping line: walk the cycle's own events, no copies.
  const joined = (): ApEvent | undefined => {
    const ev = session.events;
    for (let i = firstEvent; i < ev.length; i++) if (ev[i].bssid === toBssid) return ev[i];
    return undefined;
  };
  const { minDb, maxDb } = profile.range;
  const att = ctx.attenuation;
  const stepMs = profile.stepDelayS * 1000;
  const timeoutMs = profile.roamTimeoutS * 1000;
  let join: ApEvent | undefined;
  let stalledRealMs = 0;
  for (let k = 1; k <= 100_000; k++) {
    const rampDone = att[from] >= maxDb && att[to] <= minDb;
    if (!rampDone) {
      att[from] = Math.min(maxDb, att[from] + profile.stepDb);
      att[to] = Math.max(minDb, att[to] - profile.stepDb);
      const stepStart = performance.now();
      const [, , info] = await Promise.all([
        session.setPath(from, att[from]),
        session.setPath(to, att[to]),
        session.station.iwconfig().catch(() => null),
      ]);
      stalledRealMs += Math.max(0, performance.now() - stepStart - clock.real(stepMs));
      record.rampSteps = k;
      const t = clock.now();
      ctx.timeline?.({ t, kind: 'attenuation', roam: index, ap1: att.ap1, ap2: att.ap2 });
      if (info?.accessPoint && info.signalDbm !== null) ctx.timeline?.({ t, kind: 'signal', roam: index, bssid: info.accessPoint, dbm: info.signalDbm });
      if (info?.accessPoint === ctx.bssids[from] && info.signalDbm !== null) record.signalBeforeDbm = info.signalDbm;
    }
    const untilMs = rampDone ? timeoutMs : Math.min(timeoutMs, k * stepMs);
    const left = clock.real(untilMs) - (performance.now() - t0);
    const r = await waiter.until(() => pingDeath !== null || joined() !== undefined, left, ctx.signal);
    join = joined();
    if (r === 'aborted') return invalid('interrupted');
    if (join || pingDeath) break;
    if ((performance.now() - t0) >= clock.real(timeoutMs)) break;
  }
  record.attenuationDb = { ...att };
  if (!join) {
    const stalled = clock.scale * stalledRealMs;
    const why = stalled > timeoutMs / 4 ? `; the ramp stalled ${Math.round(stalled / 1000)} s on slow attenuator or SSH requests` : '';
    return invalid(pingDeath ? 'ping died' : `no roam to ${to} within ${profile.roamTimeoutS} s${why}`);
  }
  record.toBssid = join.bssid;
  record.tJoin = join.atMs;
  const leave = session.events.slice(firstEvent).find((e) => e.bssid === null && e.atMs <= join!.atMs); // once per roam
  record.tLeave = leave?.atMs ?? null;
  // Times must come from one clock: the board's (-D stamps and iwevent), or arrival at the rig.
  const boardTimes = a.timestampSource === 'ping';
  const tJoin = boardTimes ? join.atMs : join.arrivedMs;

  // 3. Recovery: K consecutive replies, all sent after the new association.
  const recovered = (): boolean => {
    const h = highestAnswered(a);
    if (h < 0 || a.trailingAnswered() < profile.recoveryPings) return false;
    const firstOfRun = h - profile.recoveryPings + 1;
    const at = a.replyAtMs(firstOfRun);
    return at === undefined ? firstOfRun >= record.seqFrom : at > tJoin;
  };
  const recovery = await waiter.until(() => pingDeath !== null || recovered(), clock.real(Math.max(10_000, timeoutMs)), ctx.signal);
  if (recovery === 'aborted') return invalid('interrupted');
  if (pingDeath || recovery !== 'ok') return invalid(`traffic did not recover (${profile.recoveryPings} consecutive replies) after the roam`);
  const signal = await session.station.iwconfig().catch(() => null);
  if (signal?.accessPoint === toBssid && signal.signalDbm !== null) {
    record.signalAfterDbm = signal.signalDbm;
    ctx.timeline?.({ t: clock.now(), kind: 'signal', roam: index, bssid: toBssid, dbm: signal.signalDbm });
  }

  // 4. Grace: late replies of the window still count as late, not lost.
  if (!(await clock.sleep(profile.graceS * 1000, ctx.signal))) return invalid('interrupted');
  if (pingDeath) return invalid('ping died');

  // A board clock that jumped inside the window makes every time in it meaningless.
  const jump = ping.clockJumps.find((j) => j.atMs >= record.tStart - 1000);
  if (jump) return invalid(`board clock of ${ping.shell.name} jumped by ${(jump.byMs / 1000).toFixed(1)} s`);

  // 5. Attribute the window.
  record.timestampSource = a.timestampSource;
  record.seqTo = highestAnswered(a);
  record.lostSeqs = a.lostIn(record.seqFrom, record.seqTo);
  record.lateSeqs = a.lateIn(record.seqFrom, record.seqTo);
  record.lost = record.lostSeqs.length;
  const outages = a.outagesIn(record.seqFrom, record.seqTo);
  if (outages.length === 0) {
    record.outageMs = 0;
    record.beforeAssociationMs = 0;
    record.afterAssociationMs = 0;
  } else {
    const withBounds = outages.map((o) => ({ o, b: a.outageBounds(o) }));
    const main =
      withBounds.find(({ b }) => b.before && b.after && b.before.atMs <= tJoin && tJoin <= b.after.atMs) ??
      withBounds.sort((x, y) => y.o.lost - x.o.lost)[0];
    record.outageMs = main.o.durationMs;
    if (main.b.before && main.b.after) {
      const tj = Math.min(Math.max(tJoin, main.b.before.atMs), main.b.after.atMs);
      record.beforeAssociationMs = round(tj - main.b.before.atMs);
      record.afterAssociationMs = round(main.b.after.atMs - tj);
    }
  }
  record.valid = true;
  return record;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
