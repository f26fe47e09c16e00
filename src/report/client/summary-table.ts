/**
 * The "Loss per roam" block: per variant and direction, roams (all, valid,
 * invalid) and the distribution of lost pings, outage and blackout after
 * association, figures over a threshold marked; invalid roams by reason.
 */
import type { Dist, StatsRow, VariantView } from '../data.ts';
import { h, section } from './dom.ts';
import { fmt } from './format.ts';
import type { ReportView } from './report-view.ts';

function headGroupsRow(): HTMLElement {
  return h('tr', null, h('th', { colspan: 2 }, ''), h('th', { colspan: 3, class: 'sep' }, 'roams'), h('th', { colspan: 4, class: 'sep' }, 'lost pings per roam'), h('th', { colspan: 4, class: 'sep' }, 'outage, ms'), h('th', { colspan: 4, class: 'sep' }, 'blackout after association, ms'), h('th', null, ''));
}

const HEAD_COLUMNS: readonly string[] = ['variant', 'direction', 'all', 'valid', 'invalid', 'mean', 'median', 'p95', 'max', 'mean', 'median', 'p95', 'max', 'mean', 'median', 'p95', 'max', 'thresholds'];

export function summaryBlock(view: ReportView): HTMLElement {
  const reasons = view.thisVariants.filter((v) => v.invalidReasons.length);
  return section(
    'summary',
    'Loss per roam',
    h(
      'table',
      { class: 'grid', id: 'summary-table' },
      h('thead', null, headGroupsRow(), h('tr', null, HEAD_COLUMNS.map((t, i) => h('th', { class: i < 2 || i === 17 ? 'l' : [4, 8, 12, 16].includes(i) ? 'sep' : '' }, t)))),
      h('tbody', null, view.data.stats.map((s) => statsRow(s, view.variantByKey.get(s.variantKey) as VariantView))),
    ),
    reasons.length
      ? h('div', { class: 'reasons' }, h('b', null, 'Invalid roams by reason'), h('ul', null, reasons.flatMap((v) => v.invalidReasons.map(([why, n]) => h('li', null, `${v.label}: ${n} × `, h('span', { class: 'reason' }, why))))))
      : null,
    h('p', { class: 'note' }, 'Outage: last reply before the gap to the first reply after it. Blackout after association: from the association with the new AP until a ping sent got through again (data path still dead: ticket 1404), placed by when each ping was sent; the figure of each roam is good to plus or minus its resolution (about half a ping interval with ping -D, one interval without). Invalid roams (not measurable) are left out of every figure and listed with their reason.'),
  );
}

/** Mean, median, p95, max of one measure (the mean with 2 decimals unless the measure has none). */
function dist(d: Dist, digits: number): HTMLElement[] {
  return [h('td', null, fmt(d.mean, digits === 0 ? 0 : 2)), h('td', null, fmt(d.median, digits)), h('td', null, fmt(d.p95, digits)), h('td', { class: 'sep' }, fmt(d.max, digits))];
}

function statsRow(s: StatsRow, v: VariantView): HTMLElement {
  const th = v.thresholds;
  const medBad = th !== null && s.direction === 'all' && s.lost.median !== null && s.lost.median > th.maxMedianLostPerRoam;
  return h(
    'tr',
    { class: s.direction === 'all' ? 'total' : 'dir' },
    h('td', { class: 'l' }, s.direction === 'all' ? [h('span', { class: 'swatch', style: `background:${v.color}` }), h('b', null, v.label)] : ''),
    h('td', { class: 'l' }, s.direction === 'all' ? 'both' : s.direction),
    h('td', null, s.roams),
    h('td', null, s.valid),
    h('td', { class: s.invalid ? 'warnc sep' : 'sep' }, s.invalid),
    h('td', null, fmt(s.lost.mean, 2)),
    h('td', { class: medBad ? 'badc' : '' }, fmt(s.lost.median, 1)),
    h('td', null, fmt(s.lost.p95, 1)),
    h('td', { class: th && s.lost.max !== null && s.lost.max > th.maxLostPerRoam ? 'badc sep' : 'sep' }, fmt(s.lost.max, 0)),
    ...dist(s.outageMs, 0),
    ...dist(s.afterAssociationMs, 0),
    h('td', { class: 'l small' }, th ? `median ≤ ${th.maxMedianLostPerRoam}, each ≤ ${th.maxLostPerRoam}${s.overThreshold ? ` · ${s.overThreshold} over` : ''}` : '–'),
  );
}
