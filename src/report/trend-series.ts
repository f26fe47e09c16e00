/**
 * The lines of a trend chart (the runs index's and the merged report's): one colour
 * per variant (stock first), and one line per bench and variant, the same hue darker
 * for each further bench: loss on one bench says nothing about another.
 */
import { PALETTE } from './model.ts';

export interface TrendSeries {
  label: string;
  bench: string;
  variant: string;
  color: string;
}

/** Variant names in the order every page lists them: stock first, then by name. */
export function variantOrder(names: Iterable<string>): string[] {
  return [...new Set(names)].sort((a, b) => (a === 'stock' ? -1 : b === 'stock' ? 1 : a.localeCompare(b)));
}

/** One colour per variant name, stable across a page. */
export function variantColors(names: Iterable<string>): [string, string][] {
  return variantOrder(names).map((n, i) => [n, PALETTE[i % PALETTE.length]]);
}

/**
 * One line per bench and variant that some run has. Labelled "variant on bench" when
 * `nameBench` (always on the merged report; on the runs index only when its folder
 * holds several benches), else just the variant.
 */
export function trendSeries(runs: readonly { bench: string; variants: readonly string[] }[], colors: readonly [string, string][], nameBench: boolean): TrendSeries[] {
  const benches = [...new Set(runs.map((r) => r.bench))].sort();
  const series: TrendSeries[] = [];
  for (const bench of benches) {
    for (const [variant, color] of colors) {
      if (!runs.some((r) => r.bench === bench && r.variants.includes(variant))) continue;
      const k = series.filter((x) => x.variant === variant).length;
      series.push({ label: nameBench ? `${variant} on ${bench}` : variant, bench, variant, color: k === 0 ? color : shade(color, k) });
    }
  }
  return series;
}

/** The same hue, darker for each further bench. */
function shade(hex: string, k: number): string {
  const f = Math.max(0.35, 1 - 0.3 * k);
  const c = [1, 3, 5].map((i) => Math.round(parseInt(hex.slice(i, i + 2), 16) * f));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}
