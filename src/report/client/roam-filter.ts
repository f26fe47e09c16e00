/** Which roams the table shows, in which order: its filters and sort applied to the rows (and the same for any other table of rows). */
import type { Column } from './roam-columns.ts';
import type { Row } from './rows.ts';

export interface RoamFilter {
  /** Empty: any. */
  variant: string;
  direction: string;
  /** '', 'lossy', 'over', 'ok' or 'invalid'. */
  result: string;
  /** Lower-case text to find in a row's search text (a leading # ignored). */
  query: string;
}

export interface RoamOrder {
  sortKey: string;
  /** 1 ascending, -1 descending. */
  sortDir: number;
}

/** The rows that pass the filter, sorted by the column `order` names (ties in data order). */
export function matchingRows(rows: readonly Row[], filter: RoamFilter, order: RoamOrder, columns: readonly Column[]): Row[] {
  return filterRows(
    rows,
    (r) =>
      (!filter.variant || r.variant === filter.variant) &&
      (!filter.direction || r.direction === filter.direction) &&
      (!filter.result ||
        (filter.result === 'invalid' && !r.valid) ||
        (filter.result === 'over' && r.over) ||
        (filter.result === 'lossy' && r.valid && r.lost > 0) ||
        (filter.result === 'ok' && r.valid && !r.over)),
    filter.query,
    order,
    columns,
  );
}

/**
 * Any table's rows that `keep` accepts and whose lower-case search text holds `query`
 * (a leading # ignored), sorted by the column `order` names (ties in data order, `i`).
 */
export function filterRows<R extends { i: number; search: string }>(rows: readonly R[], keep: (r: R) => boolean, query: string, order: RoamOrder, columns: readonly Column<R>[]): R[] {
  const q = query.replace(/^#/, '');
  const matching = rows.filter((r) => keep(r) && (!q || r.search.includes(q)));
  const col = columns.find((c) => c.key === order.sortKey)!;
  const dir = order.sortDir;
  return matching
    .map((r) => ({ r, k: col.sort(r) }))
    .sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.r.i - b.r.i))
    .map((x) => x.r);
}
