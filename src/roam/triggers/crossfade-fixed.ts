/**
 * The fixed-step ramp (`profile.crossfade.mode: fixed`; docs/roam-cycle.md): the current
 * AP's path ramps up and the other's down, `stepDb` every `stepDelayS`, within the
 * profile's range, until the station reports the new BSSID or the roam timeout passes.
 * It is the shared ramp (ramp.ts) over the attenuators.
 */
export { attenuationRamp as fixedRamp } from './ramp.ts';
