/**
 * The flash images the virtual lab can give its boards: one folder per firmware
 * variant under firmware/virtual/ (`<variant>/<module>.ko`, written by the firmware
 * build). The variants are the folders there; the rig reads nothing else
 * (not firmware/variants.yaml). An image is taken only when every module of the
 * board's load order is there, reads as a module (module-file.ts: its checksum holds),
 * is the module and variant its path says, and depends only on modules loaded
 * before it (the modules' `depends=` lines agree with /etc/modules).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { VirtualRigError } from '../../errors.ts';
import { MADWIFI_LOAD_ORDER } from './board-image.ts';
import { readModuleFile } from './module-file.ts';

/** The repository's virtual firmware images. */
export const FLASH_IMAGES_DIR = resolve(import.meta.dirname, '../../../firmware/virtual');

/** The variants there are images of (sorted). */
export function imageVariants(dir: string = FLASH_IMAGES_DIR): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (err) {
    throw new VirtualRigError(`cannot read the virtual firmware images in ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'E_FIRMWARE_FILES', 'config');
  }
}

/** Every variant asked for has an image; otherwise an error naming the variants that exist. */
export function checkImageVariants(variants: Iterable<string>, dir: string = FLASH_IMAGES_DIR): void {
  const known = imageVariants(dir);
  for (const v of new Set(variants)) {
    if (!known.includes(v)) {
      throw new VirtualRigError(`unknown firmware variant "${v}" (${dir} has ${known.join(', ')})`, 'E_FIRMWARE_VARIANT', 'config');
    }
  }
}

/**
 * A variant's module files (module -> bytes, in load order), checked as above; any
 * problem is a configuration error listing every file that is not right.
 */
export function readFlashImage(variant: string, loadOrder: readonly string[] = MADWIFI_LOAD_ORDER, dir: string = FLASH_IMAGES_DIR): Map<string, Buffer> {
  checkImageVariants([variant], dir);
  const problems: string[] = [];
  const files = new Map<string, Buffer>();
  for (const [i, module] of loadOrder.entries()) {
    const path = join(dir, variant, `${module}.ko`);
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch {
      problems.push(`${path}: missing`);
      continue;
    }
    const m = readModuleFile(data);
    if (m instanceof Error) problems.push(`${path}: ${m.message}`);
    else if (m.module !== module) problems.push(`${path}: holds module ${m.module}`);
    else if (m.variant !== variant) problems.push(`${path}: built as variant ${m.variant}`);
    else {
      const late = m.depends.filter((d) => !loadOrder.slice(0, i).includes(d));
      if (late.length > 0) problems.push(`${path}: depends on ${late.join(', ')}, not loaded before ${module}`);
    }
    files.set(module, data);
  }
  if (problems.length > 0) {
    throw new VirtualRigError(`virtual firmware ${variant} cannot be flashed:\n  ${problems.join('\n  ')}`, 'E_FIRMWARE_FILES', 'config');
  }
  return files;
}
