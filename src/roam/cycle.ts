/**
 * One roam cycle (docs/roam-cycle.md): baseline, the trigger until the roam is seen,
 * recovery, grace; then the window's numbers from the attribution. The cycle knows no
 * driver and no trigger: the session gives the station's association events, the
 * trigger makes the client move.
 */
import type { BenchSession, ApName } from '../bench/session.ts';
import type { PingStream } from '../controllers/ping/remote.ts';
import type { AssociationEvent } from '../controllers/roles.ts';
import type { Profile } from '../inventory/schema.ts';
import type { RoamRecord, TimelineSample } from '../record/schema.ts';
import { attributeWindow, highestAnswered } from './attribution.ts';
import { emptyRecord } from './record.ts';
import type { RoamTrigger } from './triggers/types.ts';

export interface CycleContext {
  session: BenchSession;
  ping: PingStream;
  profile: Profile;
  trigger: RoamTrigger;
  bssids: Record<ApName, string>;
  /** Current programmed attenuation per path (a crossfade moves it). */
  attenuation: Record<ApName, number>;
  variant: string;
  signal?: AbortSignal;
  /** Told when the trigger of a cycle starts (the virtual rig's ground truth follows the rig's numbering). */
  onCycleStart?: (index: number) => void;
  /** Timeline samples for the report: attenuation per step, the client's signal. */
  timeline?: (sample: TimelineSample) => void;
}

/**
 * Whether a ping stream died, watched ONCE per stream. (A `.then` per cycle on a stream's
 * `died`, which stays pending while the ping lives, kept every cycle's scope alive: its
 * record, its closures; a 10,000-roam soak grew by hundreds of MB.)
 */
/** Association events kept from earlier cycles (a long run would otherwise hold every one). */
const EVENTS_KEPT = 64;

const deaths = new WeakMap<PingStream, { reason: string | null }>();
function deathOf(ping: PingStream, waiter: BenchSession['waiter']): { reason: string | null } {
  let d = deaths.get(ping);
  if (!d) {
    const state: { reason: string | null } = { reason: null };
    d = state;
    deaths.set(ping, state);
    void ping.died.then((x) => {
      if (x) state.reason = x.reason;
      waiter.notify();
    });
  }
  return d;
}

export async function runCycle(ctx: CycleContext, index: number, from: ApName, to: ApName): Promise<RoamRecord> {
  const { session, ping, profile } = ctx;
  const { clock, waiter } = session;
  const a = ping.analyzer;
  const K = profile.baselinePings;
  const intervalMs = a.intervalMs;
  const death = deathOf(ping, waiter);

  const record = emptyRecord({
    index,
    variant: ctx.variant,
    trigger: ctx.trigger.name,
    fromAp: from,
    toAp: to,
    fromBssid: ctx.bssids[from],
    tStart: clock.now(),
    fixedLossDb: session.fixedLoss(),
    timestampSource: a.timestampSource,
  });
  const invalid = (reason: string): RoamRecord => {
    record.valid = false;
    record.invalidReason = death.reason ? `ping died: ${death.reason}` : reason;
    return record;
  };

  // 1. Baseline: the last K pings answered.
  const baseline = await waiter.until(() => death.reason !== null || a.trailingAnswered() >= K, clock.real(K * intervalMs * 4 + 10_000), ctx.signal);
  if (baseline === 'aborted') return invalid('interrupted');
  if (death.reason || baseline !== 'ok') return invalid(`no baseline: ${K} consecutive replies not seen before the ${ctx.trigger.name}`);

  // 2. The trigger, until the client reports the new BSSID.
  record.seqFrom = a.highestSeq() + 1;
  ctx.onCycleStart?.(index);
  record.tStart = clock.now();
  session.forgetEvents(EVENTS_KEPT); // a cycle looks only at its own events (and the trigger at the last few)
  const firstEvent = session.events.length;
  const toBssid = ctx.bssids[to];
  // Checked on every ping line: walk the cycle's own events, no copies.
  const joinEvent = (): AssociationEvent | undefined => {
    const ev = session.events;
    for (let i = firstEvent; i < ev.length; i++) if (ev[i].bssid === toBssid) return ev[i];
    return undefined;
  };
  const outcome = await ctx.trigger.run({
    session,
    profile,
    roam: index,
    from,
    to,
    bssids: ctx.bssids,
    attenuation: ctx.attenuation,
    waitJoin: (realMs) => waiter.until(() => death.reason !== null || joinEvent() !== undefined, realMs, ctx.signal),
    joined: () => joinEvent() !== undefined,
    timeline: ctx.timeline,
    signal: ctx.signal,
  });
  record.rampSteps = outcome.steps;
  record.signalBeforeDbm = outcome.signalBeforeDbm;
  record.attenuationDb = outcome.attenuationDb;
  if (outcome.status === 'aborted') return invalid('interrupted');
  const join = joinEvent();
  if (!join) return invalid(death.reason ? 'ping died' : `no roam to ${to} within ${profile.roamTimeoutS} s${outcome.note ? `; ${outcome.note}` : ''}`);
  record.toBssid = join.bssid;
  record.tJoin = join.atMs;
  record.joinSeenMs = join.arrivedMs;
  const leave = session.events.slice(firstEvent).find((e) => e.bssid === null && e.atMs <= join.atMs); // once per roam
  record.tLeave = leave?.atMs ?? null;
  // Times must come from one clock: the board's (-D stamps and its events), or arrival at the rig.
  const tJoin = a.timestampSource === 'ping' ? join.atMs : join.arrivedMs;

  // 3. Recovery: K consecutive replies, all sent after the new association.
  const recovered = (): boolean => {
    const h = highestAnswered(a);
    if (h < 0 || a.trailingAnswered() < profile.recoveryPings) return false;
    const firstOfRun = h - profile.recoveryPings + 1;
    const at = a.replyAtMs(firstOfRun);
    return at === undefined ? firstOfRun >= record.seqFrom : at > tJoin;
  };
  const timeoutMs = profile.roamTimeoutS * 1000;
  const recovery = await waiter.until(() => death.reason !== null || recovered(), clock.real(Math.max(10_000, timeoutMs)), ctx.signal);
  if (recovery === 'aborted') return invalid('interrupted');
  if (death.reason || recovery !== 'ok') return invalid(`traffic did not recover (${profile.recoveryPings} consecutive replies) after the roam`);
  const after = await session.station.link().catch(() => null);
  if (after?.bssid === toBssid && after.signalDbm !== null) {
    record.signalAfterDbm = after.signalDbm;
    ctx.timeline?.({ t: clock.now(), kind: 'signal', roam: index, bssid: toBssid, dbm: after.signalDbm });
  }

  // 4. Grace: late replies of the window still count as late, not lost.
  if (!(await clock.sleep(profile.graceS * 1000, ctx.signal))) return invalid('interrupted');
  if (death.reason) return invalid('ping died');

  // A board clock that jumped inside the window makes every time in it meaningless.
  const jump = ping.clockJumps.find((j) => j.atMs >= record.tStart - 1000);
  if (jump) return invalid(`board clock of ${ping.shell.name} jumped by ${(jump.byMs / 1000).toFixed(1)} s`);

  // 5. Attribute the window.
  Object.assign(record, attributeWindow(a, { seqFrom: record.seqFrom, seqTo: highestAnswered(a) }, tJoin));
  record.valid = true;
  return record;
}
