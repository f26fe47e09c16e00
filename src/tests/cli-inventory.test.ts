/**
 * `rig inventory validate` and `rig inventory schema` through the real CLI (bin/rig.mjs):
 * the shipped inventory is OK (exit 0, its benches listed); a broken copy exits 2 with
 * the file, line, column and YAML path of each problem, also as JSON; the schema printed
 * or written is the committed inventory.schema.json. Never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir, type CliResult } from './helpers/cli.ts';

const SHIPPED = readFileSync(join(ROOT, 'inventory.yaml'), 'utf8');
const COMMITTED_SCHEMA = readFileSync(join(ROOT, 'inventory.schema.json'), 'utf8');

function noStackTrace(r: CliResult): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/unexpected error/i);
}

/** A copy of the shipped inventory with the first line matching `find` edited; the file and that line's number. */
function edited(find: RegExp, replace: (line: string) => string): { file: string; line: number; text: string } {
  const lines = SHIPPED.split('\n');
  const i = lines.findIndex((l) => find.test(l));
  if (i < 0) throw new Error(`no line matching ${find} in inventory.yaml`);
  lines[i] = replace(lines[i]);
  const file = join(tempDir(), 'inventory.yaml');
  const text = lines.join('\n');
  writeFileSync(file, text);
  return { file, line: i + 1, text };
}

interface ValidateJson {
  ok: boolean;
  file: string;
  defaultBench?: string | null;
  benches?: { name: string; kind: string; default: boolean; security: string; attenuators: string[]; secretEnv: string[] }[];
  problems?: { line: number | null; column: number | null; path: string | null; message: string; text: string }[];
}

describe('rig inventory validate', () => {
  it('the shipped inventory: exit 0, OK with its benches', async () => {
    const r = await runCli(['inventory', 'validate']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^inventory\.yaml: OK, 5 benches$/m);
    expect(r.stdout).toMatch(/^ {2}virtual \(default\) +virtual bench; open;/m);
    expect(r.stdout).toMatch(/^ {2}virtual-wpa +virtual bench; wpa-psk; .*reads RIG_WPA_PSK from the environment$/m);
    expect(r.stdout).toMatch(/^ {2}virtual-nl80211 +virtual bench; open;/m);
    expect(r.stdout).toMatch(/^ {2}hwsim +virtual bench; open;/m);
    expect(r.stdout).toMatch(/^ {2}hwsim-wpa +virtual bench; wpa-psk; .*reads RIG_WPA_PSK from the environment$/m);
    expect(r.stderr).toBe('');
  });

  it('a reader that goes away (`| true`): no stack trace, the exit status of the command', () => {
    // `true` exits without reading: the CLI's writes meet EPIPE.
    const r = spawnSync('bash', ['-c', 'set -o pipefail; node bin/rig.mjs inventory validate --json | true'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/EPIPE|node:events|^\s+at /m);
    expect(r.status).toBe(0);
  });

  it('the shipped inventory, --json', async () => {
    const r = await runCli(['inventory', 'validate', '--inventory', join(ROOT, 'inventory.yaml'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as ValidateJson;
    expect(j.ok).toBe(true);
    expect(j.defaultBench).toBe('virtual');
    expect(j.benches!.map((b) => [b.name, b.kind, b.default, b.security])).toEqual([
      ['virtual', 'virtual', true, 'open'],
      ['virtual-wpa', 'virtual', false, 'wpa-psk'],
      ['virtual-nl80211', 'virtual', false, 'open'],
      ['hwsim', 'virtual', false, 'open'],
      ['hwsim-wpa', 'virtual', false, 'wpa-psk'],
    ]);
    expect(j.benches![1].secretEnv).toEqual(['RIG_WPA_PSK']);
  });

  it('a port that is not a number: exit 2, file:line:col and the YAML path', async () => {
    const { file, line, text } = edited(/^ {8}port: 0\b/, (l) => l.replace('port: 0', 'port: abc'));
    const col = text.split('\n')[line - 1].indexOf('abc') + 1;
    const r = await runCli(['inventory', 'validate', '--inventory', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:${line}:${col}: benches.virtual.devices.ap1.port: expected an integer 1..65535 (0 only on a virtual bench), got "abc"`);
    expect(r.stderr).toMatch(/not a valid inventory/);
    expect(r.stdout).toBe('');
    noStackTrace(r);
  });

  it('several problems, --json: each with its line, column and path, exit 2', async () => {
    const lines = SHIPPED.split('\n');
    const safe = lines.findIndex((l) => /^ {8}safeDb: \d/.test(l));
    const proto = lines.findIndex((l) => /^ {8}protocol: http\b/.test(l));
    lines[safe] = lines[safe].replace('safeDb:', 'safeDB:');
    lines[proto] = lines[proto].replace('protocol: http', 'protocol: ftp');
    const file = join(tempDir(), 'inventory.yaml');
    writeFileSync(file, lines.join('\n'));

    const r = await runCli(['inventory', 'validate', '--inventory', file, '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout) as ValidateJson;
    expect(j.ok).toBe(false);
    const byPath = new Map(j.problems!.map((p) => [p.path, p]));
    expect(byPath.get('benches.virtual.attenuators.att1.safeDB')).toMatchObject({ line: safe + 1, message: expect.stringMatching(/unknown key.*did you mean safeDb/) });
    expect(byPath.get('benches.virtual.attenuators.att1.protocol')).toMatchObject({ line: proto + 1, message: expect.stringMatching(/expected http or telnet, got "ftp"/) });
    for (const p of j.problems!) expect(p.text.startsWith(`${file}:${p.line}:${p.column}: ${p.path}: `)).toBe(true);
    noStackTrace(r);
  });

  it('a rule JSON Schema cannot say (minDb > maxDb) is caught too', async () => {
    const { file, line } = edited(/^ {6}range: \{ minDb: 20, maxDb: 60 \}/, (l) => l.replace('minDb: 20', 'minDb: 70'));
    const r = await runCli(['inventory', 'validate', '--inventory', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`:${line}:\\d+: benches\\.virtual\\.profile\\.range: expected minDb < maxDb`));
    noStackTrace(r);
  });

  it('YAML that does not parse: exit 2 with the line', async () => {
    const { file, line } = edited(/^ {4}essid: rig-roam/, () => '    essid: "rig-roam');
    const r = await runCli(['inventory', 'validate', '--inventory', file, '--json']);
    expect(r.code).toBe(2);
    const j = JSON.parse(r.stdout) as ValidateJson;
    expect(j.problems![0].message).toMatch(/YAML syntax error/);
    expect(j.problems![0].line).toBeGreaterThanOrEqual(line);
    expect(j.problems![0].path).toBeNull();
  });

  it('a missing file: exit 2 naming it', async () => {
    const file = join(tempDir(), 'no-such-inventory.yaml');
    const r = await runCli(['inventory', 'validate', '--inventory', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/not found/);
    noStackTrace(r);
  });
});

describe('rig inventory schema', () => {
  it('prints the committed inventory.schema.json', async () => {
    const r = await runCli(['inventory', 'schema']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(COMMITTED_SCHEMA);
  });

  it('--out writes it', async () => {
    const out = join(tempDir(), 'inventory.schema.json');
    const r = await runCli(['inventory', 'schema', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`schema: ${out}\n`);
    expect(readFileSync(out, 'utf8')).toBe(COMMITTED_SCHEMA);
    const j = await runCli(['inventory', 'schema', '--out', out, '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ schema: out });
  });

  it('--out into a folder that does not exist: exit 2, no stack trace', async () => {
    const out = join(tempDir(), 'no-such-dir', 'inventory.schema.json');
    const r = await runCli(['inventory', 'schema', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(out);
    noStackTrace(r);
  });
});
