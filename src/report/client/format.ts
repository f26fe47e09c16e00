/**
 * Numbers, times and durations as the pages show them: en-US digits, UTC
 * clock times, '–' for anything unknown.
 */

/** A number for a table: '–' when unknown. */
export function fmt(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bench time (epoch ms) as UTC clock time with ms. */
export function clock(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().slice(11, 23);
}

/** An ISO timestamp as "2026-11-26 08:53:35 UTC". */
export function dateTime(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso || '–';
  return new Date(t).toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
}

/** A length of time in words: "42 s", "7 min 3 s", "5 h 12 min". */
export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** With its sign, a typographic minus: "+0.30", "−4.95". */
export function signed(x: number, d: number): string {
  const s = fmt(Math.abs(x), d);
  if (s === fmt(0, d)) return s;
  return `${x > 0 ? '+' : '−'}${s}`;
}

/** A figure with its resolution: `847 ± 100`; the bare figure when the resolution is unknown (older runs) or 0. */
export function withResolution(x: number | null, res: number | null): string {
  if (x === null) return fmt(x);
  return res ? `${fmt(x)} ± ${fmt(res)}` : fmt(x);
}
