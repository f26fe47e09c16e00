/**
 * Choosing a roam: by table row, by timeline click, ‹ › from the one chosen
 * (or from the middle of the view), the worst valid roam. A chosen roam is
 * shown everywhere at once: its window on the timeline, its details, its row
 * in the table, and the page's #roam=N.
 */
import { firstMarkerAtOrAfter } from './markers.ts';
import type { ReportView } from './report-view.ts';
import type { Row } from './rows.ts';

/** How far the timeline zooms to a chosen roam: its whole crossfade cycle, or just around the outage. */
export type RoamZoom = 'cycle' | 'roam';

/** Show a roam: its window on the timeline, its details, its row in the table. */
export function selectRoam(view: ReportView, r: Row, revealRow: boolean, zoom: RoamZoom = 'cycle'): void {
  view.selected = r;
  const timeline = view.timeline;
  const a = r.tStart ?? r.tLeave ?? r.tJoin;
  const e = r.tEnd ?? (r.tJoin !== null ? r.tJoin + 5000 : a !== null ? a + 30_000 : null);
  if (a !== null && e !== null && timeline) {
    if (zoom === 'roam' && r.tJoin !== null) {
      const from = (r.tLeave ?? r.tJoin) - 3000;
      const to = r.tJoin + Math.max(r.after ?? 0, r.outage ?? 0) + 3000;
      timeline.zoom(from / 1000, to / 1000);
    } else {
      const pad = Math.max(1500, (e - a) * 0.04);
      timeline.zoom((a - pad) / 1000, (e + pad) / 1000);
    }
  }
  timeline?.setSelected(r);
  view.detail?.show(r);
  history.replaceState(null, '', `#roam=${r.index}`);
  view.table?.showRow(r, revealRow);
}

/** The next (dir 1) or previous (dir -1) roam in time: from the chosen one, else from the middle of the view. */
export function stepRoam(view: ReportView, dir: number): void {
  const { markers, selected } = view;
  if (markers.length === 0) return;
  let k: number;
  if (selected) {
    const cur = markers.findIndex((m) => m.r === selected);
    k = cur + dir;
  } else {
    const [lo, hi] = view.timeline?.range() ?? [0, 0];
    k = dir > 0 ? firstMarkerAtOrAfter(markers, (lo + hi) / 2) : firstMarkerAtOrAfter(markers, (lo + hi) / 2) - 1;
  }
  k = Math.max(0, Math.min(markers.length - 1, k));
  selectRoam(view, markers[k].r, true);
}

/** The valid roam that lost most (the longer outage on a tie). */
export function worstRoam(view: ReportView): void {
  let best: Row | null = null;
  for (const r of view.rows) if (r.valid && (!best || r.lost > best.lost || (r.lost === best.lost && (r.outage ?? 0) > (best.outage ?? 0)))) best = r;
  if (best) selectRoam(view, best, true);
}
