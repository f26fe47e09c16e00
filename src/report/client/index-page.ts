/**
 * reports/index.html: every run, newest first, and the trend of median loss
 * per variant. The entry point html.ts bundles for the index page; reads the
 * data block and builds the page from it.
 */
import type { IndexData } from '../data.ts';
import { append, h, section } from './dom.ts';
import { dateTime, fmt } from './format.ts';
import { readJson } from './page-data.ts';
import { drawTrend } from './trend-chart.ts';

function trend(data: IndexData): HTMLElement {
  const box = h('div', { class: 'chart', id: 'trend-chart' });
  const runs = data.runs.filter((r) => Number.isFinite(Date.parse(r.startedAt))).slice().reverse();

  const el = section(
    'trend',
    'Median lost pings per roam, run by run',
    runs.length ? box : h('p', { class: 'note' }, 'No run with a start time yet.'),
    h('p', { class: 'note' }, 'One point per run and variant (valid roams only); hover for the run.'),
  );
  if (!runs.length) return el;
  requestAnimationFrame(() => {
    const x = runs.map((r) => Date.parse(r.startedAt) / 1000);
    const lines = data.series.map((sr) => ({
      label: sr.label,
      color: sr.color,
      values: runs.map((r) => (r.bench === sr.bench ? (r.variants.find((v) => v.name === sr.variant)?.median ?? null) : null)),
    }));
    drawTrend(box, x, lines, (i) => runs[i].id);
  });
  return el;
}

function runsTable(data: IndexData): HTMLElement {
  const color = new Map(data.colors);
  const colorOf = (v: string): string => color.get(v) ?? '#666';
  const body = h(
    'tbody',
    null,
    data.runs.map((r) =>
      h(
        'tr',
        null,
        h('td', { class: 'l' }, dateTime(r.startedAt)),
        h('td', { class: 'l' }, h('a', { href: r.href }, r.id)),
        h('td', { class: 'l' }, r.bench),
        h('td', { class: `l verdict-cell ${r.verdict}` }, r.verdict),
        h('td', null, r.roams),
        h('td', null, r.invalid),
        h(
          'td',
          { class: 'l' },
          r.variants.map((v) =>
            h('span', { class: 'vmed' }, h('span', { class: 'swatch', style: `background:${colorOf(v.name)}` }), `${v.name} `, h('b', null, fmt(v.median, 1)), ` (max ${fmt(v.max, 0)})`, v.failures ? h('span', { class: 'badc' }, ' ✗') : '', '  '),
          ),
        ),
        h('td', { class: 'l small' }, r.problem ?? ''),
      ),
    ),
  );
  return section(
    'runs',
    `Runs (${data.runs.length}), newest first`,
    h(
      'table',
      { class: 'grid runs', id: 'runs-table' },
      h('thead', null, h('tr', null, ['started', 'run', 'bench', 'verdict', 'roams', 'invalid', 'median lost per roam by variant', ''].map((t, i) => h('th', { class: i === 4 || i === 5 ? '' : 'l' }, t)))),
      body,
    ),
  );
}

function main(): void {
  const data = readJson<IndexData>('rig-data');
  append(document.getElementById('app')!, [
    h('header', { class: 'top' }, h('div', { class: 'brand' }, 'rig · roam reports'), h('h1', null, 'All runs'), h('div', { class: 'sub' }, `${data.runs.length} run(s) in this folder`)),
    h('main', null, trend(data), runsTable(data)),
    h('footer', null, `${data.generator} · rebuilt after every run and by rig report`),
  ]);
  requestAnimationFrame(() => requestAnimationFrame(() => (document.body.dataset.ready = '1')));
}

main();
