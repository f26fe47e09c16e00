/**
 * The merged report's table: its rows (one per run and variant, from
 * `MergedData.rows`, with a lower-case search text) and its columns, in the
 * roam table's Column form so the same filter, sort and header code serves both.
 * A figure a run does not have shows as "unknown", its reason in the tooltip and
 * in the row's notes; never as 0.
 */
import type { Figure, MergedData, MergedRow, MergedRun } from '../merge-data.ts';
import { h, type Child } from './dom.ts';
import { fmt, withResolution } from './format.ts';
import { cmpNullLast, type Column } from './roam-columns.ts';

export interface MergedTableRow {
  /** Position in `MergedData.rows`: the stable tie-break of every sort. */
  i: number;
  row: MergedRow;
  run: MergedRun;
  bench: string;
  /** The night, or 'unknown' when the run recorded no start. */
  night: string;
  variant: string;
  /** Why each unknown figure is unknown, the variant's failures and the run's problems, in words. */
  notes: string[];
  search: string;
}

/** Filter value of a row whose run has no start time. */
export const UNKNOWN_NIGHT = 'unknown';

const FIGURES: [keyof MergedRow & ('roams' | 'lostMedian' | 'lostMax' | 'afterMedian' | 'afterResolution'), string][] = [
  ['roams', 'roams'],
  ['lostMedian', 'median lost per roam'],
  ['lostMax', 'worst loss'],
  ['afterMedian', 'after-association median'],
  ['afterResolution', 'after-association resolution'],
];

export function buildMergedRows(data: MergedData): MergedTableRow[] {
  return data.rows.map((row, i) => {
    const run = data.runs[row.run];
    // Each reason once: the figures it leaves unknown, then what else the run says.
    const whys = new Map<string, string[]>();
    for (const [k, label] of FIGURES) {
      const f = row[k] as Figure;
      if (f.value === null && f.why) whys.set(f.why, [...(whys.get(f.why) ?? []), label]);
    }
    const notes = [...whys].map(([why, labels]) => `${labels.join(', ')} unknown: ${why}`);
    const said = (t: string): boolean => whys.has(t) || notes.includes(t);
    const add = (t: string): void => void (said(t) || notes.push(t));
    if (row.firmware === null && row.firmwareWhy && !whys.has(row.firmwareWhy)) add(`firmware: ${row.firmwareWhy}`);
    for (const d of row.firmware ?? []) if (row.variant !== null && d.variant !== row.variant) add(`${d.device} ran ${d.variant}, not ${row.variant}`);
    row.failures.forEach(add);
    if (run.benchFailure) add(`bench failure: ${run.benchFailure}`);
    run.problems.forEach(add);
    const night = row.night ?? UNKNOWN_NIGHT;
    const variant = row.variant ?? '';
    const search = [row.bench, night, row.runId, variant, firmwareText(row), row.verdict, ...notes].join(' ').toLowerCase();
    return { i, row, run, bench: row.bench, night, variant, notes, search };
  });
}

/** The firmware in a few characters: the madwifi version in each distinct driver banner (e.g. 0.9.3-rig1404), else the variants the devices ran. */
export function firmwareText(row: MergedRow): string {
  if (!row.firmware) return '';
  const banners = [...new Set(row.firmware.flatMap((d) => (d.banner ? [d.banner] : [])))];
  if (banners.length) return banners.map((b) => /\bwlan: \S+ \(([^)]+)\)/.exec(b)?.[1] ?? b.slice(0, 40)).join(' / ');
  return [...new Set(row.firmware.map((d) => d.variant))].join(' / ');
}

function unknownCell(f: Figure): HTMLElement {
  return h('span', { class: 'unknown', title: f.why ?? 'unknown' }, 'unknown');
}

/** A known figure as the cell's text, or "unknown" with its reason. */
function figureCell(f: Figure, show: (x: number) => string): Child {
  return f.value === null ? unknownCell(f) : show(f.value);
}

const VERDICT_PILL: Record<string, string> = { passed: 'good', failed: 'bad', 'bench-failure': 'bad', unreadable: 'bad' };

/** The columns, in order; `colorOf` gives a variant's swatch colour. */
export function mergedColumns(colorOf: (variant: string) => string): Column<MergedTableRow>[] {
  return [
    { key: 'night', label: 'night (UTC)', title: "the run's start date, UTC", sort: (r) => r.row.night ?? '', cell: (r) => r.row.night ?? unknownCell({ value: null, why: 'the run recorded no start time' }) },
    { key: 'bench', label: 'bench', sort: (r) => r.bench, cell: (r) => r.bench },
    {
      key: 'run',
      label: 'run',
      title: "the run's own report",
      sort: (r) => r.row.startedAt || r.row.runId,
      cell: (r) => (r.row.href ? h('a', { href: r.row.href, class: 'mono' }, r.row.runId) : h('span', { class: 'mono', title: 'no index.html in the run folder' }, r.row.runId)),
    },
    {
      key: 'variant',
      label: 'variant',
      sort: (r) => r.variant,
      cell: (r) => (r.row.variant === null ? unknownCell({ value: null, why: 'the run names no variant' }) : [h('span', { class: 'swatch', style: `background:${colorOf(r.row.variant)}` }), r.row.variant]),
    },
    {
      key: 'firmware',
      label: 'firmware',
      title: 'the driver each device ran for this variant (hover for the banners)',
      sort: (r) => firmwareText(r.row),
      cell: (r) =>
        r.row.firmware === null
          ? unknownCell({ value: null, why: r.row.firmwareWhy ?? 'not recorded' })
          : h('span', { class: 'mono', title: r.row.firmware.map((d) => `${d.device}: ${d.variant}${d.banner ? ` — ${d.banner}` : ''}`).join('\n') }, firmwareText(r.row)),
    },
    {
      key: 'roams',
      label: 'roams valid / all',
      num: true,
      sort: (r) => cmpNullLast(r.row.roams.value),
      cell: (r) => (r.row.roams.value === null || r.row.valid.value === null ? unknownCell(r.row.roams.value === null ? r.row.roams : r.row.valid) : `${r.row.valid.value} / ${r.row.roams.value}`),
    },
    { key: 'lostMedian', label: 'lost median', num: true, title: 'median lost pings per valid roam', sort: (r) => cmpNullLast(r.row.lostMedian.value), cell: (r) => figureCell(r.row.lostMedian, (x) => fmt(x, 1)) },
    { key: 'lostMax', label: 'lost max', num: true, title: 'the worst valid roam', sort: (r) => cmpNullLast(r.row.lostMax.value), cell: (r) => figureCell(r.row.lostMax, (x) => fmt(x, 0)) },
    {
      key: 'after',
      label: 'after assoc. median ms',
      num: true,
      title: 'the transmit blackout after the association, median over the valid roams; ± the largest resolution of those roams’ split',
      sort: (r) => cmpNullLast(r.row.afterMedian.value),
      cell: (r) => figureCell(r.row.afterMedian, (x) => withResolution(x, r.row.afterResolution.value)),
    },
    {
      key: 'verdict',
      label: 'verdict',
      sort: (r) => r.row.verdict,
      cell: (r) => h('span', { class: `pill ${VERDICT_PILL[r.row.verdict] ?? 'warn'}`, 'data-verdict': r.row.verdict }, r.row.verdict),
    },
    { key: 'notes', label: 'notes', sort: (r) => r.notes.length, cell: (r) => (r.notes.length ? h('ul', { class: 'plain small notes-list' }, r.notes.map((n) => h('li', null, n))) : '') },
  ];
}
