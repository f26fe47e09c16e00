/**
 * The lab engineer's commands against the virtual rig through the real CLI: rig check
 * (passes on the shipped bench; exit 3 naming a device that is down, or an attenuator
 * that answers another model), rig exec (exit status and output passed through), rig
 * atten get/set (the value read back), rig nightly (one run folder with the preflight,
 * both variants, the report and JUnit).
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryCopy, ROOT, runCli, tempDir } from './helpers/cli.ts';
import { startLabProcess, type RunningLab } from './helpers/lab.ts';

const noTrace = (s: string): void => expect(s).not.toMatch(/\n\s+at /);

interface CheckJson {
  passed: boolean;
  items: { check: string; subject: string; status: string; detail: string; fix?: string }[];
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('rig check', () => {
  it('the shipped virtual bench is ready: every device, attenuator and the traffic target ok', async () => {
    const dir = tempDir();
    const r = await runCli(['check', '--inventory', inventoryCopy(dir), '--json']);
    noTrace(r.stderr);
    expect(r.code, r.stderr.slice(-1500)).toBe(0);
    const j = JSON.parse(r.stdout) as CheckJson;
    expect(j.passed).toBe(true);
    const ok = (check: string, subject: string): void => expect(j.items.find((i) => i.check === check && i.subject === subject)?.status, `${check} ${subject}`).toBe('ok');
    for (const d of ['ap1', 'ap2', 'client']) {
      ok('ssh', d);
      ok('firmware', d);
    }
    ok('attenuator', 'att1');
    ok('attenuator', 'att2');
    ok('traffic', '192.0.2.10');
    // On model time the boards' clocks cannot be compared with the controller's: skipped, with the reason.
    expect(j.items.filter((i) => i.check === 'clock').every((i) => i.status === 'skipped' && /model time/.test(i.detail))).toBe(true);
  });

  describe('against a running virtual rig described as a real bench', () => {
    let lab: RunningLab;
    let inv: string;
    beforeAll(async () => {
      const dir = tempDir();
      inv = join(dir, 'lab.yaml');
      lab = await startLabProcess(['--inventory', inventoryCopy(dir), '--time-scale', '1', '--write-inventory', inv]);
    });
    afterAll(async () => {
      await lab.stop(5000);
    });

    it('JSON when stdout is not a terminal; --table: the text table, clocks compared at time scale 1, no colour in a pipe', async () => {
      const json = await runCli(['check', '--inventory', inv]);
      expect(json.code, json.stderr.slice(-1500)).toBe(0);
      const j = JSON.parse(json.stdout) as CheckJson;
      expect(j.items.find((i) => i.check === 'clock' && i.subject === 'client')?.status).toBe('ok');
      const r = await runCli(['check', '--inventory', inv, '--table']);
      expect(r.code, r.stderr.slice(-1500)).toBe(0);
      expect(r.stdout).toMatch(/^check +subject +result +detail$/m);
      expect(r.stdout).toMatch(/^clock +client +ok +within \d+ ms of the controller$/m);
      expect(r.stdout).toMatch(/bench virtual: ready/);
      expect(r.stdout).not.toContain('\x1b[');
    });

    // A real terminal through script(1) (util-linux, in every Debian): colours there, none with NO_COLOR.
    it('on a terminal: a table with colours by default; NO_COLOR=1: the same table without them', async () => {
      const onTty = (env: Record<string, string>): Promise<string> =>
        new Promise((resolve, reject) => {
          const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin/rig.mjs'))} check --inventory ${JSON.stringify(inv)}`;
          const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'CI'].includes(k)));
          execFile('script', ['-qec', cmd, '/dev/null'], { env: { ...base, TERM: 'xterm-256color', ...env }, timeout: 60_000, encoding: 'utf8' }, (err, stdout) =>
            err && err.code !== 0 ? reject(new Error(`${err.message}\n${stdout}`)) : resolve(stdout),
          );
        });
      const coloured = await onTty({});
      expect(coloured).toMatch(/^\x1b\[1mcheck +subject +result +detail\x1b\[22m/m); // a table (bold head), not JSON, on a terminal
      expect(coloured).toMatch(/\x1b\[32mok +\x1b\[39m/); // ok in green
      const plain = await onTty({ NO_COLOR: '1' });
      expect(plain).toMatch(/^clock +client +ok +within \d+ ms of the controller/m);
      expect(plain).not.toContain('\x1b[');
    });

    it('a device that is down: exit 3 naming it and how to fix it', async () => {
      const dir = tempDir();
      const doc = parseDocument(readFileSync(inv, 'utf8'));
      doc.setIn(['benches', 'virtual', 'devices', 'ap2', 'port'], await closedPort());
      doc.setIn(['benches', 'virtual', 'devices', 'ap2', 'connectTimeoutS'], 1);
      const broken = join(dir, 'ap2-down.yaml');
      writeFileSync(broken, doc.toString());
      const r = await runCli(['check', '--inventory', broken, '--json']);
      noTrace(r.stderr);
      expect(r.code).toBe(3);
      const j = JSON.parse(r.stdout) as CheckJson;
      const ssh = j.items.find((i) => i.check === 'ssh' && i.subject === 'ap2')!;
      expect(ssh.status).toBe('failed');
      expect(ssh.fix).toMatch(/host, port, user and auth/);
      expect(j.items.filter((i) => i.status === 'failed').map((i) => i.subject)).toEqual(['ap2']);
      expect(r.stderr).toMatch(/^rig: ssh ap2: .*; fix: /m);
    });

    it('an attenuator that answers another model: exit 3 naming it', async () => {
      const dir = tempDir();
      const doc = parseDocument(readFileSync(inv, 'utf8'));
      doc.setIn(['benches', 'virtual', 'attenuators', 'att2', 'model'], 'RCDAT-6000-90');
      const broken = join(dir, 'att2-model.yaml');
      writeFileSync(broken, doc.toString());
      const r = await runCli(['check', '--inventory', broken, '--json']);
      expect(r.code).toBe(3);
      const j = JSON.parse(r.stdout) as CheckJson;
      const att = j.items.find((i) => i.check === 'attenuator' && i.subject === 'att2')!;
      expect(att.status).toBe('failed');
      expect(att.detail).toMatch(/reports model RCDAT-6000-60, the inventory says RCDAT-6000-90/);
      expect(r.stderr).toMatch(/^rig: attenuator att2: /m);
    });

    it('rig exec passes the exit status, stdout and stderr through', async () => {
      const ok = await runCli(['exec', '--inventory', inv, 'client', '--', 'uname', '-r']);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe('2.6.16\n');
      const bad = await runCli(['exec', '--inventory', inv, 'client', '--', 'cat', '/no/such/file']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/cat: .*\/no\/such\/file: No such file or directory/);
      const j = await runCli(['exec', '--inventory', inv, '--json', 'ap1', '--', 'uname', '-m']);
      expect(JSON.parse(j.stdout)).toMatchObject({ exitCode: 0, stdout: 'mips\n', timedOut: false });
      const nobody = await runCli(['exec', '--inventory', inv, 'ap3', '--', 'true']);
      expect(nobody.code).toBe(2);
      expect(nobody.stderr).toMatch(/no device "ap3": the bench has ap1, ap2, client/);
    });

    it('rig atten set, then get: the value read back from the unit', async () => {
      const set = await runCli(['atten', 'set', '--inventory', inv, 'att1', '37.25', '--json']);
      expect(set.code, set.stderr).toBe(0);
      expect(JSON.parse(set.stdout)).toMatchObject({ attenuator: 'att1', db: 37.25, channel: 1 });
      const get = await runCli(['atten', 'get', '--inventory', inv, 'att1']);
      expect(get.code).toBe(0);
      expect(get.stdout).toMatch(/^att1: 37\.25 dB \(channel 1, RCDAT-6000-60; path loss 77\.25 dB with the fixed 40 dB\)$/m);
      const off = await runCli(['atten', 'set', '--inventory', inv, 'att1', '61']);
      expect(off.code).toBe(3);
      expect(off.stderr).toMatch(/att1/);
    });

    it('rig nightly with a failed preflight: exit 3, and a run folder that says why (check.json, summary, report)', async () => {
      const dir = tempDir();
      const doc = parseDocument(readFileSync(inv, 'utf8'));
      doc.setIn(['benches', 'virtual', 'attenuators', 'att1', 'model'], 'RCDAT-6000-90');
      const broken = join(dir, 'att1-model.yaml');
      writeFileSync(broken, doc.toString());
      const r = await runCli(['nightly', '--inventory', broken, '--reports', join(dir, 'reports'), '--count', '2', '--json'], { timeoutMs: 120_000 });
      noTrace(r.stderr);
      expect(r.code).toBe(3);
      const j = JSON.parse(r.stdout) as { runDir: string; verdict: string };
      expect(j.verdict).toBe('bench-failure');
      const summary = JSON.parse(readFileSync(join(j.runDir, 'summary.json'), 'utf8')) as { benchFailure: string };
      expect(summary.benchFailure).toMatch(/the preflight failed: attenuator att1:/);
      expect(existsSync(join(j.runDir, 'index.html'))).toBe(true);
    });
  });
});

describe('rig nightly', () => {
  it('check, both variants, report and JUnit in one run folder; exit 0 on the virtual bench', async () => {
    const dir = tempDir();
    const r = await runCli(['nightly', '--inventory', inventoryCopy(dir), '--reports', join(dir, 'reports'), '--variants', 'stock,patched', '--count', '2', '--json'], { timeoutMs: 120_000 });
    noTrace(r.stderr);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const j = JSON.parse(r.stdout) as { runDir: string; verdict: string; check: { passed: boolean }; variants: { variant: string; roams: number }[] };
    expect(j.verdict).toBe('passed');
    expect(j.check.passed).toBe(true);
    expect(j.variants.map((v) => [v.variant, v.roams])).toEqual([
      ['stock', 2],
      ['patched', 2],
    ]);
    for (const f of ['check.json', 'junit.xml', 'index.html', 'roams.csv', 'summary.json', 'rig.log']) expect(existsSync(join(j.runDir, f)), f).toBe(true);
    expect((JSON.parse(readFileSync(join(j.runDir, 'check.json'), 'utf8')) as CheckJson).passed).toBe(true);
  });


});
