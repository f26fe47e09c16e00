/**
 * The station-command trigger: both paths stay at the range's low end (both APs
 * strong, so the driver's own roam check has no reason to move), and the station is
 * told to go to the other AP (madwifi: `iwconfig athN ap BSSID`; nl80211: `wpa_cli
 * roam BSSID`). The roam is what the station does with that command.
 */
import type { RoamTrigger, TriggerContext, TriggerOutcome, WaitResult } from './types.ts';

export const stationCommand: RoamTrigger = {
  name: 'station-command',

  initialAttenuation(profile) {
    return { ap1: profile.range.minDb, ap2: profile.range.minDb };
  },

  async run(ctx: TriggerContext): Promise<TriggerOutcome> {
    const { session, profile, from, to, roam } = ctx;
    const { clock } = session;
    const t0 = performance.now();
    const info = await session.station.link().catch(() => null);
    const signalBeforeDbm = info?.bssid === ctx.bssids[from] ? info.signalDbm : null;
    if (info?.bssid && info.signalDbm !== null) ctx.timeline?.({ t: clock.now(), kind: 'signal', roam, bssid: info.bssid, dbm: info.signalDbm });
    await session.station.roamTo(ctx.bssids[to]);
    const status: WaitResult = await ctx.waitJoin(clock.real(profile.roamTimeoutS * 1000) - (performance.now() - t0));
    return { status, steps: 1, attenuationDb: { ...ctx.attenuation }, signalBeforeDbm, note: '' };
  },
};
