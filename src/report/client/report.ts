/**
 * The run report page (reports/<run>/index.html). Bundled with uPlot into one
 * inline script by html.ts; reads the data block and builds the page. No
 * network, no innerHTML: every string from the run is put in as text.
 */
import uPlot from 'uplot';
import type { ComparisonView, ReportData, StatsRow, VariantView } from '../data.ts';
import { append, clear, clock, dateTime, decodeTimes, duration, fmt, h, readJson, section, type Child } from './dom.ts';

interface Row {
  i: number;
  index: number;
  variant: string;
  direction: string;
  from: string;
  to: string | null;
  tStart: number | null;
  tLeave: number | null;
  tJoin: number | null;
  tEnd: number | null;
  att1: number | null;
  att2: number | null;
  sigBefore: number | null;
  sigAfter: number | null;
  lost: number;
  lostSeqs: string;
  late: number;
  lateSeqs: string;
  outage: number | null;
  before: number | null;
  after: number | null;
  seqFrom: number;
  seqTo: number;
  src: string;
  valid: boolean;
  reason: string | null;
  over: boolean;
  search: string;
}

const D = readJson<ReportData>('rig-data');
const t0 = D.timeline.t0;
const variantByKey = new Map(D.variants.map((v) => [v.key, v]));
const thisVariants = D.variants.filter((v) => v.run === 'this');
const colorOf = (name: string): string => thisVariants.find((v) => v.name === name)?.color ?? '#666';
const abs = (rel: number | null): number | null => (rel === null ? null : t0 + rel);

const rows: Row[] = buildRows(D);

function buildRows(d: ReportData): Row[] {
  const c = d.roams;
  const s = (i: number): string | null => (i < 0 ? null : d.strings[i]);
  const out: Row[] = [];
  for (let i = 0; i < c.n; i++) {
    const r: Row = {
      i,
      index: c.index[i],
      variant: s(c.variant[i]) ?? '',
      direction: s(c.direction[i]) ?? '',
      from: s(c.from[i]) ?? '',
      to: s(c.to[i]),
      tStart: abs(c.tStart[i]),
      tLeave: abs(c.tLeave[i]),
      tJoin: abs(c.tJoin[i]),
      tEnd: abs(c.tEnd[i]),
      att1: c.att1[i],
      att2: c.att2[i],
      sigBefore: c.sigBefore[i],
      sigAfter: c.sigAfter[i],
      lost: c.lost[i],
      lostSeqs: c.lostSeqs[i],
      late: c.late[i],
      lateSeqs: c.lateSeqs[i],
      outage: c.outage[i],
      before: c.before[i],
      after: c.after[i],
      seqFrom: c.seqFrom[i],
      seqTo: c.seqTo[i],
      src: s(c.src[i]) ?? '',
      valid: c.valid[i] === 1,
      reason: s(c.reason[i]),
      over: c.over[i] === 1,
      search: '',
    };
    r.search = [r.index, r.variant, r.direction, r.from, r.to ?? '', r.reason ?? '', r.lostSeqs].join(' ').toLowerCase();
    out.push(r);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Header, verdict, comparison, metadata, summary
// ---------------------------------------------------------------------------

function header(): HTMLElement {
  const r = D.run;
  return h(
    'header',
    { class: 'top' },
    h('div', { class: 'brand' }, 'rig · roam report'),
    h('h1', null, 'Bench ', h('span', { id: 'bench-name' }, r.bench)),
    h('div', { class: 'sub' }, `run ${r.id} · ${dateTime(r.startedAt)}`),
  );
}

function verdictBlock(): HTMLElement {
  const v = D.verdict;
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
    D.run.benchFailure ? h('div', { class: 'verdict-fail' }, `bench failure: ${D.run.benchFailure}`) : null,
    h(
      'ul',
      { class: 'verdict-lines' },
      v.lines.map((l) =>
        h(
          'li',
          { class: l.passed === false ? 'bad' : l.passed ? 'good' : '' },
          h('span', { class: 'swatch', style: `background:${colorOf(l.variant)}` }),
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

function comparisonBlock(): HTMLElement | null {
  if (D.comparisons.length === 0) return null;
  const metricName: Record<string, string> = { lost: 'lost per roam', outageMs: 'outage, ms', afterAssociationMs: 'after association, ms' };
  const digits: Record<string, number> = { lost: 2, outageMs: 0, afterAssociationMs: 0 };
  return section(
    'ab',
    'A/B comparison',
    D.comparisons.map((c: ComparisonView) =>
      h(
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
      ),
    ),
    h('p', { class: 'note' }, 'Differences are B − A of the means, with a Welch 95% confidence interval; significance is the two-sided Mann-Whitney U test (p < 0.05), which does not assume normally distributed losses. Only valid roams count.'),
  );
}

/** With its sign, a typographic minus: "+0.30", "−4.95". */
function signed(x: number, d: number): string {
  const s = fmt(Math.abs(x), d);
  if (s === fmt(0, d)) return s;
  return `${x > 0 ? '+' : '−'}${s}`;
}

function metadataBlock(): HTMLElement {
  const r = D.run;
  const items: [string, Child][] = [
    ['bench', r.bench],
    ['run', r.id],
    ...(r.essid !== null ? ([['SSID', r.essid]] as [string, Child][]) : []),
    ['started', dateTime(r.startedAt)],
    ['ended', r.endedAt ? `${dateTime(r.endedAt)} (${duration(Date.parse(r.endedAt) - Date.parse(r.startedAt))})` : '–'],
    ['variants', thisVariants.map((v) => `${v.name} (${v.roams} roams)`).join(', ') || '–'],
    ['roams', `${r.roams} (${r.valid} valid, ${r.invalid} invalid)`],
    ['rig version', r.rigVersion || '–'],
    ['inventory', r.inventory || '–'],
    ['inventory sha256', h('code', null, r.inventoryDigest || '–')],
    ['bench kind', r.virtual ? `virtual rig, time scale ${r.timeScale}× (times are model time)` : 'hardware bench'],
    ['ping', r.ping ? `${r.ping.command} · ${r.ping.version} · times from ${r.ping.timestampSource === 'ping' ? "the ping's own -D stamps" : 'arrival at the rig (no -D on this ping)'}` : '–'],
    ['attenuators', r.attenuators.length ? h('ul', { class: 'plain' }, r.attenuators.map(([n, d]) => h('li', null, h('b', null, n), ` ${d}`))) : '–'],
  ];
  if (r.devices) {
    items.push([
      'firmware',
      h(
        'ul',
        { class: 'plain', id: 'devices' },
        r.devices.map((d) => h('li', null, h('b', null, d.name), d.variant ? ` [${d.variant}]` : '', ' ', h('code', { class: 'banner' }, d.banner ?? '–'))),
      ),
    ]);
  }
  items.push(['lost outside roams', r.lostOutsideCycles.length ? `${r.lostOutsideCycles.length} (seq ${r.lostOutsideCycles.slice(0, 30).join(' ')}${r.lostOutsideCycles.length > 30 ? ' …' : ''})` : 'none']);
  if (r.pingErrors.count) {
    items.push([
      'ping stderr',
      h('div', null, `${r.pingErrors.count} line(s)`, h('ul', { class: 'plain small' }, r.pingErrors.first.slice(0, 5).map((e) => h('li', null, `${clock(e.t)} `, h('code', null, e.text))))),
    ]);
  }
  if (r.compareWith) items.push(['compared with', `run ${r.compareWith.id} (bench ${r.compareWith.bench}, ${dateTime(r.compareWith.startedAt)})`]);
  const problems = [...r.problems.map((p) => `bench: ${p}`), ...r.warnings.map((w) => `files: ${w}`)];
  return section(
    'meta',
    'Run',
    h('dl', { class: 'meta' }, items.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    problems.length ? h('div', { class: 'problems' }, h('b', null, 'Problems noted'), h('ul', null, problems.map((p) => h('li', null, p)))) : null,
  );
}

function summaryBlock(): HTMLElement {
  const dist = (d: { median: number | null; mean: number | null; p95: number | null; max: number | null }, digits: number): HTMLElement[] => [
    h('td', null, fmt(d.mean, digits === 0 ? 0 : 2)),
    h('td', null, fmt(d.median, digits)),
    h('td', null, fmt(d.p95, digits)),
    h('td', { class: 'sep' }, fmt(d.max, digits)),
  ];
  const row = (s: StatsRow): HTMLElement => {
    const v = variantByKey.get(s.variantKey) as VariantView;
    const th = v.thresholds;
    const medBad = th !== null && s.direction === 'all' && s.lost.median !== null && s.lost.median > th.maxMedianLostPerRoam;
    return h(
      'tr',
      { class: s.direction === 'all' ? 'total' : 'dir' },
      h('td', { class: 'l' }, s.direction === 'all' ? [h('span', { class: 'swatch', style: `background:${v.color}` }), h('b', null, v.label)] : ''),
      h('td', { class: 'l' }, s.direction === 'all' ? 'both' : s.direction),
      h('td', null, s.roams),
      h('td', null, s.valid),
      h('td', { class: s.invalid ? 'warnc sep' : 'sep' }, s.invalid),
      h('td', null, fmt(s.lost.mean, 2)),
      h('td', { class: medBad ? 'badc' : '' }, fmt(s.lost.median, 1)),
      h('td', null, fmt(s.lost.p95, 1)),
      h('td', { class: th && s.lost.max !== null && s.lost.max > th.maxLostPerRoam ? 'badc sep' : 'sep' }, fmt(s.lost.max, 0)),
      ...dist(s.outageMs, 0),
      ...dist(s.afterAssociationMs, 0),
      h('td', { class: 'l small' }, th ? `median ≤ ${th.maxMedianLostPerRoam}, each ≤ ${th.maxLostPerRoam}${s.overThreshold ? ` · ${s.overThreshold} over` : ''}` : '–'),
    );
  };
  const reasons = thisVariants.filter((v) => v.invalidReasons.length);
  return section(
    'summary',
    'Loss per roam',
    h(
      'table',
      { class: 'grid', id: 'summary-table' },
      h(
        'thead',
        null,
        h('tr', null, h('th', { colspan: 2 }, ''), h('th', { colspan: 3, class: 'sep' }, 'roams'), h('th', { colspan: 4, class: 'sep' }, 'lost pings per roam'), h('th', { colspan: 4, class: 'sep' }, 'outage, ms'), h('th', { colspan: 4, class: 'sep' }, 'blackout after association, ms'), h('th', null, '')),
        h('tr', null, ['variant', 'direction', 'all', 'valid', 'invalid', 'mean', 'median', 'p95', 'max', 'mean', 'median', 'p95', 'max', 'mean', 'median', 'p95', 'max', 'thresholds'].map((t, i) => h('th', { class: i < 2 || i === 17 ? 'l' : [4, 8, 12, 16].includes(i) ? 'sep' : '' }, t))),
      ),
      h('tbody', null, D.stats.map(row)),
    ),
    reasons.length
      ? h('div', { class: 'reasons' }, h('b', null, 'Invalid roams by reason'), h('ul', null, reasons.flatMap((v) => v.invalidReasons.map(([why, n]) => h('li', null, `${v.label}: ${n} × `, h('span', { class: 'reason' }, why))))))
      : null,
    h('p', { class: 'note' }, 'Outage: last reply before the gap to the first reply after it. Blackout after association: the part of the outage after the client associated to the new AP (data path still dead: ticket 1404). Invalid roams (not measurable) are left out of every figure and listed with their reason.'),
  );
}

// ---------------------------------------------------------------------------
// Charts (uPlot)
// ---------------------------------------------------------------------------

const charts: uPlot[] = [];

function widthOf(el: HTMLElement): number {
  return Math.max(320, Math.floor(el.clientWidth || document.body.clientWidth - 64));
}

function histogramBlock(): HTMLElement {
  const box = h('div', { class: 'chart', id: 'histogram-chart' });
  const el = section('histogram', 'Lost pings per roam: distribution', box, h('p', { class: 'note' }, 'Share of each variant’s valid roams by number of pings lost; dashed lines: each variant’s per-roam limit.'));
  requestAnimationFrame(() => drawHistogram(box));
  return el;
}

function drawHistogram(box: HTMLElement): void {
  const hist = D.histogram;
  const n = hist.series.length;
  const x = hist.x.map((b) => b + (hist.binWidth - 1) / 2);
  const limits = hist.series.map((s) => variantByKey.get(s.variantKey)?.thresholds?.maxLostPerRoam).filter((v): v is number => v !== undefined);
  const xHi = Math.max(x[x.length - 1] ?? 0, ...limits.map((l) => l + 1));
  const pct = hist.series.map((s) => s.counts.map((c) => (s.n ? (100 * c) / s.n : 0)));
  const bars = uPlot.paths.bars!;
  const series: uPlot.Series[] = [
    { label: hist.binWidth > 1 ? 'lost (bin)' : 'lost', value: (_u, v) => (v === null ? '–' : hist.binWidth > 1 ? `${v - (hist.binWidth - 1) / 2}–${v + (hist.binWidth - 1) / 2}` : String(v)) },
  ];
  hist.series.forEach((s, k) => {
    const v = variantByKey.get(s.variantKey)!;
    series.push({
      label: `${v.label} (n=${s.n})`,
      stroke: v.color,
      fill: v.color + (n > 1 ? '99' : 'cc'),
      width: 1,
      paths: bars({ size: [Math.max(0.25, 0.85 - (k * 0.5) / Math.max(1, n - 1)), 80], align: 0 }),
      points: { show: false },
      value: (_u, val, _si, idx) => (val === null || idx === null ? '–' : `${val.toFixed(1)}% (${s.counts[idx]})`),
    });
  });
  const u = new uPlot(
    {
      width: widthOf(box),
      height: 260,
      scales: { x: { time: false, range: (_u, lo) => [lo - hist.binWidth / 2 - 0.3, xHi + hist.binWidth / 2 + 0.3] }, y: { range: (_u, _lo, hi) => [0, Math.min(100, Math.max(5, hi * 1.1))] } },
      axes: [
        { label: 'pings lost in the roam', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (_u, vals) => vals.map((v) => String(Math.round(v))) },
        { label: '% of valid roams', values: (_u, vals) => vals.map((v) => `${v}%`) },
      ],
      series,
      cursor: { drag: { x: false, y: false } },
      hooks: {
        draw: [
          (uu) => {
            const ctx = uu.ctx;
            ctx.save();
            ctx.setLineDash([6, 4]);
            ctx.lineWidth = 1.5 * devicePixelRatio;
            hist.series.forEach((s) => {
              const v = variantByKey.get(s.variantKey)!;
              if (!v.thresholds) return;
              const px = uu.valToPos(v.thresholds.maxLostPerRoam + 0.5, 'x', true);
              if (px < uu.bbox.left || px > uu.bbox.left + uu.bbox.width) return;
              ctx.strokeStyle = v.color;
              ctx.beginPath();
              ctx.moveTo(px, uu.bbox.top);
              ctx.lineTo(px, uu.bbox.top + uu.bbox.height);
              ctx.stroke();
            });
            ctx.restore();
          },
        ],
      },
    },
    [x, ...pct] as uPlot.AlignedData,
    box,
  );
  charts.push(u);
  observeWidth(box, u, 260);
}

function observeWidth(box: HTMLElement, u: uPlot, height: number): void {
  if (typeof ResizeObserver === 'undefined') return;
  let last = box.clientWidth;
  new ResizeObserver(() => {
    if (box.clientWidth !== last && box.clientWidth > 0) {
      last = box.clientWidth;
      u.setSize({ width: widthOf(box), height });
    }
  }).observe(box);
}

// --- timeline --------------------------------------------------------------

interface Timeline {
  zoom(min: number, max: number): void;
  reset(): void;
  setSelected(r: Row | null): void;
  range(): [number, number];
}

let timeline: Timeline | null = null;
let selected: Row | null = null;
/** Roams by marker time (tJoin, else tStart), for drawing only what is in view. */
const markers = rows
  .map((r) => ({ r, t: (r.tJoin ?? r.tStart ?? NaN) / 1000 }))
  .filter((m) => Number.isFinite(m.t))
  .sort((a, b) => a.t - b.t);

/** Lost echoes' send times, epoch s, sorted. */
const lostS = decodeTimes(D.timeline.lost.t, t0);

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstMarkerAtOrAfter(t: number): number {
  let lo = 0;
  let hi = markers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (markers[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function timelineBlock(): HTMLElement {
  const lossBox = h('div', { class: 'chart', id: 'timeline-loss' });
  const rf = h('div', { class: 'chart', id: 'timeline-rf' });
  const pg = h('div', { class: 'chart', id: 'timeline-ping' });
  const readout = h('span', { class: 'readout', id: 'timeline-range' });
  const detail = h('div', { id: 'roam-detail', class: 'detail empty' }, 'Choose a roam in the table below (or ‹ ›) to see its window here.');
  const tl = D.timeline;
  const el = section(
    'timeline',
    'Timeline',
    h(
      'div',
      { class: 'toolbar' },
      h('button', { type: 'button', id: 'tl-all', onclick: () => timeline?.reset() }, 'Whole run'),
      h('button', { type: 'button', id: 'tl-prev', title: 'previous roam', onclick: () => stepRoam(-1) }, '‹ roam'),
      h('button', { type: 'button', id: 'tl-next', title: 'next roam', onclick: () => stepRoam(1) }, 'roam ›'),
      h('button', { type: 'button', id: 'tl-worst', title: 'the valid roam that lost most', onclick: () => worstRoam() }, 'worst roam'),
      readout,
      h('span', { class: 'hint' }, 'drag to zoom · wheel to zoom · double-click: whole run'),
    ),
    lossBox,
    rf,
    pg,
    detail,
    tl.notes.length ? h('ul', { class: 'note notes' }, tl.notes.map((n) => h('li', null, n))) : null,
  );
  requestAnimationFrame(() => {
    timeline = drawTimeline(lossBox, rf, pg, readout);
    const m = /roam=(\d+)/.exec(location.hash);
    if (m) {
      const r = rows.find((x) => x.index === Number(m[1]));
      if (r) selectRoam(r, false);
    }
  });
  return el;
}

const AXIS_W = 70;

function drawTimeline(lossBox: HTMLElement, rfBox: HTMLElement, pingBox: HTMLElement, readout: HTMLElement): Timeline {
  const tl = D.timeline;
  const attT = decodeTimes(tl.att.t, t0);
  const tables: uPlot.AlignedData[] = [[attT, tl.att.ap1, tl.att.ap2]];
  for (const s of tl.signal) tables.push([decodeTimes(s.t, t0), s.dbm]);
  const rfData = joinOrEmpty(tables, 2 + tl.signal.length);
  const apColor: Record<string, string> = { ap1: '#0072B2', ap2: '#E69F00' };
  const stepped = tl.att.linear ? uPlot.paths.linear!() : uPlot.paths.stepped!({ align: 1 });
  const sigColors = ['#0072B2', '#E69F00', '#009E73', '#CC79A7'];
  const rfSeries: uPlot.Series[] = [
    { label: 'board time (UTC)', value: (_u, v) => (v === null ? '–' : clock(v * 1000)) },
    { label: 'attenuation ap1 path, dB', scale: 'dB', stroke: apColor.ap1, width: 2, paths: stepped, spanGaps: true, points: { show: false }, value: (_u, v) => fmt(v, 1) },
    { label: 'attenuation ap2 path, dB', scale: 'dB', stroke: apColor.ap2, width: 2, paths: stepped, spanGaps: true, points: { show: false }, value: (_u, v) => fmt(v, 1) },
    ...tl.signal.map(
      (s, k): uPlot.Series => ({
        label: `${s.label}, dBm`,
        scale: 'dBm',
        stroke: apColor[s.ap] ?? sigColors[k % sigColors.length],
        paths: () => null,
        points: { show: true, size: 5, fill: apColor[s.ap] ?? sigColors[k % sigColors.length], stroke: '#fff', width: 1 },
        value: (_u, v) => fmt(v, 0),
      }),
    ),
  ];
  const rttT = decodeTimes(tl.rtt.t, t0);
  const lateT = decodeTimes(tl.late.t, t0);
  const lostT = lostS;
  const pingData = joinOrEmpty([[rttT, tl.rtt.ms], [lateT, tl.late.ms], [lostT, lostT.map(() => 1)]], 4);
  const pingSeries: uPlot.Series[] = [
    { label: 'board time (UTC)', value: (_u, v) => (v === null ? '–' : clock(v * 1000)) },
    { label: 'reply RTT, ms', scale: 'ms', stroke: '#4a6fa5', paths: () => null, points: { show: true, size: 3, fill: '#4a6fa5', stroke: '#4a6fa5', width: 0 }, value: (_u, v) => fmt(v, 2) },
    { label: 'late reply, ms', scale: 'ms', stroke: '#E69F00', paths: () => null, points: { show: true, size: 7, fill: '#E69F00', stroke: '#7a5200', width: 1 }, value: (_u, v) => fmt(v, 0) },
    { label: 'lost echo', scale: 'flag', stroke: '#C00000', paths: () => null, points: { show: true, size: 8, fill: '#C00000', stroke: '#600', width: 1 }, value: (_u, v) => (v === null ? '–' : 'lost') },
  ];
  let syncing = false;
  const others = (u: uPlot): uPlot[] => [loss, rf, pg].filter((x) => x && x !== u);
  const xMin = Math.min(...[attT[0], rttT[0], lostT[0], ...tl.signal.map((s) => (s.t.length ? (t0 + s.t[0]) / 1000 : Infinity))].filter(Number.isFinite));
  const ends = [attT[attT.length - 1], rttT[rttT.length - 1], lostT[lostT.length - 1]].filter(Number.isFinite);
  for (const r of rows) if (r.tEnd !== null) ends.push(r.tEnd / 1000);
  const xMax = Math.max(...ends, xMin + 1);
  const full: [number, number] = [xMin - 1, xMax + 1];
  const onScale = (u: uPlot, key: string): void => {
    if (key !== 'x') return;
    const { min, max } = u.scales.x;
    if (min === undefined || max === undefined) return;
    readout.textContent = `${clock(min * 1000)} – ${clock(max * 1000)} (${duration((max - min) * 1000)})`;
    if (syncing) return;
    syncing = true;
    for (const o of others(u)) o.setScale('x', { min, max });
    syncing = false;
  };
  const common = (height: number, series: uPlot.Series[], axes: uPlot.Axis[], scales: uPlot.Scales, mode: ChartMode): uPlot.Options => ({
    width: widthOf(rfBox),
    height,
    padding: [10, 4, 0, 4],
    series,
    axes,
    scales: { x: { time: true, range: (u, lo, hi) => (u.status === 0 ? full : [lo, hi]) }, ...scales },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    cursor: { sync: { key: 'rig-timeline' }, drag: { x: true, y: false, setScale: true } },
    legend: { live: true },
    hooks: { setScale: [onScale], draw: [(u) => drawRoams(u, mode)] },
  });
  // 24-hour UTC clock; seconds, then milliseconds, as the zoom deepens.
  const timeAxis = (): uPlot.Axis => ({
    values: (u, splits) => {
      const span = (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0);
      return splits.map((s) => {
        const iso = new Date(s * 1000).toISOString();
        if (span > 2 * 86400) return iso.slice(5, 16).replace('T', ' ');
        if (span > 600) return iso.slice(11, 16);
        if (span > 20) return iso.slice(11, 19);
        return iso.slice(11, 23);
      });
    },
  });
  // Lost pings of every valid roam at its join time, one series per variant: at whole-run zoom, the night at a glance.
  const lossTables: uPlot.AlignedData[] = thisVariants.map((v) => {
    const pts = rows.filter((r) => r.variant === v.name && r.valid && (r.tJoin ?? r.tStart) !== null).map((r) => [(r.tJoin ?? r.tStart)! / 1000, r.lost] as const).sort((a, b) => a[0] - b[0]);
    return [pts.map((p) => p[0]), pts.map((p) => p[1])];
  });
  const lossData = joinOrEmpty(lossTables, 1 + thisVariants.length);
  const loss = new uPlot(
    common(
      150,
      [
        { label: 'board time (UTC)', value: (_u, v) => (v === null ? '–' : clock(v * 1000)) },
        ...thisVariants.map((v): uPlot.Series => ({ label: `${v.name}: lost in the roam`, stroke: v.color, paths: () => null, points: { show: true, size: 6, fill: v.color, stroke: v.color, width: 0 }, value: (_u, val) => fmt(val, 0) })),
      ],
      [timeAxis(), { label: 'lost', size: AXIS_W, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { side: 1, size: AXIS_W, label: ' ', grid: { show: false }, ticks: { show: false }, values: () => [] }],
      { y: { range: (_u, _lo, hi) => [-0.5, Math.max(2, hi ?? 0) + 0.8] } },
      'loss',
    ),
    lossData,
    lossBox,
  );
  loss.over.addEventListener('click', () => {
    // A click (not a drag) picks the roam nearest to the pointer.
    if (loss.select.width > 2 || loss.cursor.left === undefined || loss.cursor.left < 0) return;
    const at = loss.posToVal(loss.cursor.left, 'x');
    const k = firstMarkerAtOrAfter(at);
    const cands = [markers[k - 1], markers[k]].filter(Boolean);
    const best = cands.sort((a, b) => Math.abs(a.t - at) - Math.abs(b.t - at))[0];
    if (best) selectRoam(best.r, true);
  });
  const rf = new uPlot(
    common(
      250,
      rfSeries,
      [timeAxis(), { scale: 'dB', label: 'attenuation, dB', size: AXIS_W }, { scale: 'dBm', side: 1, label: 'signal, dBm', grid: { show: false }, size: AXIS_W }],
      { dB: { range: (_u, lo, hi) => [Math.min(0, lo), Math.max(10, hi + 2)] }, dBm: { range: (_u, lo, hi) => [Math.min(lo, -90) - 2, Math.max(hi, -20) + 2] } },
      'rf',
    ),
    rfData,
    rfBox,
  );
  const pg = new uPlot(
    common(
      220,
      pingSeries,
      // The same axis widths on both charts, so their time axes line up.
      [timeAxis(), { scale: 'ms', label: 'RTT, ms (log)', size: AXIS_W }, { scale: 'flag', side: 1, size: AXIS_W, label: ' ', grid: { show: false }, ticks: { show: false }, values: () => [] }],
      { ms: { distr: 3, log: 10, range: (_u, lo, hi) => [Math.min(0.5, lo || 0.5), Math.max(5000, hi || 1)] }, flag: { range: [0, 1.06] } },
      'ping',
    ),
    pingData,
    pingBox,
  );
  charts.push(loss, rf, pg);
  observeWidth(lossBox, loss, 150);
  observeWidth(rfBox, rf, 250);
  observeWidth(pingBox, pg, 220);
  for (const u of [loss, rf, pg]) {
    u.over.addEventListener('dblclick', () => api.reset());
    u.over.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const { min, max } = u.scales.x;
        if (min === undefined || max === undefined) return;
        const at = u.posToVal(e.offsetX, 'x');
        const f = e.deltaY < 0 ? 0.75 : 1 / 0.75;
        const lo = Math.max(full[0], at - (at - min) * f);
        const hi = Math.min(full[1], at + (max - at) * f);
        if (hi - lo > 0.05) api.zoom(lo, hi);
      },
      { passive: false },
    );
  }
  onScale(rf, 'x');
  const api: Timeline = {
    zoom(min, max) {
      rf.setScale('x', { min, max });
    },
    reset() {
      rf.setScale('x', { min: full[0], max: full[1] });
    },
    setSelected() {
      loss.redraw(false);
      rf.redraw(false);
      pg.redraw(false);
    },
    range() {
      return [rf.scales.x.min ?? full[0], rf.scales.x.max ?? full[1]];
    },
  };
  return api;
}

function joinOrEmpty(tables: uPlot.AlignedData[], cols: number): uPlot.AlignedData {
  const nonEmpty = tables.filter((t) => t[0].length > 0);
  if (nonEmpty.length === 0) return Array.from({ length: cols }, () => []) as unknown as uPlot.AlignedData;
  // Keep the column layout even when a table is empty: join every table, each contributes its columns.
  const padded = tables.map((t) => (t[0].length ? t : ([[nonEmpty[0][0][0]], ...t.slice(1).map(() => [null])] as unknown as uPlot.AlignedData)));
  return uPlot.join(padded);
}

/** Roam markers, and for roams in view when zoomed in: the outage split into before and after association. */
type ChartMode = 'loss' | 'rf' | 'ping';

function drawRoams(u: uPlot, mode: ChartMode): void {
  const { min, max } = u.scales.x;
  if (min === undefined || max === undefined) return;
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const dpr = devicePixelRatio;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  const from = firstMarkerAtOrAfter(min - 60);
  let inView = 0;
  for (let k = from; k < markers.length && markers[k].t <= max + 60; k++) inView++;
  const detailed = inView <= 80;
  const crowded = inView > 400;
  const sel = selected;
  if (sel) {
    const a = (sel.tStart ?? sel.tJoin ?? 0) / 1000;
    const b = (sel.tEnd ?? (sel.tJoin ?? sel.tStart ?? 0) + 3000) / 1000;
    const x0 = u.valToPos(a, 'x', true);
    const x1 = u.valToPos(b, 'x', true);
    ctx.fillStyle = 'rgba(0, 90, 200, 0.07)';
    ctx.fillRect(x0, top, Math.max(2 * dpr, x1 - x0), height);
  }
  if (mode === 'loss') {
    // Each variant's per-roam limit.
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.lineWidth = dpr;
    for (const v of thisVariants) {
      if (!v.thresholds) continue;
      const y = u.valToPos(v.thresholds.maxLostPerRoam + 0.5, 'y', true);
      ctx.strokeStyle = v.color;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + width, y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
  }
  if (mode === 'ping') {
    // Lost echoes: a thin red line at each one's send time, over the whole height.
    let j = lowerBound(lostS, min);
    // Thousands in view would paint the chart red: then the dots on top say it.
    const manyLost = lowerBound(lostS, max) - j > 1500;
    if (manyLost) j = lostS.length;
    ctx.strokeStyle = 'rgba(192, 0, 0, 0.45)';
    ctx.lineWidth = dpr;
    ctx.beginPath();
    for (; j < lostS.length && lostS[j] <= max; j++) {
      const x = Math.round(u.valToPos(lostS[j], 'x', true)) + 0.5;
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
    }
    ctx.stroke();
  }
  for (let k = from; k < markers.length && markers[k].t <= max + 60; k++) {
    const { r, t } = markers[k];
    if (mode === 'loss' && r.valid && r !== sel) continue;
    // Thousands in view: a marker per roam would paint the chart solid; keep the chosen one and the invalid ones.
    if (crowded && r.valid && r !== sel) continue;
    if (detailed && mode !== 'loss' && r.valid && r.tJoin !== null) {
      const leave = (r.tLeave ?? r.tJoin) / 1000;
      const join = r.tJoin / 1000;
      const blackoutEnd = join + (r.after ?? 0) / 1000;
      const xl = u.valToPos(leave, 'x', true);
      const xj = u.valToPos(join, 'x', true);
      const xb = u.valToPos(blackoutEnd, 'x', true);
      ctx.fillStyle = 'rgba(230, 159, 0, 0.28)';
      ctx.fillRect(xl, top, Math.max(1, xj - xl), height);
      ctx.fillStyle = 'rgba(213, 0, 0, 0.16)';
      ctx.fillRect(xj, top, Math.max(0, xb - xj), height);
    }
    const x = u.valToPos(t, 'x', true);
    ctx.strokeStyle = !r.valid ? '#999' : r.over ? '#C00000' : colorOf(r.variant);
    ctx.lineWidth = (r === sel ? 2.5 : 1) * dpr;
    ctx.setLineDash(r.valid ? [] : [4 * dpr, 3 * dpr]);
    ctx.globalAlpha = detailed || r === sel ? 0.9 : 0.35;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (detailed && mode === 'rf') {
      ctx.fillStyle = !r.valid ? '#777' : '#222';
      ctx.font = `${11 * dpr}px system-ui, sans-serif`;
      ctx.fillText(`#${r.index}${r.valid ? '' : ' invalid'}`, x + 3 * dpr, top + 12 * dpr);
    }
  }
  ctx.restore();
}

function stepRoam(dir: number): void {
  if (markers.length === 0) return;
  let k: number;
  if (selected) {
    const cur = markers.findIndex((m) => m.r === selected);
    k = cur + dir;
  } else {
    const [lo, hi] = timeline?.range() ?? [0, 0];
    k = dir > 0 ? firstMarkerAtOrAfter((lo + hi) / 2) : firstMarkerAtOrAfter((lo + hi) / 2) - 1;
  }
  k = Math.max(0, Math.min(markers.length - 1, k));
  selectRoam(markers[k].r, true);
}

function worstRoam(): void {
  let best: Row | null = null;
  for (const r of rows) if (r.valid && (!best || r.lost > best.lost || (r.lost === best.lost && (r.outage ?? 0) > (best.outage ?? 0)))) best = r;
  if (best) selectRoam(best, true);
}

/** Show a roam: its window on the timeline, its details, its row in the table. */
function selectRoam(r: Row, revealRow: boolean, zoom: 'cycle' | 'roam' = 'cycle'): void {
  selected = r;
  const a = r.tStart ?? r.tLeave ?? r.tJoin;
  const e = r.tEnd ?? (r.tJoin !== null ? r.tJoin + 5000 : a !== null ? a + 30_000 : null);
  if (a !== null && e !== null && timeline) {
    if (zoom === 'roam' && r.tJoin !== null) {
      const from = (r.tLeave ?? r.tJoin) - 3000;
      const to = r.tJoin + Math.max(r.after ?? 0, r.outage ?? 0) + 3000;
      timeline.zoom(from / 1000, to / 1000);
    } else {
      const pad = Math.max(1500, (e - a) * 0.04);
      timeline.zoom((a - pad) / 1000, (e + pad) / 1000);
    }
  }
  timeline?.setSelected(r);
  renderDetail(r);
  history.replaceState(null, '', `#roam=${r.index}`);
  table.showRow(r, revealRow);
}

function renderDetail(r: Row): void {
  const el = document.getElementById('roam-detail')!;
  clear(el);
  el.className = `detail ${r.valid ? (r.over ? 'over' : 'ok') : 'invalid'}`;
  const kv = (k: string, v: Child): HTMLElement[] => [h('dt', null, k), h('dd', null, v)];
  append(el, [
    h(
      'div',
      { class: 'detail-head' },
      h('b', null, `Roam #${r.index}`),
      ` · ${r.variant} · ${r.direction} · `,
      r.valid ? (r.over ? h('span', { class: 'badc' }, `lost ${r.lost}: over the limit`) : `lost ${r.lost}`) : h('span', { class: 'warnc' }, `invalid: ${r.reason ?? ''}`),
      h('span', { class: 'detail-zoom' }, h('button', { type: 'button', onclick: () => selectRoam(r, false, 'cycle') }, 'whole cycle'), h('button', { type: 'button', id: 'zoom-roam', onclick: () => selectRoam(r, false, 'roam') }, 'around the roam')),
    ),
    h(
      'dl',
      { class: 'kv' },
      kv('from → to', `${r.from} → ${r.to ?? '(none)'}`),
      kv('crossfade start', clock(r.tStart)),
      kv('left old AP', clock(r.tLeave)),
      kv('joined new AP', clock(r.tJoin)),
      kv('recovered', clock(r.tEnd)),
      kv('attenuation at roam', r.att1 === null ? '–' : `ap1 ${fmt(r.att1, 1)} dB, ap2 ${fmt(r.att2, 1)} dB`),
      kv('signal', `${fmt(r.sigBefore)} → ${fmt(r.sigAfter)} dBm`),
      kv('outage', `${fmt(r.outage)} ms (before association ${fmt(r.before)} ms, after ${fmt(r.after)} ms)`),
      kv('lost seqs', r.lostSeqs || 'none'),
      kv('late seqs', r.lateSeqs || 'none'),
      kv('seq window', `${r.seqFrom}–${r.seqTo}`),
      kv('times from', r.src),
    ),
  ]);
}

// ---------------------------------------------------------------------------
// Roam table: sortable, filterable, paged
// ---------------------------------------------------------------------------

interface Column {
  key: string;
  label: string;
  title?: string;
  num?: boolean;
  sort: (r: Row) => number | string;
  cell: (r: Row) => Child;
}

const cmpNullLast = (x: number | null): number => (x === null ? Number.POSITIVE_INFINITY : x);

const columns: Column[] = [
  { key: 'index', label: '#', num: true, sort: (r) => r.index, cell: (r) => r.index },
  { key: 'variant', label: 'variant', sort: (r) => r.variant, cell: (r) => [h('span', { class: 'swatch', style: `background:${colorOf(r.variant)}` }), r.variant] },
  { key: 'direction', label: 'direction', sort: (r) => r.direction, cell: (r) => r.direction },
  { key: 'bssid', label: 'from → to BSSID', sort: (r) => `${r.from} ${r.to ?? ''}`, cell: (r) => h('span', { class: 'mono' }, `${r.from} → ${r.to ?? '–'}`) },
  { key: 'att', label: 'att. ap1 / ap2 dB', num: true, title: 'programmed attenuation when the roam was seen', sort: (r) => cmpNullLast(r.att1), cell: (r) => (r.att1 === null ? '–' : `${fmt(r.att1, 1)} / ${fmt(r.att2, 1)}`) },
  { key: 'signal', label: 'signal dBm', num: true, title: 'from the old AP before, from the new AP after', sort: (r) => cmpNullLast(r.sigBefore), cell: (r) => `${fmt(r.sigBefore)} → ${fmt(r.sigAfter)}` },
  { key: 'lost', label: 'lost', num: true, sort: (r) => (r.valid ? r.lost : -1), cell: (r) => (r.valid ? h('span', { class: r.over ? 'badc' : r.lost > 0 ? 'lossc' : '' }, String(r.lost)) : '–') },
  { key: 'late', label: 'late', num: true, sort: (r) => r.late, cell: (r) => r.late },
  { key: 'outage', label: 'outage ms', num: true, sort: (r) => cmpNullLast(r.valid ? r.outage : null), cell: (r) => (r.valid ? fmt(r.outage) : '–') },
  { key: 'before', label: 'before assoc. ms', num: true, sort: (r) => cmpNullLast(r.valid ? r.before : null), cell: (r) => (r.valid ? fmt(r.before) : '–') },
  { key: 'after', label: 'after assoc. ms', num: true, sort: (r) => cmpNullLast(r.valid ? r.after : null), cell: (r) => (r.valid ? fmt(r.after) : '–') },
  { key: 'src', label: 'times', title: 'ping: the ping’s -D stamps; arrival: stamped by the rig', sort: (r) => r.src, cell: (r) => r.src },
  {
    key: 'result',
    label: 'result',
    sort: (r) => (r.valid ? (r.over ? 1 : 0) : 2),
    cell: (r) => (r.valid ? (r.over ? h('span', { class: 'pill bad' }, 'over limit') : h('span', { class: 'pill good' }, 'ok')) : [h('span', { class: 'pill warn' }, 'invalid'), ' ', h('span', { class: 'reason' }, r.reason ?? '')]),
  },
];

// Built in main(): the roam table (selectRoam reveals rows in it).
let table: ReturnType<typeof createTable>;

function createTable(): { el: HTMLElement; showRow(r: Row, reveal: boolean): void } {
  const state = { sortKey: 'index', sortDir: 1, page: 0, pageSize: 50, variant: '', direction: '', result: '', query: '' };
  let view: Row[] = rows;
  const variantsIn = [...new Set(rows.map((r) => r.variant))];
  const directions = [...new Set(rows.map((r) => r.direction))].sort();
  const fVariant = h('select', { id: 'f-variant', 'aria-label': 'variant' }, h('option', { value: '' }, 'all variants'), variantsIn.map((v) => h('option', { value: v }, v)));
  const fDirection = h('select', { id: 'f-direction', 'aria-label': 'direction' }, h('option', { value: '' }, 'both directions'), directions.map((d) => h('option', { value: d }, d)));
  const fResult = h(
    'select',
    { id: 'f-result', 'aria-label': 'result' },
    h('option', { value: '' }, 'all roams'),
    h('option', { value: 'lossy' }, 'lost any'),
    h('option', { value: 'over' }, 'over the limit'),
    h('option', { value: 'ok' }, 'valid, within the limit'),
    h('option', { value: 'invalid' }, 'invalid'),
  );
  const fSearch = h('input', { id: 'f-search', type: 'search', placeholder: 'search: BSSID, reason, seq, #', 'aria-label': 'search' });
  const fSize = h('select', { id: 'f-pagesize', 'aria-label': 'rows per page' }, [25, 50, 100, 250, 1000].map((n) => h('option', { value: n, selected: n === 50 }, `${n} per page`)));
  const count = h('span', { id: 'roam-count', class: 'count' });
  const pager = h('span', { class: 'pager' });
  const thead = h('thead');
  const tbody = h('tbody');
  const tableEl = h('table', { class: 'grid roams', id: 'roam-table' }, thead, tbody);
  const headRow = h('tr');
  for (const c of columns) {
    const th = h('th', { 'data-key': c.key, class: `${c.num ? '' : 'l'} sortable`, title: c.title ?? `sort by ${c.label}`, tabindex: 0, 'aria-sort': 'none' }, c.label, h('span', { class: 'arrow' }));
    const act = (): void => {
      if (state.sortKey === c.key) state.sortDir = -state.sortDir;
      else {
        state.sortKey = c.key;
        state.sortDir = c.num || c.key === 'result' ? -1 : 1;
      }
      state.page = 0;
      update();
    };
    th.addEventListener('click', act);
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        act();
      }
    });
    headRow.appendChild(th);
  }
  thead.appendChild(headRow);

  const onFilter = (): void => {
    state.variant = fVariant.value;
    state.direction = fDirection.value;
    state.result = fResult.value;
    state.query = fSearch.value.trim().toLowerCase();
    state.pageSize = Number(fSize.value);
    state.page = 0;
    update();
  };
  for (const c of [fVariant, fDirection, fResult, fSize]) c.addEventListener('change', onFilter);
  fSearch.addEventListener('input', onFilter);

  function apply(): void {
    const q = state.query.replace(/^#/, '');
    view = rows.filter(
      (r) =>
        (!state.variant || r.variant === state.variant) &&
        (!state.direction || r.direction === state.direction) &&
        (!state.result ||
          (state.result === 'invalid' && !r.valid) ||
          (state.result === 'over' && r.over) ||
          (state.result === 'lossy' && r.valid && r.lost > 0) ||
          (state.result === 'ok' && r.valid && !r.over)) &&
        (!q || r.search.includes(q)),
    );
    const col = columns.find((c) => c.key === state.sortKey)!;
    const dir = state.sortDir;
    view = view
      .map((r) => ({ r, k: col.sort(r) }))
      .sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.r.i - b.r.i))
      .map((x) => x.r);
  }

  function render(): void {
    const pages = Math.max(1, Math.ceil(view.length / state.pageSize));
    state.page = Math.min(state.page, pages - 1);
    const start = state.page * state.pageSize;
    const slice = view.slice(start, start + state.pageSize);
    const frag = document.createDocumentFragment();
    for (const r of slice) {
      const tr = h(
        'tr',
        { 'data-index': r.index, tabindex: 0, class: `${r.valid ? (r.over ? 'over' : '') : 'invalid'}${r === selected ? ' selected' : ''}` },
        columns.map((c) => h('td', { class: c.num ? '' : 'l' }, c.cell(r))),
      );
      tr.addEventListener('click', () => selectRoam(r, false));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') selectRoam(r, false);
      });
      frag.appendChild(tr);
    }
    clear(tbody);
    if (slice.length === 0) tbody.appendChild(h('tr', { class: 'empty' }, h('td', { colspan: columns.length, class: 'l' }, 'No roam matches the filter.')));
    tbody.appendChild(frag);
    count.textContent =
      view.length === 0
        ? `0 of ${rows.length} roams`
        : `roams ${start + 1}–${start + slice.length} of ${view.length}${view.length !== rows.length ? ` (filtered from ${rows.length})` : ''}`;
    tableEl.dataset.matching = String(view.length);
    clear(pager);
    const btn = (label: string, id: string, page: number, disabled: boolean): HTMLElement =>
      h('button', { type: 'button', 'data-page': id, disabled, onclick: () => ((state.page = page), render()) }, label);
    append(pager, [
      btn('«', 'first', 0, state.page === 0),
      btn('‹ prev', 'prev', state.page - 1, state.page === 0),
      h('span', { class: 'pageno' }, `page ${state.page + 1} of ${pages}`),
      btn('next ›', 'next', state.page + 1, state.page >= pages - 1),
      btn('»', 'last', pages - 1, state.page >= pages - 1),
    ]);
    for (const th of Array.from(headRow.children) as HTMLElement[]) {
      const on = th.dataset.key === state.sortKey;
      th.setAttribute('aria-sort', on ? (state.sortDir > 0 ? 'ascending' : 'descending') : 'none');
      (th.querySelector('.arrow') as HTMLElement).textContent = on ? (state.sortDir > 0 ? ' ▲' : ' ▼') : '';
    }
  }

  function update(): void {
    apply();
    render();
  }
  update();

  const el = section(
    'roams',
    'Roams',
    h('div', { class: 'toolbar' }, fVariant, fDirection, fResult, fSearch, fSize, count),
    h('div', { class: 'table-wrap' }, tableEl),
    h('div', { class: 'toolbar bottom' }, pager),
  );
  return {
    el,
    showRow(r, reveal) {
      if (reveal) {
        let k = view.indexOf(r);
        if (k < 0) {
          // Not in the filtered view: clear the filters so it can be shown.
          fVariant.value = fDirection.value = fResult.value = fSearch.value = '';
          onFilter();
          k = view.indexOf(r);
        }
        if (k >= 0) state.page = Math.floor(k / state.pageSize);
      }
      render();
    },
  };
}

// ---------------------------------------------------------------------------

function footer(): HTMLElement {
  return h(
    'footer',
    null,
    `${D.generator} · built from summary.json, roams.jsonl, timeline.jsonl, ping.log and events.log in this folder (rig report ${D.run.id} rebuilds it) · `,
    'also here: roams.csv, junit.xml',
  );
}

function main(): void {
  const root = document.getElementById('app')!;
  table = createTable();
  document.title = `${D.verdict.title} · ${D.run.bench} · ${D.run.id} · rig roam report`;
  append(root, [
    header(),
    h('main', null, verdictBlock(), comparisonBlock(), summaryBlock(), histogramBlock(), timelineBlock(), table.el, metadataBlock()),
    footer(),
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
