/**
 * The virtual boards' reading of a kernel module file (`<module>.ko` in
 * firmware/virtual/<variant>/): the rig's own reader of the "virtual module" text
 * format, sharing no code with the build that writes it (src/firmware/virtual-module.ts),
 * so that a mistake on one side shows instead of cancelling out:
 *
 *   RIGKO 1                       magic line
 *   module=wlan                   then `key=value` lines: module, description, variant,
 *   ...                           release, madwifi, patches, vermagic, depends (comma-
 *   feature.leave_defer_ms=100    separated), memsize, banner, and `feature.NAME=INT`
 *   sha256=<64 hex digits>        the sha256 of every byte before this line
 *
 * The checksum plays the part of a real module's ELF structure: a damaged file does
 * not load ("Invalid module format"). Every other malformation is refused too.
 */
import { createHash } from 'node:crypto';

const MODULE_FILE_MAGIC = 'RIGKO 1';

/** What the kernel learns from a module file. */
export interface ModuleImage {
  module: string;
  variant: string;
  release: string;
  vermagic: string;
  /** Modules whose symbols it needs (loaded first). */
  depends: string[];
  /** What lsmod shows as its size. */
  memsize: number;
  /** The line it prints when it loads; null for none. */
  banner: string | null;
  /** Behaviour the variant's patches give it (the world model reads these). */
  features: Record<string, number>;
}

const MODULE_NAME = /^[a-z][a-z0-9_]*$/;
const REQUIRED = ['module', 'variant', 'release', 'vermagic', 'depends', 'memsize', 'banner'] as const;
const SUM_TAG = Buffer.from('\nsha256=');

/** Read a module file; an Error says why it is not a valid module. */
export function readModuleFile(data: Buffer): ModuleImage | Error {
  if (!data.subarray(0, MODULE_FILE_MAGIC.length + 1).equals(Buffer.from(`${MODULE_FILE_MAGIC}\n`))) {
    return new Error('not a module (bad magic)');
  }
  const tag = data.lastIndexOf(SUM_TAG);
  if (tag < 0 || data[data.length - 1] !== 0x0a) return new Error('truncated module');
  const body = data.subarray(0, tag + 1);
  const recorded = data.subarray(tag + SUM_TAG.length, data.length - 1).toString('latin1');
  if (!/^[0-9a-f]{64}$/.test(recorded)) return new Error('truncated module');
  if (createHash('sha256').update(body).digest('hex') !== recorded) return new Error('checksum mismatch (damaged module)');

  const fields = new Map<string, string>();
  const features: Record<string, number> = {};
  for (const line of body.toString('utf8').split('\n').slice(1, -1)) {
    const eq = line.indexOf('=');
    if (eq <= 0) return new Error(`malformed line "${line.slice(0, 40)}"`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key.startsWith('feature.')) {
      if (!/^-?\d+$/.test(value)) return new Error(`feature ${key.slice('feature.'.length)}: not an integer`);
      features[key.slice('feature.'.length)] = Number(value);
    } else {
      if (fields.has(key)) return new Error(`field ${key} twice`);
      fields.set(key, value);
    }
  }
  for (const k of REQUIRED) if (!fields.has(k)) return new Error(`missing field ${k}`);
  const field = (k: (typeof REQUIRED)[number]): string => fields.get(k) as string;
  const module = field('module');
  if (!MODULE_NAME.test(module)) return new Error(`bad module name "${module.slice(0, 40)}"`);
  const depends = field('depends') === '' ? [] : field('depends').split(',');
  if (depends.some((d) => !MODULE_NAME.test(d))) return new Error('bad depends list');
  if (!/^\d+$/.test(field('memsize'))) return new Error('memsize: not a size');
  return {
    module,
    variant: field('variant'),
    release: field('release'),
    vermagic: field('vermagic'),
    depends,
    memsize: Number(field('memsize')),
    banner: field('banner') === '' ? null : field('banner'),
    features,
  };
}
