/**
 * Bad input through the real CLI (bin/rig.mjs): a missing or malformed inventory and a
 * bad command line exit 2 naming what is wrong (file, YAML path, line); a device that
 * cannot be reached exits 3 naming the device. Never a stack trace, and whatever the
 * run folder already holds stays valid JSON.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryCopy, readJsonl, ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const STACK = /\n\s+at /;
const SHIPPED = readFileSync(join(ROOT, 'inventory.yaml'), 'utf8');

function noStackTrace(r: CliResult): void {
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stdout).not.toMatch(STACK);
  expect(r.stderr).not.toMatch(/unexpected error/i);
}

/**
 * A copy of the shipped inventory with one line edited; returns the file and the
 * 1-based number of the edited line (line numbers of the copy are the shipped file's).
 */
function editedInventory(find: RegExp, replace: (line: string) => string): { file: string; line: number } {
  const lines = SHIPPED.split('\n');
  const i = lines.findIndex((l) => find.test(l));
  if (i < 0) throw new Error(`no line matching ${find} in inventory.yaml`);
  lines[i] = replace(lines[i]);
  const file = join(tempDir(), 'inventory.yaml');
  writeFileSync(file, lines.join('\n'));
  return { file, line: i + 1 };
}

/** A loopback TCP port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('rig roam: inventory problems exit 2 naming file, YAML path and line', () => {
  it('a missing inventory: exit 2, the path named', async () => {
    const path = join(tempDir(), 'no-such-inventory.yaml');
    const r = await runCli(['roam', '--count', '2', '--inventory', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toMatch(/not found|no such file/i);
    noStackTrace(r);
  });

  const cases: { name: string; find: RegExp; replace: (l: string) => string; yamlPath: string | null; text: RegExp; lineSlack?: number }[] = [
    {
      name: 'wrong type: a port that is not a number',
      find: /^ {8}port: 0\b/, // ap1's, the first
      replace: (l) => l.replace('port: 0', 'port: abc'),
      yamlPath: 'benches.virtual.devices.ap1.port',
      text: /expected an integer/,
    },
    {
      name: 'wrong type: a ping interval that is not a number',
      find: /^ {6}intervalS: [\d.]+/,
      replace: (l) => l.replace(/intervalS: [\d.]+/, 'intervalS: fast'),
      yamlPath: 'benches.virtual.traffic.intervalS',
      text: /expected/,
    },
    {
      name: 'wrong type: a list where a number belongs',
      find: /^ {6}stepDelayS: [\d.]+/,
      replace: (l) => l.replace(/stepDelayS: ([\d.]+)/, 'stepDelayS: [$1]'),
      yamlPath: 'benches.virtual.profile.stepDelayS',
      text: /expected/,
    },
    {
      name: 'unknown key (a typo of an optional key)',
      find: /^ {8}safeDb: \d/,
      replace: (l) => l.replace('safeDb:', 'safeDB:'),
      yamlPath: 'benches.virtual.attenuators.att1.safeDB',
      text: /unknown key.*did you mean safeDb/,
    },
    {
      name: 'unknown key in place of a required one: both problems, each at its own line',
      find: /^ {4}essid: rig-roam/,
      replace: (l) => l.replace('essid:', 'essidd:'),
      yamlPath: 'benches.virtual.essidd',
      text: /required key missing[\s\S]*unknown key|unknown key[\s\S]*required key missing/,
    },
    {
      name: 'YAML syntax error: an unclosed quote',
      find: /^ {4}essid: rig-roam/,
      replace: () => '    essid: "rig-roam',
      yamlPath: null,
      text: /YAML syntax error/,
    },
    {
      name: 'YAML syntax error: a tab as indentation',
      find: /^ {4}essid: rig-roam/,
      replace: (l) => `\t${l}`,
      yamlPath: null,
      text: /YAML syntax error/,
    },
    {
      // the parser notices the missing } where the next line starts
      name: 'YAML syntax error: an unclosed flow mapping',
      find: /^ {6}range: \{ minDb: [\d.]+, maxDb: [\d.]+ \}/,
      replace: (l) => l.replace(/ \}/, ''),
      yamlPath: null,
      text: /YAML syntax error/,
      lineSlack: 1,
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const { file, line } = editedInventory(c.find, c.replace);
      const r = await runCli(['roam', '--count', '2', '--inventory', file]);
      expect(r.code, r.stderr).toBe(2);
      noStackTrace(r);
      expect(r.stderr).toMatch(c.text);
      // file:line:col: [yaml.path: ]text, one line per problem; take the one about this path
      const problems = [...r.stderr.matchAll(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+): ([^\\n]*)`, 'g'))];
      expect(problems.length, r.stderr).toBeGreaterThan(0);
      const m = (c.yamlPath ? problems.find((p) => p[3].startsWith(`${c.yamlPath}:`)) : problems[0]) ?? null;
      expect(m, r.stderr).not.toBeNull();
      const reported = Number(m![1]);
      expect(reported).toBeGreaterThanOrEqual(line);
      expect(reported).toBeLessThanOrEqual(line + (c.lineSlack ?? 0));
      if (c.yamlPath) expect(m![3].startsWith(`${c.yamlPath}:`), m![3]).toBe(true);
      // nothing was started: no run folder beside the inventory
      expect(existsSync(join(file, '..', 'reports'))).toBe(false);
    });
  }

  it('an unknown --bench: exit 2, the benches listed', async () => {
    const dir = tempDir();
    const inv = inventoryCopy(dir);
    const r = await runCli(['roam', '--count', '2', '--inventory', inv, '--bench', 'no-such-bench', '--reports', join(dir, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-bench');
    expect(r.stderr).toContain('virtual-wpa');
    noStackTrace(r);
  });

  it('a WPA bench without its passphrase in the environment: exit 2 naming the variable', async () => {
    const dir = tempDir();
    const inv = inventoryCopy(dir);
    const r = await runCli(['roam', '--count', '2', '--inventory', inv, '--bench', 'virtual-wpa', '--reports', join(dir, 'reports')], {
      env: { RIG_WPA_PSK: '' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('RIG_WPA_PSK');
    noStackTrace(r);
  });
});

describe('rig roam: a bad command line exits 2', () => {
  for (const count of ['0', '-1', 'abc', '1.5', '']) {
    it(`--count ${JSON.stringify(count)}`, async () => {
      const dir = tempDir();
      const r = await runCli(['roam', '--count', count, '--inventory', inventoryCopy(dir), '--reports', join(dir, 'reports')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/count/);
      noStackTrace(r);
      expect(existsSync(join(dir, 'reports'))).toBe(false);
    });
  }

  it('no --count at all', async () => {
    const dir = tempDir();
    const r = await runCli(['roam', '--inventory', inventoryCopy(dir), '--reports', join(dir, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/count/);
    noStackTrace(r);
  });

  it('an unknown --firmware on the virtual bench', async () => {
    const dir = tempDir();
    const r = await runCli(['roam', '--count', '2', '--firmware', 'nonsense', '--inventory', inventoryCopy(dir), '--reports', join(dir, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nonsense');
    noStackTrace(r);
  });

  it('an unknown option and an unknown command', async () => {
    for (const args of [['roam', '--count', '2', '--no-such-option'], ['no-such-command']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      noStackTrace(r);
    }
  });
});

describe('rig roam: an unreachable device exits 3 naming it', () => {
  it('every board on a closed loopback port, a short connect deadline', async () => {
    const dir = tempDir();
    const port = await closedPort();
    const port2 = await closedPort();
    // The virtual bench as a real one: no `virtual:` block, so nothing is started in-process.
    const inv = inventoryCopy(dir, (doc) => {
      doc.deleteIn(['benches', 'virtual', 'virtual']);
      for (const d of ['ap1', 'ap2', 'client']) {
        doc.setIn(['benches', 'virtual', 'devices', d, 'port'], port);
        doc.setIn(['benches', 'virtual', 'devices', d, 'connectTimeoutS'], 1);
        // a pinned host key (any: the connection never gets that far), or the rig refuses to connect at all
        doc.setIn(['benches', 'virtual', 'devices', d, 'hostKeyFingerprint'], `SHA256:${'A'.repeat(43)}`);
        // A real bench's PDU and console server have real ports too (closed ones here).
        doc.setIn(['benches', 'virtual', 'devices', d, 'power', 'address'], `127.0.0.1:${port}`);
        doc.setIn(['benches', 'virtual', 'devices', d, 'console', 'address'], `127.0.0.1:${port}`);
      }
      doc.setIn(['benches', 'virtual', 'attenuators', 'att1', 'address'], `127.0.0.1:${port}`);
      doc.setIn(['benches', 'virtual', 'attenuators', 'att2', 'address'], `127.0.0.1:${port2}`);
    });
    const reports = join(dir, 'reports');
    const r = await runCli(['roam', '--count', '2', '--inventory', inv, '--reports', reports, '--json'], { timeoutMs: 50_000 });
    expect(r.code, r.stderr).toBe(3);
    noStackTrace(r);
    expect(r.stderr).toMatch(/\b(ap1|ap2|client)\b/);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    // the run folder that was opened is well-formed: records (none) are JSON lines, the summary says why
    const runs = readdirSync(reports, { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(runs).toHaveLength(1);
    const runDir = join(reports, runs[0].name);
    expect(readJsonl(join(runDir, 'roams.jsonl'))).toEqual([]);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { verdict: string; benchFailure: string };
    expect(summary.verdict).toBe('bench-failure');
    expect(summary.benchFailure).toMatch(/\b(ap1|ap2|client)\b/);
    // --json still prints its summary on stdout, parseable
    if (r.stdout.trim()) expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});
