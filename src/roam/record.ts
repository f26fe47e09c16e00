/** One roam, as measured by the rig (one line of roams.jsonl). */
export interface RoamRecord {
  index: number;
  /** Firmware variant of this part of the run. */
  variant: string;
  /** The variant each device really ran (read from the loaded modules). */
  firmware?: Record<string, string>;
  direction: string; // "ap1->ap2"
  fromAp: string;
  toAp: string;
  fromBssid: string;
  toBssid: string | null;
  /** Bench (board) time the crossfade started, epoch ms. */
  tStart: number;
  /** Board time of the all-zero BSSID event (left the old AP); null when the driver sent none (patched). */
  tLeave: number | null;
  /** Board time of the new-BSSID event. */
  tJoin: number | null;
  /** Programmed attenuation per path when the roam was seen, dB (the fixed path loss is in `fixedLossDb`). */
  attenuationDb: Record<string, number> | null;
  fixedLossDb: Record<string, number>;
  /** Client's signal from the old AP at the last step before the roam, and from the new AP after it (dBm). */
  signalBeforeDbm: number | null;
  signalAfterDbm: number | null;
  rampSteps: number;
  /** The cycle's sequence window [seqFrom, seqTo]. */
  seqFrom: number;
  seqTo: number;
  lostSeqs: number[];
  lateSeqs: number[];
  lost: number;
  /** Last reply before the gap to the first reply after it; 0 when nothing was lost or stalled. */
  outageMs: number | null;
  /** Part of the outage before the association (scan, auth, assoc) and after it (data path dead, ticket 1404). */
  beforeAssociationMs: number | null;
  afterAssociationMs: number | null;
  /** Where the times come from: the ping's own -D stamps, or arrival at the rig. */
  timestampSource: 'ping' | 'arrival' | 'none';
  valid: boolean;
  invalidReason: string | null;
}

/** A roam not measured yet: every measurement empty, not valid until the cycle says so. */
export function emptyRecord(f: {
  index: number;
  variant: string;
  fromAp: string;
  toAp: string;
  fromBssid: string;
  tStart: number;
  fixedLossDb: Record<string, number>;
  timestampSource: RoamRecord['timestampSource'];
}): RoamRecord {
  return {
    index: f.index,
    variant: f.variant,
    direction: `${f.fromAp}->${f.toAp}`,
    fromAp: f.fromAp,
    toAp: f.toAp,
    fromBssid: f.fromBssid,
    toBssid: null,
    tStart: f.tStart,
    tLeave: null,
    tJoin: null,
    attenuationDb: null,
    fixedLossDb: f.fixedLossDb,
    signalBeforeDbm: null,
    signalAfterDbm: null,
    rampSteps: 0,
    seqFrom: 0,
    seqTo: 0,
    lostSeqs: [],
    lateSeqs: [],
    lost: 0,
    outageMs: null,
    beforeAssociationMs: null,
    afterAssociationMs: null,
    timestampSource: f.timestampSource,
    valid: false,
    invalidReason: null,
  };
}
