/**
 * The virtual boards' own reading of their flash images (rig/device/kernel/): the
 * module file reader accepts every committed `.ko` and refuses any of them with one
 * byte flipped; the lab's flash images are the folders under firmware/virtual/, each
 * module the one its path names, its `depends=` agreeing with the board's load order;
 * an unknown variant is a configuration error naming the variants that exist.
 * (Corrupted uploads end to end: flash.test.ts.)
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualRigError } from '../../rig/errors.ts';
import { MADWIFI_LOAD_ORDER } from '../../rig/device/kernel/board-image.ts';
import { checkLabFirmware } from '../../rig/device/kernel.ts';
import { FLASH_IMAGES_DIR, imageVariants, readFlashImage } from '../../rig/device/kernel/flash-images.ts';
import { readModuleFile } from '../../rig/device/kernel/module-file.ts';
import { ROOT, tempDir } from './helpers/cli.ts';

const IMAGES = join(ROOT, 'firmware/virtual');
const committed = readdirSync(IMAGES).flatMap((variant) =>
  readdirSync(join(IMAGES, variant)).map((file) => ({ variant, file, data: readFileSync(join(IMAGES, variant, file)) })),
);

/** A module file in the virtual module format, with a correct checksum. */
function moduleText(fields: Record<string, string>): Buffer {
  const body = ['RIGKO 1', ...Object.entries(fields).map(([k, v]) => `${k}=${v}`)].join('\n') + '\n';
  return Buffer.from(`${body}sha256=${createHash('sha256').update(body).digest('hex')}\n`);
}

describe('the virtual boards’ module file reader', () => {
  it('reads the repository’s images folder', () => {
    expect(FLASH_IMAGES_DIR).toBe(IMAGES);
    expect(imageVariants()).toEqual(['patched', 'stock', 'vanilla']);
    expect(committed).toHaveLength(3 * MADWIFI_LOAD_ORDER.length);
  });

  it('accepts every committed .ko: the module and variant its path names, built for the boards’ kernel', () => {
    for (const { variant, file, data } of committed) {
      const m = readModuleFile(data);
      if (m instanceof Error) throw new Error(`${variant}/${file}: ${m.message}`);
      expect(`${m.module}.ko`).toBe(file);
      expect(m.variant).toBe(variant);
      expect(m.vermagic).toBe('2.6.16 mod_unload MIPS32_R1 32BIT gcc-3.4');
      expect(m.memsize).toBeGreaterThan(0);
    }
  });

  it('reads what the patches give the modules (the world model’s driver behaviour)', () => {
    const features = (variant: string, module: string): Record<string, number> => {
      const m = readModuleFile(readFileSync(join(IMAGES, variant, `${module}.ko`)));
      if (m instanceof Error) throw m;
      return m.features;
    };
    expect(features('vanilla', 'wlan_scan_sta')).toEqual({});
    expect(features('stock', 'wlan_scan_sta')).toEqual({ roam_check: 1 });
    expect(features('stock', 'wlan')).toEqual({});
    expect(features('patched', 'wlan')).toEqual({ leave_defer_ms: 100 });
  });

  it('refuses a committed .ko with any one byte flipped', () => {
    for (const { variant, file, data } of committed) {
      for (let at = 0; at < data.length; at++) {
        for (const mask of [0x01, 0x20]) {
          const bad = Buffer.from(data);
          bad[at] ^= mask;
          expect(readModuleFile(bad), `${variant}/${file}, byte ${at} ^ 0x${mask.toString(16)}`).toBeInstanceOf(Error);
        }
      }
    }
  });

  it('refuses a truncated file, a foreign file and a file without its required fields', () => {
    const data = committed[0].data;
    expect(readModuleFile(data.subarray(0, data.length - 10))).toBeInstanceOf(Error);
    expect(readModuleFile(Buffer.from('\x7fELF\x01\x02\x01'))).toBeInstanceOf(Error);
    expect(readModuleFile(moduleText({ module: 'wlan', variant: 'x' }))).toMatchObject({ message: 'missing field release' });
  });
});

describe('the virtual lab’s flash images', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('every variant’s image holds the load order’s modules', () => {
    for (const variant of imageVariants()) {
      expect([...readFlashImage(variant).keys()]).toEqual([...MADWIFI_LOAD_ORDER]);
    }
  });

  it('an unknown variant is a configuration error (exit 2) naming the variants that exist', () => {
    let err: unknown;
    try {
      checkLabFirmware(['stock', 'bogus']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VirtualRigError);
    expect(err).toMatchObject({ code: 'E_FIRMWARE_VARIANT', kind: 'config', exitCode: 2 });
    expect((err as Error).message).toMatch(/unknown firmware variant "bogus" \(.* has patched, stock, vanilla\)/);
    expect(() => checkLabFirmware(['stock', 'patched', 'vanilla'])).not.toThrow();
  });

  it('refuses an image whose modules are damaged, misplaced or depend on a module loaded after them', () => {
    const dir = tempDir();
    dirs.push(dir);
    cpSync(join(IMAGES, 'stock'), join(dir, 'stock'), { recursive: true });
    readFlashImage('stock', MADWIFI_LOAD_ORDER, dir); // the copy as it is: fine

    const wep = join(dir, 'stock', 'wlan_wep.ko');
    const m = readModuleFile(readFileSync(wep));
    if (m instanceof Error) throw m;
    writeFileSync(wep, moduleText({ module: 'wlan_wep', variant: 'stock', release: m.release, vermagic: m.vermagic, depends: 'wlan,ath_pci', memsize: String(m.memsize), banner: '' }));
    const damaged = join(dir, 'stock', 'wlan_tkip.ko');
    const bytes = readFileSync(damaged);
    bytes[20] ^= 0x01;
    writeFileSync(damaged, bytes);
    cpSync(join(IMAGES, 'stock', 'wlan.ko'), join(dir, 'stock', 'wlan_ccmp.ko'));
    rmSync(join(dir, 'stock', 'ath_hal.ko'));
    mkdirSync(join(dir, 'other'));

    let err: unknown;
    try {
      readFlashImage('stock', MADWIFI_LOAD_ORDER, dir);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'E_FIRMWARE_FILES', kind: 'config', exitCode: 2 });
    const text = (err as Error).message;
    expect(text).toMatch(/ath_hal\.ko: missing/);
    expect(text).toMatch(/wlan_wep\.ko: depends on ath_pci, not loaded before wlan_wep/);
    expect(text).toMatch(/wlan_tkip\.ko: checksum mismatch/);
    expect(text).toMatch(/wlan_ccmp\.ko: holds module wlan/);
    expect(() => readFlashImage('bogus', MADWIFI_LOAD_ORDER, dir)).toThrow(/\(.* has other, stock\)/);
  });
});
