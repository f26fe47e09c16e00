/**
 * A ramp between the two APs' paths, shared by the attenuation crossfade (crossfade.ts)
 * and the transmit-power crossfade (txpower-crossfade.ts): the current AP's path ramps up
 * and the other's down, `stepDb` every `stepDelayS`, within the profile's range, until the
 * station reports the new BSSID or the roam timeout passes. The station's link is read at
 * every step for the timeline and the signal before the roam. How a path's value is put
 * on the bench is the trigger's (`setPath`).
 */
import type { ApName } from '../../inventory/schema.ts';
import type { RoamTrigger, TriggerContext, TriggerOutcome, WaitResult } from './types.ts';

/** Put `db` on `ap`'s path (dB of attenuation, or dB below full transmit power). */
export type PathSetter = (ctx: TriggerContext, ap: ApName, db: number) => Promise<unknown>;

/**
 * Where a ramp keeps its path values: the programmed attenuation (`ctx.attenuation`, which
 * the live bench also puts on the attenuators) or a state of the trigger's own (the
 * transmit power, which is not attenuation: the attenuators stay where they are).
 */
export interface RampLevels {
  levels(ctx: TriggerContext): Record<ApName, number>;
  /** The levels are the attenuation: timeline attenuation samples and the record's attenuationDb follow them. */
  isAttenuation: boolean;
}

const ATTENUATION: RampLevels = { levels: (ctx) => ctx.attenuation, isAttenuation: true };

/** The plain fixed-step ramp over the attenuators (`profile.crossfade.mode: fixed`). */
export function attenuationRamp(ctx: TriggerContext): Promise<TriggerOutcome> {
  return ramp(ctx, (c, ap, db) => c.session.setPath(ap, db), 'attenuator or SSH', ATTENUATION);
}

async function ramp(ctx: TriggerContext, setPath: PathSetter, what: string, where: RampLevels): Promise<TriggerOutcome> {
  const { session, profile, from, to, roam } = ctx;
  const { clock } = session;
  const { minDb, maxDb } = profile.range;
  const att = where.levels(ctx);
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
      const [, , info] = await Promise.all([setPath(ctx, from, att[from]), setPath(ctx, to, att[to]), session.station.link().catch(() => null)]);
      stalledRealMs += Math.max(0, performance.now() - stepStart - clock.real(stepMs));
      steps = k;
      const t = clock.now();
      if (where.isAttenuation) ctx.timeline?.({ t, kind: 'attenuation', roam, ap1: att.ap1, ap2: att.ap2 });
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
  const note = stalled > timeoutMs / 4 ? `the ramp stalled ${Math.round(stalled / 1000)} s on slow ${what} requests` : '';
  return { status, steps, attenuationDb: { ...ctx.attenuation }, signalBeforeDbm, note };
}

/**
 * A ramp trigger. Over the attenuation (the default) it starts with ap1 strong and ap2
 * weak (the client on ap1); over levels of its own the attenuators stay at the range's low
 * end, both paths strong, and the trigger's check() puts its own levels in place.
 */
export function rampTrigger(name: string, setPath: PathSetter, what: string, extra: Pick<RoamTrigger, 'check'> & { levels?: RampLevels } = {}): RoamTrigger {
  const where = extra.levels ?? ATTENUATION;
  return {
    name,
    ...(extra.check ? { check: extra.check } : {}),
    initialAttenuation(profile) {
      return { ap1: profile.range.minDb, ap2: where.isAttenuation ? profile.range.maxDb : profile.range.minDb };
    },
    run: (ctx) => ramp(ctx, setPath, what, where),
  };
}
