/**
 * The recovery ladder all the way (issue 12), through the real CLI on the virtual
 * bench: the client board hangs at roam 10 and oopses in ath_pci at roam 20; both
 * roams are invalid with the reason and the oops text, the board is power-cycled
 * through its virtual Gude outlet and comes back, every other roam is valid and
 * equal to the ground truth, and the console capture holds the oops. A board that
 * stays hung through every power cycle ends the run with exit 3, the records
 * written so far intact and the summary saying why. A board whose SSH server died with
 * the kernel alive is rebooted over its serial console, no power cycle needed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryCopy, readJsonl, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

interface Roam {
  index: number;
  valid: boolean;
  invalidReason: string | null;
  lostSeqs: number[];
  kernelEvents?: { device: string; kind: string; title: string; where: string | null; module: string | null; text: string }[];
  recovery?: string[];
}

/** The shipped bench (a Gude outlet and a console per board) with these faults; the client's command timeout short (a wedge is found by it). */
function inventory(dir: string, faults: Record<string, unknown>[]): string {
  return inventoryCopy(dir, (doc) => {
    doc.setIn(['benches', 'virtual', 'virtual', 'faults'], faults);
    doc.setIn(['benches', 'virtual', 'devices', 'client', 'commandTimeoutS'], 3);
  });
}

describe('recovery ladder on the virtual bench', () => {
  it('a hang at roam 10 and an oops at roam 20: both invalid with why, the client power-cycled and back, the rest equal to the ground truth', async () => {
    const dir = tempDir();
    const inv = inventory(dir, [
      { kind: 'hang', device: 'client', atRoam: 10 },
      { kind: 'oops', device: 'client', atRoam: 20 },
    ]);
    const r = await runCli(['roam', '--inventory', inv, '--reports', join(dir, 'reports'), '--count', '30', '--json'], { timeoutMs: 300_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // 2 of 30 invalid is within maxInvalidFraction 0.1: the run passes (docs/roam-cycle.md, Recovery).
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const json = JSON.parse(r.stdout) as RoamJson;
    expect(json.verdict).toBe('passed');
    expect(json.variants[0].roams).toBe(30);
    expect(json.variants[0].invalid).toBe(2);
    const roams = readJsonl<Roam>(join(json.runDir, 'roams.jsonl'));
    const truth = new Map(readJsonl<{ index: number; droppedSeqs: number[] }>(join(json.runDir, 'ground-truth.jsonl')).map((t) => [t.index, t]));
    expect(roams.map((x) => x.index)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));

    const hang = roams[9];
    expect(hang.valid).toBe(false);
    expect(hang.invalidReason).toMatch(/^client hung; client power-cycled; /);
    expect(hang.kernelEvents ?? []).toEqual([]);
    expect(hang.recovery).toEqual(['client hung', 'client power-cycled']);

    const oops = roams[19];
    expect(oops.valid).toBe(false);
    expect(oops.invalidReason).toMatch(/client power-cycled/);
    expect(oops.invalidReason).toMatch(/client: kernel oops: Unable to handle kernel paging request at virtual address 0000000c at ath_tx_start\+0x3c8\/0x1790 \[ath_pci\]/);
    expect(oops.kernelEvents?.map((e) => e.kind)).toEqual(['oops', 'panic']);
    expect(oops.kernelEvents?.[0].module).toBe('ath_pci');
    expect(oops.kernelEvents?.[0].text).toMatch(/Oops\[#1\]:[\s\S]*Call Trace:[\s\S]*\[wlan\][\s\S]*\nCode: /);

    for (const x of roams.filter((y) => y.index !== 10 && y.index !== 20)) {
      expect(x.valid, `roam ${x.index}: ${x.invalidReason}`).toBe(true);
      expect(x.lostSeqs, `roam ${x.index}`).toEqual(truth.get(x.index)!.droppedSeqs);
      expect(x.kernelEvents).toBeUndefined();
    }

    // The ladder, rung by rung, in recovery.log: the wedge found, reboot over SSH tried, the power cycle, SSH back.
    const log = readFileSync(join(json.runDir, 'recovery.log'), 'utf8');
    for (const roam of [10, 20]) {
      const mine = log.split('\n').filter((l) => l.includes(` roam ${roam}: `)).join('\n');
      expect(mine).toMatch(/client accepts SSH but does not answer/);
      expect(mine).toMatch(/rebooting client over ssh[\s\S]*reboot over ssh did nothing[\s\S]*client's console does not answer either[\s\S]*power-cycling client through its power switch \(gude[\s\S]*client back: SSH answers[\s\S]*client boots stock[\s\S]*recovered: client on ap\d/);
    }
    // The console capture holds the oops and the boot log after each power cycle.
    const capture = readFileSync(join(json.runDir, 'console-client.log'), 'latin1');
    expect(capture).toMatch(/Oops\[#1\]:/);
    expect(capture.match(/Linux version 2\.6\.16/g)?.length).toBe(2);
    for (const d of ['ap1', 'ap2']) expect(existsSync(join(json.runDir, `console-${d}.log`))).toBe(true);
    // The report's roam detail carries the oops text.
    expect(readFileSync(join(json.runDir, 'index.html'), 'utf8')).toMatch(/ath_tx_start\+0x3c8\/0x1790/);
  });

  it('sshd dead at roam 4, the kernel alive: rebooted over its serial console (no power cycle), the rest valid and equal to the ground truth', async () => {
    const dir = tempDir();
    const inv = inventory(dir, [{ kind: 'sshd-dead', device: 'client', atRoam: 4 }]);
    const r = await runCli(['roam', '--inventory', inv, '--reports', join(dir, 'reports'), '--count', '12', '--json'], { timeoutMs: 300_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const json = JSON.parse(r.stdout) as RoamJson;
    const roams = readJsonl<Roam>(join(json.runDir, 'roams.jsonl'));
    const truth = new Map(readJsonl<{ index: number; droppedSeqs: number[] }>(join(json.runDir, 'ground-truth.jsonl')).map((t) => [t.index, t]));
    expect(roams.map((x) => x.index)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const hit = roams[3];
    expect(hit.valid).toBe(false);
    expect(hit.recovery).toContain('client rebooted over its console');
    expect(hit.recovery?.some((f) => /power-cycled/.test(f))).toBe(false);
    expect(hit.invalidReason).toMatch(/client rebooted over its console/);
    for (const x of roams.filter((y) => y.index !== 4)) {
      expect(x.valid, `roam ${x.index}: ${x.invalidReason}`).toBe(true);
      expect(x.lostSeqs, `roam ${x.index}`).toEqual(truth.get(x.index)!.droppedSeqs);
    }
    const log = readFileSync(join(json.runDir, 'recovery.log'), 'utf8');
    expect(log).toMatch(/client does not take SSH[\s\S]*logging in on client's console to reboot it[\s\S]*client back after the reboot over its console[\s\S]*recovered: client on ap\d/);
    expect(log).not.toMatch(/power-cycling/);
    // The console saw the reboot: its boot log (the capture starts after the lab's first boot).
    const capture = readFileSync(join(json.runDir, 'console-client.log'), 'latin1');
    expect(capture.match(/Linux version 2\.6\.16/g)?.length).toBe(1);
  });

  it('a board that stays hung through its power cycles: exit 3, the roams so far intact, the summary says why', async () => {
    const dir = tempDir();
    const inv = inventory(dir, [{ kind: 'hang', device: 'client', atRoam: 4, durationS: 1_000_000 }]);
    const r = await runCli(['roam', '--inventory', inv, '--reports', join(dir, 'reports'), '--count', '10', '--json'], { timeoutMs: 300_000 });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code, r.stderr.slice(-2000)).toBe(3);
    const runDir = JSON.parse(r.stdout).runDir as string;
    const roams = readJsonl<Roam>(join(runDir, 'roams.jsonl'));
    expect(roams.map((x) => x.index)).toEqual([1, 2, 3, 4]);
    expect(roams.slice(0, 3).every((x) => x.valid)).toBe(true);
    expect(roams[3].valid).toBe(false);
    expect(roams[3].invalidReason).toMatch(/bench did not recover: .*client did not come back after 2 power cycles through its power switch \(gude\)/);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    expect(summary.verdict).toBe('bench-failure');
    expect(summary.benchFailure).toMatch(/the bench did not recover after roam 4 .*client did not come back after 2 power cycles/);
    const log = readFileSync(join(runDir, 'recovery.log'), 'utf8');
    expect(log.match(/power-cycling client/g)?.length).toBe(2);
    expect(log).toMatch(/giving up/);
    expect(existsSync(join(runDir, 'index.html'))).toBe(true);
  });
});
