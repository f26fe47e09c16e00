/**
 * The report reads a run's ping.log by the same rules as `rig analyze` (issue 9): runs
 * split at a header, at output after the statistics and at a restart of the seqs; lines
 * cut mid-field, a last line without a newline and a seq that fits nowhere are not data.
 * One hand-written rig ping.log, read by both; the expected seqs are read off the lines.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzePingFile } from '../ping/analyze.ts';
import { readPingLog } from '../report/ping-log.ts';

const HEADER = 'PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.';
/** A rig ping.log line: arrival stamp, then ping's -D stamped reply (answered 1 ms after its send). */
const rep = (t: number, s: number, rtt = '1.00'): string => `${(t + 0.002).toFixed(6)} [${t.toFixed(6)}] 64 bytes from 10.0.0.2: icmp_seq=${s} ttl=64 time=${rtt} ms`;
const at = (t: number, body: string): string => `${t.toFixed(6)} ${body}`;

const LOG = [
  at(1000, HEADER), // 1
  ...[1, 2, 3, 5, 6].map((s) => rep(1000 + s * 0.2 + 0.001, s)), // 2-6: seq 4 lost
  rep(1001.3, 30000), // 7: 29,994 seqs in 100 ms: garbage, the next line follows 6
  rep(1001.401, 7), // 8
  rep(1001.601, 8), // 9
  at(1001.7, ''), // 10
  at(1001.7, '--- 10.0.0.2 ping statistics ---'), // 11
  at(1001.7, '8 packets transmitted, 7 received, 12.5% packet loss, time 1500ms'), // 12
  rep(1002.001, 1), // 13: output after the statistics, no header: run 2
  rep(1002.201, 2), // 14
  rep(1002.401, 1, '0.30'), // 15: seqs start over (1 after 2, 0.3 ms is no late reply): run 3
  rep(1002.601, 2), // 16
  at(1002.8, `[1002.801000] 64 bytes from 10.0.0.2: icmp_seq=3${HEADER}`), // 17: cut mid-field, run 4's header glued to it
  rep(1003.001, 1), // 18
  rep(1003.201, 2), // 19
].join('\n') + '\n' + rep(1003.401, 3); // 20: no newline at the end

describe("the report's ping.log reader and rig analyze agree", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rig-report-ping-'));
  const f = join(dir, 'ping.log');
  writeFileSync(f, LOG);

  it('the report: one session per run, only whole lines', () => {
    const log = readPingLog(f);
    expect(log.sessions.map((s) => s.seq)).toEqual([[1, 2, 3, 5, 6, 7, 8], [1, 2], [1, 2], [1, 2]]);
    expect(log.lines).toBe(20);
    expect(log.pingStamps).toBe(true);
    const w = log.warnings.join('\n');
    expect(w).toMatch(/line 7 ignored: seq 30000 after 6/);
    expect(w).toMatch(/line 17 cut mid-field/);
    expect(w).toMatch(/line 20 has no newline at the end/);
  });

  it('rig analyze: the same runs, the same lost seqs', async () => {
    const a = await analyzePingFile(f);
    expect(a.input).toBe('rig ping.log');
    expect(a.runs.map((r) => [r.lines.first, r.lines.last, r.startedBy, r.lost])).toEqual([
      [1, 12, 'log-start', [4]],
      [13, 14, 'statistics', []],
      [15, 16, 'seq-restart', []],
      [17, 19, 'header', []],
    ]);
    expect(a.runs[0].warnings.join('\n')).toMatch(/line 7 ignored: seq 30000 after 6/);
    // the cut line ends run 3 (its header starts run 4)
    expect(a.runs[2].warnings.join('\n')).toMatch(/line 17 cut mid-field/);
    expect(a.warnings.join('\n')).toMatch(/line 20 has no newline at the end/);
  });

  it("the run's interval comes from summary.json's ping command when there is one", () => {
    // 2 -> 5 is a jump of 3 seqs; with -D stamps it needs 3 intervals minus half of one
    const d = mkdtempSync(join(tmpdir(), 'rig-report-ping-'));
    const lines = [at(1000, HEADER), rep(1000.201, 1), rep(1000.401, 2), rep(1001.001, 5), rep(1001.201, 6)].join('\n') + '\n';
    writeFileSync(join(d, 'ping.log'), lines);
    // 2 -> 5 with the sends 600 ms apart: fine at 200 ms (needs 500)
    expect(readPingLog(join(d, 'ping.log')).sessions.map((s) => s.seq)).toEqual([[1, 2, 5, 6]]);
    writeFileSync(join(d, 'summary.json'), JSON.stringify({ ping: { command: 'ping -i 1 -D -O 10.0.0.2' } }));
    // at 1 s the three seqs need 2.5 s: 5 starts a new run
    expect(readPingLog(join(d, 'ping.log')).sessions.map((s) => s.seq)).toEqual([[1, 2], [5, 6]]);
  });
});
