/**
 * `firmware/variants.yaml`: which madwifi builds exist (variants), the patches each
 * one is made of, its module files per target with their checksums, the dmesg
 * banners a board prints when it runs it, and the load order. Parsed and validated
 * by the inventory's YAML reader (src/inventory/yaml-source.ts: positions kept, zod);
 * every error names the file, the YAML path, the line and the column, pointing at the
 * bad value, the unknown key or the mapping a key is missing from (ConfigError, exit 2):
 *
 *   /x/variants.yaml: loadOrder.9 (line 21, column 172): expected ath_rate_sample (a dependency of ath_pci) to be loaded before ath_pci, got "ath_pci"
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { readYamlWithSchema, type ProblemLine } from '../inventory/yaml-source.ts';

/** The manifest shipped in the repository. */
export const DEFAULT_MANIFEST = resolve(import.meta.dirname, '../../firmware/variants.yaml');

const msg = (expect: string) => ({ error: expect });
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MODULE_RE = /^[a-z][a-z0-9_]{0,31}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX32 = /^[0-9a-f]{32}$/;
/** A remote path that goes into shell commands quoted, but is still kept to a plain set. */
const REMOTE_DIR_RE = /^\/[A-Za-z0-9._/{}-]{1,200}$/;
const REL_PATH_RE = /^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]{1,200}$/;

const name = (what: string) => z.string(msg(`expected a ${what} name (letters, digits, ".", "_", "-")`)).regex(NAME_RE, msg(`expected a ${what} name (letters, digits, ".", "_", "-")`));
const moduleName = z.string(msg('expected a kernel module name like wlan_scan_sta')).regex(MODULE_RE, msg('expected a kernel module name like wlan_scan_sta'));
const relPath = z.string(msg('expected a path relative to the firmware/ folder')).regex(REL_PATH_RE, msg('expected a path relative to the firmware/ folder (no "..", not absolute)'));
const sha256 = z.string(msg('expected a sha256 (64 lowercase hex digits)')).regex(HEX64, msg('expected a sha256 (64 lowercase hex digits)'));
const md5 = z.string(msg('expected an md5 (32 lowercase hex digits)')).regex(HEX32, msg('expected an md5 (32 lowercase hex digits)'));

const ModuleSpecSchema = z.strictObject({
  description: z.string(msg('expected a text')),
  /** Modules this one needs loaded first (its symbols come from them). */
  depends: z.array(moduleName).default([]),
  /** What `lsmod` shows as its size once loaded (the virtual rig's modules carry it). */
  memsize: z.number(msg('expected a size in bytes')).int().positive(),
});

const PatchSchema = z.strictObject({
  file: relPath,
  sha256,
  description: z.string(msg('expected a text')),
  /** Source files of the madwifi tree the patch changes. */
  touches: z.array(z.string(msg('expected a path in the madwifi tree'))).min(1),
  /** Modules whose code changes. */
  modules: z.array(moduleName).min(1),
  /** What the change does in the virtual rig's model: module -> feature -> value. */
  virtual: z.record(moduleName, z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), z.number().int())).default({}),
});

const TargetSchema = z.strictObject({
  description: z.string(msg('expected a text')),
  /** The kernel's vermagic: a module built for another kernel does not load. */
  vermagic: z.string(msg('expected the vermagic string of the target kernel')),
});

const ModuleFileSchema = z.strictObject({
  size: z.number(msg('expected the file size in bytes')).int().nonnegative(),
  sha256,
  md5,
});

const VariantFilesSchema = z.strictObject({
  /** Folder of the `<module>.ko` files, relative to firmware/. */
  dir: relPath,
  modules: z.record(moduleName, ModuleFileSchema),
});

const VariantSchema = z.strictObject({
  description: z.string(msg('expected a text')),
  /** RELEASE_VERSION the build is stamped with: it shows in the banners. */
  release: z.string(msg('expected a release string like 0.9.3-rig1404')).regex(/^[A-Za-z0-9._+-]{1,40}$/, msg('expected a release string like 0.9.3-rig1404')),
  patches: z.array(name('patch')).default([]),
  /** module -> the exact dmesg line it prints when it loads. */
  banners: z.record(moduleName, z.string(msg('expected a dmesg line'))),
  /** target -> module files (a target appears once its files are built). */
  files: z.record(name('target'), VariantFilesSchema).default({}),
});

export const ManifestSchema = z
  .strictObject({
    version: z.literal(1, msg('expected 1 (the only manifest format version)')),
    madwifi: z.strictObject({
      release: z.string(msg('expected the madwifi release, e.g. 0.9.3')),
      source: z.string(msg('expected where the release tarball comes from')),
      svn: z.string(msg('expected the svn tag of the release')),
    }),
    /** Kernel release the modules are built for (`uname -r`). */
    kernel: z.string(msg('expected a kernel release like 2.6.16')).regex(/^[A-Za-z0-9._+-]{1,64}$/),
    /** Where the modules live on the board ({kernel} = `uname -r`); persistent storage. */
    moduleDir: z.string(msg('expected an absolute path on the board')).regex(REMOTE_DIR_RE, msg('expected an absolute path on the board, e.g. /lib/modules/{kernel}/net')),
    /** Where uploads are staged before they are verified and loaded (tmpfs is fine). */
    stagingDir: z.string(msg('expected an absolute path on the board')).regex(REMOTE_DIR_RE, msg('expected an absolute path on the board, e.g. /tmp/rig-flash')),
    loadOrder: z.array(moduleName).min(1),
    modules: z.record(moduleName, ModuleSpecSchema),
    patches: z.record(name('patch'), PatchSchema),
    targets: z.record(name('target'), TargetSchema),
    variants: z.record(name('variant'), VariantSchema),
  })
  .superRefine((m, ctx) => {
    const order = m.loadOrder;
    if (new Set(order).size !== order.length) ctx.addIssue({ code: 'custom', path: ['loadOrder'], message: 'expected every module once' });
    for (const [i, mod] of order.entries()) {
      const spec = m.modules[mod];
      if (!spec) {
        ctx.addIssue({ code: 'custom', path: ['loadOrder', i], message: `expected a module described under modules: (${mod} is not)` });
        continue;
      }
      for (const dep of spec.depends) {
        if (!order.slice(0, i).includes(dep)) {
          ctx.addIssue({ code: 'custom', path: ['loadOrder', i], message: `expected ${dep} (a dependency of ${mod}) to be loaded before ${mod}` });
        }
      }
    }
    for (const mod of Object.keys(m.modules)) {
      if (!order.includes(mod)) ctx.addIssue({ code: 'custom', path: ['modules', mod], message: 'expected the module in loadOrder' });
    }
    for (const [pname, p] of Object.entries(m.patches)) {
      for (const mod of [...p.modules, ...Object.keys(p.virtual)]) {
        if (!m.modules[mod]) ctx.addIssue({ code: 'custom', path: ['patches', pname], message: `expected known modules (${mod} is not one)` });
      }
    }
    const bannerSets = new Map<string, string>();
    for (const [vname, v] of Object.entries(m.variants)) {
      for (const p of v.patches) {
        if (!m.patches[p]) ctx.addIssue({ code: 'custom', path: ['variants', vname, 'patches'], message: `expected patches listed under patches: (${p} is not)` });
      }
      for (const mod of Object.keys(v.banners)) {
        if (!m.modules[mod]) ctx.addIssue({ code: 'custom', path: ['variants', vname, 'banners', mod], message: 'expected a known module' });
        else if (!v.banners[mod].startsWith(`${mod}: `)) {
          ctx.addIssue({ code: 'custom', path: ['variants', vname, 'banners', mod], message: `expected the line to start with "${mod}: " (as the module prints it)` });
        }
      }
      const key = JSON.stringify(Object.entries(v.banners).sort());
      const other = bannerSets.get(key);
      if (other) ctx.addIssue({ code: 'custom', path: ['variants', vname, 'banners'], message: `expected banners that tell this variant from ${other} (the loaded variant is identified by them)` });
      bannerSets.set(key, vname);
      for (const [tname, files] of Object.entries(v.files)) {
        if (!m.targets[tname]) ctx.addIssue({ code: 'custom', path: ['variants', vname, 'files', tname], message: 'expected a target listed under targets:' });
        for (const mod of order) {
          if (!files.modules[mod]) ctx.addIssue({ code: 'custom', path: ['variants', vname, 'files', tname, 'modules'], message: `expected a file for every module in loadOrder (${mod} is missing)` });
        }
        for (const mod of Object.keys(files.modules)) {
          if (!order.includes(mod)) ctx.addIssue({ code: 'custom', path: ['variants', vname, 'files', tname, 'modules', mod], message: 'expected a module in loadOrder' });
        }
      }
    }
  });

export type ManifestData = z.output<typeof ManifestSchema>;
export type VariantSpec = ManifestData['variants'][string];
export type PatchSpec = ManifestData['patches'][string];

/** The validated manifest, with where it came from. */
export interface Manifest extends ManifestData {
  /** Absolute path of variants.yaml. */
  readonly file: string;
  /** The firmware/ folder (paths in the manifest are relative to it). */
  readonly dir: string;
}

/** One module file of a variant for a target, as the flash needs it. */
export interface ModuleFile {
  module: string;
  /** Absolute local path. */
  localPath: string;
  /** File name on the board: `<module>.ko`. */
  remoteName: string;
  size: number;
  sha256: string;
  md5: string;
}

/**
 * `/x/variants.yaml: loadOrder.9 (line 21, column 172): text`: the manifest's error
 * layout (the path as `doc.getIn` takes it; "(top)" for the document itself).
 */
const manifestProblemLine: ProblemLine = (shown, pos, path, text) => {
  const where = `line ${pos.line}, column ${pos.col}`;
  if (path === undefined) return `${shown}: ${where}: ${text}`;
  const dotted = path.filter((p) => typeof p !== 'symbol').join('.');
  return `${shown}: ${dotted || '(top)'} (${where}): ${text}`;
};

/** Parse and validate a manifest's text (exported for tests; `loadManifest` reads the file). */
export function parseManifest(text: string, file: string): Manifest {
  const data = readYamlWithSchema(text, ManifestSchema, {
    shown: file,
    subject: file,
    codes: { syntax: 'E_MANIFEST', invalid: 'E_MANIFEST' },
    emptyText: 'the firmware manifest is empty (expected a mapping with version, madwifi, kernel, loadOrder, modules, patches, targets, variants)',
    notMappingText: 'expected a mapping at the top level (version, madwifi, kernel, moduleDir, stagingDir, loadOrder, modules, patches, targets, variants)',
    line: manifestProblemLine,
  });
  return { ...data, file, dir: dirname(file) };
}

export function loadManifest(file: string = DEFAULT_MANIFEST): Manifest {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the firmware manifest ${abs}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { code: 'E_MANIFEST' });
  }
  return parseManifest(text, abs);
}

export function variantOf(m: Manifest, variant: string): VariantSpec {
  const v = Object.hasOwn(m.variants, variant) ? m.variants[variant] : undefined;
  if (!v) throw new ConfigError(`unknown firmware variant "${variant}" (${m.file} has ${Object.keys(m.variants).join(', ')})`, { code: 'E_VARIANT' });
  return v;
}

/** The module files of a variant for a target, in load order. */
export function moduleFiles(m: Manifest, variant: string, target: string): ModuleFile[] {
  const v = variantOf(m, variant);
  if (!Object.hasOwn(m.targets, target)) {
    throw new ConfigError(`unknown firmware target "${target}" (${m.file} has ${Object.keys(m.targets).join(', ')})`, { code: 'E_TARGET' });
  }
  const files = v.files[target];
  if (!files) {
    throw new ConfigError(
      `variant ${variant} has no module files for target ${target} yet: build them with ` +
        `firmware/build-madwifi.sh --variant ${variant} --target ${target} (see firmware/README.md)`,
      { code: 'E_NOT_BUILT' },
    );
  }
  return m.loadOrder.map((module) => {
    const f = files.modules[module];
    return { module, localPath: join(m.dir, files.dir, `${module}.ko`), remoteName: `${module}.ko`, size: f.size, sha256: f.sha256, md5: f.md5 };
  });
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

/**
 * Check the local files of a variant for a target (and its patches) against the
 * manifest; returns the module files' contents. Any difference is a ConfigError that
 * lists every file that does not match: nothing is flashed from a tree that is not
 * what the manifest says.
 */
export function verifyLocalFiles(m: Manifest, variant: string, target: string): Map<string, Buffer> {
  const problems: string[] = [];
  const out = new Map<string, Buffer>();
  for (const p of variantOf(m, variant).patches) {
    const spec = m.patches[p];
    const file = join(m.dir, spec.file);
    try {
      const got = sha256Hex(readFileSync(file));
      if (got !== spec.sha256) problems.push(`${file}: sha256 ${got}, the manifest says ${spec.sha256}`);
    } catch {
      problems.push(`${file}: missing`);
    }
  }
  for (const f of moduleFiles(m, variant, target)) {
    let data: Buffer;
    try {
      data = readFileSync(f.localPath);
    } catch {
      problems.push(`${f.localPath}: missing`);
      continue;
    }
    const s = sha256Hex(data);
    const h = md5Hex(data);
    if (data.length !== f.size) problems.push(`${f.localPath}: ${data.length} bytes, the manifest says ${f.size}`);
    else if (s !== f.sha256) problems.push(`${f.localPath}: sha256 ${s}, the manifest says ${f.sha256}`);
    else if (h !== f.md5) problems.push(`${f.localPath}: md5 ${h}, the manifest says ${f.md5}`);
    out.set(f.module, data);
  }
  if (problems.length > 0) {
    throw new ConfigError(`firmware ${variant} (${target}) does not match ${m.file}:\n  ${problems.join('\n  ')}`, { code: 'E_FIRMWARE_FILES', subject: variant });
  }
  return out;
}

/** The board's module folder for a kernel release. */
export function moduleDirFor(m: Manifest, kernel: string = m.kernel): string {
  return m.moduleDir.replace('{kernel}', kernel);
}

/** The variant whose module files for `target` have exactly these checksums (module -> hex), if any. */
export function variantByChecksums(m: Manifest, target: string, sums: Record<string, string>, algo: 'sha256' | 'md5'): string | null {
  for (const [vname, v] of Object.entries(m.variants)) {
    const files = v.files[target];
    if (!files) continue;
    if (m.loadOrder.every((mod) => files.modules[mod] && sums[mod] === files.modules[mod][algo])) return vname;
  }
  return null;
}

/** The variant whose banners are exactly the ones seen (module -> last banner line), if any. */
export function variantByBanners(m: Manifest, seen: Record<string, string>): string | null {
  for (const [vname, v] of Object.entries(m.variants)) {
    if (Object.entries(v.banners).every(([mod, line]) => seen[mod] === line)) return vname;
  }
  return null;
}
