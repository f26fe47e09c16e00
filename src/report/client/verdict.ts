/** The verdict block: passed / failed / incomplete in words, one line per variant, the thresholds that failed. */
import { h } from './dom.ts';
import type { ReportView } from './report-view.ts';

export function verdictBlock(view: ReportView): HTMLElement {
  const v = view.data.verdict;
  const cls = v.status === 'passed' ? 'pass' : v.status === 'failed' || v.status === 'bench-failure' ? 'fail' : 'warn';
  const what =
    v.status === 'passed'
      ? 'every variant within its thresholds'
      : v.status === 'failed'
        ? 'a threshold failed'
        : v.status === 'bench-failure'
          ? 'the bench failed: the figures below are incomplete'
          : v.status === 'interrupted'
            ? 'the run was interrupted: the figures cover the roams done'
            : v.status === 'incomplete'
              ? 'the run did not finish (no summary.json): figures from the roams recorded'
              : '';
  return h(
    'div',
    { id: 'verdict', class: `verdict ${cls}`, 'data-status': v.status },
    h('div', { class: 'verdict-title' }, v.title, what ? h('span', { class: 'verdict-what' }, ` — ${what}`) : null),
    view.data.run.benchFailure ? h('div', { class: 'verdict-fail' }, `bench failure: ${view.data.run.benchFailure}`) : null,
    h(
      'ul',
      { class: 'verdict-lines' },
      v.lines.map((l) =>
        h(
          'li',
          { class: l.passed === false ? 'bad' : l.passed ? 'good' : '' },
          h('span', { class: 'swatch', style: `background:${view.colorOf(l.variant)}` }),
          h('b', null, l.variant),
          `: ${l.text}`,
          l.passed === null ? ' (no thresholds recorded)' : '',
        ),
      ),
    ),
    v.failures.length
      ? h('ul', { class: 'verdict-failures' }, v.failures.map((f) => h('li', null, h('b', null, f.variant), `: ${f.text}`)))
      : null,
  );
}
