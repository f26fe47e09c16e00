/** The A/B comparison block: per comparison, the headline statement and a table of mean differences with CI and Mann-Whitney p. */
import type { ComparisonView, ReportData } from '../data.ts';
import { h, section } from './dom.ts';
import { fmt, signed } from './format.ts';

const metricName: Readonly<Record<string, string>> = { lost: 'lost per roam', outageMs: 'outage, ms', afterAssociationMs: 'after association, ms' };
const digits: Readonly<Record<string, number>> = { lost: 1, outageMs: 0, afterAssociationMs: 0 }; // as the statement in words writes them

/** Null when the run has nothing to compare. */
export function comparisonBlock(data: ReportData): HTMLElement | null {
  if (data.comparisons.length === 0) return null;
  return section(
    'ab',
    'A/B comparison',
    data.comparisons.map(comparisonCard),
    h('p', { class: 'note' }, 'Differences are B − A of the means, with a Welch 95% confidence interval; significance is the two-sided Mann-Whitney U test (p < 0.05), which does not assume normally distributed losses. Only valid roams count.'),
  );
}

function comparisonCard(c: ComparisonView): HTMLElement {
  return h(
    'div',
    { class: 'ab' },
    h('div', { class: 'ab-scope' }, c.scope),
    h('p', { class: `ab-statement ${c.headline.outcome ?? ''}` }, c.headline.statement),
    h(
      'table',
      { class: 'grid ab-table' },
      h('thead', null, h('tr', null, h('th', null, 'metric'), h('th', null, `${c.headline.a} mean`), h('th', null, `${c.headline.b} mean`), h('th', null, 'difference, 95% CI'), h('th', null, 'Mann-Whitney'), h('th', null, 'valid roams'), h('th', { class: 'l' }, 'in words'))),
      h(
        'tbody',
        null,
        c.metrics.map((m) =>
          h(
            'tr',
            null,
            h('td', { class: 'l' }, metricName[m.metric]),
            h('td', null, fmt(m.meanA, digits[m.metric])),
            h('td', null, fmt(m.meanB, digits[m.metric])),
            h('td', null, m.ci ? `${signed(m.ci.diff, digits[m.metric])} (${signed(m.ci.low, digits[m.metric])} to ${signed(m.ci.high, digits[m.metric])})` : '–'),
            h('td', null, m.test ? (m.test.p < 0.001 ? 'p < 0.001' : `p = ${m.test.p.toPrecision(2)}`) : '–'),
            h('td', null, `${m.nA} / ${m.nB}`),
            h('td', { class: `l small ${m.outcome ?? ''}` }, m.statement),
          ),
        ),
      ),
    ),
  );
}
