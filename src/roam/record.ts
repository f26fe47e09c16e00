import type { RoamRecord } from '../record/schema.ts';

/** A roam not measured yet: every measurement empty, not valid until the cycle says so. */
export function emptyRecord(f: {
  index: number;
  variant: string;
  trigger: string;
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
    trigger: f.trigger,
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
    splitResolutionMs: null,
    timestampSource: f.timestampSource,
    valid: false,
    invalidReason: null,
  };
}
