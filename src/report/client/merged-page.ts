/**
 * The merged report (rig report merge): several benches and nights on one page.
 * The entry point html.ts bundles for the 'merged' page kind: the trend per bench
 * and variant (the runs index's chart), the table of runs by bench and night, and
 * every run's problems. No network, no innerHTML; a failure is said in one line.
 */
import type { MergedData } from '../merge-data.ts';
import { append, h, section } from './dom.ts';
import { mergedTable } from './merged-table.ts';
import { readJson } from './page-data.ts';
import { drawTrend } from './trend-chart.ts';

/** Median lost pings per roam over the nights: one point per run, one line per bench and variant. */
function trend(data: MergedData): HTMLElement {
  const box = h('div', { class: 'chart', id: 'trend-chart', 'data-series': data.series.length });
  // The runs with a start time and a figure to draw, in time order; x in epoch seconds, strictly increasing (a run starting the same ms as another moves by 1 ms).
  const runs = data.runs
    .map((r, k) => ({ r, k, t: Date.parse(r.startedAt) }))
    .filter((x) => Number.isFinite(x.t) && data.rows.some((row) => row.run === x.k && row.lostMedian.value !== null))
    .sort((a, b) => a.t - b.t || a.k - b.k);
  const x: number[] = [];
  for (const { t } of runs) x.push(Math.max(t / 1000, x.length ? x[x.length - 1] + 0.001 : -Infinity));
  const undated = data.runs.length - runs.length;
  const el = section(
    'trend',
    'Median lost pings per roam, night by night, per bench and variant',
    runs.length ? box : h('p', { class: 'note' }, 'No run with a start time and a median loss: nothing to draw.'),
    h(
      'p',
      { class: 'note' },
      'One point per run (valid roams only), one line per bench and variant; hover for the run.',
      undated ? ` ${undated} run(s) without a start time or without a median loss are in the table only.` : '',
    ),
  );
  if (!runs.length) return el;
  requestAnimationFrame(() => {
    const lines = data.series.map((sr) => ({
      label: sr.label,
      color: sr.color,
      values: runs.map(({ k }) => {
        if (data.runs[k].bench !== sr.bench) return null;
        return data.rows.find((row) => row.run === k && row.variant === sr.variant)?.lostMedian.value ?? null;
      }),
    }));
    // The time axis's span, for a reader (and a test) to check: never years for a single night.
    drawTrend(box, x, lines, (i) => `${runs[i].r.id} (${runs[i].r.night ?? '?'})`, (min, max) => {
      box.dataset.xMin = String(min);
      box.dataset.xMax = String(max);
    });
  });
  return el;
}

function problemsBlock(data: MergedData): HTMLElement {
  const withProblems = data.runs.filter((r) => r.problems.length || r.alsoAt.length);
  return section(
    'problems',
    'Problems in the runs’ files',
    withProblems.length
      ? h(
          'ul',
          { class: 'problem-runs' },
          withProblems.map((r) =>
            h(
              'li',
              { 'data-run': r.id },
              h('b', null, r.id),
              ` (${r.bench}, ${r.night ?? 'no start time'}; ${r.path})`,
              h(
                'ul',
                null,
                r.problems.map((p) => h('li', { class: 'reason' }, p)),
                r.alsoAt.map((p) => h('li', { class: 'small' }, `also given at ${p}: counted once`)),
              ),
            ),
          ),
        )
      : h('p', { class: 'note' }, 'None: every run’s records read cleanly.'),
  );
}

function main(): void {
  const data = readJson<MergedData>('rig-data');
  const colors = new Map(data.colors);
  const colorOf = (v: string): string => colors.get(v) ?? '#666';
  const nights = data.nights.length ? (data.nights.length === 1 ? data.nights[0] : `${data.nights[0]} to ${data.nights[data.nights.length - 1]}`) : 'no dated run';
  append(document.getElementById('app')!, [
    h(
      'header',
      { class: 'top' },
      h('div', { class: 'brand' }, 'rig · merged roam report'),
      h('h1', null, `${data.benches.length} bench${data.benches.length === 1 ? '' : 'es'}, ${data.nights.length} night${data.nights.length === 1 ? '' : 's'}`),
      h('div', { class: 'sub' }, `${data.benches.join(', ')} · ${nights} (UTC) · ${data.runs.length} run(s)`),
    ),
    h('main', null, trend(data), mergedTable(data, colorOf), problemsBlock(data)),
    h('footer', null, `${data.generator} · built by rig report merge from each run's summary.json and roams.jsonl · merged.json beside this page holds the same data · each run's link opens its own report`),
  ]);
  requestAnimationFrame(() => requestAnimationFrame(() => (document.body.dataset.ready = '1')));
}

function fatal(message: string): void {
  document.body.prepend(h('pre', { class: 'fatal', id: 'fatal' }, `The report could not be drawn: ${message}`));
  document.body.dataset.error = '1';
}

window.addEventListener('error', (e) => fatal(e.message));
try {
  main();
} catch (e) {
  fatal((e as Error).message);
}
