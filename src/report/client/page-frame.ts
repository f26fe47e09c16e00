/** The run report's header (bench, run id, start) and footer (generator, the files it was built from). */
import type { ReportData } from '../data.ts';
import { h } from './dom.ts';
import { dateTime } from './format.ts';

export function headerBlock(data: ReportData): HTMLElement {
  const r = data.run;
  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand' }, 'rig · roam report'),
    h('h1', null, 'Bench ', h('span', { id: 'bench-name' }, r.bench)),
    h('div', { class: 'sub' }, `run ${r.id} · ${dateTime(r.startedAt)}`),
  );
}

export function footerBlock(data: ReportData): HTMLElement {
  return h(
    'footer',
    null,
    `${data.generator} · built from summary.json, roams.jsonl, timeline.jsonl, ping.log and events.log in this folder (rig report ${data.run.id} rebuilds it) · `,
    'also here: roams.csv, junit.xml',
  );
}
