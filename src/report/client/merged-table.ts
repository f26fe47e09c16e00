/**
 * The merged report's "Runs" block: one row per run and variant, sortable by any
 * column and filtered by bench, night, variant and free text, with the roam
 * table's own filter, sort and header code (roam-filter.ts, roam-table.ts).
 */
import type { MergedData } from '../merge-data.ts';
import { clear, h, section } from './dom.ts';
import { buildMergedRows, mergedColumns, UNKNOWN_NIGHT, type MergedTableRow } from './merged-columns.ts';
import { filterRows, type RoamOrder } from './roam-filter.ts';
import { headerCell, markSortHeaders } from './roam-table.ts';

interface MergedFilter {
  bench: string;
  night: string;
  variant: string;
  query: string;
}

export function mergedTable(data: MergedData, colorOf: (variant: string) => string): HTMLElement {
  const rows = buildMergedRows(data);
  const columns = mergedColumns(colorOf);
  // Newest night first; within a night, bench, start and variant in the data's order.
  const state: MergedFilter & RoamOrder = { sortKey: 'night', sortDir: -1, bench: '', night: '', variant: '', query: '' };
  const nights = [...new Set(rows.map((r) => r.night))].sort().reverse();
  const select = (id: string, label: string, all: string, values: string[], text: (v: string) => string = (v) => v): HTMLSelectElement =>
    h('select', { id, 'aria-label': label }, h('option', { value: '' }, all), values.map((v) => h('option', { value: v }, text(v))));
  const f = {
    bench: select('m-bench', 'bench', 'all benches', data.benches),
    night: select('m-night', 'night', 'all nights', nights, (v) => (v === UNKNOWN_NIGHT ? 'no start time' : v)),
    variant: select('m-variant', 'variant', 'all variants', data.colors.map(([v]) => v)),
    search: h('input', { id: 'm-search', type: 'search', placeholder: 'search: run, firmware, reason', 'aria-label': 'search' }),
  };
  const count = h('span', { id: 'merged-count', class: 'count' });
  const tbody = h('tbody');
  const headRow = h('tr');
  const tableEl = h('table', { class: 'grid roams merged', id: 'merged-table' }, h('thead', null, headRow), tbody);
  for (const c of columns) headRow.appendChild(headerCell(c, state, () => update()));

  const onFilter = (): void => {
    state.bench = f.bench.value;
    state.night = f.night.value;
    state.variant = f.variant.value;
    state.query = f.search.value.trim().toLowerCase();
    update();
  };
  for (const c of [f.bench, f.night, f.variant]) c.addEventListener('change', onFilter);
  f.search.addEventListener('input', onFilter);

  function update(): void {
    const matching = filterRows(
      rows,
      (r) => (!state.bench || r.bench === state.bench) && (!state.night || r.night === state.night) && (!state.variant || r.variant === state.variant),
      state.query,
      state,
      columns,
    );
    clear(tbody);
    if (matching.length === 0) tbody.appendChild(h('tr', { class: 'empty' }, h('td', { colspan: columns.length, class: 'l' }, 'No run matches the filter.')));
    for (const r of matching) tbody.appendChild(bodyRow(r, columns));
    count.textContent = `${matching.length} of ${rows.length} rows`;
    tableEl.dataset.matching = String(matching.length);
    markSortHeaders(headRow, state);
  }
  update();

  return section(
    'runs',
    `Runs by bench and night (${data.runs.length} run${data.runs.length === 1 ? '' : 's'}, ${rows.length} row${rows.length === 1 ? '' : 's'})`,
    h('div', { class: 'toolbar' }, f.bench, f.night, f.variant, f.search, count),
    h('div', { class: 'table-wrap' }, tableEl),
    h(
      'p',
      { class: 'note' },
      "One row per run and variant. Figures are each run's own (its summary.json, or for a run that did not finish the same statistics of its roams.jsonl); valid roams only. The after-association median is good to plus or minus the largest resolution among its roams. Unknown: the run does not have the figure; hover for why.",
    ),
  );
}

function bodyRow(r: MergedTableRow, columns: ReturnType<typeof mergedColumns>): HTMLElement {
  return h(
    'tr',
    { 'data-bench': r.bench, 'data-night': r.night, 'data-run': r.row.runId, 'data-variant': r.variant, class: r.row.source === null ? 'invalid' : '' },
    columns.map((c) => h('td', { class: c.num ? '' : 'l' }, c.cell(r))),
  );
}
