/** The per-roam table of the report, as columns (strings interned), with each roam's window on the timeline. */
import type { RoamColumns, VariantView } from '../data.ts';
import type { RunData } from '../load.ts';
import { roundTo, type RoamWindow } from './timeline.ts';

export function buildRoamColumns(run: RunData, t0: number, windows: RoamWindow[], variants: VariantView[], strings: string[]): RoamColumns {
  const ids = new Map<string, number>();
  const str = (x: string | null): number => {
    if (x === null) return -1;
    let i = ids.get(x);
    if (i === undefined) {
      i = strings.length;
      strings.push(x);
      ids.set(x, i);
    }
    return i;
  };
  const rel = (t: number | null): number | null => (t === null || !Number.isFinite(t) ? null : Math.round(t - t0));
  const r1 = (x: number | null): number | null => (x === null ? null : roundTo(x, 1));
  const th = new Map(variants.filter((v) => v.run === 'this').map((v) => [v.name, v.thresholds]));
  const recs = run.records;
  const cols: RoamColumns = {
    n: recs.length,
    index: [], variant: [], direction: [], from: [], to: [], tStart: [], tLeave: [], tJoin: [], tEnd: [],
    att1: [], att2: [], sigBefore: [], sigAfter: [], lost: [], lostSeqs: [], late: [], lateSeqs: [], lateMax: [], lateAfter: [],
    outage: [], before: [], after: [], afterRes: [], seqFrom: [], seqTo: [], src: [], valid: [], reason: [], over: [],
    kernel: [], recovery: [],
  };
  recs.forEach((r, i) => {
    cols.index.push(r.index);
    cols.variant.push(str(r.variant));
    cols.direction.push(str(r.direction));
    cols.from.push(str(r.fromBssid));
    cols.to.push(str(r.toBssid));
    cols.tStart.push(rel(r.tStart));
    cols.tLeave.push(rel(r.tLeave));
    cols.tJoin.push(rel(r.tJoin));
    cols.tEnd.push(rel(windows[i].tEnd));
    cols.att1.push(r.attenuationDb?.ap1 ?? null);
    cols.att2.push(r.attenuationDb?.ap2 ?? null);
    cols.sigBefore.push(r.signalBeforeDbm);
    cols.sigAfter.push(r.signalAfterDbm);
    cols.lost.push(r.lost);
    cols.lostSeqs.push(r.lostSeqs.join(' '));
    cols.late.push(r.lateSeqs.length);
    cols.lateSeqs.push(r.lateSeqs.join(' '));
    cols.lateMax!.push(r1(r.lateMaxRttMs ?? null));
    cols.lateAfter!.push(r.lateAfterAssociation ?? null);
    cols.outage.push(r1(r.outageMs));
    cols.before.push(r1(r.beforeAssociationMs));
    cols.after.push(r1(r.afterAssociationMs));
    cols.afterRes.push(r1(r.splitResolutionMs ?? null));
    cols.seqFrom.push(r.seqFrom);
    cols.seqTo.push(r.seqTo);
    cols.src.push(str(r.timestampSource));
    cols.valid.push(r.valid ? 1 : 0);
    cols.reason.push(str(r.valid ? null : r.invalidReason));
    const t = th.get(r.variant);
    cols.over.push(r.valid && t && r.lost > t.maxLostPerRoam ? 1 : 0);
    const k = r.kernelEvents ?? [];
    cols.kernel!.push(str(k.length ? k.map((e) => `${e.device} ${e.kind}: ${e.title}${e.where ? ` at ${e.where}` : ''}${e.module ? ` [${e.module}]` : ''}\n${e.text}`).join('\n\n') : null));
    cols.recovery!.push(str(r.recovery?.length ? r.recovery.join('; ') : null));
  });
  return cols;
}
