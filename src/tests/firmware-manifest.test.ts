/**
 * firmware/variants.yaml: validated, and the committed virtual module files are exactly
 * what the manifest says (and what the build would write again).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { buildVirtualFirmware, virtualModulesFor } from '../firmware/build-virtual.ts';
import { loadManifest, moduleFiles, parseManifest, variantByBanners, variantByChecksums, verifyLocalFiles } from '../firmware/manifest.ts';
import { buildVirtualModule, parseVirtualModule } from '../firmware/virtual-module.ts';
import { plan, record } from '../firmware/lab-build.ts';

const m = loadManifest();
const text = readFileSync(m.file, 'utf8');

describe('firmware manifest', () => {
  it('has stock and patched (and vanilla), made of the patches the issue asks for', () => {
    expect(Object.keys(m.variants)).toEqual(expect.arrayContaining(['stock', 'patched', 'vanilla']));
    expect(m.variants.stock.patches).toEqual(['0001-enable-sta-roam-check']);
    expect(m.variants.patched.patches).toEqual(['0001-enable-sta-roam-check', '0002-defer-node-leave-notification']);
    expect(m.variants.vanilla.patches).toEqual([]);
    expect(m.loadOrder).toEqual(['ath_hal', 'wlan', 'wlan_wep', 'wlan_tkip', 'wlan_ccmp', 'wlan_acl', 'wlan_xauth', 'wlan_scan_sta', 'wlan_scan_ap', 'ath_rate_sample', 'ath_pci']);
    expect(m.variants.patched.banners.wlan).toBe('wlan: 0.8.4.2 (0.9.3-rig1404)');
    expect(m.variants.patched.banners.ath_pci).toBe('ath_pci: 0.9.4.5 (0.9.3-rig1404)');
    expect(m.variants.vanilla.banners.wlan).toBe('wlan: 0.8.4.2 (0.9.3)');
  });

  it('the committed virtual module files match the manifest (size, sha256, md5)', () => {
    for (const v of Object.keys(m.variants)) {
      const files = verifyLocalFiles(m, v, 'virtual');
      expect([...files.keys()]).toEqual(m.loadOrder);
      for (const f of moduleFiles(m, v, 'virtual')) expect(files.get(f.module)?.length).toBe(f.size);
    }
  });

  it('the build of the virtual module files is reproducible: nothing would change', () => {
    expect(buildVirtualFirmware({ write: false }).changed).toEqual([]);
  });

  it('a module file carries its variant, banner and the behaviour its patches give it', () => {
    const patched = virtualModulesFor(m, 'patched');
    const wlan = parseVirtualModule(patched.get('wlan') as Buffer);
    const scan = parseVirtualModule(patched.get('wlan_scan_sta') as Buffer);
    if (wlan instanceof Error || scan instanceof Error) throw new Error('does not parse');
    expect(wlan).toMatchObject({ module: 'wlan', variant: 'patched', release: '0.9.3-rig1404', banner: 'wlan: 0.8.4.2 (0.9.3-rig1404)', features: { leave_defer_ms: 100 } });
    expect(scan).toMatchObject({ module: 'wlan_scan_sta', variant: 'patched', depends: ['wlan'], banner: null, features: { roam_check: 1 } });
    const stockWlan = parseVirtualModule(virtualModulesFor(m, 'stock').get('wlan') as Buffer);
    expect(stockWlan instanceof Error ? null : stockWlan.features).toEqual({});
    const vanillaScan = parseVirtualModule(virtualModulesFor(m, 'vanilla').get('wlan_scan_sta') as Buffer);
    expect(vanillaScan instanceof Error ? null : vanillaScan.features).toEqual({});
  });

  it('a damaged module file does not parse (one flipped byte, a truncation)', () => {
    const good = buildVirtualModule({ module: 'wlan', description: 'x', variant: 'v', release: 'r', madwifi: '0.9.3', patches: [], vermagic: 'vm', depends: [], memsize: 1, banner: null, features: {} });
    expect(parseVirtualModule(good)).not.toBeInstanceOf(Error);
    const flipped = Buffer.from(good);
    flipped[16] ^= 0x20;
    expect(parseVirtualModule(flipped)).toBeInstanceOf(Error);
    expect(parseVirtualModule(good.subarray(0, good.length - 10))).toBeInstanceOf(Error);
    expect(parseVirtualModule(Buffer.from('\x7fELF...'))).toBeInstanceOf(Error);
  });

  it('identifies a variant by its checksums and by its banners', () => {
    for (const v of Object.keys(m.variants)) {
      const files = moduleFiles(m, v, 'virtual');
      expect(variantByChecksums(m, 'virtual', Object.fromEntries(files.map((f) => [f.module, f.sha256])), 'sha256')).toBe(v);
      expect(variantByChecksums(m, 'virtual', Object.fromEntries(files.map((f) => [f.module, f.md5])), 'md5')).toBe(v);
      expect(variantByBanners(m, m.variants[v].banners)).toBe(v);
    }
    const mixed = Object.fromEntries(moduleFiles(m, 'stock', 'virtual').map((f) => [f.module, f.sha256]));
    mixed.wlan = moduleFiles(m, 'patched', 'virtual')[1].sha256;
    expect(variantByChecksums(m, 'virtual', mixed, 'sha256')).toBeNull();
  });

  it('refuses a corrupted local file before anything is flashed (ConfigError, exit 2)', () => {
    const copy = { ...m, variants: { ...m.variants, stock: { ...m.variants.stock, files: { virtual: { ...m.variants.stock.files.virtual, modules: { ...m.variants.stock.files.virtual.modules, wlan: { ...m.variants.stock.files.virtual.modules.wlan, sha256: '0'.repeat(64) } } } } } } };
    expect(() => verifyLocalFiles(copy, 'stock', 'virtual')).toThrow(ConfigError);
    expect(() => verifyLocalFiles(copy, 'stock', 'virtual')).toThrow(/wlan\.ko: sha256/);
  });

  it('a variant without files for a real target says how to build them', () => {
    expect(() => moduleFiles(m, 'patched', 'mips1-be-elf')).toThrow(/build-madwifi\.sh --variant patched --target mips1-be-elf/);
    expect(() => moduleFiles(m, 'patched', 'arm')).toThrow(/unknown firmware target/);
    expect(() => moduleFiles(m, 'nope', 'virtual')).toThrow(/unknown firmware variant "nope"/);
  });

  it('validation errors name the file, the YAML path and the line', () => {
    const bad = (edit: (s: string) => string): string => {
      try {
        parseManifest(edit(text), '/x/variants.yaml');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad((s) => s.replace('ath_rate_sample, ath_pci', 'ath_pci, ath_rate_sample'))).toMatch(/^\/x\/variants\.yaml: loadOrder\.9 \(line \d+, column \d+\): expected ath_rate_sample \(a dependency of ath_pci\) to be loaded before ath_pci/);
    expect(bad((s) => s.replace('ath_pci: "ath_pci: 0.9.4.5 (0.9.3-rig1404)"', 'ath_pci: "ath_pci: 0.9.4.5 (0.9.3-rigroam)"').replace('wlan: "wlan: 0.8.4.2 (0.9.3-rig1404)"', 'wlan: "wlan: 0.8.4.2 (0.9.3-rigroam)"').replace('ath_rate_sample: "ath_rate_sample: 1.2 (0.9.3-rig1404)"', 'ath_rate_sample: "ath_rate_sample: 1.2 (0.9.3-rigroam)"'))).toMatch(/tell this variant from stock/);
    expect(bad((s) => s.replace(/sha256: [0-9a-f]{64}/, 'sha256: 1234'))).toMatch(/expected a sha256/);
    expect(bad((s) => s.replace('version: 1', 'version: 2'))).toMatch(/version .*expected 1/);
    expect(bad((s) => `${s}\nbogus: 1\n`)).toMatch(/bogus|Unrecognized|unrecognized/);
  });

  it("a lab's build for a real target is recorded in the manifest (build-madwifi.sh's last step)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'rig-fw-'));
    try {
      cpSync(m.dir, join(dir, 'firmware'), { recursive: true });
      const file = join(dir, 'firmware/variants.yaml');
      const out = join(dir, 'firmware/mips1-be-elf/patched');
      mkdirSync(out, { recursive: true });
      // Stand-ins for cross-compiled modules: what matters is that the stamped banners are in them.
      for (const mod of m.loadOrder) {
        const banner = m.variants.patched.banners[mod];
        writeFileSync(join(out, `${mod}.ko`), Buffer.concat([Buffer.from('\x7fELF\x01\x02\x01'), Buffer.from(`${mod}\0${banner ? banner.slice(mod.length + 2) : ''}\0`)]));
      }
      const entries = record(file, 'patched', 'mips1-be-elf', out);
      expect(Object.keys(entries)).toEqual(m.loadOrder);
      const after = loadManifest(file);
      expect(after.variants.patched.files['mips1-be-elf'].dir).toBe('mips1-be-elf/patched');
      expect(verifyLocalFiles(after, 'patched', 'mips1-be-elf').size).toBe(11);
      expect(readFileSync(file, 'utf8')).toContain('# files: per target'); // comments kept
      // a build that was not stamped with the variant's release is refused
      writeFileSync(join(out, 'wlan.ko'), 'ELF wlan 0.8.4.2 (0.9.3)');
      expect(() => record(file, 'patched', 'mips1-be-elf', out)).toThrow(/wlan\.ko: does not contain "0\.8\.4\.2 \(0\.9\.3-rig1404\)"/);
      expect(plan(after, 'patched', 'mips1-be-elf')).toMatch(/^RELEASE='0\.9\.3-rig1404'$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every patch file exists where the manifest says', () => {
    for (const p of Object.values(m.patches)) expect(readFileSync(join(m.dir, p.file), 'utf8')).toMatch(/^--- a\//m);
  });
});
