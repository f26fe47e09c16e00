/**
 * The "Roams" block: every roam in a table, sortable by any column (click or
 * Enter / Space on its header), filtered by variant, direction, result and
 * free text, paged. A row click (or Enter) chooses that roam; choosing a roam
 * elsewhere marks its row and, when asked, turns to its page.
 */
import { append, clear, h, section } from './dom.ts';
import type { ReportView, RoamTableControl } from './report-view.ts';
import { roamColumns, type Column } from './roam-columns.ts';
import { matchingRows, type RoamFilter, type RoamOrder } from './roam-filter.ts';
import type { Row } from './rows.ts';
import { selectRoam } from './selection.ts';

interface TableState extends RoamFilter, RoamOrder {
  page: number;
  pageSize: number;
}

const PAGE_SIZES: readonly number[] = [25, 50, 100, 250, 1000];

export function createRoamTable(view: ReportView): RoamTableControl {
  const { rows } = view;
  const columns = roamColumns(view.colorOf);
  const state: TableState = { sortKey: 'index', sortDir: 1, page: 0, pageSize: 50, variant: '', direction: '', result: '', query: '' };
  let matching: readonly Row[] = rows;
  const f = filterControls(rows);
  const count = h('span', { id: 'roam-count', class: 'count' });
  const pager = h('span', { class: 'pager' });
  const thead = h('thead');
  const tbody = h('tbody');
  const tableEl = h('table', { class: 'grid roams', id: 'roam-table' }, thead, tbody);
  const headRow = h('tr');
  for (const c of columns) headRow.appendChild(headerCell(c, state, () => update()));
  thead.appendChild(headRow);

  const onFilter = (): void => {
    state.variant = f.variant.value;
    state.direction = f.direction.value;
    state.result = f.result.value;
    state.query = f.search.value.trim().toLowerCase();
    state.pageSize = Number(f.size.value);
    state.page = 0;
    update();
  };
  for (const c of [f.variant, f.direction, f.result, f.size]) c.addEventListener('change', onFilter);
  f.search.addEventListener('input', onFilter);

  function render(): void {
    const pages = Math.max(1, Math.ceil(matching.length / state.pageSize));
    state.page = Math.min(state.page, pages - 1);
    const start = state.page * state.pageSize;
    const slice = matching.slice(start, start + state.pageSize);
    const frag = document.createDocumentFragment();
    for (const r of slice) frag.appendChild(bodyRow(view, columns, r));
    clear(tbody);
    if (slice.length === 0) tbody.appendChild(h('tr', { class: 'empty' }, h('td', { colspan: columns.length, class: 'l' }, 'No roam matches the filter.')));
    tbody.appendChild(frag);
    count.textContent =
      matching.length === 0
        ? `0 of ${rows.length} roams`
        : `roams ${start + 1}–${start + slice.length} of ${matching.length}${matching.length !== rows.length ? ` (filtered from ${rows.length})` : ''}`;
    tableEl.dataset.matching = String(matching.length);
    clear(pager);
    const btn = (label: string, id: string, page: number, disabled: boolean): HTMLElement =>
      h('button', { type: 'button', 'data-page': id, disabled, onclick: () => ((state.page = page), render()) }, label);
    append(pager, [
      btn('«', 'first', 0, state.page === 0),
      btn('‹ prev', 'prev', state.page - 1, state.page === 0),
      h('span', { class: 'pageno' }, `page ${state.page + 1} of ${pages}`),
      btn('next ›', 'next', state.page + 1, state.page >= pages - 1),
      btn('»', 'last', pages - 1, state.page >= pages - 1),
    ]);
    markSortHeaders(headRow, state);
  }

  function update(): void {
    matching = matchingRows(rows, state, state, columns);
    render();
  }
  update();

  const el = section(
    'roams',
    'Roams',
    h('div', { class: 'toolbar' }, f.variant, f.direction, f.result, f.search, f.size, count),
    h('div', { class: 'table-wrap' }, tableEl),
    h('div', { class: 'toolbar bottom' }, pager),
  );
  return {
    el,
    showRow(r, reveal) {
      if (reveal) {
        let k = matching.indexOf(r);
        if (k < 0) {
          // Not in the filtered view: clear the filters so it can be shown.
          f.variant.value = f.direction.value = f.result.value = f.search.value = '';
          onFilter();
          k = matching.indexOf(r);
        }
        if (k >= 0) state.page = Math.floor(k / state.pageSize);
      }
      render();
    },
  };
}

/** The toolbar's filters: variant, direction, result, search, rows per page. */
function filterControls(rows: readonly Row[]): { variant: HTMLSelectElement; direction: HTMLSelectElement; result: HTMLSelectElement; search: HTMLInputElement; size: HTMLSelectElement } {
  const variantsIn = [...new Set(rows.map((r) => r.variant))];
  const directions = [...new Set(rows.map((r) => r.direction))].sort();
  return {
    variant: h('select', { id: 'f-variant', 'aria-label': 'variant' }, h('option', { value: '' }, 'all variants'), variantsIn.map((v) => h('option', { value: v }, v))),
    direction: h('select', { id: 'f-direction', 'aria-label': 'direction' }, h('option', { value: '' }, 'both directions'), directions.map((d) => h('option', { value: d }, d))),
    result: h(
      'select',
      { id: 'f-result', 'aria-label': 'result' },
      h('option', { value: '' }, 'all roams'),
      h('option', { value: 'lossy' }, 'lost any'),
      h('option', { value: 'over' }, 'over the limit'),
      h('option', { value: 'ok' }, 'valid, within the limit'),
      h('option', { value: 'invalid' }, 'invalid'),
    ),
    search: h('input', { id: 'f-search', type: 'search', placeholder: 'search: BSSID, reason, seq, #', 'aria-label': 'search' }),
    size: h('select', { id: 'f-pagesize', 'aria-label': 'rows per page' }, PAGE_SIZES.map((n) => h('option', { value: n, selected: n === 50 }, `${n} per page`))),
  };
}

/** Show which header the rows are sorted by, and which way (aria-sort and an arrow). */
export function markSortHeaders(headRow: HTMLElement, order: RoamOrder): void {
  for (const th of Array.from(headRow.children) as HTMLElement[]) {
    const on = th.dataset.key === order.sortKey;
    th.setAttribute('aria-sort', on ? (order.sortDir > 0 ? 'ascending' : 'descending') : 'none');
    (th.querySelector('.arrow') as HTMLElement).textContent = on ? (order.sortDir > 0 ? ' ▲' : ' ▼') : '';
  }
}

/** A sortable column header (of any table): a click (or Enter / Space) sorts by it, again reverses; back to the first page. */
export function headerCell<R>(c: Column<R>, state: RoamOrder & { page?: number }, update: () => void): HTMLElement {
  const th = h('th', { 'data-key': c.key, class: `${c.num ? '' : 'l'} sortable`, title: c.title ?? `sort by ${c.label}`, tabindex: 0, 'aria-sort': 'none' }, c.label, h('span', { class: 'arrow' }));
  const act = (): void => {
    if (state.sortKey === c.key) state.sortDir = -state.sortDir;
    else {
      state.sortKey = c.key;
      state.sortDir = c.num || c.key === 'result' ? -1 : 1;
    }
    if (state.page !== undefined) state.page = 0;
    update();
  };
  th.addEventListener('click', act);
  th.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      act();
    }
  });
  return th;
}

/** One roam's row: a click or Enter chooses the roam. */
function bodyRow(view: ReportView, columns: readonly Column[], r: Row): HTMLElement {
  const tr = h(
    'tr',
    { 'data-index': r.index, tabindex: 0, class: `${r.valid ? (r.over ? 'over' : '') : 'invalid'}${r === view.selected ? ' selected' : ''}` },
    columns.map((c) => h('td', { class: c.num ? '' : 'l' }, c.cell(r))),
  );
  tr.addEventListener('click', () => selectRoam(view, r, false));
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') selectRoam(view, r, false);
  });
  return tr;
}
