import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { RigError } from '../errors.ts';
import { deltaDecode, deltaEncode, minMaxIndices } from '../report/downsample.ts';
import { csvField, escapeXml, jsonForScript } from '../report/escape.ts';
import { indexDataFor, regenerateReportsIndex, reportDataFor, writeRunReport } from '../report/index.ts';
import { loadRun } from '../report/load.ts';
import { BUDGET } from '../report/model/timeline.ts';
import { readPingLog, sendTimeOf } from '../report/ping-log.ts';
import { compareSamples, exactUDistribution, mannWhitney, welchInterval } from '../report/stats.ts';
import { runCli, tempDir } from './helpers/cli.ts';
import { HOSTILE, markInvalid, writeHostileRun, writeSyntheticRun } from './helpers/report-fixtures.ts';

describe('report statistics (checked against hand computation)', () => {
  it('Welch interval: equal variances and sizes give df = 2(n-1) and the textbook t', () => {
    // a: mean 2.5, b: mean 4.5, both variance 5/3; se = sqrt(2 * 5/3 / 4) = 0.912871; t(0.975, 6) = 2.446912
    const w = welchInterval([1, 2, 3, 4], [3, 4, 5, 6])!;
    expect(w.diff).toBeCloseTo(2, 12);
    expect(w.df).toBeCloseTo(6, 9);
    expect(w.low).toBeCloseTo(2 - 2.446912 * 0.912871, 4);
    expect(w.high).toBeCloseTo(2 + 2.446912 * 0.912871, 4);
  });

  it('Welch interval: unequal variances use the Welch-Satterthwaite df', () => {
    // a = 1..4 (var 5/3), b = 2,4,6,8 (var 20/3): df = (5/12 + 5/3)^2 / ((5/12)^2/3 + (5/3)^2/3) = 4.41176
    const w = welchInterval([1, 2, 3, 4], [2, 4, 6, 8])!;
    expect(w.df).toBeCloseTo(4.41176, 4);
    expect(w.diff).toBeCloseTo(2.5, 12);
    // t(0.975, 4.41) lies between t(5) = 2.5706 and t(4) = 2.7764
    const half = (w.high - w.low) / 2 / Math.sqrt(5 / 12 + 5 / 3);
    expect(half).toBeGreaterThan(2.5706);
    expect(half).toBeLessThan(2.7764);
  });

  it('Welch interval needs two values per sample; no spread gives a point', () => {
    expect(welchInterval([1], [2, 3])).toBeNull();
    const w = welchInterval([5, 5, 5], [0, 0])!;
    expect([w.diff, w.low, w.high, w.df]).toEqual([-5, -5, -5, Infinity]);
  });

  it('exact U distribution: the Gaussian binomial coefficients', () => {
    expect(exactUDistribution(2, 2)).toEqual([1, 1, 2, 1, 1]);
    // partitions in a 3 x 4 box: sums to C(7,3) = 35
    expect(exactUDistribution(3, 4)).toEqual([1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1]);
  });

  it('Mann-Whitney exact without ties: 1,2,3 vs 4,5,6 -> U = 0, p = 2/20', () => {
    const m = mannWhitney([1, 2, 3], [4, 5, 6])!;
    expect(m.method).toBe('exact');
    expect(m.u).toBe(0);
    expect(m.p).toBeCloseTo(0.1, 12);
  });

  it('Mann-Whitney exact: 1,3,5 vs 2,4,6,8 -> U = 3, p = 2 * 7/35', () => {
    const m = mannWhitney([1, 3, 5], [2, 4, 6, 8])!;
    expect(m.u).toBe(3);
    expect(m.p).toBeCloseTo(0.4, 12);
  });

  it('Mann-Whitney with ties: normal approximation with tie and continuity correction', () => {
    // ranks of a: 2,2,2,4 -> U = 0; ties (3 and 3): sigma^2 = 16/12 * (9 - 48/56) = 10.857; z = -7.5/3.295 = -2.2762
    const m = mannWhitney([0, 0, 0, 1], [5, 5, 5, 6])!;
    expect(m.method).toBe('normal');
    expect(m.u).toBe(0);
    expect(m.p).toBeCloseTo(0.02283, 3);
    // a = 1..4, b = 3..6: U = 2, two tie pairs, z = -5.5/3.4226 = -1.607 -> p = 0.1081
    expect(mannWhitney([1, 2, 3, 4], [3, 4, 5, 6])!.p).toBeCloseTo(0.1081, 3);
    expect(mannWhitney([2, 2], [2, 2, 2])!.p).toBe(1);
  });

  it('says it in plain words: fewer, the signed difference b - a with its CI as the table gives it, p', () => {
    // means 5.0 and 0.125; Welch: se 0.22658, df 12.14, t 2.1762 -> a - b in 4.382 .. 5.368; U = 64, z = 3.55
    const stock = [5, 5, 5, 5, 6, 5, 5, 4];
    const patched = [0, 0, 1, 0, 0, 0, 0, 0];
    const c = compareSamples('lost', 'stock', stock, 'patched', patched);
    // The words carry b - a signed, as the table does (issue 10: they used to flip it to 4.4 to 5.4).
    expect(c.statement).toBe('patched loses 4.9 fewer packets per roam than stock (difference \u22124.9, 95% CI \u22125.4 to \u22124.4); Mann-Whitney p < 0.001: significant.');
    expect(c.outcome).toBe('better');
    expect(c.ci!.low).toBeCloseTo(-5.368, 2);
    expect(c.ci!.high).toBeCloseTo(-4.382, 2);
    const worse = compareSamples('lost', 'stock', patched, 'patched', stock);
    expect(worse.statement).toBe('patched loses 4.9 more packets per roam than stock (difference +4.9, 95% CI +4.4 to +5.4); Mann-Whitney p < 0.001: significant, a regression.');
    expect(worse.outcome).toBe('worse');
  });

  it('no significant difference is said as such', () => {
    const c = compareSamples('lost', 'stock', [1, 2, 3, 4], 'patched', [3, 4, 5, 6]);
    expect(c.significant).toBe(false);
    expect(c.statement).toBe('No significant difference in packets lost per roam between stock and patched: patched loses 2.0 more packets per roam (difference +2.0, 95% CI \u22120.2 to +4.2); Mann-Whitney p = 0.11.');
  });

  it('too few roams: says so instead of a number', () => {
    const c = compareSamples('outageMs', 'stock', [1200], 'patched', [0, 400]);
    expect(c.outcome).toBeNull();
    expect(c.statement).toMatch(/too few valid roams to compare patched \(2\) with stock \(1\)/);
  });
});

describe('report building blocks', () => {
  it('min/max downsampling keeps marked points and each bucket\'s extremes', () => {
    const t = Array.from({ length: 1000 }, (_, i) => i);
    const y = t.map((i) => (i === 500 ? 99 : i === 10 ? -5 : i % 7));
    const keep = new Uint8Array(1000);
    keep[123] = 1;
    const idx = minMaxIndices(t, y, 100, keep);
    expect(idx.length).toBeLessThanOrEqual(100);
    expect(idx).toContain(500);
    expect(idx).toContain(10);
    expect(idx).toContain(123);
    expect([...idx].sort((a, b) => a - b)).toEqual(idx);
    expect(minMaxIndices([1, 2, 3], [1, 2, 3], 10)).toEqual([0, 1, 2]);
    expect(deltaDecode(deltaEncode([1000.4, 1200.6, 1201], 1000))).toEqual([0, 201, 201]);
  });

  it('escaping: JSON cannot close its script block, XML drops what XML cannot hold, CSV defuses formulas', () => {
    const j = jsonForScript({ s: '</script><!-- &' });
    expect(j).not.toMatch(/[<>&]/);
    expect(JSON.parse(j)).toEqual({ s: '</script><!-- &' });
    expect(escapeXml('a<b>"c"&\u0000\u0007d')).toBe('a&lt;b&gt;&quot;c&quot;&amp;\uFFFD\uFFFDd');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-83)).toBe('-83');
    expect(csvField('a,b')).toBe('"a,b"');
  });

  it('ping.log: sessions per ping process, -D stamps, seq unwrapping, DUPs and stderr', () => {
    const dir = tempDir('rig-report-ping-');
    const f = join(dir, 'ping.log');
    writeFileSync(
      f,
      [
        '1000.000000 PING 192.0.2.10 (192.0.2.10) 56(84) bytes of data.',
        '1000.010000 [1000.005000] 64 bytes from 192.0.2.10: icmp_seq=65534 ttl=64 time=5.00 ms',
        '1000.210000 [1000.205000] 64 bytes from 192.0.2.10: icmp_seq=65535 ttl=64 time=5.00 ms',
        '1000.310000 [1000.305000] 64 bytes from 192.0.2.10: icmp_seq=65535 ttl=64 time=5.00 ms (DUP!)',
        '1000.610000 [1000.605000] 64 bytes from 192.0.2.10: icmp_seq=1 ttl=64 time=5.00 ms',
        '1000.620000 [1000.615000] no answer yet for icmp_seq=0',
        '1000.700000 E ping: sendto: Network is unreachable',
        '1001.000000 PING 192.0.2.10 (192.0.2.10): 56 data bytes',
        '1001.100000 64 bytes from 192.0.2.10: seq=0 ttl=64 time=0.500 ms',
        '1001.300000 64 bytes from 192.0.2.10: seq=1 ttl=64 time=0.500 ms',
        '',
      ].join('\n'),
    );
    const log = readPingLog(f);
    expect(log.sessions).toHaveLength(2);
    const [a, b] = log.sessions;
    expect(a.seq).toEqual([65534, 65535, 65537]);
    expect(a.sendT[0]).toBeCloseTo(1000000, 6); // 1000.005 s - 5 ms
    expect(sendTimeOf(a, 65536)).toBeCloseTo((1000200 + 1000600) / 2, 6);
    expect(b.seq).toEqual([0, 1]);
    expect(b.sendT[1]).toBeCloseTo(1001299.5, 6); // arrival stamp (busybox has no -D) - RTT
    expect(log.errorCount).toBe(1);
    expect(log.errors[0].text).toBe('ping: sendto: Network is unreachable');
    expect(log.pingStamps).toBe(true);
  });

  it('a folder that is not a run folder is a usage error naming the path', () => {
    const dir = tempDir('rig-report-empty-');
    expect(() => loadRun(dir)).toThrow(RigError);
    try {
      loadRun(join(dir, 'nope'));
    } catch (e) {
      expect((e as RigError).code).toBe('E_NOT_RUN_FOLDER');
      expect((e as RigError).exitCode).toBe(2);
      expect((e as Error).message).toContain(join(dir, 'nope'));
    }
  });

  it('a crashed run (torn last line, no summary.json) still gets a report that says so', async () => {
    const dir = join(tempDir('rig-report-crash-'), 'run-1');
    writeSyntheticRun(dir, { variants: [{ name: 'stock', roams: 4, lost: () => 5 }] });
    const roams = readFileSync(join(dir, 'roams.jsonl'), 'utf8');
    writeFileSync(join(dir, 'roams.jsonl'), roams + '{"index":5,"variant":"sto');
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'summary.json'));
    const d = reportDataFor(dir);
    expect(d.verdict.status).toBe('incomplete');
    expect(d.roams.n).toBe(4);
    expect(d.run.warnings.join(' ')).toMatch(/summary\.json is missing/);
    expect(d.run.warnings.join(' ')).toMatch(/roams\.jsonl: 1 line\(s\) not valid JSON/);
    await writeRunReport(dir);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(dir, 'junit.xml'), 'utf8'));
    expect(junit.testsuites['@_errors']).toBe('1');
  });
});

/** fast-xml-parser gives one object or an array: always an array. */
const arr = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

describe('junit.xml and roams.csv', () => {
  // stock: roams 3 and 7 lose 9 (> 8 allowed); patched: all 0; roam 12 invalid.
  const root = tempDir('rig-report-junit-');
  const dir = join(root, '20261120T010000Z-synthetic');
  let n = 0;
  writeSyntheticRun(dir, {
    variants: [
      { name: 'stock', roams: 10, lost: () => (++n === 3 || n === 7 ? 9 : 5) },
      { name: 'patched', roams: 10, lost: () => 0, thresholds: { maxMedianLostPerRoam: 1, maxLostPerRoam: 1, maxInvalidFraction: 0.1 } },
    ],
  });
  markInvalid(dir, 12, 'no roam to ap1 within 60 s');

  it('one test case per roam; above the threshold fails; invalid is skipped with its reason, never a pass', async () => {
    await writeRunReport(dir);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suites = arr(doc.testsuites.testsuite) as { name: string; tests: string; failures: string; skipped: string; testcase: unknown }[];
    expect(suites.map((s) => s.name)).toEqual(['rig.roam.stock', 'rig.roam.patched']);
    type Case = { name: string; classname: string; failure?: { message: string }; skipped?: { message: string }; 'system-out'?: string };
    const cases = suites.flatMap((s) => arr(s.testcase as Case | Case[]));
    const roamCases = cases.filter((c) => c.name.startsWith('roam '));
    expect(roamCases).toHaveLength(20);
    expect(roamCases.map((c) => Number(c.name.split(' ')[1]))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const failed = roamCases.filter((c) => c.failure).map((c) => c.name.split(' ')[1]);
    expect(failed).toEqual(['3', '7']);
    expect(roamCases.find((c) => c.name.startsWith('roam 3 '))!.failure!.message).toBe('lost 9 pings, more than the 8 allowed');
    const invalid = roamCases.find((c) => c.name.startsWith('roam 12 '))!;
    expect(invalid.failure).toBeUndefined();
    expect(invalid.skipped!.message).toBe('invalid roam: no roam to ap1 within 60 s');
    const passes = roamCases.filter((c) => !c.failure && !c.skipped);
    expect(passes).toHaveLength(17);
    expect(passes.map((c) => c.name)).not.toContain(invalid.name);
    // The counts in the attributes agree with the cases.
    const stock = suites[0];
    expect([stock.tests, stock.failures, stock.skipped]).toEqual(['11', '3', '0']);
    expect([suites[1].tests, suites[1].failures, suites[1].skipped]).toEqual(['11', '0', '1']);
    expect(doc.testsuites.tests).toBe('22');
    expect(doc.testsuites.failures).toBe('3');
    // The threshold case carries the recorded verdict.
    const th = cases.find((c) => c.classname === 'rig.roam.stock' && c.name.startsWith('thresholds'))!;
    expect(th.failure!.message).toMatch(/2 roam\(s\) lost more than 8 pings/);
  });

  it('roams.csv: a header and one row per roam, invalid rows with empty loss', async () => {
    await writeRunReport(dir);
    const lines = readFileSync(join(dir, 'roams.csv'), 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(21);
    const head = lines[0].split(',');
    const row12 = lines[12].split(',');
    expect(row12[head.indexOf('index')]).toBe('12');
    expect(row12[head.indexOf('valid')]).toBe('false');
    expect(row12[head.indexOf('lost')]).toBe('');
    expect(row12[head.indexOf('invalid_reason')]).toBe('no roam to ap1 within 60 s');
    expect(lines[3].split(',')[head.indexOf('over_threshold')]).toBe('true');
  });

  it('the same files give the same bytes (the report is a pure function of the run folder)', async () => {
    await writeRunReport(dir);
    const first = ['index.html', 'junit.xml', 'roams.csv'].map((f) => readFileSync(join(dir, f), 'utf8'));
    await writeRunReport(dir);
    const second = ['index.html', 'junit.xml', 'roams.csv'].map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(second).toEqual(first);
  });

  it('hostile strings are escaped in junit.xml (it still parses) and defused in roams.csv', async () => {
    const hdir = join(tempDir('rig-report-hostile-x-'), 'run');
    writeHostileRun(hdir);
    await writeRunReport(hdir);
    const xml = readFileSync(join(hdir, 'junit.xml'), 'utf8');
    expect(xml).not.toContain('<script>');
    expect(xml).not.toContain('<img');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const props = arr(arr(doc.testsuites.testsuite)[0].properties.property) as { name: string; value: string }[];
    expect(props.find((p) => p.name === 'bench')!.value).toBe(HOSTILE.script);
    const html = readFileSync(join(hdir, 'index.html'), 'utf8');
    // Raw markup from the data appears nowhere in the page's HTML: only inside the JSON, \u-escaped.
    for (const s of Object.values(HOSTILE)) expect(html).not.toContain(s);
    expect(html.match(/<script/g)).toHaveLength(2);
  });
});

describe('reports/index.html and scale', () => {
  it('lists every run, newest first, with each variant\'s median', async () => {
    const root = tempDir('rig-report-index-');
    writeSyntheticRun(join(root, '20261118T010000Z-b'), { variants: [{ name: 'stock', roams: 4, lost: () => 5 }], startMs: Date.UTC(2026, 10, 18, 1), pingLog: false });
    writeSyntheticRun(join(root, '20261120T010000Z-b'), { variants: [{ name: 'stock', roams: 4, lost: () => 4 }, { name: 'patched', roams: 4, lost: () => 0 }], startMs: Date.UTC(2026, 10, 20, 1), pingLog: false });
    writeSyntheticRun(join(root, '20261119T010000Z-b'), { variants: [{ name: 'patched', roams: 4, lost: () => 1 }], startMs: Date.UTC(2026, 10, 19, 1), pingLog: false });
    mkdirSync(join(root, 'not-a-run'));
    await regenerateReportsIndex(root);
    const d = indexDataFor(root);
    expect(d.runs.map((r) => r.id)).toEqual(['20261120T010000Z-b', '20261119T010000Z-b', '20261118T010000Z-b']);
    expect(d.runs[0].variants.map((v) => [v.name, v.median])).toEqual([['stock', 4], ['patched', 0]]);
    expect(d.colors.map(([n]) => n)).toEqual(['stock', 'patched']);
    expect(readFileSync(join(root, 'index.html'), 'utf8')).toContain('20261119T010000Z-b');
  });

  it('3,000 roams: the timeline is thinned to its budget, every lost echo kept, every roam in the table', () => {
    const dir = join(tempDir('rig-report-big-'), 'run');
    const { records } = writeSyntheticRun(dir, { variants: [{ name: 'stock', roams: 1500, lost: (r) => 4 + Math.floor(r() * 3) }, { name: 'patched', roams: 1500, lost: (r) => (r() < 0.1 ? 1 : 0) }], invalidFraction: 0.01 });
    const d = reportDataFor(dir);
    expect(d.roams.n).toBe(3000);
    expect(d.timeline.rtt.total).toBeGreaterThan(BUDGET.rtt);
    expect(d.timeline.rtt.t.length).toBeLessThanOrEqual(BUDGET.rtt);
    expect(d.timeline.lost.t.length).toBe(records.reduce((s, r) => s + r.lostSeqs.length, 0));
    expect(d.timeline.notes.join(' ')).toMatch(/ping replies: [\d,]+ of [\d,]+ drawn/);
    expect(d.comparisons[0].headline.statement).toMatch(/^patched loses \d\.\d fewer packets per roam than stock \(difference \u2212\d\.\d, 95% CI \u2212\d\.\d to \u2212\d\.\d[^)]*\); Mann-Whitney p < 0\.001/);
  });
});

describe('rig report (CLI)', () => {
  it('rebuilds a run folder, with --compare', async () => {
    const root = tempDir('rig-report-cli-');
    const a = join(root, '20261119T010000Z-s');
    const b = join(root, '20261120T010000Z-s');
    writeSyntheticRun(a, { variants: [{ name: 'patched', roams: 6, lost: () => 0 }], startMs: Date.UTC(2026, 10, 19, 1) });
    writeSyntheticRun(b, { variants: [{ name: 'patched', roams: 6, lost: () => 3 }], startMs: Date.UTC(2026, 10, 20, 1) });
    const r = await runCli(['report', b, '--compare', a], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(join(b, 'index.html'));
    const html = readFileSync(join(b, 'index.html'), 'utf8');
    expect(html).toContain('against run 20261119T010000Z-s');
    expect(html).toContain('patched @ this run loses 3.0 more packets per roam than patched @ 20261119T010000Z-s');
    expect(readFileSync(join(root, 'index.html'), 'utf8')).toContain('20261119T010000Z-s');
  });

  it('exits 2 naming the path when the folder is not a run folder, without a stack trace', async () => {
    const root = tempDir('rig-report-cli-bad-');
    for (const args of [['report', root], ['report', join(root, 'missing')], ['report', join(root, 'missing'), '--compare', root]]) {
      const r = await runCli(args, { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${args[1]} is not a run folder`);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    const good = join(root, 'run');
    writeSyntheticRun(good, { variants: [{ name: 'stock', roams: 2, lost: () => 5 }], pingLog: false });
    const r = await runCli(['report', good, '--compare', join(root, 'nope')], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(root, 'nope')} is not a run folder`);
  });
});

describe('runs index trend axis', () => {
  it('a single run: an hour either side of it, not years (issue 10)', async () => {
    const { trendRange } = await import('../report/client/trend-range.ts');
    const t = Date.parse('2026-11-30T21:53:18Z') / 1000;
    expect(trendRange([t])).toEqual([t - 3600, t + 3600]);
    // Ten days of nightly runs: 3% of the span either side.
    const ten = [t, t + 5 * 86400, t + 10 * 86400];
    expect(trendRange(ten)).toEqual([t - 0.03 * 864000, t + 10 * 86400 + 0.03 * 864000]);
  });
});
