/**
 * `rig analyze FILE --json` through the real CLI on ping logs captured on real
 * systems (src/tests/fixtures/ping/): the JSON fields issue 2 names, with the values
 * the logs imply, and exit 2 naming the path for a file that is not there.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

const FIXTURES = join(ROOT, 'src/tests/fixtures/ping');
const FIELDS = ['format', 'timestamps', 'transmitted', 'received', 'lost', 'late', 'outages', 'ended', 'error'] as const;

interface AnalyzeJson {
  format: string;
  timestamps: boolean;
  transmitted: number;
  received: number;
  lost: number[];
  late: number[];
  outages: { firstSeq: number; lastSeq: number; lost: number; durationMs: number | null }[];
  ended: string;
  error: string | null;
}

async function analyze(file: string, ...args: string[]): Promise<AnalyzeJson> {
  const r = await runCli(['analyze', join(FIXTURES, file), '--json', ...args], { timeoutMs: 60_000 });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.code, r.stderr).toBe(0);
  const json = JSON.parse(r.stdout) as AnalyzeJson;
  for (const f of FIELDS) expect(json, `field ${f}`).toHaveProperty(f);
  return json;
}

describe('rig analyze --json', () => {
  it('the -D -O loss log: five lost in one outage of 1.2 s, ended with the statistics', async () => {
    const a = await analyze('iputils-DO-loss.log');
    expect(a).toMatchObject({
      format: 'iputils',
      timestamps: true,
      transmitted: 35,
      received: 30,
      lost: [21, 22, 23, 24, 25],
      late: [],
      ended: 'summary',
      error: null,
    });
    expect(a.outages).toHaveLength(1);
    expect(a.outages[0]).toMatchObject({ firstSeq: 21, lastSeq: 25, lost: 5 });
    // [1718012506.355466] seq 20 ... [1718012507.555773] seq 26
    expect(a.outages[0].durationMs).toBeCloseTo(1200.307, 2);
  });

  it('the busybox death log: seq= lines, no timestamps, died on sendto, the error is its message', async () => {
    const a = await analyze('busybox-sendto-died.log');
    // the fields of one run (issue 9 added lossPercent .. warnings and runs[])
    const run = {
      format: 'busybox',
      timestamps: false,
      timestampSource: 'none',
      transmitted: 13,
      received: 11,
      lossPercent: 15.3846, // 2 of 13, no statistics to say it
      lost: [6, 7],
      lostReason: null,
      late: [],
      duplicates: [],
      inFlightAtEnd: [],
      outages: [{ firstSeq: 6, lastSeq: 7, lost: 2, durationMs: null }],
      stallMs: null, // busybox prints no time field (and here no statistics at all)
      ended: 'error',
      error: 'ping: sendto: Network is unreachable',
      notes: ["outage durations need times: run ping with -D (or read the rig's ping.log, whose lines carry their arrival time)"],
      warnings: [],
    };
    expect(a).toEqual({
      ...run,
      input: 'ping output',
      intervalS: 0.2,
      runs: [{ run: 1, lines: { first: 1, last: 13 }, startedBy: 'log-start', ...run }],
    });
  });

  it('the ENOBUFS stall: nothing lost, nothing late, but one outage of 1.2 s on the retried seq', async () => {
    const a = await analyze('iputils-D-enobufs.log');
    expect(a).toMatchObject({
      format: 'iputils',
      timestamps: true,
      transmitted: 20,
      received: 20,
      lost: [],
      late: [],
      ended: 'summary',
      error: null,
    });
    expect(a.outages).toHaveLength(1);
    expect(a.outages[0]).toMatchObject({ firstSeq: 11, lastSeq: 11, lost: 0 });
    // [1718012612.825557] seq 10 ... [1718012614.025867] seq 11
    expect(a.outages[0].durationMs).toBeCloseTo(1200.31, 2);
  });

  it('the same stall without the error lines (iputils retried silently) is the same outage', async () => {
    const a = await analyze('iputils-D-enobufs-silent.log');
    expect(a.lost).toEqual([]);
    expect(a.outages).toHaveLength(1);
    expect(a.outages[0]).toMatchObject({ firstSeq: 11, lastSeq: 11, lost: 0 });
    expect(a.outages[0].durationMs).toBeCloseTo(1200.31, 2);
  });

  it('a burst of late replies is late, not lost', async () => {
    const a = await analyze('iputils-D-late-burst.log');
    expect(a.lost).toEqual([]);
    expect(a.late).toEqual([11, 12, 13, 14, 15]);
    expect(a.received).toBe(25);
    expect(a.ended).toBe('summary');
  });

  it('--interval changes what counts as late', async () => {
    const a = await analyze('iputils-D-late-burst.log', '--interval', '1');
    expect(a.late).toEqual([11]);
    expect(a.outages).toEqual([]);
  });

  it('a busybox log with a gap and the statistics', async () => {
    const a = await analyze('busybox-gap.log', '--interval', '1');
    expect(a).toMatchObject({ format: 'busybox', timestamps: false, transmitted: 40, received: 35, lost: [20, 21, 22, 23, 24], ended: 'summary', error: null });
    expect(a.outages).toEqual([{ firstSeq: 20, lastSeq: 24, lost: 5, durationMs: null }]);
  });

  it('without --json: a short human summary', async () => {
    const r = await runCli(['analyze', join(FIXTURES, 'iputils-DO-loss.log')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('transmitted 35, received 30, lost 5');
    expect(r.stdout).toContain('lost: 21-25');
  });

  it('a missing file: exit 2, the path named, no stack trace, nothing on stdout', async () => {
    const path = join(tempDir(), 'no-such-ping.log');
    const r = await runCli(['analyze', path, '--json'], { timeoutMs: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('a bad --interval: exit 2', async () => {
    for (const v of ['0', '-1', 'fast']) {
      const r = await runCli(['analyze', join(FIXTURES, 'iputils-D.log'), '--interval', v], { timeoutMs: 60_000 });
      expect(r.code, `--interval ${v}`).toBe(2);
      expect(r.stderr).toMatch(/interval/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
