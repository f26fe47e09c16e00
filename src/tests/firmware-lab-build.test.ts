/**
 * src/firmware/lab-build.ts's command line (node:util parseArgs): `plan` and `record`
 * with their options, usage errors naming the bad option with exit 2, and
 * firmware/build-madwifi.sh, which calls it, still working end to end as far as a
 * machine without a cross-compiler can go (--prepare-only of the unpatched variant).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { LAB_BUILD_USAGE, parseLabBuildArgs, runLabBuild } from '../firmware/lab-build.ts';
import { DEFAULT_MANIFEST, loadManifest } from '../firmware/manifest.ts';
import { ROOT } from './helpers/cli.ts';

const STACK = /\n\s+at /;
const scratch = mkdtempSync(join(tmpdir(), 'rig-lab-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = runLabBuild(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

function usageError(argv: string[]): string {
  try {
    parseLabBuildArgs(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
}

function runProcess(file: string, args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('lab-build arguments', () => {
  it('plan and record with their options, in any order, --opt=value too', () => {
    expect(parseLabBuildArgs(['plan', '--variant', 'patched', '--target', 'mips1-be-elf'])).toEqual({ command: 'plan', variant: 'patched', target: 'mips1-be-elf', manifest: DEFAULT_MANIFEST });
    expect(parseLabBuildArgs(['--target=t', 'record', '--dir', 'out/x', '--variant=v', '--manifest', '/m.yaml'])).toEqual({ command: 'record', variant: 'v', target: 't', dir: 'out/x', manifest: '/m.yaml' });
  });

  it.each([
    [['plan', '--variant', 'v', '--target', 't', '--bogus'], 'unknown option --bogus'],
    [['plan', '--variant', 'v', '--target', 't', '-x'], 'unknown option -x'],
    [['plan', '--variant', 'v', '--target'], 'option --target needs a value'],
    [['plan', '--variant=', '--target', 't'], 'option --variant needs a value'],
    [['plan', '--variant', '--target', 't'], 'option --variant needs a value, got the option --target'],
    [['build', '--variant', 'v', '--target', 't'], 'unknown command "build": plan or record'],
    [['--variant', 'v', '--target', 't'], 'no command: plan or record'],
    [['plan', 'extra', '--variant', 'v', '--target', 't'], 'unexpected argument "extra"'],
    [['plan', '--target', 't'], 'plan needs --variant'],
    [['record', '--variant', 'v'], 'record needs --target'],
    [['record', '--variant', 'v', '--target', 't'], 'record needs --dir (the folder of the built .ko files)'],
    [['plan', '--variant', 'v', '--target', 't', '--dir', 'd'], 'option --dir is for record, not plan'],
  ])('%j: %s', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });
});

describe('runLabBuild', () => {
  it('plan prints the shell assignments build-madwifi.sh evals', () => {
    const r = run(['plan', '--variant', 'patched', '--target', 'mips1-be-elf']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^RELEASE='0\.9\.3-rig1404'$/m);
    expect(r.stdout).toMatch(/^MODULES=\('ath_hal' 'wlan' .*'ath_pci'\)$/m);
  });

  it('a usage error: exit 2, the problem and the usage on stderr, nothing on stdout', () => {
    const r = run(['plan', '--variant', 'patched', '--target', 'mips1-be-elf', '--varaint', 'x']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`lab-build: unknown option --varaint\n${LAB_BUILD_USAGE}\n`);
  });

  it('an unknown variant or target: exit 2, the manifest named, no usage text', () => {
    const r = run(['plan', '--variant', 'nope', '--target', 'mips1-be-elf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lab-build: unknown firmware variant "nope" \(.*variants\.yaml has /);
    expect(r.stderr).not.toContain('usage:');
    expect(run(['plan', '--variant', 'stock', '--target', 'arm']).stderr).toMatch(/unknown firmware target "arm"/);
  });

  it('record writes the build into the manifest given with --manifest', () => {
    const fw = join(scratch, 'record', 'firmware');
    cpSync(join(ROOT, 'firmware'), fw, { recursive: true });
    const m = loadManifest(join(fw, 'variants.yaml'));
    const out = join(fw, 'mips1-be-elf', 'vanilla');
    mkdirSync(out, { recursive: true });
    for (const mod of m.loadOrder) {
      const banner = m.variants.vanilla.banners[mod];
      writeFileSync(join(out, `${mod}.ko`), `\x7fELF ${mod}\0${banner ? banner.slice(mod.length + 2) : ''}\0`);
    }
    const r = run(['record', '--variant', 'vanilla', '--target', 'mips1-be-elf', '--dir', out, '--manifest', join(fw, 'variants.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`recorded 11 module files of vanilla for mips1-be-elf in ${join(fw, 'variants.yaml')}\n`);
    expect(loadManifest(join(fw, 'variants.yaml')).variants.vanilla.files['mips1-be-elf'].dir).toBe('mips1-be-elf/vanilla');
  });
});

describe('as a program', () => {
  it('node --import tsx src/firmware/lab-build.ts: a bad option exits 2 naming it, never a stack trace', async () => {
    const r = await runProcess(process.execPath, ['--import', 'tsx', 'src/firmware/lab-build.ts', 'plan', '--variant', 'stock', '--target', 'virtual', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('lab-build: unknown option --bogus');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('firmware/build-madwifi.sh --prepare-only runs the plan and prepares the tree', async () => {
    const src = join(scratch, 'madwifi-0.9.3');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'release.h'), '#define RELEASE_VERSION "0.9.3"\n');
    const prepared = join(scratch, 'prepared');
    const r = await runProcess('bash', ['firmware/build-madwifi.sh', '--variant', 'vanilla', '--target', 'mips1-be-elf', '--source', src, '--prepare-only', prepared]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== madwifi 0.9.3 -> vanilla (0.9.3) for mips1-be-elf');
    expect(r.stdout).toContain(`== prepared (patched, stamped 0.9.3): ${prepared}`);
    expect(readFileSync(join(prepared, 'release.h'), 'utf8')).toBe('#define RELEASE_VERSION "0.9.3"\n');
  });

  it('firmware/build-madwifi.sh with an unknown variant stops with exit 2 and lab-build says why', async () => {
    const r = await runProcess('bash', ['firmware/build-madwifi.sh', '--variant', 'nope', '--target', 'mips1-be-elf', '--source', scratch]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lab-build: unknown firmware variant "nope"/);
    expect(r.stderr).not.toMatch(STACK);
  });
});
