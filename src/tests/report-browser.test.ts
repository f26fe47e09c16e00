/**
 * The report in a real browser: Debian's Chromium, opened from disk, network
 * blocked. Data from real runs of the virtual rig (rig roam, which writes the
 * report itself), merged into one two-variant run, plus a run full of hostile
 * strings.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeRunReport } from '../report/index.ts';
import { ROOT, readJsonl, runCli, tempDir } from './helpers/cli.ts';
import { launchBrowser, openReport, paintedPixels, type Browser } from './helpers/report-browser.ts';
import { HOSTILE, markInvalid, mergeRuns, writeHostileRun } from './helpers/report-fixtures.ts';

// A loaded 2-core machine makes Chromium slow: Playwright's own waits (60 s, with a message saying what) end before the test's.
vi.setConfig({ testTimeout: 180_000 });

const ARTIFACTS = join(ROOT, 'reports/test-artifacts');
const root = tempDir('rig-report-browser-');
let stockRun = '';
let patchedRun = '';
let abRun = '';
let abRoams = 0;
let patchedRoams = 0;
/** Invalid roams of the merged run: roam 4, made invalid here, and any the virtual rig itself recorded (a loaded machine can). */
let invalidIdx: number[] = [];
let hostileRun = '';
let browser: Browser;

/** Roams per real run: two runs merged give more than one page of 25 rows. */
const COUNT = 14;

async function roam(args: string[]): Promise<string> {
  const r = await runCli(['roam', '--count', String(COUNT), '--reports', root, '--json', ...args], { timeoutMs: 240_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { runDir: string }).runDir;
}

beforeAll(async () => {
  // Two real runs of the virtual rig, one after the other (they share the time-scaled bench clock).
  stockRun = await roam([]);
  patchedRun = await roam(['--firmware', 'patched']);
  abRun = join(root, '29991231T000000Z-virtual-ab');
  mergeRuns([stockRun, patchedRun], abRun);
  markInvalid(abRun, 4, 'ping died: ping: sendto: Network is unreachable');
  const ab = readJsonl<{ variant: string; index: number; valid: boolean }>(join(abRun, 'roams.jsonl'));
  abRoams = ab.length;
  invalidIdx = ab.filter((r) => !r.valid).map((r) => r.index);
  patchedRoams = ab.filter((r) => r.variant === 'patched').length;
  await writeRunReport(abRun);
  hostileRun = join(tempDir('rig-report-hostile-'), '20261120T010000Z-hostile');
  writeHostileRun(hostileRun);
  await writeRunReport(hostileRun);
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

/** All filters off, index order, 1000 rows a page: each test starts from the same table. */
async function resetTable(page: Page): Promise<void> {
  for (const sel of ['#f-variant', '#f-direction', '#f-result']) await page.selectOption(sel, '');
  await page.fill('#f-search', '');
  await page.selectOption('#f-pagesize', '1000');
  if ((await page.getAttribute('th[data-key="index"]', 'aria-sort')) !== 'ascending') {
    await page.click('th[data-key="index"]');
    if ((await page.getAttribute('th[data-key="index"]', 'aria-sort')) !== 'ascending') await page.click('th[data-key="index"]');
  }
  await page.waitForFunction((n) => document.querySelectorAll('#roam-table tbody tr[data-index]').length === n, abRoams);
}

const rowIndexes = (page: Page): Promise<number[]> => page.$$eval('#roam-table tbody tr[data-index]', (trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.index)));
const cellTexts = (page: Page, key: string): Promise<string[]> =>
  page.$$eval(
    '#roam-table tbody tr[data-index]',
    (trs, k) => {
      const ths = Array.from(document.querySelectorAll('#roam-table thead th')) as HTMLElement[];
      const col = ths.findIndex((th) => th.dataset.key === k);
      return trs.map((tr) => (tr.children[col] as HTMLElement).textContent ?? '');
    },
    key,
  );

describe('the report of a real virtual run', () => {
  it('rig roam wrote index.html, junit.xml, roams.csv and the run list', () => {
    for (const f of ['index.html', 'junit.xml', 'roams.csv']) expect(statSync(join(stockRun, f)).size).toBeGreaterThan(200);
    const list = readFileSync(join(root, 'index.html'), 'utf8');
    expect(list).toContain(stockRun.split('/').pop());
  });

  it('renders: verdict, charts drawn, one row per roam; screenshot saved as a test artifact', async () => {
    const { page, errors, dialogs } = await openReport(browser, join(stockRun, 'index.html'));
    expect(errors).toEqual([]);
    expect(await page.getAttribute('body', 'data-error')).toBeNull();
    expect(await page.getAttribute('#verdict', 'data-status')).toBe('passed');
    expect(await page.textContent('#verdict')).toMatch(new RegExp(`stock: \\d+ of ${COUNT} roams valid; median \\d+ lost per roam`));
    for (const c of ['#histogram canvas', '#timeline-rf canvas', '#timeline-ping canvas']) expect(await paintedPixels(page, c)).toBeGreaterThan(2000);
    expect(await rowIndexes(page)).toEqual(Array.from({ length: COUNT }, (_, i) => i + 1));
    const file = join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(50_000);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});

describe('the report of a two-variant run', () => {
  let page: Page;
  beforeAll(async () => {
    const opened = await openReport(browser, join(abRun, 'index.html'));
    page = opened.page;
    expect(opened.errors).toEqual([]);
  });

  it('states the A/B result in plain words', async () => {
    const statement = (await page.textContent('#ab .ab-statement'))!;
    expect(statement).toMatch(/^patched loses \d\.\d fewer packets per roam than stock \(difference \u2212\d\.\d, 95% CI \u2212\d\.\d to \u2212\d\.\d(, no spread in either sample)?\); Mann-Whitney p < 0\.001: significant\.$/);
    expect(await page.$$eval('#ab tbody tr', (t) => t.length)).toBe(3);
    // The words and the table say the same difference and interval, with the same signs (issue 10).
    const num = (x: string): number => Number(x.replace(/\u2212/g, '-').replace(/,/g, ''));
    const words = /difference ([^,]+), 95% CI (\S+) to ([^,)]+)/.exec(statement)!.slice(1).map(num);
    const cell = (await page.$$eval('#ab tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? ''))))[0];
    const table = /^(\S+) \((\S+) to (\S+)\)$/.exec(cell.find((t) => / to /.test(t))!)!.slice(1).map(num);
    expect(table).toEqual(words);
    await page.screenshot({ path: join(ARTIFACTS, 'report-ab.png'), fullPage: true });
  });

  it('has as many table rows, across pages, as roams (valid and invalid)', async () => {
    expect(abRoams).toBeGreaterThan(25);
    await page.selectOption('#f-pagesize', '25');
    await page.waitForFunction(() => document.querySelectorAll('#roam-table tbody tr[data-index]').length === 25);
    const seen: number[] = [];
    for (let p = 0; p < 10; p++) {
      seen.push(...(await rowIndexes(page)));
      if (await page.isDisabled('button[data-page="next"]')) break;
      const first = (await rowIndexes(page))[0];
      await page.click('button[data-page="next"]');
      await page.waitForFunction((f) => Number((document.querySelector('#roam-table tbody tr[data-index]') as HTMLElement | null)?.dataset.index) !== f, first);
    }
    expect(seen).toHaveLength(abRoams);
    expect(new Set(seen).size).toBe(abRoams);
    expect(await page.textContent('.pageno')).toBe(`page ${Math.ceil(abRoams / 25)} of ${Math.ceil(abRoams / 25)}`);
    await page.click('button[data-page="first"]');
    await page.selectOption('#f-pagesize', '1000');
    await page.waitForFunction((n) => document.querySelectorAll('#roam-table tbody tr[data-index]').length === n, abRoams);
    expect(invalidIdx).toContain(4);
    const invalid = await page.textContent('#roam-table tbody tr[data-index="4"]');
    expect(invalid).toContain('invalid');
    expect(invalid).toContain('ping died: ping: sendto: Network is unreachable');
  });

  it('sorts by a column, both ways', async () => {
    await resetTable(page);
    const before = await rowIndexes(page);
    expect(before).toEqual([...before].sort((a, b) => a - b));
    await page.click('th[data-key="lost"]');
    await page.waitForSelector('th[data-key="lost"][aria-sort="descending"]');
    const desc = (await cellTexts(page, 'lost')).map((t) => (t === '–' ? -1 : Number(t)));
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    expect(desc[0]).toBeGreaterThanOrEqual(4);
    expect(await rowIndexes(page)).not.toEqual(before);
    await page.click('th[data-key="lost"]');
    await page.waitForSelector('th[data-key="lost"][aria-sort="ascending"]');
    const asc = (await cellTexts(page, 'lost')).map((t) => (t === '–' ? -1 : Number(t)));
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(asc[0]).toBe(-1); // the invalid roam: no loss figure, first
    await page.click('th[data-key="index"]');
    await page.waitForSelector('th[data-key="index"][aria-sort="descending"]');
    expect((await rowIndexes(page))[0]).toBe(abRoams);
    await page.click('th[data-key="index"]');
    await page.waitForSelector('th[data-key="index"][aria-sort="ascending"]');
  });

  it('filters by variant, result and text', async () => {
    await resetTable(page);
    const half = patchedRoams;
    await page.selectOption('#f-variant', 'patched');
    await page.waitForFunction((n) => document.querySelectorAll('#roam-table tbody tr[data-index]').length === n, half);
    expect(new Set(await cellTexts(page, 'variant'))).toEqual(new Set(['patched']));
    expect(await page.textContent('#roam-count')).toBe(`roams 1–${half} of ${half} (filtered from ${abRoams})`);
    await page.selectOption('#f-variant', '');
    await page.selectOption('#f-result', 'invalid');
    await page.waitForFunction((n) => document.querySelectorAll('#roam-table tbody tr[data-index]').length === n, invalidIdx.length);
    expect(await rowIndexes(page)).toEqual(invalidIdx);
    expect(await page.textContent('#roam-table tbody')).toContain('ping died: ping: sendto: Network is unreachable');
    await page.selectOption('#f-result', '');
    await page.fill('#f-search', 'network is unreachable');
    await page.waitForFunction((n) => document.querySelectorAll('#roam-table tbody tr[data-index]').length < n, abRoams);
    expect(await rowIndexes(page)).toContain(4);
    for (const t of await page.$$eval('#roam-table tbody tr[data-index]', (trs) => trs.map((tr) => tr.textContent ?? ''))) expect(t.toLowerCase()).toContain('network is unreachable');
    await page.fill('#f-search', 'no such roam anywhere');
    await page.waitForSelector('#roam-table tbody tr.empty');
    await page.fill('#f-search', '');
    await page.waitForFunction((n) => document.querySelectorAll('#roam-table tbody tr[data-index]').length === n, abRoams);
  });

  it('choosing a roam zooms the timeline to its window and shows its details', async () => {
    await resetTable(page);
    await page.click('#tl-all');
    const whole = (await page.textContent('#timeline-range'))!;
    const rfBefore = await page.$eval('#timeline-rf canvas', (c) => (c as HTMLCanvasElement).toDataURL());
    await page.click('#roam-table tbody tr[data-index="3"]');
    await page.waitForFunction(() => document.querySelector('#roam-detail')?.textContent?.includes('Roam #3'));
    await page.waitForFunction((w) => document.querySelector('#timeline-range')?.textContent !== w, whole);
    const seconds = (s: string): number => {
      const m = /\((?:(\d+) min )?(\d+) s\)|\((\d+) h (\d+) min\)/.exec(s)!;
      return m[3] ? Number(m[3]) * 3600 + Number(m[4]) * 60 : Number(m[1] ?? 0) * 60 + Number(m[2]);
    };
    expect(seconds((await page.textContent('#timeline-range'))!)).toBeLessThan(seconds(whole) / 4);
    expect(await page.$eval('#timeline-rf canvas', (c) => (c as HTMLCanvasElement).toDataURL())).not.toBe(rfBefore);
    expect(await page.evaluate(() => location.hash)).toBe('#roam=3');
    expect(await page.getAttribute('#roam-table tbody tr[data-index="3"]', 'class')).toContain('selected');
    await page.click('#tl-next');
    await page.waitForFunction(() => document.querySelector('#roam-detail')?.textContent?.includes('Roam #4'));
    expect(await page.textContent('#roam-detail')).toContain('invalid: ping died');
    await page.click('#zoom-roam');
    await page.screenshot({ path: join(ARTIFACTS, 'report-timeline.png'), clip: (await page.locator('#timeline').boundingBox())! });
  });

  it('fetched nothing: every request stayed on disk, and the page forbids any other', async () => {
    expect(browser.blocked).toEqual([]);
    const csp = (await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content'))!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    // The page really is self-contained: no element refers to anything outside it.
    expect(await page.$$eval('script[src], link[href], img[src], iframe', (els) => els.length)).toBe(0);
  });
});

describe('hostile strings', () => {
  it('an SSID, host name, banner or reason containing markup shows as text and nothing runs', async () => {
    const { page, dialogs, errors } = await openReport(browser, join(hostileRun, 'index.html'));
    expect(errors).toEqual([]);
    expect(await page.getAttribute('body', 'data-ready')).toBe('1');
    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await page.$$eval('img, iframe, object, embed', (e) => e.length)).toBe(0);
    expect(await page.$$eval('main svg, header svg', (e) => e.length)).toBe(0);
    expect(await page.textContent('#bench-name')).toBe(HOSTILE.script);
    const text = (await page.textContent('body'))!;
    for (const s of Object.values(HOSTILE)) expect(text).toContain(s);
    const meta = (await page.textContent('#meta'))!;
    expect(meta).toContain(`SSID${HOSTILE.img}`);
    expect(meta).toContain(`ping -i 0.2 ${HOSTILE.img}`);
    expect(await page.$$eval('#devices code.banner', (e) => e.map((x) => x.textContent))).toEqual([HOSTILE.script, HOSTILE.img, `ath_pci: 0.9.4.5 ${HOSTILE.svg}`]);
    expect(await page.textContent('#roam-table tbody tr[data-index="2"]')).toContain(`ping died: ${HOSTILE.img}`);
    expect(await page.title()).toContain(HOSTILE.script);
    // Interacting re-renders rows from the same strings: still text.
    await page.fill('#f-search', 'onerror');
    await page.waitForFunction(() => document.querySelectorAll('#roam-table tbody tr[data-index]').length === 1);
    await page.click('#roam-table tbody tr[data-index="2"]');
    await page.waitForFunction(() => document.querySelector('#roam-detail')?.textContent?.includes('Roam #2'));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'report-hostile.png'), fullPage: true });
    await page.close();
  });
});

describe('reports/index.html', () => {
  it('lists every run newest first, links each report, and draws the trend', async () => {
    const runs = readdirSync(root).filter((d) => existsSync(join(root, d, 'summary.json')));
    expect(runs).toHaveLength(3);
    const { page, errors } = await openReport(browser, join(root, 'index.html'));
    expect(errors).toEqual([]);
    const ids = await page.$$eval('#runs-table tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
    const started = (id: string): string => (JSON.parse(readFileSync(join(root, id, 'summary.json'), 'utf8')) as { startedAt: string }).startedAt;
    const newestFirst = [...runs].sort((a, b) => started(b).localeCompare(started(a)) || b.localeCompare(a));
    expect(ids).toEqual(newestFirst);
    const ab = '29991231T000000Z-virtual-ab';
    const link = page.locator('#runs-table tbody a', { hasText: ab });
    expect(await link.getAttribute('href')).toBe(`${ab}/index.html`);
    expect(await paintedPixels(page, '#trend-chart canvas')).toBeGreaterThan(500);
    await link.click();
    await page.waitForSelector('body[data-ready="1"] #ab .ab-statement');
    expect(browser.blocked).toEqual([]);
    await page.close();
  });
});
