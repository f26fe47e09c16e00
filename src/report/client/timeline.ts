/**
 * The timeline block: toolbar (whole run, ‹ › roam, worst roam, the range in
 * view), the three charts, the roam detail panel, and notes on what was
 * thinned out. The charts are drawn on the next animation frame (they need
 * the laid-out width); a #roam=N in the address is then chosen.
 */
import { h, section } from './dom.ts';
import type { ReportView } from './report-view.ts';
import { selectRoam, stepRoam, worstRoam } from './selection.ts';
import { drawTimeline } from './timeline-charts.ts';

export function timelineBlock(view: ReportView, detail: HTMLElement): HTMLElement {
  const loss = h('div', { class: 'chart', id: 'timeline-loss' });
  const rf = h('div', { class: 'chart', id: 'timeline-rf' });
  const ping = h('div', { class: 'chart', id: 'timeline-ping' });
  const readout = h('span', { class: 'readout', id: 'timeline-range' });
  const tl = view.data.timeline;
  const el = section(
    'timeline',
    'Timeline',
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'button', id: 'tl-all', onclick: () => view.timeline?.reset() }, 'Whole run'),
      h('button', { type: 'button', id: 'tl-prev', title: 'previous roam', onclick: () => stepRoam(view, -1) }, '‹ roam'),
      h('button', { type: 'button', id: 'tl-next', title: 'next roam', onclick: () => stepRoam(view, 1) }, 'roam ›'),
      h('button', { type: 'button', id: 'tl-worst', title: 'the valid roam that lost most', onclick: () => worstRoam(view) }, 'worst roam'),
      readout,
      h('span', { class: 'hint' }, 'drag to zoom · wheel to zoom · double-click: whole run'),
    ),
    loss,
    rf,
    ping,
    detail,
    tl.notes.length ? h('ul', { class: 'note notes' }, tl.notes.map((n) => h('li', null, n))) : null,
  );
  requestAnimationFrame(() => {
    view.timeline = drawTimeline(view, { loss, rf, ping, readout });
    const m = /roam=(\d+)/.exec(location.hash);
    if (m) {
      const r = view.rows.find((x) => x.index === Number(m[1]));
      if (r) selectRoam(view, r, false);
    }
  });
  return el;
}
