/**
 * rig report merge: run folders from real runs of the virtual rig (the shipped
 * `virtual` bench, and a copy of it renamed `bench-b`), merged by the real CLI;
 * the data it writes checked against each run's own records, then the page in
 * Debian's Chromium (filters by bench and night, the trend's lines).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isScalar, type YAMLMap } from 'yaml';
import type { MergedData, MergedRow } from '../report/merge-data.ts';
import { mergeReports } from '../report/index.ts';
import { inventoryCopy, readJsonl, runCli, tempDir } from './helpers/cli.ts';
import { launchBrowser, paintedPixels, type Browser } from './helpers/report-browser.ts';

vi.setConfig({ testTimeout: 180_000 });

interface Summary {
  bench: string;
  startedAt: string;
  verdict: string;
  variants: { variant: string; roams: number; valid: number; lostPerRoam: { median: number | null; max: number | null }; afterAssociationMs: { median: number | null }; failures: string[] }[];
}
interface Rec {
  variant: string;
  valid: boolean;
  afterAssociationMs: number | null;
  splitResolutionMs?: number | null;
}
interface MergeJson {
  out: string;
  runs: { dir: string; id: string; bench: string; night: string | null; alsoAt: string[]; problems: string[]; variants: { variant: string | null; lostMedian: { value: number | null; why: string | null } }[] }[];
  problems: { run: string; dir: string; problem: string }[];
}

const root = tempDir('rig-report-merge-');
/** The `virtual` bench's reports folder: two runs of the same night. */
const reportsA = join(root, 'artifacts/virtual');
/** bench-b's: one run, and a copy of it dated two nights earlier. */
const reportsB = join(root, 'artifacts/bench-b');
let runA1 = '';
let runA2 = '';
let runB = '';
let runBPrev = '';
let nightB = '';
let nightBPrev = '';

const summaryOf = (dir: string): Summary => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
const readMerged = (out: string): MergedData => JSON.parse(readFileSync(join(out, 'merged.json'), 'utf8')) as MergedData;
const noStack = (stderr: string): void => expect(stderr).not.toMatch(/^\s+at /m);

async function roam(args: string[]): Promise<string> {
  const r = await runCli(['roam', '--count', '2', '--variants', 'stock,patched', '--json', ...args], { timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { runDir: string }).runDir;
}

/**
 * A copy of a real run, started at `startedAt` instead (summary.json and run.json say
 * so, and the folder is named for it, as rig names run folders), in `parent`: the
 * virtual rig's clock is the machine's, so a test cannot run it on another night.
 */
function copyStartedAt(run: string, parent: string, startedAt: number): string {
  const s = summaryOf(run);
  const shift = (iso: string): string => new Date(Date.parse(iso) - Date.parse(s.startedAt) + startedAt).toISOString();
  const started = shift(s.startedAt);
  const id = `${started.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${s.bench}`;
  const dest = join(parent, id);
  cpSync(run, dest, { recursive: true });
  const raw = JSON.parse(readFileSync(join(dest, 'summary.json'), 'utf8')) as Record<string, string>;
  writeFileSync(join(dest, 'summary.json'), JSON.stringify({ ...raw, runDir: dest, startedAt: started, endedAt: shift(raw.endedAt) }, null, 2) + '\n');
  const plan = JSON.parse(readFileSync(join(dest, 'run.json'), 'utf8')) as Record<string, string>;
  writeFileSync(join(dest, 'run.json'), JSON.stringify({ ...plan, startedAt: shift(plan.startedAt) }, null, 2) + '\n');
  return dest;
}

beforeAll(async () => {
  mkdirSync(join(root, 'inventory'));
  const invB = inventoryCopy(join(root, 'inventory'), (doc) => {
    const benches = doc.get('benches') as YAMLMap;
    const pair = benches.items.find((p) => isScalar(p.key) && p.key.value === 'virtual')!;
    (pair.key as { value: unknown }).value = 'bench-b';
    doc.set('defaultBench', 'bench-b');
  });
  // One after the other: each run starts its own virtual rig.
  runA1 = await roam(['--reports', reportsA]);
  runA2 = await roam(['--reports', reportsA]);
  runB = await roam(['--reports', reportsB, '--inventory', invB, '--bench', 'bench-b']);
  // Two nights earlier: never the night of the virtual bench's runs, even when the runs straddle midnight.
  runBPrev = copyStartedAt(runB, reportsB, Date.parse(summaryOf(runB).startedAt) - 2 * 86_400_000);
  nightB = summaryOf(runB).startedAt.slice(0, 10);
  nightBPrev = summaryOf(runBPrev).startedAt.slice(0, 10);
}, 600_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The rows of one run, by variant. */
function rowsOf(data: MergedData, run: string): Map<string | null, MergedRow> {
  return new Map(data.rows.filter((r) => r.runId === basename(run)).map((r) => [r.variant, r]));
}

describe('rig report merge: the data', () => {
  const out = join(root, 'merged');
  let res: MergeJson;
  let data: MergedData;
  beforeAll(async () => {
    const r = await runCli(['report', 'merge', join(root, 'artifacts/virtual'), join(root, 'artifacts/bench-b'), '--out', out, '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    res = JSON.parse(r.stdout) as MergeJson;
    data = readMerged(out);
  });

  it('the real runs are two benches', () => {
    expect(summaryOf(runA1).bench).toBe('virtual');
    expect(summaryOf(runB).bench).toBe('bench-b');
    expect(nightBPrev).not.toBe(nightB);
  });

  it('holds every run of both benches, one row per run and variant, with the figures of its own summary.json', () => {
    expect(res.out).toBe(resolve(out));
    expect(res.runs.map((r) => r.id).sort()).toEqual([runA1, runA2, runB, runBPrev].map((d) => basename(d)).sort());
    expect(data.benches).toEqual(['bench-b', 'virtual']);
    expect(data.nights).toEqual([...new Set([nightBPrev, nightB, summaryOf(runA1).startedAt.slice(0, 10)])].sort());
    expect(data.rows).toHaveLength(8);
    for (const run of [runA1, runA2, runB, runBPrev]) {
      const s = summaryOf(run);
      const rows = rowsOf(data, run);
      expect([...rows.keys()]).toEqual(['stock', 'patched']);
      const recs = readJsonl<Rec>(join(run, 'roams.jsonl'));
      for (const v of s.variants) {
        const row = rows.get(v.variant)!;
        expect(row.bench).toBe(s.bench);
        expect(row.night).toBe(new Date(s.startedAt).toISOString().slice(0, 10));
        expect(row.source).toBe('summary.json');
        expect(row.roams).toEqual({ value: v.roams, why: null });
        expect(row.valid).toEqual({ value: v.valid, why: null });
        expect(row.lostMedian).toEqual({ value: v.lostPerRoam.median, why: null });
        expect(row.lostMax).toEqual({ value: v.lostPerRoam.max, why: null });
        expect(row.afterMedian).toEqual({ value: v.afterAssociationMs.median, why: null });
        expect(row.verdict).toBe(v.failures.length ? 'failed' : 'passed');
        // The resolution: the largest of the valid roams' own.
        const res = recs.filter((x) => x.variant === v.variant && x.valid && x.afterAssociationMs !== null).map((x) => x.splitResolutionMs!);
        expect(res.length).toBeGreaterThan(0);
        expect(row.afterResolution).toEqual({ value: Math.max(...res), why: null });
        // Its link opens the run's own report.
        expect(row.href).not.toBeNull();
        expect(resolve(out, decodeURIComponent(row.href!))).toBe(join(run, 'index.html'));
      }
      // The stock firmware loses pings on every roam, the patched one far fewer (the virtual rig's ticket 1404).
      expect(rows.get('stock')!.lostMedian.value!).toBeGreaterThan(rows.get('patched')!.lostMedian.value!);
      expect(rows.get('stock')!.firmware!.map((d) => d.device)).toEqual(['ap1', 'ap2', 'client']);
    }
    expect(res.problems).toEqual([]);
  });

  it('two runs of the same bench the same night both appear, told apart by run id', async () => {
    // The virtual bench's two runs, dated the same night an hour apart (real runs may straddle midnight).
    const night = join(root, 'one-night');
    const t = Date.parse('2026-10-15T01:00:00Z');
    const n1 = copyStartedAt(runA1, night, t);
    const n2 = copyStartedAt(runA2, night, t + 3_600_000);
    const o = join(root, 'merged-one-night');
    const r = await runCli(['report', 'merge', night, '--out', o], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const d = readMerged(o);
    expect(d.nights).toEqual(['2026-10-15']);
    expect(d.runs.map((x) => [x.bench, x.night, x.id])).toEqual([
      ['virtual', '2026-10-15', basename(n1)],
      ['virtual', '2026-10-15', basename(n2)],
    ]);
    expect(d.rows.map((x) => `${x.runId} ${x.variant}`)).toEqual([`${basename(n1)} stock`, `${basename(n1)} patched`, `${basename(n2)} stock`, `${basename(n2)} patched`]);
    expect(rowsOf(d, n2).get('stock')!.lostMedian.value).toBe(summaryOf(runA2).variants[0].lostPerRoam.median);
  });

  it('the trend has one line per bench and variant', () => {
    expect(data.series.map((s) => s.label)).toEqual(['stock on bench-b', 'patched on bench-b', 'stock on virtual', 'patched on virtual']);
    expect(new Set(data.series.map((s) => s.color)).size).toBe(4);
  });

  it('the human line names the page and what it holds', async () => {
    const o2 = join(root, 'merged-human');
    const r = await runCli(['report', 'merge', reportsA, reportsB, '--out', o2], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`merged report: ${join(o2, 'index.html')} (4 runs, 2 benches, ${data.nights.length} night${data.nights.length === 1 ? '' : 's'})\n`);
    expect(readFileSync(join(o2, 'merged.json'), 'utf8')).toBe(readFileSync(join(out, 'merged.json'), 'utf8').replaceAll('"../merged', '"../merged-human'));
  });
});

describe('rig report merge: the same run twice, damaged runs, determinism', () => {
  it('a run given twice (its folder and its reports folder, or a copy of it) counts once; the same bytes as given once', async () => {
    const once = join(root, 'once');
    const twice = join(root, 'twice');
    expect((await runCli(['report', 'merge', reportsA, reportsB, '--out', once], { timeoutMs: 60_000 })).code).toBe(0);
    // The same folder by another path: through a symbolic link.
    const link = join(root, 'link-to-virtual');
    symlinkSync(reportsA, link);
    const r = await runCli(['report', 'merge', runA1, reportsB, reportsA, runB, link, runB, '--out', twice, '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as MergeJson).runs).toHaveLength(4);
    // Only the output folder's name differs in the data (the relative links to it).
    expect(readFileSync(join(twice, 'merged.json'), 'utf8')).toBe(readFileSync(join(once, 'merged.json'), 'utf8'));
    // A copy of a run elsewhere (the same CI artifact downloaded twice): once, the other place named.
    const copies = join(root, 'copies');
    mkdirSync(copies, { recursive: true });
    cpSync(runA1, join(copies, basename(runA1)), { recursive: true });
    const c = await runCli(['report', 'merge', reportsA, copies, '--out', join(root, 'with-copy'), '--json'], { timeoutMs: 60_000 });
    expect(c.code, c.stderr).toBe(0);
    const cj = JSON.parse(c.stdout) as MergeJson;
    expect(cj.runs.map((x) => x.id).sort()).toEqual([basename(runA1), basename(runA2)].sort());
    const a1 = cj.runs.find((x) => x.id === basename(runA1))!;
    expect([a1.dir, ...a1.alsoAt].sort()).toEqual([join(copies, basename(runA1)), runA1].sort());
    expect(cj.problems).toEqual([]);
  });

  it('deterministic: merging again gives the same bytes, whatever the order of the folders', async () => {
    const out = join(root, 'det');
    expect((await runCli(['report', 'merge', reportsA, reportsB, '--out', out], { timeoutMs: 60_000 })).code).toBe(0);
    const html = readFileSync(join(out, 'index.html'));
    const json = readFileSync(join(out, 'merged.json'));
    expect(json.length).toBeGreaterThan(1000);
    rmSync(out, { recursive: true });
    expect((await runCli(['report', 'merge', reportsB, reportsA, '--out', out], { timeoutMs: 60_000 })).code).toBe(0);
    expect(readFileSync(join(out, 'index.html')).equals(html)).toBe(true);
    expect(readFileSync(join(out, 'merged.json')).equals(json)).toBe(true);
  });

  it('a damaged run is listed with its reasons, its figures from what is left or unknown, never 0', async () => {
    const damaged = join(root, 'damaged');
    mkdirSync(damaged, { recursive: true });
    // summary.json torn: figures from roams.jsonl, the same as the summary had.
    const torn = join(damaged, basename(runA1).replace('-virtual', '-torn'));
    cpSync(runA1, torn, { recursive: true });
    writeFileSync(join(torn, 'summary.json'), readFileSync(join(runA1, 'summary.json'), 'utf8').slice(0, 100));
    // A run that stopped before its first roam: run.json alone.
    const empty = join(damaged, '20261101T020000Z-virtual');
    mkdirSync(empty);
    writeFileSync(join(empty, 'run.json'), JSON.stringify({ inventory: 'inventory.yaml', bench: 'virtual', variants: ['stock', 'patched'], count: 2, timeScale: 100, startedAt: '2026-11-01T02:00:00.000Z' }));
    // No summary, and the last record torn by a crash.
    const crashed = join(damaged, basename(runA2).replace('-virtual', '-crashed'));
    cpSync(runA2, crashed, { recursive: true });
    rmSync(join(crashed, 'summary.json'));
    const lines = readFileSync(join(crashed, 'roams.jsonl'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(join(crashed, 'roams.jsonl'), lines.slice(0, -1).join('\n') + '\n' + lines.at(-1)!.slice(0, 40));

    const out = join(root, 'merged-damaged');
    const r = await runCli(['report', 'merge', damaged, reportsB, '--out', out, '--json'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as MergeJson;
    const data = readMerged(out);
    expect(data.runs.map((x) => x.id).sort()).toEqual([basename(torn), basename(empty), basename(crashed), basename(runB), basename(runBPrev)].sort());

    const tornRun = data.runs.find((x) => x.id === basename(torn))!;
    expect(tornRun.verdict).toBe('unreadable');
    expect(tornRun.problems.join('\n')).toMatch(/summary\.json is not valid JSON/);
    const s = summaryOf(runA1);
    for (const v of s.variants) {
      const row = rowsOf(data, torn).get(v.variant)!;
      expect(row.source).toBe('roams.jsonl');
      expect(row.lostMedian.value).toBe(v.lostPerRoam.median);
      expect(row.lostMax.value).toBe(v.lostPerRoam.max);
      expect(row.afterMedian.value).toBe(v.afterAssociationMs.median);
      expect(row.verdict).toBe('unreadable');
    }

    const emptyRun = data.runs.find((x) => x.id === basename(empty))!;
    expect(emptyRun.problems.join('\n')).toMatch(/neither summary\.json nor roams\.jsonl/);
    expect(emptyRun.night).toBe('2026-11-01');
    const emptyRows = rowsOf(data, empty);
    expect([...emptyRows.keys()]).toEqual(['stock', 'patched']);
    for (const row of emptyRows.values()) {
      for (const f of [row.roams, row.valid, row.lostMedian, row.lostMax, row.afterMedian, row.afterResolution]) {
        expect(f.value).toBeNull();
        expect(f.why).toMatch(/neither summary\.json nor roams\.jsonl/);
      }
      expect(row.source).toBeNull();
    }

    const crashedRun = data.runs.find((x) => x.id === basename(crashed))!;
    expect(crashedRun.verdict).toBe('incomplete');
    expect(crashedRun.problems.join('\n')).toMatch(/summary\.json is missing/);
    expect(crashedRun.problems.join('\n')).toMatch(/roams\.jsonl: 1 line\(s\) not valid JSON/);
    const left = lines.slice(0, -1).map((l) => JSON.parse(l) as Rec & { lost: number });
    const lastVariant = (JSON.parse(lines.at(-1)!) as Rec).variant;
    const crashedRow = rowsOf(data, crashed).get(lastVariant)!;
    expect(crashedRow.source).toBe('roams.jsonl');
    expect(crashedRow.roams.value).toBe(left.filter((x) => x.variant === lastVariant).length);
    expect(crashedRow.verdict).toBe('incomplete');

    // Every problem is in --json's list, named by run.
    for (const run of [tornRun, emptyRun, crashedRun]) for (const p of run.problems) expect(j.problems).toContainEqual({ run: run.id, dir: join(damaged, run.id), problem: p });
    expect(j.problems.filter((p) => p.run === basename(runB))).toEqual([]);
    // No figure anywhere is a 0 standing for something unknown: every null has its reason.
    for (const row of data.rows) for (const f of [row.roams, row.valid, row.lostMedian, row.lostMax, row.afterMedian, row.afterResolution]) expect(f.value === null ? typeof f.why : null).toBe(f.value === null ? 'string' : null);

    // The programmatic API gives the same data.
    const api = await mergeReports([damaged, reportsB], join(root, 'merged-damaged-api'));
    expect(api.data.rows.map((x) => [x.runId, x.variant, x.lostMedian])).toEqual(data.rows.map((x) => [x.runId, x.variant, x.lostMedian]));
    expect(api.problems).toEqual(j.problems);
  });
});

describe('rig report merge: the command line', () => {
  it('a folder that does not exist, or holds no run, is a usage error naming it (exit 2, no stack trace, nothing written)', async () => {
    const out = join(root, 'never');
    const missing = join(root, 'no-such-folder');
    const emptyDir = join(root, 'no-runs-here');
    mkdirSync(join(emptyDir, 'sub/deeper'), { recursive: true });
    for (const [args, name] of [
      [[missing, reportsA], missing],
      [[reportsA, emptyDir], emptyDir],
      [[join(runA1, 'summary.json')], join(runA1, 'summary.json')],
    ] as [string[], string][]) {
      const r = await runCli(['report', 'merge', ...args, '--out', out], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(name);
      expect(r.stderr).toMatch(/^rig: report merge: /);
      noStack(r.stderr);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--out is required, and may not be a run folder or a reports folder', async () => {
    const r = await runCli(['report', 'merge', reportsA], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out');
    noStack(r.stderr);
    const none = await runCli(['report', 'merge', '--out', join(root, 'x')], { timeoutMs: 60_000 });
    expect(none.code).toBe(2);
    noStack(none.stderr);
    const before = readFileSync(join(runA1, 'index.html'));
    const intoRun = await runCli(['report', 'merge', reportsA, '--out', runA1], { timeoutMs: 60_000 });
    expect(intoRun.code).toBe(2);
    expect(intoRun.stderr).toContain(`--out ${runA1} is a run folder`);
    expect(readFileSync(join(runA1, 'index.html')).equals(before)).toBe(true);
    const intoReports = await runCli(['report', 'merge', reportsB, '--out', reportsA], { timeoutMs: 60_000 });
    expect(intoReports.code).toBe(2);
    expect(intoReports.stderr).toContain(`--out ${reportsA} holds run folders`);
    noStack(intoReports.stderr);
  });

  it('--out inside an input is fine: it is not taken for a run, now or on the next merge', async () => {
    const out = join(reportsA, 'merged');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['report', 'merge', reportsA, '--out', out, '--json'], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as MergeJson).runs.map((x) => x.id).sort()).toEqual([basename(runA1), basename(runA2)].sort());
    }
    expect(readMerged(out).rows[0].href).toBe(`../${basename(readMerged(out).runs[0].path)}/index.html`);
    rmSync(out, { recursive: true });
  });

  it('rig report RUN_DIR still rebuilds one run\'s report', async () => {
    const before = statSync(join(runB, 'index.html')).mtimeMs;
    const r = await runCli(['report', runB], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`report: ${join(runB, 'index.html')}\n`);
    expect(statSync(join(runB, 'index.html')).mtimeMs).toBeGreaterThan(before);
    expect(readFileSync(join(runB, 'index.html'), 'utf8')).toContain(basename(runB));
    const j = await runCli(['report', runB, '--json'], { timeoutMs: 60_000 });
    expect(j.code, j.stderr).toBe(0);
    const files = JSON.parse(j.stdout) as Record<string, string | null>;
    expect(files).toMatchObject({ runDir: runB, compare: null, report: join(runB, 'index.html'), junit: join(runB, 'junit.xml'), csv: join(runB, 'roams.csv') });
    for (const k of ['report', 'junit', 'csv', 'runsIndex']) expect(existsSync(files[k]!), k).toBe(true);
  });
});

describe('the merged report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  const out = join(root, 'merged-browser');
  let data: MergedData;

  async function open(file: string): Promise<Page> {
    const p = await browser.context.newPage();
    p.setDefaultTimeout(60_000);
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`file://${file}`);
    await p.waitForSelector('body[data-ready="1"], body[data-error="1"]', { state: 'attached' });
    return p;
  }
  const rowBenches = (): Promise<string[]> => page.$$eval('#merged-table tbody tr[data-bench]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.bench!));
  const rowNights = (): Promise<string[]> => page.$$eval('#merged-table tbody tr[data-bench]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.night!));

  beforeAll(async () => {
    const damaged = join(root, 'damaged-browser');
    const empty = join(damaged, '20261101T020000Z-virtual');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'run.json'), JSON.stringify({ inventory: 'inventory.yaml', bench: 'virtual', variants: ['stock'], count: 2, timeScale: 100, startedAt: '2026-11-01T02:00:00.000Z' }));
    const r = await runCli(['report', 'merge', reportsA, reportsB, damaged, '--out', out], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    data = readMerged(out);
    browser = await launchBrowser();
    page = await open(join(out, 'index.html'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws itself: every row of both benches, the links to each run, no error', async () => {
    expect(await page.getAttribute('body', 'data-error')).toBeNull();
    expect((await rowBenches()).sort()).toEqual(data.rows.map((r) => r.bench).sort());
    expect(new Set(await rowBenches())).toEqual(new Set(['virtual', 'bench-b']));
    const hrefs = await page.$$eval('#merged-table tbody a', (as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs.sort()).toEqual(data.rows.flatMap((r) => (r.href ? [r.href] : [])).sort());
    const first = await page.textContent(`#merged-table tbody tr[data-run="${basename(runB)}"][data-variant="stock"]`);
    const s = summaryOf(runB).variants[0];
    expect(first).toContain(`${s.valid} / ${s.roams}`);
    // The run that recorded nothing: listed, its figures unknown with the reason.
    const empty = (await page.textContent('#merged-table tbody tr[data-run="20261101T020000Z-virtual"]'))!;
    expect(empty).toContain('neither summary.json nor roams.jsonl');
    const cell = (run: string, variant: string, key: string): Promise<string> =>
      page.$eval(
        `#merged-table tbody tr[data-run="${run}"][data-variant="${variant}"]`,
        (tr, k) => {
          const col = [...document.querySelectorAll('#merged-table thead th')].findIndex((th) => (th as HTMLElement).dataset.key === k);
          return tr.children[col].textContent ?? '';
        },
        key,
      );
    for (const key of ['roams', 'lostMedian', 'lostMax', 'after']) expect(await cell('20261101T020000Z-virtual', 'stock', key)).toBe('unknown');
    // A known figure as the run's report shows it: one decimal for the median, the after-association median ± its resolution.
    const b = rowsOf(data, runB).get('stock')!;
    expect(await cell(basename(runB), 'stock', 'lostMedian')).toBe(b.lostMedian.value!.toFixed(1));
    expect(await cell(basename(runB), 'stock', 'after')).toBe(`${Math.round(b.afterMedian.value!).toLocaleString('en-US')} ± ${Math.round(b.afterResolution.value!)}`);
    expect(await page.textContent('#problems')).toContain('20261101T020000Z-virtual');
    expect(errors).toEqual([]);
  });

  it('filters by bench', async () => {
    await page.selectOption('#m-bench', 'bench-b');
    await page.waitForFunction(() => [...document.querySelectorAll('#merged-table tbody tr[data-bench]')].every((tr) => (tr as HTMLElement).dataset.bench === 'bench-b'));
    const b = await rowBenches();
    expect(b).toHaveLength(data.rows.filter((r) => r.bench === 'bench-b').length);
    expect(new Set(b)).toEqual(new Set(['bench-b']));
    expect(await page.textContent('#merged-count')).toBe(`${b.length} of ${data.rows.length} rows`);
    await page.selectOption('#m-bench', 'virtual');
    await page.waitForFunction(() => [...document.querySelectorAll('#merged-table tbody tr[data-bench]')].every((tr) => (tr as HTMLElement).dataset.bench === 'virtual'));
    expect(await rowBenches()).toHaveLength(data.rows.filter((r) => r.bench === 'virtual').length);
    await page.selectOption('#m-bench', '');
    await page.waitForFunction((n) => document.querySelectorAll('#merged-table tbody tr[data-bench]').length === n, data.rows.length);
  });

  it('filters by night', async () => {
    await page.selectOption('#m-night', nightBPrev);
    await page.waitForFunction((n) => [...document.querySelectorAll('#merged-table tbody tr[data-bench]')].every((tr) => (tr as HTMLElement).dataset.night === n), nightBPrev);
    const nights = await rowNights();
    expect(nights).toHaveLength(data.rows.filter((r) => r.night === nightBPrev).length);
    expect(nights.length).toBeGreaterThan(0);
    expect(nights.length).toBeLessThan(data.rows.length);
    expect(new Set(await rowBenches())).toEqual(new Set(['bench-b']));
    // Both filters together: bench-b on the later night is its one real run.
    await page.selectOption('#m-night', nightB);
    await page.selectOption('#m-bench', 'bench-b');
    await page.waitForFunction(() => [...document.querySelectorAll('#merged-table tbody tr[data-bench]')].every((tr) => (tr as HTMLElement).dataset.bench === 'bench-b'));
    const runs = await page.$$eval('#merged-table tbody tr[data-bench]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.run));
    expect(new Set(runs)).toEqual(new Set([basename(runB)]));
    await page.selectOption('#m-night', '');
    await page.selectOption('#m-bench', '');
    await page.waitForFunction((n) => document.querySelectorAll('#merged-table tbody tr[data-bench]').length === n, data.rows.length);
  });

  it('the trend: one line per bench and variant, drawn', async () => {
    const labels = await page.$$eval('#trend-chart .u-legend .u-series .u-label', (els) => els.map((e) => e.textContent));
    expect(labels).toEqual(['run', 'stock on bench-b', 'patched on bench-b', 'stock on virtual', 'patched on virtual']);
    expect(await paintedPixels(page, '#trend-chart canvas')).toBeGreaterThan(500);
    // Over the nights: the first to the last start of the runs with a figure (not the run that recorded none), 3% either side.
    await page.waitForSelector('#trend-chart[data-x-max]', { state: 'attached' });
    const [lo, hi] = await page.$eval('#trend-chart', (el) => [Number((el as HTMLElement).dataset.xMin), Number((el as HTMLElement).dataset.xMax)]);
    const drawn = data.runs.filter((r) => r.id !== '20261101T020000Z-virtual');
    expect(drawn).toHaveLength(data.runs.length - 1);
    const starts = drawn.map((r) => Date.parse(r.startedAt) / 1000);
    const span = Math.max(...starts) - Math.min(...starts);
    expect(span).toBeGreaterThan(86_400);
    expect(lo).toBeCloseTo(Math.min(...starts) - 0.03 * span, 0);
    expect(hi).toBeCloseTo(Math.max(...starts) + 0.03 * span, 0);
    expect(errors).toEqual([]);
  });

  it('a single run draws a sane axis: an hour either side, not years', async () => {
    const one = join(root, 'merged-one');
    const r = await runCli(['report', 'merge', runB, '--out', one], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const p = await open(join(one, 'index.html'));
    await p.waitForSelector('#trend-chart[data-x-max]', { state: 'attached' });
    const span = await p.$eval('#trend-chart', (el) => Number((el as HTMLElement).dataset.xMax) - Number((el as HTMLElement).dataset.xMin));
    expect(span).toBe(7200);
    expect(await paintedPixels(p, '#trend-chart canvas')).toBeGreaterThan(500);
    expect(await p.$$eval('#trend-chart .u-legend .u-series .u-label', (els) => els.map((e) => e.textContent))).toEqual(['run', 'stock on bench-b', 'patched on bench-b']);
    await p.close();
    expect(errors).toEqual([]);
  });
});
