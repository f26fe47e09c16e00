/**
 * The loss histogram block: per variant, the share of valid roams by number
 * of pings lost, as overlaid bars (uPlot), with each variant's per-roam limit
 * as a dashed line. Drawn on the next animation frame, once laid out.
 */
import uPlot from 'uplot';
import { observeWidth, widthOf } from './chart-size.ts';
import { h, section } from './dom.ts';
import type { ReportView } from './report-view.ts';

const HEIGHT = 260;

export function histogramBlock(view: ReportView): HTMLElement {
  const box = h('div', { class: 'chart', id: 'histogram-chart' });
  const el = section('histogram', 'Lost pings per roam: distribution', box, h('p', { class: 'note' }, 'Share of each variant’s valid roams by number of pings lost; dashed lines: each variant’s per-roam limit.'));
  requestAnimationFrame(() => drawHistogram(view, box));
  return el;
}

function drawHistogram(view: ReportView, box: HTMLElement): void {
  const { variantByKey } = view;
  const hist = view.data.histogram;
  const n = hist.series.length;
  const x = hist.x.map((b) => b + (hist.binWidth - 1) / 2);
  const limits = hist.series.map((s) => variantByKey.get(s.variantKey)?.thresholds?.maxLostPerRoam).filter((v): v is number => v !== undefined);
  const xHi = Math.max(x[x.length - 1] ?? 0, ...limits.map((l) => l + 1));
  const pct = hist.series.map((s) => s.counts.map((c) => (s.n ? (100 * c) / s.n : 0)));
  const bars = uPlot.paths.bars!;
  const series: uPlot.Series[] = [
    { label: hist.binWidth > 1 ? 'lost (bin)' : 'lost', value: (_u, v) => (v === null ? '–' : hist.binWidth > 1 ? `${v - (hist.binWidth - 1) / 2}–${v + (hist.binWidth - 1) / 2}` : String(v)) },
  ];
  hist.series.forEach((s, k) => {
    const v = variantByKey.get(s.variantKey)!;
    series.push({
      label: `${v.label} (n=${s.n})`,
      stroke: v.color,
      fill: v.color + (n > 1 ? '99' : 'cc'),
      width: 1,
      paths: bars({ size: [Math.max(0.25, 0.85 - (k * 0.5) / Math.max(1, n - 1)), 80], align: 0 }),
      points: { show: false },
      value: (_u, val, _si, idx) => (val === null || idx === null ? '–' : `${val.toFixed(1)}% (${s.counts[idx]})`),
    });
  });
  const u = new uPlot(
    {
      width: widthOf(box),
      height: HEIGHT,
      scales: { x: { time: false, range: (_u, lo) => [lo - hist.binWidth / 2 - 0.3, xHi + hist.binWidth / 2 + 0.3] }, y: { range: (_u, _lo, hi) => [0, Math.min(100, Math.max(5, hi * 1.1))] } },
      axes: [
        { label: 'pings lost in the roam', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (_u, vals) => vals.map((v) => String(Math.round(v))) },
        { label: '% of valid roams', values: (_u, vals) => vals.map((v) => `${v}%`) },
      ],
      series,
      cursor: { drag: { x: false, y: false } },
      hooks: { draw: [(uu) => drawLimits(view, uu)] },
    },
    [x, ...pct] as uPlot.AlignedData,
    box,
  );
  observeWidth(box, u, HEIGHT);
}

/** Each variant's per-roam limit: a dashed vertical line just past it. */
function drawLimits(view: ReportView, uu: uPlot): void {
  const ctx = uu.ctx;
  ctx.save();
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 1.5 * devicePixelRatio;
  view.data.histogram.series.forEach((s) => {
    const v = view.variantByKey.get(s.variantKey)!;
    if (!v.thresholds) return;
    const px = uu.valToPos(v.thresholds.maxLostPerRoam + 0.5, 'x', true);
    if (px < uu.bbox.left || px > uu.bbox.left + uu.bbox.width) return;
    ctx.strokeStyle = v.color;
    ctx.beginPath();
    ctx.moveTo(px, uu.bbox.top);
    ctx.lineTo(px, uu.bbox.top + uu.bbox.height);
    ctx.stroke();
  });
  ctx.restore();
}
