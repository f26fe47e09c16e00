import type { AccessPoint, MgmtAnswer } from './access-point.ts';
import type { Timer } from './clock.ts';
import { SENSITIVITY_DBM } from './radio.ts';
import type { Station } from './station.ts';
import type { World } from './world.ts';

/**
 * IEEE80211_TRANS_WAIT (net80211/ieee80211_node.h: 5, "mgt frame tx timer (secs)"):
 * ieee80211_send_mgmt() (net80211/ieee80211_output.c) arms vap->iv_mgtsend with it after an
 * AUTH, ASSOC_REQ or REASSOC_REQ from a station; __ieee80211_newstate() deletes it on the
 * next state change. When it fires, ieee80211_tx_timeout() (net80211/ieee80211_proto.c)
 * moves the station to SCAN with IEEE80211_SCAN_FAIL_TIMEOUT.
 */
export const TRANS_WAIT_MS = 5_000;

/**
 * The radio switch of ieee80211_sta_join1() (net80211/ieee80211_node.c: ic->ic_set_channel()
 * -> ath_chan_set(), ath/if_ath.c): ath_draintxq() (pending frames are freed), ath_stoprecv()
 * with its `mdelay(3)` ("3 ms is long enough for 1 frame"), ath_hal_reset() at the new
 * frequency, ath_startrecv(). 3 ms from the source plus 1 to 3 ms for the HAL reset (the
 * model's estimate).
 */
export const CHANNEL_SWITCH_MS = [4, 6] as const;

export type MgmtFrame = 'auth' | 'assoc' | 'reassoc';
export type MgmtOutcome = MgmtAnswer | 'lost';

/** Every management frame the station sent on a join, with the answer, for the ground truth. */
export interface MgmtExchange {
  frame: MgmtFrame;
  /** Board epoch ms the station sent it. */
  atMs: number;
  outcome: MgmtOutcome;
}

/**
 * One management frame from the station to `ap` and the AP's answer, as the model carries
 * it over the air. A frame is retried by the hardware, so the exchange fails only when the
 * AP is not heard at all (off the air, or the sampled signal below the radio's
 * sensitivity, either way); then the station hears nothing and its iv_mgtsend timer fires
 * IEEE80211_TRANS_WAIT after the send. The AP acts on a request it received even when its
 * answer is lost on the way back.
 */
export function sendMgmt(world: World, sta: Station, ap: AccessPoint, frame: MgmtFrame, done: (outcome: MgmtOutcome) => void): Timer {
  const sentAt = world.sched.now();
  const heard = (): boolean => ap.beaconing && world.sampleSignalDbm(ap) >= SENSITIVITY_DBM;
  if (!heard()) return world.sched.after(TRANS_WAIT_MS, () => done('lost'));
  let timer: Timer = world.sched.after(ap.mgmtTurnaroundMs(), () => {
    const answer = ap.receiveMgmt(sta, frame);
    if (!heard()) {
      timer = world.sched.at(sentAt + TRANS_WAIT_MS, () => done('lost'));
      return;
    }
    done(answer);
  });
  return { at: sentAt, cancel: () => timer.cancel() };
}
