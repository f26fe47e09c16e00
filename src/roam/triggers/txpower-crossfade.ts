/**
 * A crossfade of the APs' transmit power instead of attenuators, for labs whose radios
 * share no RF path to attenuate (mac80211_hwsim: the signal is the AP's tx power - 50 dBm,
 * in whole dB). The ramp is the attenuation crossfade's (ramp.ts) over the same profile:
 * a path's value `db` becomes the AP's power `wireless.txPowerDbm - (db - range.minDb)`,
 * set with the AP role's setTxPower (nl80211: `iw dev IFACE set txpower fixed MBM`). The
 * attenuators stay at the range's low end on both paths (the record's attenuationDb says
 * so); the ramp's own levels live per bench session here, and the timeline has the
 * client's signal but no attenuation samples for it.
 *
 * Why a trigger and not an attenuator model: an attenuator is a network unit of its own
 * (model, address, identify, shared channels) and every AP path needs one in the
 * inventory; the transmit power belongs to the AP device, whose SSH connection only the
 * bench session has. The trigger reaches it through the AccessPoint role, and the
 * inventory picks it like any trigger (`profile.trigger: txpower-crossfade`).
 */
import { ConfigError } from '../../errors.ts';
import { AP_NAMES, type ApName } from '../../inventory/schema.ts';
import { rampTrigger } from './ramp.ts';
import type { BenchSession } from '../../bench/session.ts';
import type { RoamTrigger, TriggerContext, TriggerOutcome } from './types.ts';

/** The AP's transmit power for a path value `db` (whole dBm). */
export function txPowerFor(fullDbm: number, minDb: number, db: number): number {
  return Math.round(fullDbm - (db - minDb));
}

async function setTxPath(ctx: TriggerContext, ap: ApName, db: number): Promise<unknown> {
  const role = ctx.session.aps[ap];
  if (!role.setTxPower) throw new ConfigError(`${ap}: driver ${role.driver} cannot set its transmit power`, { code: 'E_TRIGGER', subject: ap });
  return role.setTxPower(txPowerFor(ctx.session.bench.devices[ap].wireless.txPowerDbm, ctx.profile.range.minDb, db));
}

/**
 * The ramp's levels per bench session: dB below full power (plus range.minDb) per AP.
 * The attenuators are not touched: they stay at the range's low end.
 */
const levelsBySession = new WeakMap<BenchSession, Record<ApName, number>>();

function levels(ctx: TriggerContext): Record<ApName, number> {
  let l = levelsBySession.get(ctx.session);
  if (!l) {
    const { minDb, maxDb } = ctx.profile.range;
    l = ctx.from === 'ap1' ? { ap1: minDb, ap2: maxDb } : { ap1: maxDb, ap2: minDb };
    levelsBySession.set(ctx.session, l);
  }
  return l;
}

/**
 * Why a transmit-power ramp that ran to its end did not move the client, in words: where
 * the client stayed (signal, and SNR when the station reports its noise floor) against the
 * SNR below which its driver roams by itself. On hwsim the power spans 0..20 dBm, so the
 * weakest the client reads is -50 dBm over a -92 dBm noise floor: 42 dB, far above
 * wpa_supplicant's 25 dB.
 */
export function stuckNote(o: { ap: ApName; powerDbm: number; signalDbm: number | null; noiseDbm: number | null; thresholdDb: number | null }): string {
  const where = `the ramp ended with ${o.ap} at ${o.powerDbm} dBm transmit power`;
  if (o.signalDbm === null) return `${where}; the client's signal could not be read`;
  const snr = o.noiseDbm === null ? null : o.signalDbm - o.noiseDbm;
  const stayed = `and the client still on it at ${o.signalDbm} dBm${snr === null ? '' : ` (SNR ${snr} dB over a ${o.noiseDbm} dBm noise floor)`}`;
  if (snr !== null && o.thresholdDb !== null && snr > o.thresholdDb) {
    return `${where} ${stayed}, above the ${o.thresholdDb} dB SNR below which the client's driver roams by itself: this power range cannot move it on this bench (use station-command or bss-transition)`;
  }
  return `${where} ${stayed}`;
}

const ramp = rampTrigger('txpower-crossfade', setTxPath, 'transmit power', {
  levels: { levels, isAttenuation: false },
  async check(session, bench) {
    const { stepDb, range } = session.bench.profile;
    const span = range.maxDb - range.minDb;
    if (!Number.isInteger(stepDb) || !Number.isInteger(range.minDb) || !Number.isInteger(range.maxDb)) {
      throw new ConfigError(`bench ${bench}: profile.trigger txpower-crossfade sets whole dBm: profile.stepDb and range must be whole dB (got stepDb ${stepDb}, range ${range.minDb}..${range.maxDb})`, { code: 'E_TRIGGER', subject: bench });
    }
    for (const ap of AP_NAMES) {
      const role = session.aps[ap];
      const full = session.bench.devices[ap].wireless.txPowerDbm;
      if (!role.setTxPower) {
        throw new ConfigError(`bench ${bench}: profile.trigger txpower-crossfade needs access points that set their transmit power; ${ap} is driver ${role.driver}, which cannot. Use driver nl80211 or another trigger`, { code: 'E_TRIGGER', subject: bench });
      }
      if (full - span < 0) {
        throw new ConfigError(`bench ${bench}: profile.range spans ${span} dB but ${ap}'s wireless.txPowerDbm is ${full}: the transmit power would go below 0 dBm`, { code: 'E_TRIGGER', subject: bench });
      }
    }
    // The client associates first with ap1 strong and ap2 weak (as the crossfade's attenuators do).
    const start = { ap1: range.minDb, ap2: range.maxDb };
    levelsBySession.set(session, start);
    await Promise.all(AP_NAMES.map((ap) => session.aps[ap].setTxPower!(txPowerFor(session.bench.devices[ap].wireless.txPowerDbm, range.minDb, start[ap]))));
  },
});

/** The ramp; a roam that timed out at the ramp's end says where the client stayed and why it did not move. */
export const txpowerCrossfade: RoamTrigger = {
  ...ramp,
  async run(ctx: TriggerContext): Promise<TriggerOutcome> {
    const out = await ramp.run(ctx);
    if (out.status !== 'timeout' || ctx.joined()) return out;
    const { station, bench } = ctx.session;
    const [info, noise] = await Promise.all([station.link().catch(() => null), station.noiseDbm?.().catch(() => null) ?? Promise.resolve(null)]);
    const onOld = info?.bssid === ctx.bssids[ctx.from];
    const level = levels(ctx)[ctx.from];
    const note = stuckNote({
      ap: ctx.from,
      powerDbm: txPowerFor(bench.devices[ctx.from].wireless.txPowerDbm, ctx.profile.range.minDb, level),
      signalDbm: onOld ? (info?.signalDbm ?? null) : null,
      noiseDbm: onOld ? (info?.noiseDbm ?? noise ?? null) : null,
      thresholdDb: station.roamThresholdDb?.(bench.devices[ctx.from].wireless.channel) ?? null,
    });
    return { ...out, note: [out.note, note].filter((n) => n !== '').join('; ') };
  },
};
