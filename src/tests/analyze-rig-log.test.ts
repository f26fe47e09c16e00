/**
 * `rig analyze` on the rig's own ping.log (every line prefixed with its arrival,
 * `<epoch s> [E ]<raw line>`): a real `rig roam --count 3` on the virtual bench, then
 * the analysis of its ping.log must give exactly the lost seqs the run recorded: the
 * union of every roam's `lostSeqs` in roams.jsonl and summary.json's
 * `lostOutsideCycles`. Once with iputils -D (the board's stamps), once with the 2007
 * iputils without -D, where the arrival stamps are the reply times.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryCopy, readJsonl, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

interface RunJson {
  lost: number[] | null;
  lostReason: string | null;
  timestampSource: string;
}
interface AnalyzeJson extends RunJson {
  input: string;
  runs: RunJson[];
}

async function roamAndAnalyze(ping: 'iputils' | 'iputils-old'): Promise<{ recorded: number[]; a: AnalyzeJson; roams: number }> {
  const dir = tempDir('rig-analyze-runlog-');
  const args = ['roam', '--count', '3', '--reports', join(dir, 'reports'), '--json'];
  if (ping !== 'iputils') args.push('--inventory', inventoryCopy(dir, (doc) => doc.setIn(['benches', 'virtual', 'virtual', 'ping'], ping)));
  const r = await runCli(args, { timeoutMs: 240_000 });
  // 0 passed, 1 a threshold failed: either way the run wrote its records and its ping.log
  expect([0, 1], r.stderr).toContain(r.code);
  const runDir = (JSON.parse(r.stdout) as RoamJson).runDir;
  const records = readJsonl<{ lostSeqs: number[]; valid: boolean }>(join(runDir, 'roams.jsonl'));
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { lostOutsideCycles: number[] };
  const recorded = [...new Set([...records.flatMap((x) => x.lostSeqs), ...summary.lostOutsideCycles])].sort((x, y) => x - y);
  const an = await runCli(['analyze', join(runDir, 'ping.log'), '--json'], { timeoutMs: 60_000 });
  expect(an.code, an.stderr).toBe(0);
  return { recorded, a: JSON.parse(an.stdout) as AnalyzeJson, roams: records.length };
}

function lostOfFile(a: AnalyzeJson): number[] {
  for (const run of a.runs) expect(run.lost, run.lostReason ?? '').not.toBeNull();
  return [...new Set(a.runs.flatMap((run) => run.lost!))].sort((x, y) => x - y);
}

describe("rig analyze on a run's own ping.log", () => {
  it.each([
    ['iputils', 'ping'],
    ['iputils-old', 'arrival'],
  ] as const)('%s: the same lost seqs as the records', async (ping, source) => {
    const { recorded, a, roams } = await roamAndAnalyze(ping);
    expect(roams).toBe(3);
    expect(a.input).toBe('rig ping.log');
    // the stock driver loses about five pings a roam: there is something to compare
    expect(recorded.length).toBeGreaterThanOrEqual(3);
    expect(lostOfFile(a)).toEqual(recorded);
    // the ping's run is the last one in the file; its times are the board's or the arrivals
    expect(a.runs[a.runs.length - 1].timestampSource).toBe(source);
  });
});
