/**
 * The build of the virtual rig's module files, and the checksums in the manifest.
 *
 *   npx tsx src/firmware/build-virtual.ts           # (re)write firmware/virtual/<variant>/*.ko and update variants.yaml
 *   npx tsx src/firmware/build-virtual.ts --check   # exit 1 if anything would change
 *
 * For every variant, every module in the load order becomes `firmware/virtual/<variant>/<module>.ko`
 * (see virtual-module.ts), carrying the variant's release, banner and the behaviour its
 * patches give that module. The files' size, sha256 and md5 and the patches' sha256
 * are written into variants.yaml (comments and layout kept). The build is
 * deterministic: running it again on an unchanged tree changes nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { DEFAULT_MANIFEST, loadManifest, md5Hex, parseManifest, sha256Hex, type Manifest } from './manifest.ts';
import { buildVirtualModule } from './virtual-module.ts';

export const VIRTUAL_TARGET = 'virtual';

/** The module files of one variant for the virtual rig (module -> bytes), in load order. */
export function virtualModulesFor(m: Manifest, variant: string): Map<string, Buffer> {
  const v = m.variants[variant];
  if (!v) throw new Error(`no variant ${variant} in ${m.file}`);
  const target = m.targets[VIRTUAL_TARGET];
  if (!target) throw new Error(`${m.file} has no target "${VIRTUAL_TARGET}"`);
  const out = new Map<string, Buffer>();
  for (const mod of m.loadOrder) {
    const features: Record<string, number> = {};
    for (const p of v.patches) Object.assign(features, m.patches[p]?.virtual[mod] ?? {});
    out.set(
      mod,
      buildVirtualModule({
        module: mod,
        description: m.modules[mod].description,
        variant,
        release: v.release,
        madwifi: m.madwifi.release,
        patches: v.patches,
        vermagic: target.vermagic,
        depends: m.modules[mod].depends,
        memsize: m.modules[mod].memsize,
        banner: v.banners[mod] ?? null,
        features,
      }),
    );
  }
  return out;
}

export interface VirtualBuildResult {
  /** What differs (or was rewritten): files and manifest entries. */
  changed: string[];
}

/** Build the virtual module files and update the manifest's checksums (or only check, with write: false). */
export function buildVirtualFirmware(opts: { manifestFile?: string; write: boolean }): VirtualBuildResult {
  const file = opts.manifestFile ?? DEFAULT_MANIFEST;
  const text = readFileSync(file, 'utf8');
  const m = parseManifest(text, file);
  const doc = parseDocument(text);
  const changed: string[] = [];

  for (const [pname, p] of Object.entries(m.patches)) {
    const path = join(m.dir, p.file);
    const sum = existsSync(path) ? sha256Hex(readFileSync(path)) : null;
    if (sum === null) throw new Error(`patch ${pname}: ${path} is missing`);
    if (sum !== p.sha256) {
      changed.push(`patches.${pname}.sha256`);
      doc.setIn(['patches', pname, 'sha256'], sum);
    }
  }

  for (const vname of Object.keys(m.variants)) {
    const dirRel = `virtual/${vname}`;
    const dirAbs = join(m.dir, dirRel);
    const files = virtualModulesFor(m, vname);
    const recorded = m.variants[vname].files[VIRTUAL_TARGET];
    if (!recorded || recorded.dir !== dirRel) {
      changed.push(`variants.${vname}.files.${VIRTUAL_TARGET}.dir`);
      doc.setIn(['variants', vname, 'files', VIRTUAL_TARGET, 'dir'], dirRel);
    }
    for (const [mod, data] of files) {
      const entry = { size: data.length, sha256: sha256Hex(data), md5: md5Hex(data) };
      const cur = recorded?.modules[mod];
      if (!cur || cur.size !== entry.size || cur.sha256 !== entry.sha256 || cur.md5 !== entry.md5) {
        changed.push(`variants.${vname}.files.${VIRTUAL_TARGET}.modules.${mod}`);
        const node = doc.createNode(entry);
        node.flow = true;
        doc.setIn(['variants', vname, 'files', VIRTUAL_TARGET, 'modules', mod], node);
      }
      const path = join(dirAbs, `${mod}.ko`);
      const onDisk = existsSync(path) ? readFileSync(path) : null;
      if (!onDisk || !onDisk.equals(data)) {
        changed.push(`${dirRel}/${mod}.ko`);
        if (opts.write) {
          mkdirSync(dirAbs, { recursive: true });
          writeFileSync(path, data);
        }
      }
    }
  }
  if (opts.write && changed.some((c) => !c.endsWith('.ko'))) {
    writeFileSync(file, doc.toString({ lineWidth: 0 }));
    loadManifest(file); // what was written must still validate
  }
  return { changed };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const check = process.argv.includes('--check');
  const r = buildVirtualFirmware({ write: !check });
  if (r.changed.length === 0) process.stdout.write('firmware: virtual module files and manifest checksums are up to date\n');
  else process.stdout.write(`${check ? 'out of date' : 'updated'}:\n  ${r.changed.join('\n  ')}\n`);
  process.exitCode = check && r.changed.length > 0 ? 1 : 0;
}
