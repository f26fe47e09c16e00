/**
 * The roam detail panel under the timeline: the chosen roam's times,
 * attenuation, signal, outage split, lost and late sequence numbers, the
 * recovery after it and what the boards' consoles showed (an oops's text), with
 * buttons to zoom the timeline to its whole cycle or to just around the roam.
 */
import { append, clear, h, type Child } from './dom.ts';
import { clock, fmt, withResolution } from './format.ts';
import { isArpStall, lateLabel } from '../late-cause.ts';
import type { DetailPanel, ReportView } from './report-view.ts';
import { lateFacts } from './roam-columns.ts';
import type { Row } from './rows.ts';
import { selectRoam } from './selection.ts';

export function createDetailPanel(view: ReportView): DetailPanel {
  const el = h('div', { id: 'roam-detail', class: 'detail empty' }, 'Choose a roam in the table below (or ‹ ›) to see its window here.');
  return {
    el,
    show(r: Row): void {
      clear(el);
      el.className = `detail ${r.valid ? (r.over ? 'over' : 'ok') : 'invalid'}`;
      append(el, detailContent(view, r));
    },
  };
}

function detailContent(view: ReportView, r: Row): Child[] {
  const kv = (k: string, v: Child): HTMLElement[] => [h('dt', null, k), h('dd', null, v)];
  return [
    h(
      'div',
      { class: 'detail-head' },
      h('b', null, `Roam #${r.index}`),
      ` · ${r.variant} · ${r.direction} · `,
      r.valid ? (r.over ? h('span', { class: 'badc' }, `lost ${r.lost}: over the limit`) : `lost ${r.lost}`) : h('span', { class: 'warnc' }, `invalid: ${r.reason ?? ''}`),
      h(
        'span',
        { class: 'detail-zoom' },
        h('button', { type: 'button', onclick: () => selectRoam(view, r, false, 'cycle') }, 'whole cycle'),
        h('button', { type: 'button', id: 'zoom-roam', onclick: () => selectRoam(view, r, false, 'roam') }, 'around the roam'),
      ),
    ),
    h(
      'dl',
      { class: 'kv' },
      kv('from → to', `${r.from} → ${r.to ?? '(none)'}`),
      kv('trigger start', clock(r.tStart)),
      kv('left old AP', clock(r.tLeave)),
      kv('joined new AP', clock(r.tJoin)),
      kv('recovered', clock(r.tEnd)),
      kv('attenuation at roam', r.att1 === null ? '–' : `ap1 ${fmt(r.att1, 1)} dB, ap2 ${fmt(r.att2, 1)} dB`),
      kv('signal', `${fmt(r.sigBefore)} → ${fmt(r.sigAfter)} dBm`),
      kv('outage', `${fmt(r.outage)} ms (before association ${fmt(r.before)} ms, after ${withResolution(r.after, r.afterRes)} ms)`),
      kv('lost seqs', r.lostSeqs || 'none'),
      kv('late seqs', r.lateSeqs ? `${r.lateSeqs} · ${lateText(r)}` : 'none'),
      kv('seq window', `${r.seqFrom}–${r.seqTo}`),
      kv('times from', r.src),
      ...(r.recovery ? kv('recovery', r.recovery) : []),
    ),
    ...(r.kernel ? [h('div', { class: 'kernel' }, h('b', null, 'Console (kernel)'), h('pre', { class: 'console' }, r.kernel))] : []),
  ];
}

/** The late replies in words: the ARP stall explained, late not lost. */
function lateText(r: Row): string {
  const f = lateFacts(r);
  const label = lateLabel(f) ?? '';
  if (isArpStall(f)) return `${label}: the station's ARP entry was lost in the roam and resolved on the retry a second later; these replies are late, not lost`;
  return `${label}: answered after the next ping went out; late, not lost`;
}
