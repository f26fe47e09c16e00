/**
 * The attenuation crossfade (docs/roam-cycle.md): the current AP's path ramps up and the
 * other's down through the attenuators, `stepDb` every `stepDelayS`, within the profile's
 * range, until the station reports the new BSSID or the roam timeout passes (ramp.ts).
 */
import { rampTrigger } from './ramp.ts';

export const crossfade = rampTrigger('crossfade', (ctx, ap, db) => ctx.session.setPath(ap, db), 'attenuator or SSH');
