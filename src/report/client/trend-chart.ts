/**
 * A trend chart (the runs index's and the merged report's): median lost pings per
 * roam, one point per run, one line per series, on a UTC time axis whose range comes
 * from trendRange (an hour either side of a single run or night, never years).
 */
import uPlot from 'uplot';
import { fmt } from './format.ts';
import { trendRange } from './trend-range.ts';

export interface TrendLine {
  label: string;
  color: string;
  /** One value per x (null: no point there). */
  values: (number | null)[];
}

/**
 * Draw into `box`: `x` the runs' start times (epoch seconds, ascending), `xLabel(i)` what
 * the legend says for the run(s) at x[i] when hovered; `onXScale` is told the time axis's
 * span each time uPlot sets it.
 */
export function drawTrend(box: HTMLElement, x: number[], lines: readonly TrendLine[], xLabel: (i: number) => string, onXScale?: (min: number, max: number) => void): uPlot {
  const xRange = trendRange(x);
  return new uPlot(
    {
      width: Math.max(320, box.clientWidth),
      height: 260,
      series: [
        { label: 'run', value: (_u, v, _s, i) => (v === null || i === null ? '–' : xLabel(i)) },
        ...lines.map((sr): uPlot.Series => ({ label: sr.label, stroke: sr.color, width: 2, spanGaps: true, points: { show: true, size: 7, fill: sr.color }, value: (_u, v) => fmt(v, 1) })),
      ],
      // The x range from the runs themselves, fixed: an hour either side of a single run (uPlot's own
      // auto-range for one point spans years), 3% either side of several.
      scales: { x: { time: true, auto: false, range: () => xRange }, y: { range: (_u, _lo, hi) => [0, Math.max(1, (hi ?? 1) * 1.15)] } },
      axes: [
        {
          // Room for a YYYY-MM-DD label between ticks: labels never sit on top of each other.
          space: 110,
          // UTC, 24-hour, like every time in the reports.
          values: (u, splits) => {
            const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
            return splits.map((s) => {
              const iso = new Date(s * 1000).toISOString();
              return span > 3 * 86400 ? iso.slice(0, 10) : span > 3600 ? iso.slice(5, 16).replace('T', ' ') : iso.slice(11, 19);
            });
          },
        },
        { label: 'median lost per roam' },
      ],
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
      hooks: onXScale ? { setScale: [(u, key) => void (key === 'x' && onXScale(u.scales.x.min ?? NaN, u.scales.x.max ?? NaN))] } : {},
    },
    [x, ...lines.map((l) => l.values)] as uPlot.AlignedData,
    box,
  );
}
