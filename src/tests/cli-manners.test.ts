/**
 * Issue 10's command-line manners through the real CLI: `rig --help` lists every command
 * with an example; every usage error exits 2 with a message and no stack trace (also a
 * --reports under a regular file, which was "unexpected error: ENOTDIR", exit 3); the
 * progress shows the elapsed time and an estimate; --quiet prints only results and
 * errors, --verbose adds the bench's log lines; the run folder holds the structured log
 * (rig.log, pino's JSON lines).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inventoryCopy, runCli, tempDir, type RoamJson } from './helpers/cli.ts';

const noTrace = (s: string): void => {
  expect(s).not.toMatch(/\n\s+at /);
  expect(s).not.toMatch(/unexpected error/i);
};

/** What issue 10 names as the lab's commands (the spec, not read from the code). */
const COMMANDS = ['roam', 'nightly', 'check', 'flash', 'report', 'analyze', 'atten', 'exec', 'console', 'trust', 'inventory', 'lab'];

describe('rig --help', () => {
  it('lists every command, and gives an example of each', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    const commands = r.stdout.split(/\nCommands:\n/)[1].split(/\n\n/)[0];
    const listed = [...commands.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]).filter((c) => c !== 'help');
    expect(listed.sort()).toEqual([...COMMANDS].sort());
    const examples = r.stdout.split(/\nExamples:\n/)[1];
    expect(examples, 'an Examples section').toBeDefined();
    for (const c of COMMANDS) expect(examples, c).toMatch(new RegExp(`^ +rig ${c}\\b`, 'm'));
    expect(r.stdout).toMatch(/Exit codes: 0 passed, 1 .*, 2 usage or inventory error, 3 the bench failed/);
  });

  it('each command has its own --help (exit 0) and each subcommand too', async () => {
    for (const args of [...COMMANDS.map((c) => [c]), ['atten', 'get'], ['atten', 'set'], ['report', 'merge'], ['inventory', 'validate'], ['inventory', 'schema'], ['lab', 'up']]) {
      const r = await runCli([...args, '--help']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(new RegExp(`^Usage: rig ${args.join(' ')}\\b`));
    }
  });
});

describe('usage errors exit 2 with a message, never a stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['an unknown command', ['no-such-command'], /unknown command/],
    ['atten set without a value', ['atten', 'set', 'att1'], /missing required argument/],
    ['atten set with a value that is not a number', ['atten', 'set', 'att1', 'loud'], /dB|number/],
    ['atten get of an attenuator the bench does not have', ['atten', 'get', 'att9'], /no attenuator "att9"/],
    ['exec without a command', ['exec', 'client'], /missing required argument/],
    ['exec on a device the bench does not have', ['exec', 'router', '--', 'true'], /router/],
    ['report without a run folder', ['report'], /missing required argument/],
    ['report merge without --out', ['report', 'merge', '.'], /--out/],
    ['check on a bench the inventory does not have', ['check', '--bench', 'nope'], /nope/],
    ['nightly with --count 0', ['nightly', '--count', '0'], /count/],
    ['lab up with a negative time scale', ['lab', 'up', '--time-scale', '-1'], /time-scale|number/],
    ['trust without a device', ['trust'], /missing required argument/],
    ['inventory validate of a missing file', ['inventory', 'validate', '--inventory', '/nonexistent/inventory.yaml'], /nonexistent/],
  ];
  for (const [name, args, says] of cases) {
    it(name, async () => {
      const dir = tempDir();
      const inv = inventoryCopy(dir);
      // Every command that reads an inventory gets the copy (not the repository's own file).
      const withInv = ['atten', 'exec', 'check', 'nightly', 'lab'].includes(args[0]) ? [...args.slice(0, args.indexOf('--') < 0 ? args.length : args.indexOf('--')), '--inventory', inv, ...(args.includes('--') ? args.slice(args.indexOf('--')) : [])] : args;
      const r = await runCli(withInv, { cwd: dir, timeoutMs: 60_000 });
      expect(r.code, `${withInv.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(says);
      noTrace(r.stderr);
    });
  }

  it('--reports under a regular file: exit 2 naming the folder and why (it was "unexpected error: ENOTDIR", exit 3)', async () => {
    const dir = tempDir();
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'a file\n');
    const r = await runCli(['roam', '--count', '1', '--inventory', inventoryCopy(dir), '--reports', join(file, 'reports')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--reports: cannot use .*not-a-folder\/reports.* as a run folder \(a file is in the way\)/);
    noTrace(r.stderr);
  });
});

describe('progress, --quiet, --verbose and the run log', () => {
  it('progress lines carry the elapsed time and an estimate of the rest; the run folder has rig.log (JSON lines)', async () => {
    const dir = tempDir();
    const r = await runCli(['roam', '--count', '3', '--inventory', inventoryCopy(dir), '--reports', join(dir, 'reports'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /^roam \d+\/3 /.test(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/\[\d+s elapsed, about \d+s to go\]$/);
    expect(lines[1]).toMatch(/\[\d+s elapsed, about \d+s to go\]$/);
    expect(lines[2]).toMatch(/\[\d+s elapsed\]$/); // nothing left to estimate

    const json = JSON.parse(r.stdout) as RoamJson;
    const log = readFileSync(join(json.runDir, 'rig.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { level: number; time: string; msg: string; index?: number; lost?: number });
    expect(log[0].msg).toBe('run started');
    expect(log.at(-1)!.msg).toBe('run ended');
    for (const l of log) expect(Number.isNaN(Date.parse(l.time)), l.time).toBe(false);
    const measured = log.filter((l) => l.msg === 'roam measured');
    expect(measured.map((l) => l.index)).toEqual([1, 2, 3]);
    const roams = readFileSync(join(json.runDir, 'roams.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { lost: number });
    expect(measured.map((l) => l.lost)).toEqual(roams.map((x) => x.lost));
  });

  it('--quiet: the results on stdout and nothing on stderr; --verbose: the bench\'s log lines on stderr too', async () => {
    const dir = tempDir();
    const inv = inventoryCopy(dir);
    const quiet = await runCli(['--quiet', 'roam', '--count', '1', '--inventory', inv, '--reports', join(dir, 'q')]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/^stock: 1\/1 roams valid/m);
    const normal = await runCli(['roam', '--count', '1', '--inventory', inv, '--reports', join(dir, 'n')]);
    const verbose = await runCli(['--verbose', 'roam', '--count', '1', '--inventory', inv, '--reports', join(dir, 'v')]);
    expect(verbose.code, verbose.stderr).toBe(0);
    const n = normal.stderr.split('\n').length;
    expect(verbose.stderr.split('\n').length).toBeGreaterThan(n);
    expect(verbose.stderr).not.toBe(normal.stderr);
  });
});
