/**
 * The run report page (reports/<run>/index.html): the entry point html.ts
 * bundles with uPlot into one inline script. Reads the data block, creates the
 * page's state (report-view.ts) and builds the page from its blocks. No
 * network, no innerHTML: every string from the run is put in as text. When
 * anything fails, the page says so in one line (never a stack trace).
 */
import type { ReportData } from '../data.ts';
import { comparisonBlock } from './comparison.ts';
import { createDetailPanel } from './detail.ts';
import { append, h } from './dom.ts';
import { histogramBlock } from './histogram.ts';
import { readJson } from './page-data.ts';
import { footerBlock, headerBlock } from './page-frame.ts';
import { createReportView } from './report-view.ts';
import { createRoamTable } from './roam-table.ts';
import { metadataBlock } from './run-metadata.ts';
import { summaryBlock } from './summary-table.ts';
import { timelineBlock } from './timeline.ts';
import { verdictBlock } from './verdict.ts';

function main(): void {
  const view = createReportView(readJson<ReportData>('rig-data'));
  const { data } = view;
  const root = document.getElementById('app')!;
  const detail = createDetailPanel(view);
  view.detail = detail;
  const table = createRoamTable(view);
  view.table = table;
  document.title = `${data.verdict.title} · ${data.run.bench} · ${data.run.id} · rig roam report`;
  append(root, [
    headerBlock(data),
    h('main', null, verdictBlock(view), comparisonBlock(data), summaryBlock(view), histogramBlock(view), timelineBlock(view, detail.el), table.el, metadataBlock(view)),
    footerBlock(data),
  ]);
  // Charts draw on the next frame (they need the laid-out width); the page is ready after that.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      document.body.dataset.ready = '1';
    }),
  );
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
