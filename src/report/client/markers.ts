/**
 * Roams placed on the time axis (for the timeline's markers and for stepping
 * from roam to roam), and the binary search that finds what is in view.
 */
import type { Row } from './rows.ts';

/** A roam at its marker time: tJoin, else tStart, in epoch seconds. */
export interface RoamMarker {
  r: Row;
  t: number;
}

/** Roams by marker time, those without one left out. */
export function roamMarkers(rows: readonly Row[]): RoamMarker[] {
  return rows
    .map((r) => ({ r, t: (r.tJoin ?? r.tStart ?? NaN) / 1000 }))
    .filter((m) => Number.isFinite(m.t))
    .sort((a, b) => a.t - b.t);
}

/** The first position in `sorted` whose key is at least `x` (its length when none is). */
export function lowerBound<T>(sorted: readonly T[], x: number, key: (item: T) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first marker at or after `t` (epoch s). */
export function firstMarkerAtOrAfter(markers: readonly RoamMarker[], t: number): number {
  return lowerBound(markers, t, (m) => m.t);
}
