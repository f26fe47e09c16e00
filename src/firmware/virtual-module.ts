/**
 * The virtual rig's kernel modules: small text files that stand in for madwifi's
 * `.ko` files. Each one carries what the virtual board's kernel needs to behave like
 * the real module: its name, the variant it was built as, its dependencies, the
 * vermagic it was built for, the banner it prints when it loads, and the behaviour
 * the variant's patches give it (e.g. `feature.roam_check=1` in wlan_scan_sta,
 * `feature.leave_defer_ms=100` in wlan). A last line holds the sha256 of everything
 * before it, the way a real module's ELF structure makes a damaged file fail to load:
 * a corrupted upload gives "Invalid module format".
 */
import { sha256Hex } from './manifest.ts';

export const VIRTUAL_MODULE_MAGIC = 'RIGKO 1';

export interface VirtualModule {
  module: string;
  description: string;
  variant: string;
  release: string;
  madwifi: string;
  patches: string[];
  vermagic: string;
  depends: string[];
  /** What lsmod shows as the size. */
  memsize: number;
  /** The line the module prints when it loads (none for most of the wlan_* modules). */
  banner: string | null;
  /** Behaviour from the variant's patches (virtual model): name -> value. */
  features: Record<string, number>;
}

/** The file's bytes (deterministic: the same module gives the same file). */
export function buildVirtualModule(m: VirtualModule): Buffer {
  const lines = [
    VIRTUAL_MODULE_MAGIC,
    `module=${m.module}`,
    `description=${m.description}`,
    `variant=${m.variant}`,
    `release=${m.release}`,
    `madwifi=${m.madwifi}`,
    `patches=${m.patches.join(',')}`,
    `vermagic=${m.vermagic}`,
    `depends=${m.depends.join(',')}`,
    `memsize=${m.memsize}`,
    `banner=${m.banner ?? ''}`,
    ...Object.keys(m.features)
      .sort()
      .map((k) => `feature.${k}=${m.features[k]}`),
  ];
  for (const l of lines) {
    if (/[\n\r\0]/.test(l)) throw new Error(`virtual module ${m.module}: a field contains a line break`);
  }
  const body = lines.join('\n') + '\n';
  return Buffer.from(`${body}sha256=${sha256Hex(body)}\n`, 'utf8');
}

/** Read a module file; an Error says why it is not a (valid) module. */
export function parseVirtualModule(data: Buffer): VirtualModule | Error {
  const text = data.toString('latin1');
  if (!text.startsWith(`${VIRTUAL_MODULE_MAGIC}\n`)) return new Error('not a module (bad magic)');
  const end = text.lastIndexOf('sha256=');
  if (end < 0 || !text.endsWith('\n')) return new Error('truncated module');
  const body = text.slice(0, end);
  const sum = text.slice(end + 'sha256='.length, -1);
  if (sha256Hex(Buffer.from(body, 'latin1')) !== sum) return new Error('checksum mismatch (damaged module)');
  const fields = new Map<string, string>();
  const features: Record<string, number> = {};
  for (const line of body.split('\n').slice(1)) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq < 0) return new Error(`malformed line "${line.slice(0, 40)}"`);
    const k = line.slice(0, eq);
    const v = line.slice(eq + 1);
    if (k.startsWith('feature.')) features[k.slice('feature.'.length)] = Number(v);
    else fields.set(k, v);
  }
  const need = ['module', 'variant', 'release', 'vermagic', 'depends', 'memsize', 'banner'];
  for (const k of need) if (!fields.has(k)) return new Error(`missing field ${k}`);
  const list = (s: string | undefined): string[] => (s ? s.split(',').filter(Boolean) : []);
  return {
    module: fields.get('module')!,
    description: fields.get('description') ?? '',
    variant: fields.get('variant')!,
    release: fields.get('release')!,
    madwifi: fields.get('madwifi') ?? '',
    patches: list(fields.get('patches')),
    vermagic: fields.get('vermagic')!,
    depends: list(fields.get('depends')),
    memsize: Number(fields.get('memsize')),
    banner: fields.get('banner') || null,
    features,
  };
}
