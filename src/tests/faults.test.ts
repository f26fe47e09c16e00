/**
 * The fault matrix (issue 5): every fault the virtual rig can inject, in one run.
 * The run completes; the roam under each fault is invalid with the right reason
 * (never counted as loss, never as zero); every other roam matches the ground truth.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inventoryCopy, readJsonl, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

interface Roam {
  index: number;
  valid: boolean;
  invalidReason: string | null;
  lost: number;
  lostSeqs: number[];
}

const MATRIX: { fault: Record<string, unknown>; reason: RegExp }[] = [
  { fault: { kind: 'drop-ssh', device: 'client' }, reason: /ssh connection to client lost/ },
  { fault: { kind: 'reboot', device: 'ap2' }, reason: /ap2 rebooted/ },
  { fault: { kind: 'attenuator-timeout', attenuator: 'att1' }, reason: /attenuator "att1".*no reply/ },
  { fault: { kind: 'kill-ping' }, reason: /ping died: ping exited/ },
  { fault: { kind: 'busybox-ping-exit' }, reason: /ping died: ping: sendto: Network is unreachable/ },
  { fault: { kind: 'never-roam' }, reason: /no roam to ap\d within 120 s/ },
  // An hour, seen through arrival jitter of a few hundred ms at the default time scale.
  { fault: { kind: 'clock-jump', device: 'client', jumpS: 3600 }, reason: /board clock of client jumped by (3599|3600|3601)\.\d s/ },
  { fault: { kind: 'reboot', device: 'client' }, reason: /client rebooted/ },
  { fault: { kind: 'attenuator-garbage', attenuator: 'att2' }, reason: /attenuator "att2".*unexpected reply/ },
];

describe('fault matrix on the virtual bench', () => {
  it('completes the run, marks exactly the faulted roams invalid with their reason, and the rest match ground truth', async () => {
    const dir = tempDir();
    // Faults on even roams 2..18; odd roams in between show the bench recovered.
    const faults = MATRIX.map((m, i) => ({ ...m.fault, atRoam: 2 * (i + 1) }));
    // The fixed-step ramp touches both attenuators every step, so an attenuator fault
    // 5 model seconds into the cycle always meets a request; the adaptive ramp holds still
    // near the threshold and may cross before or after it, whichever the check's phase says.
    const inv = inventoryCopy(dir, (doc) => {
      doc.setIn(['benches', 'virtual', 'virtual', 'faults'], faults);
      doc.setIn(['benches', 'virtual', 'profile', 'crossfade'], { mode: 'fixed' });
    });
    const r = await runCli(['roam', '--inventory', inv, '--reports', join(dir, 'reports'), '--count', '20', '--json']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // 9 of 20 invalid: the invalid-fraction threshold fails (exit 1), the bench did not (not 3).
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const json = JSON.parse(r.stdout) as RoamJson;
    const roams = readJsonl<Roam>(join(json.runDir, 'roams.jsonl'));
    const truth = new Map(readJsonl<{ index: number; droppedSeqs: number[] }>(join(json.runDir, 'ground-truth.jsonl')).map((t) => [t.index, t]));
    expect(roams.map((x) => x.index)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    const matrix: string[] = [];
    MATRIX.forEach((m, i) => {
      const roam = roams[2 * (i + 1) - 1];
      matrix.push(`${String(m.fault.kind).padEnd(20)} roam ${roam.index}: ${roam.valid ? 'VALID?!' : roam.invalidReason}`);
      expect(roam.valid, `${m.fault.kind} at roam ${roam.index}`).toBe(false);
      expect(roam.invalidReason).toMatch(m.reason);
    });
    const others = roams.filter((x) => x.index % 2 === 1 || x.index === 20);
    for (const x of others) {
      expect(x.valid, `roam ${x.index}: ${x.invalidReason}`).toBe(true);
      expect(x.lostSeqs, `roam ${x.index}`).toEqual(truth.get(x.index)!.droppedSeqs);
    }
    // The summary counts the invalid roams apart, by reason, and judges only the valid ones.
    const v = json.variants[0];
    expect(v.invalid).toBe(9);
    expect(v.valid).toBe(11);
    expect(v.lostPerRoam.median).toBe(5);
    expect(v.lostPerRoam.max, 'no invalid roam leaks into the loss figures').toBeLessThanOrEqual(6);
    // Every recovery step is logged.
    const log = readFileSync(join(json.runDir, 'recovery.log'), 'utf8');
    expect(log).toMatch(/reconnecting to ap2/);
    expect(log).toMatch(/ap2 lost its configuration/);
    console.log(`fault matrix:\n${matrix.join('\n')}`);
  });
});
