/**
 * The fixed-step ramp (`profile.crossfade.mode: fixed`; docs/roam-cycle.md): the current
 * AP's path ramps up and the other's down, `stepDb` every `stepDelayS`, within the
 * profile's range, until the station reports the new BSSID or the roam timeout passes.
 * The station's link is read at every step for the timeline and the signal before the roam.
 */
import type { TriggerContext, TriggerOutcome, WaitResult } from './types.ts';

export async function fixedRamp(ctx: TriggerContext): Promise<TriggerOutcome> {
  const { session, profile, from, to, roam } = ctx;
  const { clock } = session;
  const { minDb, maxDb } = profile.range;
  const att = ctx.attenuation;
  const stepMs = profile.stepDelayS * 1000;
  const timeoutMs = profile.roamTimeoutS * 1000;
  const t0 = performance.now();
  let steps = 0;
  let signalBeforeDbm: number | null = null;
  let stalledRealMs = 0;
  let status: WaitResult = 'timeout';
  for (let k = 1; k <= 100_000; k++) {
    const rampDone = att[from] >= maxDb && att[to] <= minDb;
    if (!rampDone) {
      att[from] = Math.min(maxDb, att[from] + profile.stepDb);
      att[to] = Math.max(minDb, att[to] - profile.stepDb);
      const stepStart = performance.now();
      const [, , info] = await Promise.all([session.setPath(from, att[from]), session.setPath(to, att[to]), session.station.link().catch(() => null)]);
      stalledRealMs += Math.max(0, performance.now() - stepStart - clock.real(stepMs));
      steps = k;
      const t = clock.now();
      ctx.timeline?.({ t, kind: 'attenuation', roam, ap1: att.ap1, ap2: att.ap2 });
      if (info?.bssid && info.signalDbm !== null) ctx.timeline?.({ t, kind: 'signal', roam, bssid: info.bssid, dbm: info.signalDbm });
      if (info?.bssid === ctx.bssids[from] && info.signalDbm !== null) signalBeforeDbm = info.signalDbm;
    }
    const untilMs = rampDone ? timeoutMs : Math.min(timeoutMs, k * stepMs);
    const r = await ctx.waitJoin(clock.real(untilMs) - (performance.now() - t0));
    if (r !== 'timeout') {
      status = r;
      break;
    }
    if (performance.now() - t0 >= clock.real(timeoutMs)) break;
  }
  const stalled = clock.scale * stalledRealMs;
  const note = stalled > timeoutMs / 4 ? `the ramp stalled ${Math.round(stalled / 1000)} s on slow attenuator or SSH requests` : '';
  return { status, steps, attenuationDb: { ...att }, signalBeforeDbm, note };
}
