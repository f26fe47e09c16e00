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
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
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

function args(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out.set(argv[i].slice(2), argv[i + 1] ?? '');
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, ...rest] = process.argv.slice(2);
  const a = args(rest);
  const variant = a.get('variant');
  const target = a.get('target');
  const manifestFile = a.get('manifest') ?? DEFAULT_MANIFEST;
  try {
    if (!variant || !target || (cmd !== 'plan' && cmd !== 'record') || (cmd === 'record' && !a.get('dir'))) {
      throw new ConfigError('usage: lab-build.ts plan --variant V --target T | record --variant V --target T --dir DIR [--manifest FILE]');
    }
    if (cmd === 'plan') process.stdout.write(plan(loadManifest(manifestFile), variant, target));
    else {
      const e = record(manifestFile, variant, target, a.get('dir') as string);
      process.stdout.write(`recorded ${Object.keys(e).length} module files of ${variant} for ${target} in ${manifestFile}\n`);
    }
  } catch (err) {
    process.stderr.write(`lab-build: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
