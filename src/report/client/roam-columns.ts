/** The roam table's columns: header, tooltip, how a roam sorts by it and what its cell shows. */
import { h, type Child } from './dom.ts';
import { fmt, withResolution } from './format.ts';
import { isArpStall, lateLabel, type LateFacts } from '../late-cause.ts';
import type { Row } from './rows.ts';

/** A row's late replies as late-cause.ts reads them. */
export const lateFacts = (r: Row): LateFacts => ({ late: r.late, lateMaxRttMs: r.lateMaxMs, lateAfterAssociation: r.lateAfter });

/** A column of a sortable table (the roam table's rows by default; the merged report's table has its own). */
export interface Column<R = Row> {
  key: string;
  label: string;
  title?: string;
  /** Right-aligned, and sorted largest first on the first click. */
  num?: boolean;
  sort: (r: R) => number | string;
  cell: (r: R) => Child;
}

/** Unknown numbers sort after every known one. */
export const cmpNullLast = (x: number | null): number => (x === null ? Number.POSITIVE_INFINITY : x);

/** The columns, in order; `colorOf` gives a variant's swatch colour. */
export function roamColumns(colorOf: (variant: string) => string): Column[] {
  return [
    { key: 'index', label: '#', num: true, sort: (r) => r.index, cell: (r) => r.index },
    { key: 'variant', label: 'variant', sort: (r) => r.variant, cell: (r) => [h('span', { class: 'swatch', style: `background:${colorOf(r.variant)}` }), r.variant] },
    { key: 'direction', label: 'direction', sort: (r) => r.direction, cell: (r) => r.direction },
    { key: 'bssid', label: 'from → to BSSID', sort: (r) => `${r.from} ${r.to ?? ''}`, cell: (r) => h('span', { class: 'mono' }, `${r.from} → ${r.to ?? '–'}`) },
    { key: 'att', label: 'att. ap1 / ap2 dB', num: true, title: 'programmed attenuation when the roam was seen', sort: (r) => cmpNullLast(r.att1), cell: (r) => (r.att1 === null ? '–' : `${fmt(r.att1, 1)} / ${fmt(r.att2, 1)}`) },
    { key: 'signal', label: 'signal dBm', num: true, title: 'from the old AP before, from the new AP after', sort: (r) => cmpNullLast(r.sigBefore), cell: (r) => `${fmt(r.sigBefore)} → ${fmt(r.sigAfter)}` },
    { key: 'lost', label: 'lost', num: true, sort: (r) => (r.valid ? r.lost : -1), cell: (r) => (r.valid ? h('span', { class: r.over ? 'badc' : r.lost > 0 ? 'lossc' : '' }, String(r.lost)) : '–') },
    {
      key: 'late',
      label: 'late',
      num: true,
      title: 'replies that came after the next ping was sent: late, not lost; an ARP stall is a reply ~1 s late after the join',
      sort: (r) => r.late,
      cell: (r) => {
        const label = lateLabel(lateFacts(r));
        return label === null ? r.late : h('span', { class: isArpStall(lateFacts(r)) ? 'late-arp' : '' }, label.replace(/^late /, ''));
      },
    },
    { key: 'outage', label: 'outage ms', num: true, sort: (r) => cmpNullLast(r.valid ? r.outage : null), cell: (r) => (r.valid ? fmt(r.outage) : '–') },
    { key: 'before', label: 'before assoc. ms', num: true, sort: (r) => cmpNullLast(r.valid ? r.before : null), cell: (r) => (r.valid ? fmt(r.before) : '–') },
    { key: 'after', label: 'after assoc. ms', num: true, sort: (r) => cmpNullLast(r.valid ? r.after : null), title: 'the transmit blackout after the association, by when each ping was sent; ± the resolution of that split', cell: (r) => (r.valid ? withResolution(r.after, r.afterRes) : '–') },
    { key: 'src', label: 'times', title: 'ping: the ping’s -D stamps; arrival: stamped by the rig', sort: (r) => r.src, cell: (r) => r.src },
    {
      key: 'result',
      label: 'result',
      sort: (r) => (r.valid ? (r.over ? 1 : 0) : 2),
      cell: (r) => (r.valid ? (r.over ? h('span', { class: 'pill bad' }, 'over limit') : h('span', { class: 'pill good' }, 'ok')) : [h('span', { class: 'pill warn' }, 'invalid'), ' ', h('span', { class: 'reason' }, r.reason ?? '')]),
    },
  ];
}
