/**
 * The adaptive crossfade (`profile.crossfade.mode: adaptive`, the default; docs/roam-cycle.md,
 * "The trigger"). A client that roams by itself decides only at its driver's roam check
 * (madwifi 0.9.3: sta_age() every 15 s), and only with a fresh scan cache; the fixed ramp
 * spends as long far from the threshold as near it and crosses it at a random point of the
 * check's period. This one:
 *
 * 1. reads where the threshold is: the station's signal and noise now and the driver's
 *    roam threshold (dB above the noise floor) give the attenuation of the current path at
 *    which the signal meets it;
 * 2. approaches in big steps with a short dwell (`fastStepDb` every `fastDelayS`) to
 *    `nearDb` short of it, and holds there;
 * 3. crosses `lead` before the next check (CheckPhase: the period a prior, the phase learned
 *    from the joins seen; without a phase yet, at once): the rest of the range in one step,
 *    then a scan (`Station.scan`, madwifi `iwlist athN scan`) so the check finds the other
 *    AP strong in a fresh cache and decides at once;
 * 4. waits for the join; a predicted check that passes without one makes the phase
 *    suspect (below), and scans then keep the cache fresh at intervals that drift across
 *    the checks' grid (a check during a scan is skipped).
 *
 * The lead grows to what crossing and scanning took (commands are slower at a high time
 * scale) and by a second after every missed check. A driver with no roam threshold the
 * role can give (or no signal to read) gets the fixed ramp.
 *
 * The phase is forgotten when it can no longer be right: after the client was configured
 * again (a flash reloads the driver, a recovery reboots the board: the new interface's
 * timer starts at another phase) and after a check that passed with the cache fresh and no
 * roam. A wrong phase must not stay: a rescan aimed just before a check that is really
 * elsewhere can fall on the check itself every period, and a check during a scan is
 * skipped, so the client would never roam. Without a phase the crossing happens at once,
 * and the join of that roam teaches the phase again.
 */
import type { BenchSession } from '../../bench/session.ts';
import type { LinkInfo } from '../../controllers/roles.ts';
import { CheckPhase, scanGapWithoutPhase } from './check-phase.ts';
import { fixedRamp } from './crossfade-fixed.ts';
import type { TriggerContext, TriggerOutcome, WaitResult } from './types.ts';

/** What the trigger learns over a run, per bench session. */
interface Learned {
  /** The session's `stationConfigurations` this was learned under. */
  configuration: number;
  phase: CheckPhase;
  /** Bench ms between crossing and the check, at the least. */
  leadMs: number;
  /** Bench time minus board time as the join events show it (their smallest arrival delay). */
  offsetMs: number | null;
  missedChecks: number;
}

const learned = new WeakMap<BenchSession, Learned>();

function learnedFor(session: BenchSession, periodMs: number, leadMs: number): Learned {
  let l = learned.get(session);
  if (!l || l.configuration !== session.stationConfigurations) {
    // A client configured again (a flash, a recovery) runs its roam check at a new phase.
    // (The clock offset goes too: a board that rebooted may keep another time.)
    l = { configuration: session.stationConfigurations, phase: new CheckPhase(periodMs), leadMs, offsetMs: null, missedChecks: l?.missedChecks ?? 0 };
    learned.set(session, l);
  }
  return l;
}

/** How the adaptive crossfade of a session stands (for the bench and the tests). */
export function adaptiveCrossfadeState(session: BenchSession): { periodMs: number; joins: number; leadMs: number; missedChecks: number } | null {
  const l = learned.get(session);
  return l ? { periodMs: l.phase.periodMs, joins: l.phase.seen.length, leadMs: l.leadMs, missedChecks: l.missedChecks } : null;
}

export async function adaptiveRamp(ctx: TriggerContext): Promise<TriggerOutcome> {
  const { session, profile, from, to, roam } = ctx;
  const { clock, station } = session;
  const cf = profile.crossfade;
  const { minDb, maxDb } = profile.range;
  const att = ctx.attenuation;
  const periodMs = cf.checkPeriodS * 1000;
  const st = learnedFor(session, periodMs, cf.leadS * 1000);
  const deadline = clock.now() + profile.roamTimeoutS * 1000;
  const settleMs = Math.min(1000, periodMs / 10);
  let steps = 0;
  let signalBeforeDbm: number | null = null;
  let missed = 0;

  const seen = (info: LinkInfo | null): void => {
    const t = clock.now();
    if (info?.bssid && info.signalDbm !== null) ctx.timeline?.({ t, kind: 'signal', roam, bssid: info.bssid, dbm: info.signalDbm });
    if (info?.bssid === ctx.bssids[from] && info.signalDbm !== null) signalBeforeDbm = info.signalDbm;
  };
  const setBoth = async (aFrom: number, aTo: number): Promise<LinkInfo | null> => {
    att[from] = aFrom;
    att[to] = aTo;
    const [, , info] = await Promise.all([session.setPath(from, aFrom), session.setPath(to, aTo), station.link().catch(() => null)]);
    steps++;
    ctx.timeline?.({ t: clock.now(), kind: 'attenuation', roam, ap1: att.ap1, ap2: att.ap2 });
    seen(info);
    return info;
  };
  const waitUntil = (t: number): Promise<WaitResult> => ctx.waitJoin(clock.real(Math.max(0, Math.min(t, deadline) - clock.now())));
  /** The first check at or after bench time `t` (null without a phase). */
  const checkAfter = (t: number): number | null => {
    if (st.offsetMs === null) return null;
    const c = st.phase.nextCheckAfter(t - st.offsetMs);
    return c === null ? null : c + st.offsetMs;
  };
  const finish = (status: WaitResult): TriggerOutcome => {
    if (status === 'ok' && ctx.joined()) learnFromJoin();
    const note = status === 'timeout' && missed > 0 ? `the adaptive crossfade rescanned before ${missed} further roam check(s)` : '';
    return { status, steps, attenuationDb: { ...att }, signalBeforeDbm, note };
  };
  const learnFromJoin = (): void => {
    const ev = session.events;
    for (let i = ev.length - 1; i >= 0 && i >= ev.length - 50; i--) {
      if (ev[i].bssid !== ctx.bssids[to]) continue;
      const off = ev[i].arrivedMs - ev[i].atMs;
      st.offsetMs = st.offsetMs === null ? off : Math.min(st.offsetMs, off);
      st.phase.observe(ev[i].atMs);
      return;
    }
  };

  // 1. Where the threshold is.
  const info0 = await station.link().catch(() => null);
  seen(info0);
  const channel = session.bench.devices[from].wireless.channel;
  const thresholdDb = station.roamThresholdDb?.(channel) ?? null;
  const noise = info0?.noiseDbm ?? null;
  const signal0 = info0?.bssid === ctx.bssids[from] ? info0.signalDbm : null;
  if (thresholdDb === null || noise === null || noise === undefined || signal0 === null) return fixedRamp(ctx);
  // The current path's attenuation at which its signal meets the threshold (1 dB more, 1 dB less signal).
  const crossAtDb = att[from] + (signal0 - (noise + thresholdDb));
  const holdAtDb = Math.min(maxDb, Math.max(att[from], crossAtDb - cf.nearDb));

  // 2. Approach fast, hold short of the threshold.
  for (let k = 0; k < 10_000 && att[from] < holdAtDb; k++) {
    const d = Math.min(cf.fastStepDb, holdAtDb - att[from]);
    await setBoth(att[from] + d, Math.max(minDb, att[to] - d));
    const r = await waitUntil(clock.now() + cf.fastDelayS * 1000);
    if (r !== 'timeout') return finish(r);
    if (clock.now() >= deadline) return finish('timeout');
  }
  const aim = checkAfter(clock.now() + st.leadMs);
  if (aim !== null) {
    const r = await waitUntil(aim - st.leadMs);
    if (r !== 'timeout') return finish(r);
    if (clock.now() >= deadline) return finish('timeout');
  }

  // 3. Cross: the rest of the range at once, then a scan for a fresh cache.
  const crossStart = clock.now();
  await setBoth(maxDb, minDb);
  const canScan = cf.scan && station.scan !== undefined;
  const scanValidMs = station.scanValidMs?.() ?? null;
  let lastScanAt = crossStart;
  let scanTookMs = 0;
  const rescan = async (): Promise<void> => {
    if (!canScan) return;
    const t = clock.now();
    await station.scan!().catch(() => undefined); // a failed scan: the check runs on what the cache has
    lastScanAt = clock.now();
    scanTookMs = lastScanAt - t;
  };
  await rescan();
  st.leadMs = Math.max(st.leadMs, 1.5 * (clock.now() - crossStart) + 200);
  /** Without a phase, when to scan again (scanGapWithoutPhase). */
  const nextScanAt = (): number => lastScanAt + scanGapWithoutPhase({ periodMs, leadMs: st.leadMs, scanValidMs, scanTookMs, settleMs });

  // 4. The check decides. A predicted check that passes with no roam makes the phase suspect:
  // it is forgotten (this roam's join teaches it again), and from then on scans keep the
  // cache fresh without one (nextScanAt).
  for (let i = 0; i < 10_000; i++) {
    if (ctx.joined()) return finish('ok');
    const check = checkAfter(clock.now());
    const until = check !== null ? check + settleMs : canScan ? nextScanAt() : deadline;
    const r = await waitUntil(Math.max(until, clock.now() + settleMs));
    if (r !== 'timeout') return finish(r);
    if (clock.now() >= deadline) return finish('timeout');
    if (check !== null) {
      // Missed: the phase is wrong, or the crossing came too late for the check; forget the
      // one and cross earlier next time.
      missed++;
      st.missedChecks++;
      st.leadMs = Math.min(periodMs / 2, st.leadMs + 1000);
      st.phase = new CheckPhase(periodMs);
    }
    await rescan();
  }
  return finish('timeout');
}
