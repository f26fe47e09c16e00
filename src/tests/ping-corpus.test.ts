/**
 * `rig analyze --json` on every case of the real-ping corpus (src/tests/fixtures/
 * ping-corpus/: real iputils and busybox output, the truth from tcpdump on both ends
 * and strace), through the real CLI. Whatever cases exist are checked; the expected
 * values are the corpus's truth.json, never a run of the code:
 * - no lost seq that the capture shows answered, and lost equal to the truth wherever
 *   the log can tell; lost null only where it cannot (a log without reply lines);
 * - transmitted / received / loss as ping's statistics say, where there are any;
 * - duplicates and (where the capture's printed and wire lateness agree) late seqs;
 * - the transmit stall: from the statistics' time where the log has no times, as an
 *   outage as long as the reply gap where it has -D stamps;
 * - one run per ping process, on the lines meta.json gives;
 * - the non-ping files: exit 2, saying what was expected.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stallToleranceMs } from '../ping/verdict.ts';
import { ROOT, runCli } from './helpers/cli.ts';

const CORPUS = join(ROOT, 'src/tests/fixtures/ping-corpus');

interface SeqTruth {
  seq: number;
  attempts: { at: number; result: string }[];
}
interface RunTruth {
  intervalS: number;
  sent: number[];
  answered: number[];
  lost: number[];
  late: number[];
  duplicates: number[];
  replyGap: { ms: number } | null;
  statistics: { transmitted: number; received: number; lossPercent: number; timeMs?: number; duplicates?: number } | null;
  seqs: SeqTruth[];
}
interface CaseTruth extends Partial<RunTruth> {
  notPing?: boolean;
  runs?: RunTruth[];
}
interface Meta {
  runs?: { lines: [number, number] }[];
  verification?: { check: string; ok: boolean }[];
}
interface RunJson {
  lines: { first: number; last: number };
  timestampSource: string;
  transmitted: number;
  received: number;
  lossPercent: number | null;
  lost: number[] | null;
  lostReason: string | null;
  late: number[] | null;
  duplicates: number[] | null;
  inFlightAtEnd: number[];
  outages: { firstSeq: number; lastSeq: number; lost: number; durationMs: number | null }[] | null;
  stallMs: number | null;
}
interface FileJson extends RunJson {
  runs: RunJson[];
  warnings: string[];
}

const cases = existsSync(CORPUS)
  ? readdirSync(CORPUS, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(CORPUS, d.name, 'truth.json')) && existsSync(join(CORPUS, d.name, 'ping.log')))
      .map((d) => d.name)
      .sort()
  : [];

const readJson = <T>(f: string): T => JSON.parse(readFileSync(f, 'utf8')) as T;

/**
 * The longest the ping's sending schedule stalled, beyond one interval: between the first
 * send attempts of consecutive seqs (a failed attempt that is retried holds the schedule;
 * a hard failure does not, the next seq goes out on time).
 */
function scheduleStallMs(t: RunTruth): number {
  let worst = 0;
  for (let i = 1; i < t.seqs.length; i++) {
    const a = t.seqs[i - 1].attempts[0]?.at;
    const b = t.seqs[i].attempts[0]?.at;
    if (a !== undefined && b !== undefined) worst = Math.max(worst, (b - a) * 1000 - t.intervalS * 1000);
  }
  return worst;
}

function checkRun(name: string, r: RunJson, t: RunTruth, log: string, lateComparable: boolean): void {
  const iv = t.intervalS * 1000;
  const answered = new Set(t.answered);
  // never a lost seq that was answered, never an in-flight one either
  for (const s of r.lost ?? []) expect(answered.has(s), `${name}: seq ${s} reported lost but answered`).toBe(false);
  for (const s of r.inFlightAtEnd) expect(answered.has(s), `${name}: seq ${s} in flight but answered`).toBe(false);
  const replyLines = log.split('\n').filter((l) => / bytes from /.test(l)).length;
  if (replyLines === 0 && t.lost.length > 0) {
    // the log cannot say which seqs (ping -q): null, with the reason
    expect(r.lost, name).toBeNull();
    expect(r.lostReason).toMatch(/no reply lines/);
  } else {
    expect(r.lost, `${name}: ${r.lostReason}`).toEqual(t.lost);
  }
  if (t.statistics) {
    expect(r.transmitted, name).toBe(t.statistics.transmitted);
    expect(r.received, name).toBe(t.statistics.received);
    expect(r.lossPercent, name).toBe(t.statistics.lossPercent);
  }
  if (r.duplicates !== null) expect(r.duplicates, name).toEqual(t.duplicates);
  else expect(r.lost, `${name}: duplicates unknown only where the seqs are`).toBeNull();
  if (r.late !== null && lateComparable) expect(r.late, name).toEqual(t.late);

  // the transmit stall
  const stall = scheduleStallMs(t);
  if (t.statistics?.timeMs !== undefined) {
    expect(r.stallMs, name).not.toBeNull();
    const lastSent = t.sent[t.sent.length - 1];
    const tol = stallToleranceMs(t.statistics.transmitted, iv, t.answered.includes(lastSent));
    if (stall > tol) {
      // the statistics' time holds the whole stall, plus at most what a run drifts anyway
      expect(r.stallMs!, name).toBeGreaterThanOrEqual(stall);
      expect(r.stallMs!, name).toBeLessThanOrEqual(stall + tol);
    } else expect(r.stallMs, name).toBe(0);
  } else expect(r.stallMs, name).toBeNull();
  if (r.timestampSource === 'ping' && r.outages && t.replyGap && t.replyGap.ms > 2.5 * iv) {
    // with -D stamps the dead time is an outage as long as the longest reply gap (stamps lag the wire by < 4 ms)
    const d = r.outages.map((o) => o.durationMs ?? -1);
    expect(
      d.some((x) => Math.abs(x - t.replyGap!.ms) <= 5),
      `${name}: an outage of ${t.replyGap.ms} ms in ${JSON.stringify(r.outages)}`,
    ).toBe(true);
  }
}

describe('rig analyze --json on the real-ping corpus', () => {
  it('has cases to check', () => {
    // the corpus is committed with 26 cases; the test below runs whatever is there
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s', async (name) => {
    const dir = join(CORPUS, name);
    const truth = readJson<CaseTruth>(join(dir, 'truth.json'));
    const meta = existsSync(join(dir, 'meta.json')) ? readJson<Meta>(join(dir, 'meta.json')) : {};
    const runs = truth.runs ?? [truth as RunTruth];
    const intervalS = truth.notPing ? 0.2 : runs[0].intervalS;
    const r = await runCli(['analyze', join(dir, 'ping.log'), '--json', '--interval', String(intervalS)], { timeoutMs: 60_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (truth.notPing) {
      expect(r.code, r.stdout).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/not a ping log/);
      expect(r.stderr).toMatch(/iputils or busybox/);
      expect(r.stderr).toMatch(/rig run's ping\.log/);
      return;
    }
    expect(r.code, r.stderr).toBe(0);
    const a = JSON.parse(r.stdout) as FileJson;
    expect(a.runs).toHaveLength(runs.length);
    const log = readFileSync(join(dir, 'ping.log'), 'utf8');
    const lines = log.split('\n');
    const lateOk = meta.verification?.find((v) => v.check.startsWith('late (pcap) =='))?.ok !== false;
    runs.forEach((t, i) => {
      const run = a.runs[i];
      const span = meta.runs?.[i]?.lines;
      if (span && runs.length > 1) expect(run.lines, `${name} run ${i + 1}`).toEqual({ first: span[0], last: span[1] });
      checkRun(`${name} run ${i + 1}`, run, t, lines.slice(run.lines.first - 1, run.lines.last).join('\n'), lateOk);
    });
    // the top-level fields are the last run's
    expect(a.lost).toEqual(a.runs[a.runs.length - 1].lost);
    if (runs.length > 1) expect(a.warnings.join('\n')).toMatch(new RegExp(`holds ${runs.length} ping runs`));
    if (!log.endsWith('\n')) expect(a.warnings.join('\n')).toMatch(/no newline at the end/);
  });
});
