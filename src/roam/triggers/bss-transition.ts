/**
 * The AP-initiated trigger: both paths stay at the range's low end (both APs strong, as
 * for station-command), and the *current* AP sends the client an IEEE 802.11v BSS
 * Transition Management request naming the other AP as its one preferred candidate,
 * with Disassociation Imminent (nl80211: `hostapd_cli bss_tm_req`). The roam is what the
 * client's supplicant does with that request. The AP learns the client's address from
 * its own station list.
 */
import { BenchError, ConfigError } from '../../errors.ts';
import { AP_NAMES } from '../../inventory/schema.ts';
import type { RoamTrigger, TriggerContext, TriggerOutcome, WaitResult } from './types.ts';

export const bssTransition: RoamTrigger = {
  name: 'bss-transition',

  initialAttenuation(profile) {
    return { ap1: profile.range.minDb, ap2: profile.range.minDb };
  },

  async check(session, bench) {
    for (const ap of AP_NAMES) {
      const role = session.aps[ap];
      if (!role.requestTransition) {
        throw new ConfigError(
          `bench ${bench}: profile.trigger bss-transition needs access points that send BSS Transition Management requests (802.11v); ${ap} is driver ${role.driver}, which cannot. Use driver nl80211 (hostapd) or another trigger`,
          { code: 'E_TRIGGER', subject: bench },
        );
      }
    }
  },

  async run(ctx: TriggerContext): Promise<TriggerOutcome> {
    const { session, profile, from, to, roam } = ctx;
    const { clock } = session;
    const t0 = performance.now();
    const ap = session.aps[from];
    if (!ap.requestTransition) throw new ConfigError(`${from}: driver ${ap.driver} cannot send a BSS Transition Management request`, { code: 'E_TRIGGER', subject: from });
    const [info, stations] = await Promise.all([session.station.link().catch(() => null), ap.stations()]);
    const signalBeforeDbm = info?.bssid === ctx.bssids[from] ? info.signalDbm : null;
    if (info?.bssid && info.signalDbm !== null) ctx.timeline?.({ t: clock.now(), kind: 'signal', roam, bssid: info.bssid, dbm: info.signalDbm });
    if (stations.length !== 1) {
      const what = stations.length === 0 ? 'no station' : `${stations.length} stations (${stations.join(', ')})`;
      throw new BenchError(`${from}: has ${what} associated; a BSS transition request needs the client alone on it`, { code: 'E_TRIGGER', subject: from });
    }
    await ap.requestTransition(stations[0], { bssid: ctx.bssids[to], channel: session.bench.devices[to].wireless.channel });
    const status: WaitResult = await ctx.waitJoin(clock.real(profile.roamTimeoutS * 1000) - (performance.now() - t0));
    return { status, steps: 1, attenuationDb: { ...ctx.attenuation }, signalBeforeDbm, note: status === 'timeout' ? 'the client did not follow the BSS transition request' : '' };
  },
};
