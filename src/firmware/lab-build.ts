/**
 * The manifest side of a lab's build for real boards (firmware/build-madwifi.sh calls it):
 *
 *   npx tsx src/firmware/lab-build.ts plan   --variant V --target T
 *       prints shell assignments: MADWIFI_RELEASE, RELEASE, PATCHES (absolute paths),
 *       MODULES (load order), OUT (default output folder); the script `eval`s them.
 *   npx tsx src/firmware/lab-build.ts record --variant V --target T --dir DIR
 *       checks DIR has every module of the load order, that the modules which print a
 *       banner carry the variant's release string, and writes their size, sha256 and
 *       md5 into variants.yaml (variants.V.files.T), comments and layout kept.
 *
 * Both take `--manifest FILE` (default firmware/variants.yaml). The command line is
 * parsed with node:util parseArgs; a usage error names the bad option or argument,
 * prints the usage and exits 2, as does any other error (unknown variant, missing
 * module file, ...).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { ConfigError, EXIT, UsageError, describeError } from '../errors.ts';
import { DEFAULT_MANIFEST, loadManifest, md5Hex, sha256Hex, variantOf, type Manifest } from './manifest.ts';

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function plan(m: Manifest, variant: string, target: string): string {
  const v = variantOf(m, variant);
  if (!Object.hasOwn(m.targets, target)) throw new ConfigError(`unknown firmware target "${target}" (add it under targets: in ${m.file})`, { code: 'E_TARGET' });
  const patches = v.patches.map((p) => join(m.dir, m.patches[p].file));
  return [
    `MADWIFI_RELEASE=${shq(m.madwifi.release)}`,
    `RELEASE=${shq(v.release)}`,
    `PATCHES=(${patches.map(shq).join(' ')})`,
    `MODULES=(${m.loadOrder.map(shq).join(' ')})`,
    `OUT=${shq(join(m.dir, target, variant))}`,
    `VERMAGIC=${shq(m.targets[target].vermagic)}`,
    '',
  ].join('\n');
}

/** Record a build's module files in the manifest; returns what was written (module -> entry). */
export function record(manifestFile: string, variant: string, target: string, dir: string): Record<string, { size: number; sha256: string; md5: string }> {
  const m = loadManifest(manifestFile);
  const v = variantOf(m, variant);
  if (!Object.hasOwn(m.targets, target)) throw new ConfigError(`unknown firmware target "${target}" (add it under targets: in ${m.file})`, { code: 'E_TARGET' });
  const abs = resolve(dir);
  const rel = relative(m.dir, abs);
  if (rel.startsWith('..') || rel === '') throw new ConfigError(`${abs}: the module files must live under ${m.dir} (the manifest's paths are relative to it)`, { code: 'E_FIRMWARE_FILES' });
  const problems: string[] = [];
  const entries: Record<string, { size: number; sha256: string; md5: string }> = {};
  for (const mod of m.loadOrder) {
    const file = join(abs, `${mod}.ko`);
    if (!existsSync(file)) {
      problems.push(`${file}: missing`);
      continue;
    }
    const data = readFileSync(file);
    const banner = v.banners[mod];
    // "wlan: 0.8.4.2 (0.9.3-rig1404)": the module holds "0.8.4.2 (0.9.3-rig1404)" as a string.
    const text = banner?.slice(mod.length + 2);
    if (banner && banner.includes(v.release) && text && !data.includes(Buffer.from(text))) {
      problems.push(`${file}: does not contain "${text}" (was the tree stamped with RELEASE_VERSION ${v.release}?)`);
    }
    entries[mod] = { size: data.length, sha256: sha256Hex(data), md5: md5Hex(data) };
  }
  if (problems.length > 0) throw new ConfigError(`cannot record ${variant} for ${target}:\n  ${problems.join('\n  ')}`, { code: 'E_FIRMWARE_FILES' });
  const doc = parseDocument(readFileSync(m.file, 'utf8'));
  doc.setIn(['variants', variant, 'files', target, 'dir'], rel);
  for (const [mod, e] of Object.entries(entries)) {
    const node = doc.createNode(e);
    node.flow = true;
    doc.setIn(['variants', variant, 'files', target, 'modules', mod], node);
  }
  writeFileSync(m.file, doc.toString({ lineWidth: 0 }));
  loadManifest(m.file);
  return entries;
}

export const LAB_BUILD_USAGE =
  'usage: lab-build.ts plan --variant V --target T [--manifest FILE]\n' +
  '       lab-build.ts record --variant V --target T --dir DIR [--manifest FILE]';

/** What the command line asks for. */
export interface LabBuildCommand {
  command: 'plan' | 'record';
  variant: string;
  target: string;
  /** record only: the folder of the built `.ko` files. */
  dir?: string;
  manifest: string;
}

const OPTIONS = {
  variant: { type: 'string' },
  target: { type: 'string' },
  dir: { type: 'string' },
  manifest: { type: 'string' },
} as const;

/**
 * Parse lab-build's arguments (after the script name). Unknown options, an option
 * without its value, a missing or unknown command and a missing required option are
 * UsageErrors naming what is wrong.
 */
export function parseLabBuildArgs(argv: string[]): LabBuildCommand {
  // strict: false so that every problem gets our own wording; each token is checked below.
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const values: Partial<Record<keyof typeof OPTIONS, string>> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value);
    else if (t.kind === 'option-terminator') continue;
    else if (!Object.hasOwn(OPTIONS, t.name)) throw new UsageError(`unknown option ${t.rawName}`);
    else if (t.value === undefined || t.value === '') throw new UsageError(`option ${t.rawName} needs a value`);
    else if (!t.inlineValue && t.value.startsWith('-')) throw new UsageError(`option ${t.rawName} needs a value, got the option ${t.value}`);
    else values[t.name as keyof typeof OPTIONS] = t.value;
  }
  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('no command: plan or record');
  if (command !== 'plan' && command !== 'record') throw new UsageError(`unknown command ${JSON.stringify(command)}: plan or record`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  for (const name of ['variant', 'target'] as const) {
    if (values[name] === undefined) throw new UsageError(`${command} needs --${name}`);
  }
  if (command === 'record' && values.dir === undefined) throw new UsageError('record needs --dir (the folder of the built .ko files)');
  if (command === 'plan' && values.dir !== undefined) throw new UsageError('option --dir is for record, not plan');
  return {
    command,
    variant: values.variant as string,
    target: values.target as string,
    ...(values.dir !== undefined ? { dir: values.dir } : {}),
    manifest: values.manifest ?? DEFAULT_MANIFEST,
  };
}

/** Run lab-build with these arguments; returns the exit code (0, or 2 for any error). */
export function runLabBuild(argv: string[], out: { stdout: (s: string) => void; stderr: (s: string) => void }): number {
  try {
    const cmd = parseLabBuildArgs(argv);
    if (cmd.command === 'plan') {
      out.stdout(plan(loadManifest(cmd.manifest), cmd.variant, cmd.target));
    } else {
      const e = record(cmd.manifest, cmd.variant, cmd.target, cmd.dir as string);
      out.stdout(`recorded ${Object.keys(e).length} module files of ${cmd.variant} for ${cmd.target} in ${cmd.manifest}\n`);
    }
    return EXIT.passed;
  } catch (err) {
    out.stderr(`lab-build: ${describeError(err)}\n${err instanceof UsageError ? `${LAB_BUILD_USAGE}\n` : ''}`);
    return EXIT.usage;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = runLabBuild(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
}
