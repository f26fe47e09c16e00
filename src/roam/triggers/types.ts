/**
 * A roam trigger: what makes the client move from one AP to the other in a roam cycle
 * (docs/roam-cycle.md). The cycle measures; the trigger only acts and waits for the join.
 * Attenuation crossfade is one trigger; a station command another; an AP-initiated BSS
 * transition (bss-transition.ts) a third; a crossfade of the APs' transmit power a fourth. Each is one module plus one line in registry.ts.
 */
import type { BenchSession } from '../../bench/session.ts';
import type { ApName, Profile } from '../../inventory/schema.ts';
import type { TimelineSample } from '../../record/schema.ts';

export type WaitResult = 'ok' | 'timeout' | 'aborted';

export interface TriggerContext {
  session: BenchSession;
  profile: Profile;
  /** Roam index (timeline samples carry it). */
  roam: number;
  from: ApName;
  to: ApName;
  bssids: Record<ApName, string>;
  /** The programmed attenuation per path; a trigger that moves it updates it here. */
  attenuation: Record<ApName, number>;
  /** Wait up to `realMs` real milliseconds for the join to `to` (or for the cycle to end otherwise: the ping died). */
  waitJoin(realMs: number): Promise<WaitResult>;
  /** The station reported the new BSSID. */
  joined(): boolean;
  timeline?: (sample: TimelineSample) => void;
  signal?: AbortSignal;
}

export interface TriggerOutcome {
  /** `ok`: the wait ended (joined, or the cycle's other end condition); `timeout`: the roam timeout passed. */
  status: WaitResult;
  /** Attenuation steps taken (crossfade) or commands sent (station command). */
  steps: number;
  /** Programmed attenuation per path when it ended. */
  attenuationDb: Record<string, number>;
  /** The client's signal from the old AP at the last look before the roam (dBm). */
  signalBeforeDbm: number | null;
  /** Why a timeout may be the bench's fault rather than the driver's, in words ('' when nothing to say). */
  note: string;
}

export interface RoamTrigger {
  readonly name: string;
  /** Programmed attenuation per path at the start of a roam sequence (the client on ap1). */
  initialAttenuation(profile: Profile): Record<ApName, number>;
  run(ctx: TriggerContext): Promise<TriggerOutcome>;
  /**
   * Optional: check once, when the bench is up and before any roam, that this bench can
   * carry the trigger out (a ConfigError naming `bench` and what is missing), and put the
   * bench in the trigger's starting state when the attenuators alone do not.
   */
  check?(session: BenchSession, bench: string): Promise<void>;
}
