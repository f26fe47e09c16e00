/**
 * The timeline's three uPlot charts (lost per roam, RF, ping) on one time
 * axis: x zoom kept in step across them, drag / wheel to zoom, double-click
 * for the whole run, a click on the loss chart picks the nearest roam. Returns
 * the control the rest of the page zooms and redraws it through.
 */
import uPlot from 'uplot';
import { observeWidth, widthOf } from './chart-size.ts';
import { clock, duration } from './format.ts';
import { firstMarkerAtOrAfter } from './markers.ts';
import type { ReportView, TimelineControl } from './report-view.ts';
import { drawRoams, type ChartMode } from './roam-overlay.ts';
import { selectRoam } from './selection.ts';
import { timelineSeries } from './timeline-series.ts';

/** The same axis widths on every chart, so their time axes line up. */
const AXIS_W = 70;
const HEIGHT = { loss: 150, rf: 250, ping: 220 } as const;

export interface TimelineBoxes {
  loss: HTMLElement;
  rf: HTMLElement;
  ping: HTMLElement;
  /** Shows the time range in view. */
  readout: HTMLElement;
}

export function drawTimeline(view: ReportView, boxes: TimelineBoxes): TimelineControl {
  const { markers } = view;
  const { loss: lossBox, rf: rfBox, ping: pingBox, readout } = boxes;
  const s = timelineSeries(view);
  const full = s.full;
  let syncing = false;
  const others = (u: uPlot): uPlot[] => [loss, rf, pg].filter((x) => x && x !== u);
  const onScale = (u: uPlot, key: string): void => {
    if (key !== 'x') return;
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    readout.textContent = `${clock(min * 1000)} – ${clock(max * 1000)} (${duration((max - min) * 1000)})`;
    if (syncing) return;
    syncing = true;
    for (const o of others(u)) o.setScale('x', { min, max });
    syncing = false;
  };
  const common = (height: number, series: uPlot.Series[], axes: uPlot.Axis[], scales: uPlot.Scales, mode: ChartMode): uPlot.Options => ({
    width: widthOf(rfBox),
    height,
    padding: [10, 4, 0, 4],
    series,
    axes,
    scales: { x: { time: true, range: (u, lo, hi) => (u.status === 0 ? full : [lo, hi]) }, ...scales },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    cursor: { sync: { key: 'rig-timeline' }, drag: { x: true, y: false, setScale: true } },
    legend: { live: true },
    hooks: { setScale: [onScale], draw: [(u) => drawRoams(view, u, mode)] },
  });
  const loss = new uPlot(
    common(
      HEIGHT.loss,
      s.loss.series,
      [timeAxis(), { label: 'lost', size: AXIS_W, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { side: 1, size: AXIS_W, label: ' ', grid: { show: false }, ticks: { show: false }, values: () => [] }],
      { y: { range: (_u, _lo, hi) => [-0.5, Math.max(2, hi ?? 0) + 0.8] } },
      'loss',
    ),
    s.loss.data,
    lossBox,
  );
  loss.over.addEventListener('click', () => {
    // A click (not a drag) picks the roam nearest to the pointer.
    if (loss.select.width > 2 || loss.cursor.left === undefined || loss.cursor.left < 0) return;
    const at = loss.posToVal(loss.cursor.left, 'x');
    const k = firstMarkerAtOrAfter(markers, at);
    const cands = [markers[k - 1], markers[k]].filter(Boolean);
    const best = cands.sort((a, b) => Math.abs(a.t - at) - Math.abs(b.t - at))[0];
    if (best) selectRoam(view, best.r, true);
  });
  const rf = new uPlot(
    common(
      HEIGHT.rf,
      s.rf.series,
      [timeAxis(), { scale: 'dB', label: 'attenuation, dB', size: AXIS_W }, { scale: 'dBm', side: 1, label: 'signal, dBm', grid: { show: false }, size: AXIS_W }],
      { dB: { range: (_u, lo, hi) => [Math.min(0, lo), Math.max(10, hi + 2)] }, dBm: { range: (_u, lo, hi) => [Math.min(lo, -90) - 2, Math.max(hi, -20) + 2] } },
      'rf',
    ),
    s.rf.data,
    rfBox,
  );
  const pg = new uPlot(
    common(
      HEIGHT.ping,
      s.ping.series,
      [timeAxis(), { scale: 'ms', label: 'RTT, ms (log)', size: AXIS_W }, { scale: 'flag', side: 1, size: AXIS_W, label: ' ', grid: { show: false }, ticks: { show: false }, values: () => [] }],
      { ms: { distr: 3, log: 10, range: (_u, lo, hi) => [Math.min(0.5, lo || 0.5), Math.max(5000, hi || 1)] }, flag: { range: [0, 1.06] } },
      'ping',
    ),
    s.ping.data,
    pingBox,
  );
  observeWidth(lossBox, loss, HEIGHT.loss);
  observeWidth(rfBox, rf, HEIGHT.rf);
  observeWidth(pingBox, pg, HEIGHT.ping);
  for (const u of [loss, rf, pg]) {
    u.over.addEventListener('dblclick', () => api.reset());
    u.over.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const { min, max } = u.scales.x;
        if (min === undefined || max === undefined) return;
        const at = u.posToVal(e.offsetX, 'x');
        const f = e.deltaY < 0 ? 0.75 : 1 / 0.75;
        const lo = Math.max(full[0], at - (at - min) * f);
        const hi = Math.min(full[1], at + (max - at) * f);
        if (hi - lo > 0.05) api.zoom(lo, hi);
      },
      { passive: false },
    );
  }
  onScale(rf, 'x');
  const api: TimelineControl = {
    zoom(min, max) {
      rf.setScale('x', { min, max });
    },
    reset() {
      rf.setScale('x', { min: full[0], max: full[1] });
    },
    setSelected() {
      loss.redraw(false);
      rf.redraw(false);
      pg.redraw(false);
    },
    range() {
      return [rf.scales.x.min ?? full[0], rf.scales.x.max ?? full[1]];
    },
  };
  return api;
}

/** 24-hour UTC clock; seconds, then milliseconds, as the zoom deepens. */
function timeAxis(): uPlot.Axis {
  return {
    values: (u, splits) => {
      const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
      return splits.map((s) => {
        const iso = new Date(s * 1000).toISOString();
        if (span > 2 * 86400) return iso.slice(5, 16).replace('T', ' ');
        if (span > 600) return iso.slice(11, 16);
        if (span > 20) return iso.slice(11, 19);
        return iso.slice(11, 23);
      });
    },
  };
}
