/**
 * What the timeline charts draw over their data (a uPlot draw hook): the
 * chosen roam's window, roam markers (thinned when thousands are in view),
 * and when zoomed in, each roam's outage split into before and after
 * association; each variant's per-roam limit on the loss chart; a line per
 * lost echo on the ping chart.
 */
import type uPlot from 'uplot';
import { firstMarkerAtOrAfter, lowerBound } from './markers.ts';
import type { ReportView } from './report-view.ts';

/** Which timeline chart is being drawn over. */
export type ChartMode = 'loss' | 'rf' | 'ping';

/** Roam markers, and for roams in view when zoomed in: the outage split into before and after association. */
export function drawRoams(view: ReportView, u: uPlot, mode: ChartMode): void {
  const { min, max } = u.scales.x;
  if (min === undefined || max === undefined) return;
  const { markers, lostS } = view;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const dpr = devicePixelRatio;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  const from = firstMarkerAtOrAfter(markers, min - 60);
  let inView = 0;
  for (let k = from; k < markers.length && markers[k].t <= max + 60; k++) inView++;
  const detailed = inView <= 80;
  const crowded = inView > 400;
  const sel = view.selected;
  if (sel) {
    const a = (sel.tStart ?? sel.tJoin ?? 0) / 1000;
    const b = (sel.tEnd ?? (sel.tJoin ?? sel.tStart ?? 0) + 3000) / 1000;
    const x0 = u.valToPos(a, 'x', true);
    const x1 = u.valToPos(b, 'x', true);
    ctx.fillStyle = 'rgba(0, 90, 200, 0.07)';
    ctx.fillRect(x0, top, Math.max(2 * dpr, x1 - x0), height);
  }
  if (mode === 'loss') {
    // Each variant's per-roam limit.
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.lineWidth = dpr;
    for (const v of view.thisVariants) {
      if (!v.thresholds) continue;
      const y = u.valToPos(v.thresholds.maxLostPerRoam + 0.5, 'y', true);
      ctx.strokeStyle = v.color;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }
  if (mode === 'ping') {
    // Lost echoes: a thin red line at each one's send time, over the whole height.
    const asIs = (t: number): number => t;
    let j = lowerBound(lostS, min, asIs);
    // Thousands in view would paint the chart red: then the dots on top say it.
    const manyLost = lowerBound(lostS, max, asIs) - j > 1500;
    if (manyLost) j = lostS.length;
    ctx.strokeStyle = 'rgba(192, 0, 0, 0.45)';
    ctx.lineWidth = dpr;
    ctx.beginPath();
    for (; j < lostS.length && lostS[j] <= max; j++) {
      const x = Math.round(u.valToPos(lostS[j], 'x', true)) + 0.5;
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
    }
    ctx.stroke();
  }
  for (let k = from; k < markers.length && markers[k].t <= max + 60; k++) {
    const { r, t } = markers[k];
    if (mode === 'loss' && r.valid && r !== sel) continue;
    // Thousands in view: a marker per roam would paint the chart solid; keep the chosen one and the invalid ones.
    if (crowded && r.valid && r !== sel) continue;
    if (detailed && mode !== 'loss' && r.valid && r.tJoin !== null) {
      const leave = (r.tLeave ?? r.tJoin) / 1000;
      const join = r.tJoin / 1000;
      const blackoutEnd = join + (r.after ?? 0) / 1000;
      const xl = u.valToPos(leave, 'x', true);
      const xj = u.valToPos(join, 'x', true);
      const xb = u.valToPos(blackoutEnd, 'x', true);
      ctx.fillStyle = 'rgba(230, 159, 0, 0.28)';
      ctx.fillRect(xl, top, Math.max(1, xj - xl), height);
      ctx.fillStyle = 'rgba(213, 0, 0, 0.16)';
      ctx.fillRect(xj, top, Math.max(0, xb - xj), height);
    }
    const x = u.valToPos(t, 'x', true);
    ctx.strokeStyle = !r.valid ? '#999' : r.over ? '#C00000' : view.colorOf(r.variant);
    ctx.lineWidth = (r === sel ? 2.5 : 1) * dpr;
    ctx.setLineDash(r.valid ? [] : [4 * dpr, 3 * dpr]);
    ctx.globalAlpha = detailed || r === sel ? 0.9 : 0.35;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (detailed && mode === 'rf') {
      ctx.fillStyle = !r.valid ? '#777' : '#222';
      ctx.font = `${11 * dpr}px system-ui, sans-serif`;
      ctx.fillText(`#${r.index}${r.valid ? '' : ' invalid'}`, x + 3 * dpr, top + 12 * dpr);
    }
  }
  ctx.restore();
}
