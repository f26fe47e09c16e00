/**
 * What the three timeline charts plot, as uPlot series and aligned data:
 * lost pings per roam (one series per variant), RF (attenuation per path,
 * signal per AP) and ping (RTT, late replies, lost echoes), plus the time
 * range of the whole run.
 */
import uPlot from 'uplot';
import type { TimelineView } from '../data.ts';
import { clock, fmt } from './format.ts';
import { decodeTimes } from './page-data.ts';
import type { ReportView } from './report-view.ts';

export interface ChartSeries {
  series: uPlot.Series[];
  data: uPlot.AlignedData;
}

export interface TimelineSeries {
  loss: ChartSeries;
  rf: ChartSeries;
  ping: ChartSeries;
  /** The whole run, epoch s, a second either side. */
  full: [number, number];
}

const AP_COLOR: Readonly<Record<string, string>> = { ap1: '#0072B2', ap2: '#E69F00' };
const SIGNAL_COLORS: readonly string[] = ['#0072B2', '#E69F00', '#009E73', '#CC79A7'];

export function timelineSeries(view: ReportView): TimelineSeries {
  const tl = view.data.timeline;
  const attT = decodeTimes(tl.att.t, tl.t0);
  const rttT = decodeTimes(tl.rtt.t, tl.t0);
  return {
    loss: lossSeries(view),
    rf: rfSeries(tl, attT),
    ping: pingSeries(tl, rttT, view.lostS),
    full: fullRange(view, attT, rttT),
  };
}

/** The x series of every timeline chart. */
function boardTime(): uPlot.Series {
  return { label: 'board time (UTC)', value: (_u, v) => (v === null ? '–' : clock(v * 1000)) };
}

/** Lost pings of every valid roam at its join time, one series per variant: at whole-run zoom, the night at a glance. */
function lossSeries(view: ReportView): ChartSeries {
  const { rows, thisVariants } = view;
  const tables: uPlot.AlignedData[] = thisVariants.map((v) => {
    const pts = rows.filter((r) => r.variant === v.name && r.valid && (r.tJoin ?? r.tStart) !== null).map((r) => [(r.tJoin ?? r.tStart)! / 1000, r.lost] as const).sort((a, b) => a[0] - b[0]);
    return [pts.map((p) => p[0]), pts.map((p) => p[1])];
  });
  return {
    series: [
      boardTime(),
      ...thisVariants.map((v): uPlot.Series => ({ label: `${v.name}: lost in the roam`, stroke: v.color, paths: () => null, points: { show: true, size: 6, fill: v.color, stroke: v.color, width: 0 }, value: (_u, val) => fmt(val, 0) })),
    ],
    data: joinOrEmpty(tables, 1 + thisVariants.length),
  };
}

/** Programmed attenuation per path (steps, or lines when thinned to ramp ends) and the signal each AP reported. */
function rfSeries(tl: TimelineView, attT: number[]): ChartSeries {
  const tables: uPlot.AlignedData[] = [[attT, tl.att.ap1, tl.att.ap2]];
  for (const s of tl.signal) tables.push([decodeTimes(s.t, tl.t0), s.dbm]);
  const stepped = tl.att.linear ? uPlot.paths.linear!() : uPlot.paths.stepped!({ align: 1 });
  return {
    series: [
      boardTime(),
      { label: 'attenuation ap1 path, dB', scale: 'dB', stroke: AP_COLOR.ap1, width: 2, paths: stepped, spanGaps: true, points: { show: false }, value: (_u, v) => fmt(v, 1) },
      { label: 'attenuation ap2 path, dB', scale: 'dB', stroke: AP_COLOR.ap2, width: 2, paths: stepped, spanGaps: true, points: { show: false }, value: (_u, v) => fmt(v, 1) },
      ...tl.signal.map(
        (s, k): uPlot.Series => ({
          label: `${s.label}, dBm`,
          scale: 'dBm',
          stroke: AP_COLOR[s.ap] ?? SIGNAL_COLORS[k % SIGNAL_COLORS.length],
          paths: () => null,
          points: { show: true, size: 5, fill: AP_COLOR[s.ap] ?? SIGNAL_COLORS[k % SIGNAL_COLORS.length], stroke: '#fff', width: 1 },
          value: (_u, v) => fmt(v, 0),
        }),
      ),
    ],
    data: joinOrEmpty(tables, 2 + tl.signal.length),
  };
}

/** Reply RTTs, late replies, and lost echoes (a flag at their send time). */
function pingSeries(tl: TimelineView, rttT: number[], lostT: number[]): ChartSeries {
  const lateT = decodeTimes(tl.late.t, tl.t0);
  return {
    series: [
      boardTime(),
      { label: 'reply RTT, ms', scale: 'ms', stroke: '#4a6fa5', paths: () => null, points: { show: true, size: 3, fill: '#4a6fa5', stroke: '#4a6fa5', width: 0 }, value: (_u, v) => fmt(v, 2) },
      { label: 'late reply, ms', scale: 'ms', stroke: '#E69F00', paths: () => null, points: { show: true, size: 7, fill: '#E69F00', stroke: '#7a5200', width: 1 }, value: (_u, v) => fmt(v, 0) },
      { label: 'lost echo', scale: 'flag', stroke: '#C00000', paths: () => null, points: { show: true, size: 8, fill: '#C00000', stroke: '#600', width: 1 }, value: (_u, v) => (v === null ? '–' : 'lost') },
    ],
    data: joinOrEmpty([[rttT, tl.rtt.ms], [lateT, tl.late.ms], [lostT, lostT.map(() => 1)]], 4),
  };
}

/** From the first sample of anything to the last sample or the end of the last roam, a second either side. */
function fullRange(view: ReportView, attT: number[], rttT: number[]): [number, number] {
  const tl = view.data.timeline;
  const lostT = view.lostS;
  const xMin = Math.min(...[attT[0], rttT[0], lostT[0], ...tl.signal.map((s) => (s.t.length ? (tl.t0 + s.t[0]) / 1000 : Infinity))].filter(Number.isFinite));
  const ends = [attT[attT.length - 1], rttT[rttT.length - 1], lostT[lostT.length - 1]].filter(Number.isFinite);
  for (const r of view.rows) if (r.tEnd !== null) ends.push(r.tEnd / 1000);
  const xMax = Math.max(...ends, xMin + 1);
  return [xMin - 1, xMax + 1];
}

/** uPlot.join of the tables, keeping every table's columns even when it is empty. */
function joinOrEmpty(tables: uPlot.AlignedData[], cols: number): uPlot.AlignedData {
  const nonEmpty = tables.filter((t) => t[0].length > 0);
  if (nonEmpty.length === 0) return Array.from({ length: cols }, () => []) as unknown as uPlot.AlignedData;
  // Keep the column layout even when a table is empty: join every table, each contributes its columns.
  const padded = tables.map((t) => (t[0].length ? t : ([[nonEmpty[0][0][0]], ...t.slice(1).map(() => [null])] as unknown as uPlot.AlignedData)));
  return uPlot.join(padded);
}
