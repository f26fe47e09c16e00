/**
 * The attenuation crossfade (docs/roam-cycle.md, "The trigger"): the current AP's path
 * ramps up and the other's down until the station reports the new BSSID or the roam
 * timeout passes. How it ramps is the profile's `crossfade.mode`: `adaptive` (the default:
 * fast far from the client's roam threshold, the crossing timed just before the driver's
 * roam check, crossfade-adaptive.ts) or `fixed` (`stepDb` every `stepDelayS`,
 * crossfade-fixed.ts).
 */
import { adaptiveRamp } from './crossfade-adaptive.ts';
import { fixedRamp } from './crossfade-fixed.ts';
import type { RoamTrigger, TriggerContext, TriggerOutcome } from './types.ts';

export const crossfade: RoamTrigger = {
  name: 'crossfade',

  initialAttenuation(profile) {
    return { ap1: profile.range.minDb, ap2: profile.range.maxDb };
  },

  run(ctx: TriggerContext): Promise<TriggerOutcome> {
    return ctx.profile.crossfade.mode === 'fixed' ? fixedRamp(ctx) : adaptiveRamp(ctx);
  },
};
