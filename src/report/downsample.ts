/**
 * Indices of the points to keep so a series of `t.length` points fits
 * `budget`: every point marked in `keep` (roam windows, where the detail is),
 * plus, for the rest, the minimum and the maximum of each time bucket (so
 * spikes and plateaus survive at any zoom level, only their shape inside a
 * bucket is lost). `t` must be sorted; points whose y is NaN are left out.
 * Returns every (non-NaN) index when the series fits.
 */
export function minMaxIndices(t: ArrayLike<number>, y: ArrayLike<number>, budget: number, keep?: Uint8Array): number[] {
  const n = t.length;
  if (n <= budget) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (y[i] === y[i]) all.push(i);
    return all;
  }
  let kept = 0;
  if (keep) for (let i = 0; i < n; i++) kept += keep[i];
  const rest = Math.max(Math.floor(budget / 4), budget - kept);
  const buckets = Math.max(1, Math.floor(rest / 2));
  const t0 = t[0];
  const span = t[n - 1] - t0 || 1;
  const out: number[] = [];
  let b = -1;
  let iMin = -1;
  let iMax = -1;
  const flush = (): void => {
    if (iMin < 0) return;
    if (iMin === iMax) out.push(iMin);
    else if (iMin < iMax) out.push(iMin, iMax);
    else out.push(iMax, iMin);
  };
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (v !== v) continue; // NaN: no value to draw
    if (keep && keep[i]) {
      out.push(i);
      continue;
    }
    const bi = Math.min(buckets - 1, Math.floor(((t[i] - t0) / span) * buckets));
    if (bi !== b) {
      flush();
      b = bi;
      iMin = iMax = i;
      continue;
    }
    if (v < y[iMin]) iMin = i;
    if (v > y[iMax]) iMax = i;
  }
  flush();
  out.sort((a, c) => a - c);
  return out;
}

/** Delta-encode sorted ms times (relative to t0) as integers. */
export function deltaEncode(times: ArrayLike<number>, t0: number): number[] {
  const out = new Array<number>(times.length);
  let prev = 0;
  for (let i = 0; i < times.length; i++) {
    const abs = Math.round(times[i] - t0);
    out[i] = abs - prev;
    prev = abs;
  }
  return out;
}

/** Inverse of deltaEncode (the page does the same). */
export function deltaDecode(deltas: ArrayLike<number>): number[] {
  const out = new Array<number>(deltas.length);
  let acc = 0;
  for (let i = 0; i < deltas.length; i++) out[i] = acc += deltas[i];
  return out;
}
