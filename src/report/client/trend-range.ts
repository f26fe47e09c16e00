/**
 * The time range of the runs index's trend chart (epoch seconds): an hour either side of
 * a single run (or of runs started within a minute of each other), 3% either side of
 * several. Fixed, never uPlot's auto-range, which spans years for a single point.
 */
export function trendRange(startsS: number[]): [number, number] {
  const lo = Math.min(...startsS);
  const hi = Math.max(...startsS);
  return hi - lo < 60 ? [lo - 3600, hi + 3600] : [lo - (hi - lo) * 0.03, hi + (hi - lo) * 0.03];
}
