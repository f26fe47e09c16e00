import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, EXIT } from '../errors.ts';
import { loadInventory, selectBench, type LoadedInventory } from '../inventory/load.ts';
import { attenuatorUnitKey, parseAddress, thresholdsFor } from '../inventory/schema.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHIPPED = path.join(ROOT, 'inventory.yaml');

/** A small valid inventory; the malformed cases are edits of it. Optional keys are left out on purpose. */
const BASE = `version: 1
defaultBench: virtual
benches:
  virtual:
    description: test bench
    virtual:
      timeScale: 100
      seed: 1404
    essid: rig-roam
    security:
      mode: open
    devices:
      ap1:
        role: ap
        host: 127.0.0.1
        port: 0
        user: root
        auth:
          keyFile: keys/lab_ed25519
        wireless:
          interface: ath0
          radio: wifi0
          channel: 1
      ap2:
        role: ap
        host: 127.0.0.1
        port: 0
        user: root
        auth:
          keyFile: keys/lab_ed25519
        wireless:
          interface: ath0
          radio: wifi0
          channel: 6
      client:
        role: client
        host: 127.0.0.1
        port: 0
        user: root
        auth:
          keyFile: keys/lab_ed25519
        wireless:
          interface: ath0
          radio: wifi0
    attenuators:
      att1:
        model: RCDAT-6000-60
        protocol: http
        address: 127.0.0.1:0
        path: ap1
        fixedLossDb: 40
      att2:
        model: RCDAT-6000-60
        protocol: http
        address: 127.0.0.1:0
        path: ap2
        fixedLossDb: 40
    traffic:
      target: 192.0.2.10
      intervalS: 0.2
    profile:
      stepDb: 2
      stepDelayS: 1
      range:
        minDb: 10
        maxDb: 60
      baselinePings: 3
      recoveryPings: 3
      roamTimeoutS: 90
      graceS: 2
    thresholds:
      default:
        maxMedianLostPerRoam: 6
        maxLostPerRoam: 8
        maxInvalidFraction: 0.1
      patched:
        maxMedianLostPerRoam: 1
        maxLostPerRoam: 1
        maxInvalidFraction: 0.1
`;

// ---------------------------------------------------------------------------
// Helpers: edit the YAML text, find lines in it
// ---------------------------------------------------------------------------

/** Index just after the sequence of needles found one after the other (throws when one is absent). */
function seek(y: string, needles: readonly string[], from = 0): number {
  let at = from;
  for (const n of needles) {
    const i = y.indexOf(n, at);
    if (i < 0) throw new Error(`test fixture: ${JSON.stringify(n)} not found`);
    at = i + n.length;
  }
  return at;
}

/** 1-based line of the last needle, each searched after the previous one. */
function lineOf(y: string, ...needles: string[]): number {
  const end = seek(y, needles);
  const start = end - needles[needles.length - 1].length;
  return y.slice(0, start).split('\n').length;
}

/** Replace the first `from` found after the anchors. */
function sub(anchors: string[], from: string, to: string): (y: string) => string {
  return (y) => {
    const after = seek(y, anchors);
    const i = y.indexOf(from, after);
    if (i < 0) throw new Error(`test fixture: ${JSON.stringify(from)} not found after ${anchors.join(' > ')}`);
    return y.slice(0, i) + to + y.slice(i + from.length);
  };
}

/** Delete the whole line holding `text` (first match after the anchors). */
function dropLine(anchors: string[], text: string): (y: string) => string {
  return (y) => {
    const i = y.indexOf(text, seek(y, anchors));
    if (i < 0) throw new Error(`test fixture: ${JSON.stringify(text)} not found`);
    const start = y.lastIndexOf('\n', i) + 1;
    const end = y.indexOf('\n', i);
    return y.slice(0, start) + y.slice(end + 1);
  };
}

/** Delete a block: the line holding `text` and all following lines indented deeper. */
function dropBlock(anchors: string[], text: string): (y: string) => string {
  return (y) => {
    const lines = y.split('\n');
    const first = lineOf(y, ...anchors, text) - 1;
    const indent = lines[first].search(/\S/);
    let last = first + 1;
    while (last < lines.length && (lines[last].trim() === '' || lines[last].search(/\S/) > indent)) last++;
    lines.splice(first, last - first);
    return lines.join('\n');
  };
}

const compose =
  (...edits: Array<(y: string) => string>) =>
  (y: string) =>
    edits.reduce((acc, e) => e(acc), y);

/** Not a virtual bench: drop the `virtual:` block and give every device a real port. */
const realBench = compose(
  dropBlock([], '    virtual:\n'),
  (y) => y.replaceAll('        port: 0', '        port: 22'),
);

/** att1 and att2 as channels 1 and 2 of one unit named once under attenuatorUnits (the unit form). */
const unitForm = (y: string): string =>
  y.replace(
    /    attenuators:\n[\s\S]*?(?=    traffic:)/,
    `    attenuatorUnits:
      rc4dat1:
        model: RC4DAT-6G-95
        protocol: telnet
        address: 127.0.0.1:0
    attenuators:
      att1:
        unit: rc4dat1
        channel: 1
        path: ap1
        fixedLossDb: 40
      att2:
        unit: rc4dat1
        channel: 2
        path: ap2
        fixedLossDb: 39
`,
  );

/** Both attenuators (older form) at one real address on a real bench: channels 1 and 2 of one RC4DAT. */
const oneAddress = compose(
  realBench,
  (y) => y.replaceAll('model: RCDAT-6000-60', 'model: RC4DAT-6G-95').replaceAll('address: 127.0.0.1:0', 'address: 10.0.0.9:80'),
  sub(['      att2:'], 'fixedLossDb: 40', 'fixedLossDb: 40\n        channel: 2'),
);

let tmp: string;
let counter = 0;

function writeInventory(text: string, name = `inv-${++counter}.yaml`): string {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
}

async function loadError(file: string): Promise<ConfigError> {
  try {
    await loadInventory(file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${file} to be rejected`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The message line about `yamlPath`, parsed: file:line:col: path: text */
function problemAt(message: string, file: string, yamlPath: string): { line: number; col: number; text: string } {
  const re = new RegExp(`^(.*):(\\d+):(\\d+): ${escapeRe(yamlPath)}: (.*)$`);
  for (const l of message.split('\n')) {
    const m = re.exec(l);
    if (m && m[1].endsWith(path.basename(file))) return { line: Number(m[2]), col: Number(m[3]), text: m[4] };
  }
  throw new Error(`no problem about ${yamlPath} in:\n${message}`);
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'rig-inventory-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// The shipped inventory
// ---------------------------------------------------------------------------

describe('shipped inventory.yaml', () => {
  let loaded: LoadedInventory;

  beforeAll(async () => {
    loaded = await loadInventory(SHIPPED);
  });

  it('loads, with an absolute file, its folder and the sha256 of its bytes', () => {
    expect(loaded.file).toBe(SHIPPED);
    expect(loaded.dir).toBe(ROOT);
    expect(loaded.digest).toBe(createHash('sha256').update(readFileSync(SHIPPED)).digest('hex'));
    expect(loaded.inventory.version).toBe(1);
    expect(loaded.inventory.defaultBench).toBe('virtual');
    expect(Object.keys(loaded.inventory.benches).sort()).toEqual(['hwsim', 'hwsim-wpa', 'virtual', 'virtual-mixed', 'virtual-nl80211', 'virtual-wep', 'virtual-wpa']);
  });

  it('selects the default bench (virtual, open) with the agreed values', () => {
    const { name, bench } = selectBench(loaded);
    expect(name).toBe('virtual');
    expect(bench.virtual).toEqual({ kind: 'madwifi', timeScale: 100, seed: 1404, firmware: 'stock', ping: 'iputils', faults: [] });
    expect(bench.essid).toBe('rig-roam');
    expect(bench.security).toEqual({ mode: 'open' });
    expect(bench.devices.ap1.wireless).toEqual({ interface: 'ath0', radio: 'wifi0', channel: 1, txPowerDbm: 18 });
    expect(bench.devices.ap2.wireless).toEqual({ interface: 'ath0', radio: 'wifi0', channel: 6, txPowerDbm: 18 });
    expect(bench.devices.client.wireless).toEqual({ interface: 'ath0', radio: 'wifi0' });
    for (const d of [bench.devices.ap1, bench.devices.ap2, bench.devices.client]) {
      expect(d).toMatchObject({ host: '127.0.0.1', port: 0, user: 'root' });
      expect(d.auth).toEqual({ method: 'keyFile', keyFile: path.join(ROOT, '.rig', 'lab_ed25519') });
    }
    expect(bench.attenuators.att1).toEqual({
      model: 'RCDAT-6000-60', protocol: 'http', address: '127.0.0.1:0', channel: 1, path: 'ap1', fixedLossDb: 40, safeDb: 60,
    });
    expect(bench.attenuators.att2).toMatchObject({ path: 'ap2', address: '127.0.0.1:0', safeDb: 60 });
    expect(bench.traffic).toEqual({ target: '192.0.2.10', intervalS: 0.2 });
    expect(bench.roaming).toEqual({ hostroaming: 1, rssi11a: 24, rssi11b: 24, rssi11g: 24, scanvalid: 20 });
    expect(bench.profile).toEqual({
      stepDb: 3, stepDelayS: 1, range: { minDb: 20, maxDb: 60 }, baselinePings: 3, recoveryPings: 3, roamTimeoutS: 120, graceS: 2, trigger: 'crossfade',
      // issue 13: the adaptive crossfade by default, madwifi's 15 s roam check as the prior
      crossfade: { mode: 'adaptive', checkPeriodS: 15, fastStepDb: 15, fastDelayS: 0.2, nearDb: 3, leadS: 3, scan: true },
    });
    for (const d of [bench.devices.ap1, bench.devices.ap2, bench.devices.client]) expect(d.driver).toBe('madwifi');
    expect(bench.thresholds).toEqual({
      default: { maxMedianLostPerRoam: 6, maxLostPerRoam: 8, maxInvalidFraction: 0.1 },
      patched: { maxMedianLostPerRoam: 1, maxLostPerRoam: 1, maxInvalidFraction: 0.1 },
    });
  });

  it('selects virtual-wpa by name (wpa-psk, looser thresholds)', () => {
    const { name, bench } = selectBench(loaded, 'virtual-wpa');
    expect(name).toBe('virtual-wpa');
    expect(bench.virtual).toBeDefined();
    expect(bench.security).toEqual({ mode: 'wpa-psk', pskEnv: 'RIG_WPA_PSK' });
    expect(thresholdsFor(bench.thresholds, 'stock')).toEqual({ maxMedianLostPerRoam: 8, maxLostPerRoam: 10, maxInvalidFraction: 0.1 });
    expect(thresholdsFor(bench.thresholds, 'patched')).toEqual({ maxMedianLostPerRoam: 2, maxLostPerRoam: 3, maxInvalidFraction: 0.1 });
  });

  it('has a commented-out real bench that is valid once uncommented', async () => {
    const text = readFileSync(SHIPPED, 'utf8');
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.startsWith('  # lab-bench-1:'));
    expect(start).toBeGreaterThan(0);
    const uncommented = lines.map((l, i) => (i >= start && l.startsWith('  # ') ? `  ${l.slice(4)}` : l)).join('\n');
    const loadedLab = await loadInventory(writeInventory(uncommented, 'uncommented.yaml'));
    const { bench } = selectBench(loadedLab, 'lab-bench-1');
    expect(bench.virtual).toBeUndefined();
    expect(bench.devices.ap1.host).toBe('ap1.lab.example');
    expect(bench.devices.ap1.port).toBe(22);
    expect(bench.devices.ap1.auth).toEqual({ method: 'keyFile', keyFile: path.join(os.homedir(), '.ssh', 'rig_lab_ed25519') });
    expect(bench.devices.ap1.hostKeyFingerprint).toMatch(/^SHA256:/);
    expect(bench.devices.client.knownHosts).toBe(path.join(tmp, 'lab', 'known_hosts'));
    // one RC4DAT named once, its channels 1 and 2 on the two paths
    expect(bench.attenuators.att1).toMatchObject({ unit: 'rc4dat1', model: 'RC4DAT-6G-95', protocol: 'http', channel: 1, path: 'ap1', safeDb: 95 });
    expect(bench.attenuators.att2).toMatchObject({ unit: 'rc4dat1', model: 'RC4DAT-6G-95', channel: 2, path: 'ap2', safeDb: 95 });
    expect(parseAddress(bench.attenuators.att1.address)).toEqual({ host: 'rc4dat1.lab.example', port: 80 });
    expect(attenuatorUnitKey('att1', bench.attenuators.att1)).toBe(attenuatorUnitKey('att2', bench.attenuators.att2));
  });
});

// ---------------------------------------------------------------------------
// Valid inventories: defaults, paths, bench selection
// ---------------------------------------------------------------------------

describe('valid inventories', () => {
  it('fills in every default', async () => {
    const { bench } = selectBench(await loadInventory(writeInventory(BASE)));
    expect(bench.virtual).toEqual({ kind: 'madwifi', timeScale: 100, seed: 1404, firmware: 'stock', ping: 'iputils', faults: [] });
    expect(bench.devices.ap1.connectTimeoutS).toBe(20);
    expect(bench.devices.ap1.commandTimeoutS).toBe(10);
    expect(bench.devices.ap1.wireless.txPowerDbm).toBe(18);
    expect(bench.devices.ap1.hostKeyFingerprint).toBeUndefined();
    expect(bench.attenuators.att1.channel).toBe(1);
    expect(bench.attenuators.att1.safeDb).toBe(60); // = profile.range.maxDb
    expect(bench.roaming).toEqual({ hostroaming: 1, rssi11a: 24, rssi11b: 24, rssi11g: 24, scanvalid: 60 });
    expect(thresholdsFor(bench.thresholds, 'nightly-42')).toEqual(bench.thresholds.default);
  });

  it('fills profile defaults and keeps explicit values', async () => {
    const edit = compose(
      dropLine(['    profile:'], 'baselinePings:'),
      dropLine(['    profile:'], 'recoveryPings:'),
      dropLine(['    profile:'], 'roamTimeoutS:'),
      dropLine(['    profile:'], 'graceS:'),
      sub(['      att1:'], 'model: RCDAT-6000-60', 'model: RC4DAT-6G-95'),
      sub(['      att1:'], 'fixedLossDb: 40', 'fixedLossDb: 40\n        safeDb: 55.25\n        channel: 3'),
    );
    const { bench } = selectBench(await loadInventory(writeInventory(edit(BASE))));
    expect(bench.profile).toMatchObject({ baselinePings: 3, recoveryPings: 3, roamTimeoutS: 60, graceS: 2 });
    expect(bench.attenuators.att1).toMatchObject({ safeDb: 55.25, channel: 3 });
  });

  it('resolves keyFile and knownHosts relative to the inventory folder, keeps absolute paths, expands ~/', async () => {
    const sub1 = path.join(tmp, 'lab', 'nested');
    mkdirSync(sub1, { recursive: true });
    const edit = compose(
      sub(['      ap2:'], 'keyFile: keys/lab_ed25519', 'keyFile: /etc/rig/id_ed25519'),
      sub(['      client:'], 'keyFile: keys/lab_ed25519', 'keyFile: ~/.ssh/id_rig'),
      sub(['      ap1:'], '        wireless:', '        knownHosts: ../known_hosts\n        wireless:'),
    );
    const file = path.join(sub1, 'inventory.yaml');
    writeFileSync(file, edit(BASE));
    const loaded = await loadInventory(path.relative(process.cwd(), file));
    expect(loaded.file).toBe(file);
    expect(loaded.dir).toBe(sub1);
    const { bench } = selectBench(loaded);
    expect(bench.devices.ap1.auth).toEqual({ method: 'keyFile', keyFile: path.join(sub1, 'keys', 'lab_ed25519') });
    expect(bench.devices.ap1.knownHosts).toBe(path.join(tmp, 'lab', 'known_hosts'));
    expect(bench.devices.ap2.auth).toEqual({ method: 'keyFile', keyFile: '/etc/rig/id_ed25519' });
    expect(bench.devices.client.auth).toEqual({ method: 'keyFile', keyFile: path.join(os.homedir(), '.ssh', 'id_rig') });
  });

  it('accepts password and agent auth, wpa-psk, a real bench with fingerprints', async () => {
    const fp = 'SHA256:' + 'A'.repeat(43);
    const edit = compose(
      realBench,
      sub(['      ap1:', 'auth:\n'], '          keyFile: keys/lab_ed25519', '          passwordEnv: RIG_AP1_PASSWORD'),
      sub(['      ap2:', 'auth:\n'], '          keyFile: keys/lab_ed25519', '          agent: true'),
      sub(['      ap1:'], '        wireless:', `        hostKeyFingerprint: "${fp}"\n        wireless:`),
      sub(['    security:'], 'mode: open', 'mode: wpa-psk\n      pskEnv: RIG_WPA_PSK'),
      sub(['      att1:'], 'address: 127.0.0.1:0', 'address: att.lab.example:80'),
      sub(['      att2:'], 'address: 127.0.0.1:0', 'address: "[fd00::50]:23"'),
    );
    const { bench } = selectBench(await loadInventory(writeInventory(edit(BASE))));
    expect(bench.virtual).toBeUndefined();
    expect(bench.devices.ap1.auth).toEqual({ method: 'password', passwordEnv: 'RIG_AP1_PASSWORD' });
    expect(bench.devices.ap2.auth).toEqual({ method: 'agent' });
    expect(bench.devices.ap1.hostKeyFingerprint).toBe(fp);
    expect(bench.security).toEqual({ mode: 'wpa-psk', pskEnv: 'RIG_WPA_PSK' });
    expect(parseAddress(bench.attenuators.att2.address)).toEqual({ host: 'fd00::50', port: 23 });
  });

  it('accepts anchors and merge keys, and still points errors at the anchored text', async () => {
    const anchored = BASE.replace(
      '      ap1:\n        role: ap\n        host: 127.0.0.1\n        port: 0\n        user: root\n',
      '      ap1: &ap\n        role: ap\n        host: 127.0.0.1\n        port: 0\n        user: root\n',
    ).replace(
      '      ap2:\n        role: ap\n        host: 127.0.0.1\n        port: 0\n        user: root\n',
      '      ap2:\n        <<: *ap\n',
    );
    const { bench } = selectBench(await loadInventory(writeInventory(anchored)));
    expect(bench.devices.ap2).toMatchObject({ host: '127.0.0.1', user: 'root', wireless: { channel: 6 } });

    const broken = anchored.replace('      ap1: &ap\n        role: ap\n        host: 127.0.0.1\n        port: 0\n        user: root\n',
      '      ap1: &ap\n        role: ap\n        host: 127.0.0.1\n        port: 0\n        user: "r;m"\n');
    const file = writeInventory(broken);
    const err = await loadError(file);
    const expected = lineOf(broken, 'user: "r;m"');
    expect(problemAt(err.message, file, 'benches.virtual.devices.ap1.user').line).toBe(expected);
    expect(problemAt(err.message, file, 'benches.virtual.devices.ap2.user').line).toBe(expected);
  });
});

describe('attenuator units', () => {
  it('the unit form: model, protocol and address come from the unit; safeDb from the attenuator, else the unit, else the profile', async () => {
    const edit = compose(
      unitForm,
      sub(['      rc4dat1:'], 'address: 127.0.0.1:0', 'address: 127.0.0.1:0\n        safeDb: 50'),
      sub(['      att2:'], 'fixedLossDb: 39', 'fixedLossDb: 39\n        safeDb: 55.25'),
    );
    const { bench } = selectBench(await loadInventory(writeInventory(edit(BASE))));
    expect(bench.attenuatorUnits).toEqual({ rc4dat1: { model: 'RC4DAT-6G-95', protocol: 'telnet', address: '127.0.0.1:0', safeDb: 50 } });
    expect(bench.attenuators.att1).toEqual({
      model: 'RC4DAT-6G-95', protocol: 'telnet', address: '127.0.0.1:0', channel: 1, path: 'ap1', fixedLossDb: 40, safeDb: 50, unit: 'rc4dat1',
    });
    expect(bench.attenuators.att2).toMatchObject({ unit: 'rc4dat1', channel: 2, path: 'ap2', fixedLossDb: 39, safeDb: 55.25 });
    // port 0 (the virtual rig picks it): the named unit is still one unit
    expect(attenuatorUnitKey('att1', bench.attenuators.att1)).toBe(attenuatorUnitKey('att2', bench.attenuators.att2));

    const { bench: noUnitSafe } = selectBench(await loadInventory(writeInventory(unitForm(BASE))));
    expect(noUnitSafe.attenuators.att1.safeDb).toBe(60); // profile.range.maxDb
  });

  it('the older form keeps working: one real address is one unit (host case aside), port 0 attenuators are units of their own', async () => {
    const { bench } = selectBench(await loadInventory(writeInventory(oneAddress(BASE))));
    expect(bench.attenuatorUnits).toBeUndefined();
    expect(bench.attenuators.att1).toEqual({ model: 'RC4DAT-6G-95', protocol: 'http', address: '10.0.0.9:80', channel: 1, path: 'ap1', fixedLossDb: 40, safeDb: 60 });
    expect(bench.attenuators.att2).toMatchObject({ address: '10.0.0.9:80', channel: 2 });
    expect(attenuatorUnitKey('att1', bench.attenuators.att1)).toBe(attenuatorUnitKey('att2', bench.attenuators.att2));
    expect(attenuatorUnitKey('a', { address: 'RC4DAT.lab:80' })).toBe(attenuatorUnitKey('b', { address: 'rc4dat.lab:80' }));

    const { bench: virtualBench } = selectBench(await loadInventory(writeInventory(BASE)));
    expect(attenuatorUnitKey('att1', virtualBench.attenuators.att1)).not.toBe(attenuatorUnitKey('att2', virtualBench.attenuators.att2));
  });
});

describe('selectBench', () => {
  it('uses defaultBench, else the only bench; names an unknown bench and lists the known ones', async () => {
    const loaded = await loadInventory(writeInventory(BASE));
    expect(selectBench(loaded).name).toBe('virtual');
    expect(selectBench(loaded, 'virtual').name).toBe('virtual');
    expect(() => selectBench(loaded, 'lab-bench-9')).toThrow(ConfigError);
    try {
      selectBench(loaded, 'lab-bench-9');
    } catch (err) {
      expect((err as ConfigError).message).toMatch(/unknown bench "lab-bench-9".*benches: virtual/);
      expect((err as ConfigError).exitCode).toBe(EXIT.config);
    }

    const noDefault = await loadInventory(writeInventory(dropLine([], 'defaultBench:')(BASE)));
    expect(selectBench(noDefault).name).toBe('virtual');
  });

  it('without a name, with several benches and no defaultBench, is a ConfigError listing them', async () => {
    const shipped = readFileSync(SHIPPED, 'utf8').replace(/^defaultBench:.*$/m, '');
    const loaded = await loadInventory(writeInventory(shipped));
    expect(() => selectBench(loaded)).toThrow(/no bench named.*virtual, virtual-wpa, virtual-nl80211, hwsim, hwsim-wpa, virtual-wep, virtual-mixed/);
    const shippedLoaded = await loadInventory(SHIPPED);
    expect(() => selectBench(shippedLoaded, 'nope')).toThrow(/unknown bench "nope"; benches: virtual, virtual-wpa, virtual-nl80211, hwsim, hwsim-wpa, virtual-wep, virtual-mixed/);
  });
});

// ---------------------------------------------------------------------------
// Malformed inventories: every problem names the YAML path and its line
// ---------------------------------------------------------------------------

interface BadCase {
  name: string;
  edit: (y: string) => string;
  /** The YAML path the message must name. */
  path: string;
  /** Needles leading to the text whose line the message must point at (searched in the edited YAML). */
  lineAt: string[];
  /** Text the message line must contain as well. */
  says?: RegExp;
}

const B = 'benches.virtual';
const cases: BadCase[] = [
  { name: 'version 2', edit: sub([], 'version: 1', 'version: 2'), path: 'version', lineAt: ['version:'], says: /got 2/ },
  { name: 'version missing (top level: first line)', edit: dropLine([], 'version: 1'), path: 'version', lineAt: ['defaultBench:'], says: /required key missing/ },
  { name: 'typo in a top-level key', edit: sub([], 'defaultBench:', 'defaultbench:'), path: 'defaultbench', lineAt: ['defaultbench:'], says: /did you mean defaultBench\?/ },
  { name: 'defaultBench names no bench', edit: sub([], 'defaultBench: virtual', 'defaultBench: lab1'), path: 'defaultBench', lineAt: ['defaultBench:'], says: /virtual/ },
  { name: 'bench name with a space', edit: sub([], '  virtual:\n', '  "my bench":\n'), path: 'benches["my bench"]', lineAt: ['"my bench":'] },
  { name: 'unknown bench key', edit: sub(['  virtual:'], '    essid:', '    ssid: x\n    essid:'), path: `${B}.ssid`, lineAt: ['    ssid:'], says: /unknown key/ },
  { name: 'essid too long', edit: sub([], 'essid: rig-roam', `essid: ${'x'.repeat(33)}`), path: `${B}.essid`, lineAt: ['essid:'] },
  { name: 'essid empty', edit: sub([], 'essid: rig-roam', 'essid: ""'), path: `${B}.essid`, lineAt: ['essid:'] },
  { name: 'essid is an iwconfig keyword', edit: sub([], 'essid: rig-roam', 'essid: any'), path: `${B}.essid`, lineAt: ['essid:'], says: /iwconfig/ },
  { name: 'essid a number', edit: sub([], 'essid: rig-roam', 'essid: 1234'), path: `${B}.essid`, lineAt: ['essid:'], says: /quote it/ },
  { name: 'security mode wpa2', edit: sub(['security:'], 'mode: open', 'mode: wpa2'), path: `${B}.security.mode`, lineAt: ['security:', 'mode:'], says: /open, wep or wpa-psk, got "wpa2"/ },
  { name: 'wep without keyEnv', edit: sub(['security:'], 'mode: open', 'mode: wep'), path: `${B}.security.keyEnv`, lineAt: ['    security:'], says: /required key missing/ },
  { name: 'wep key index 5', edit: sub(['security:'], 'mode: open', 'mode: wep\n      keyEnv: RIG_WEP_KEY\n      keyIndex: 5'), path: `${B}.security.keyIndex`, lineAt: ['keyIndex:'], says: /expected a WEP key index, an integer 1\.\.4/ },
  { name: 'security mode missing', edit: sub(['security:'], 'mode: open', 'kind: open'), path: `${B}.security.mode`, lineAt: ['    security:'], says: /required key missing/ },
  { name: 'wpa-psk without pskEnv', edit: sub(['security:'], 'mode: open', 'mode: wpa-psk'), path: `${B}.security.pskEnv`, lineAt: ['    security:'], says: /required key missing/ },
  { name: 'pskEnv not an env name', edit: sub(['security:'], 'mode: open', 'mode: wpa-psk\n      pskEnv: rig_psk'), path: `${B}.security.pskEnv`, lineAt: ['pskEnv:'] },
  { name: 'open mode with pskEnv', edit: sub(['security:'], 'mode: open', 'mode: open\n      pskEnv: RIG_WPA_PSK'), path: `${B}.security.pskEnv`, lineAt: ['pskEnv:'], says: /unknown key/ },
  { name: 'port not a number', edit: sub(['      ap1:'], 'port: 0', 'port: abc'), path: `${B}.devices.ap1.port`, lineAt: ['      ap1:', 'port:'], says: /expected an integer 1\.\.65535 \(0 only on a virtual bench\), got "abc"/ },
  { name: 'port quoted', edit: sub(['      ap2:'], 'port: 0', 'port: "22"'), path: `${B}.devices.ap2.port`, lineAt: ['      ap2:', 'port:'], says: /got "22"/ },
  { name: 'port too big', edit: sub(['      client:'], 'port: 0', 'port: 70000'), path: `${B}.devices.client.port`, lineAt: ['      client:', 'port:'] },
  { name: 'port 0 on a real bench', edit: compose(realBench, sub(['      ap2:'], 'port: 22', 'port: 0')), path: `${B}.devices.ap2.port`, lineAt: ['      ap2:', 'port:'], says: /0 only on a virtual bench\), got 0/ },
  { name: 'ap1 with role client', edit: sub(['      ap1:'], 'role: ap', 'role: client'), path: `${B}.devices.ap1.role`, lineAt: ['      ap1:', 'role:'] },
  { name: 'client with role ap', edit: sub(['      client:'], 'role: client', 'role: ap'), path: `${B}.devices.client.role`, lineAt: ['      client:', 'role:'] },
  { name: 'host missing', edit: dropLine(['      ap2:'], 'host:'), path: `${B}.devices.ap2.host`, lineAt: ['      ap2:'], says: /required key missing/ },
  { name: 'host starting with -', edit: sub(['      ap1:'], 'host: 127.0.0.1', 'host: -oProxyCommand=x'), path: `${B}.devices.ap1.host`, lineAt: ['      ap1:', 'host:'] },
  { name: 'user upper case', edit: sub(['      ap1:'], 'user: root', 'user: Root'), path: `${B}.devices.ap1.user`, lineAt: ['      ap1:', 'user:'] },
  { name: 'auth with two methods', edit: sub(['      ap1:', 'keyFile: keys/lab_ed25519'], '\n', '\n          agent: true\n'), path: `${B}.devices.ap1.auth`, lineAt: ['      ap1:', 'auth:'], says: /exactly one of.*got keyFile and agent/ },
  { name: 'auth empty', edit: sub(['      client:', 'auth:'], '\n          keyFile: keys/lab_ed25519', ' {}'), path: `${B}.devices.client.auth`, lineAt: ['      client:', 'auth:'], says: /got none/ },
  { name: 'auth agent false', edit: sub(['      ap2:', 'auth:'], 'keyFile: keys/lab_ed25519', 'agent: false'), path: `${B}.devices.ap2.auth.agent`, lineAt: ['      ap2:', 'agent:'] },
  { name: 'passwordEnv holding a password', edit: sub(['      ap2:', 'auth:'], 'keyFile: keys/lab_ed25519', 'passwordEnv: hunter2'), path: `${B}.devices.ap2.auth.passwordEnv`, lineAt: ['passwordEnv:'] },
  { name: 'fingerprint in MD5 form', edit: sub(['      ap1:'], '        wireless:', '        hostKeyFingerprint: "MD5:12:34:56"\n        wireless:'), path: `${B}.devices.ap1.hostKeyFingerprint`, lineAt: ['hostKeyFingerprint:'] },
  { name: 'typo hostKeyFingerprnt', edit: sub(['      ap1:'], '        wireless:', `        hostKeyFingerprnt: "SHA256:${'A'.repeat(43)}"\n        wireless:`), path: `${B}.devices.ap1.hostKeyFingerprnt`, lineAt: ['hostKeyFingerprnt:'], says: /did you mean hostKeyFingerprint\?/ },
  { name: 'connectTimeoutS 0', edit: sub(['      ap1:'], '        wireless:', '        connectTimeoutS: 0\n        wireless:'), path: `${B}.devices.ap1.connectTimeoutS`, lineAt: ['connectTimeoutS:'] },
  { name: 'interface eth0', edit: sub(['      ap1:'], 'interface: ath0', 'interface: eth0'), path: `${B}.devices.ap1.wireless.interface`, lineAt: ['      ap1:', 'interface:'] },
  { name: 'radio wlan0', edit: sub(['      ap2:'], 'radio: wifi0', 'radio: wlan0'), path: `${B}.devices.ap2.wireless.radio`, lineAt: ['      ap2:', 'radio:'] },
  { name: 'channel 15', edit: sub(['      ap1:'], 'channel: 1', 'channel: 15'), path: `${B}.devices.ap1.wireless.channel`, lineAt: ['      ap1:', 'channel:'] },
  { name: 'AP without channel', edit: dropLine(['      ap2:'], 'channel: 6'), path: `${B}.devices.ap2.wireless.channel`, lineAt: ['      ap2:', 'wireless:'], says: /required key missing/ },
  { name: 'channel on the client', edit: sub(['      client:'], 'radio: wifi0', 'radio: wifi0\n          channel: 1'), path: `${B}.devices.client.wireless.channel`, lineAt: ['      client:', 'channel:'], says: /unknown key/ },
  { name: 'txPowerDbm 40', edit: sub(['      ap2:'], 'channel: 6', 'channel: 6\n          txPowerDbm: 40'), path: `${B}.devices.ap2.wireless.txPowerDbm`, lineAt: ['txPowerDbm:'] },
  { name: 'a fourth device', edit: sub(['    devices:'], '\n      ap1:', '\n      ap3:\n        role: ap\n      ap1:'), path: `${B}.devices.ap3`, lineAt: ['ap3:'], says: /unknown key/ },
  { name: 'client missing', edit: dropBlock([], '      client:'), path: `${B}.devices.client`, lineAt: ['    devices:'], says: /required key missing/ },
  { name: 'devices as a list', edit: (y) => y.replace(/    devices:\n[\s\S]*?(?=    attenuators:)/, '    devices:\n      - ap1\n'), path: `${B}.devices`, lineAt: ['    devices:'], says: /expected a mapping/ },
  { name: 'attenuator protocol ftp', edit: sub(['      att1:'], 'protocol: http', 'protocol: ftp'), path: `${B}.attenuators.att1.protocol`, lineAt: ['      att1:', 'protocol:'] },
  { name: 'attenuator address without port', edit: sub(['      att2:'], 'address: 127.0.0.1:0', 'address: 127.0.0.1'), path: `${B}.attenuators.att2.address`, lineAt: ['      att2:', 'address:'] },
  { name: 'attenuator address port 0 on a real bench', edit: realBench, path: `${B}.attenuators.att1.address`, lineAt: ['      att1:', 'address:'] },
  { name: 'attenuator path ap3', edit: sub(['      att2:'], 'path: ap2', 'path: ap3'), path: `${B}.attenuators.att2.path`, lineAt: ['      att2:', 'path:'] },
  { name: 'no attenuator on ap2', edit: sub(['      att2:'], 'path: ap2', 'path: ap1'), path: `${B}.attenuators`, lineAt: ['    attenuators:'], says: /path: ap2/ },
  { name: 'two attenuators on one unit channel', edit: compose(realBench, (y) => y.replaceAll('address: 127.0.0.1:0', 'address: 10.0.0.9:80')), path: `${B}.attenuators.att2`, lineAt: ['      att2:'], says: /att1/ },
  { name: 'attenuator naming an unknown unit', edit: compose(unitForm, sub(['      att2:'], 'unit: rc4dat1', 'unit: rc4dat9')), path: `${B}.attenuators.att2.unit`, lineAt: ['      att2:', 'unit:'], says: /expected the name of a unit under attenuatorUnits \(rc4dat1\), got "rc4dat9"/ },
  { name: 'a unit and no attenuatorUnits', edit: compose(unitForm, dropBlock([], '    attenuatorUnits:')), path: `${B}.attenuators.att1.unit`, lineAt: ['      att1:', 'unit:'], says: /\(none defined\), got "rc4dat1"/ },
  { name: 'a channel the unit model does not have', edit: compose(unitForm, sub(['      att2:'], 'channel: 2', 'channel: 5')), path: `${B}.attenuators.att2.channel`, lineAt: ['      att2:', 'channel:'], says: /expected a channel of the RC4DAT-6G-95, 1\.\.4, got 5/ },
  { name: 'channel 2 of a one-channel model', edit: sub(['      att2:'], 'fixedLossDb: 40', 'fixedLossDb: 40\n        channel: 2'), path: `${B}.attenuators.att2.channel`, lineAt: ['      att2:', 'channel:'], says: /the RCDAT-6000-60 has one channel\), got 2/ },
  { name: 'both unit and address', edit: compose(unitForm, sub(['      att1:'], 'unit: rc4dat1', 'unit: rc4dat1\n        address: 127.0.0.1:0')), path: `${B}.attenuators.att1.address`, lineAt: ['      att1:', 'address:'], says: /expected no address next to unit: \(attenuatorUnits\.rc4dat1 gives it\)/ },
  { name: 'neither unit nor model', edit: dropLine(['      att1:'], 'model:'), path: `${B}.attenuators.att1.model`, lineAt: ['      att1:'], says: /required key missing \(expected model, protocol and address, or unit: naming one of attenuatorUnits\)/ },
  { name: 'one address, two models', edit: compose(oneAddress, sub(['      att2:'], 'model: RC4DAT-6G-95', 'model: RC8DAT-6G-95')), path: `${B}.attenuators.att2.model`, lineAt: ['      att2:', 'model:'], says: /expected model RC4DAT-6G-95 \(attenuator att1 at the same address 10\.0\.0\.9:80 says RC4DAT-6G-95: one unit has one model\), got "RC8DAT-6G-95"/ },
  { name: 'one address, two protocols', edit: compose(oneAddress, sub(['      att2:'], 'protocol: http', 'protocol: telnet')), path: `${B}.attenuators.att2.protocol`, lineAt: ['      att2:', 'protocol:'], says: /expected protocol http \(attenuator att1 at the same address .* one unit has one protocol\), got "telnet"/ },
  { name: 'two units at one address', edit: compose(unitForm, realBench, (y) => y.replace('address: 127.0.0.1:0', 'address: 10.0.0.9:23'), sub(['    attenuatorUnits:'], '    attenuators:', '      rc4dat2:\n        model: RC4DAT-6G-95\n        protocol: telnet\n        address: 10.0.0.9:23\n    attenuators:')), path: `${B}.attenuatorUnits.rc4dat2.address`, lineAt: ['      rc4dat2:', 'address:'], says: /different address than unit rc4dat1/ },
  { name: 'unit address port 0 on a real bench', edit: compose(unitForm, realBench), path: `${B}.attenuatorUnits.rc4dat1.address`, lineAt: ['      rc4dat1:', 'address:'], says: /0 only on a virtual bench/ },
  { name: 'two attenuators on one channel of a unit', edit: compose(unitForm, sub(['      att2:'], 'channel: 2', 'channel: 1')), path: `${B}.attenuators.att2`, lineAt: ['      att2:'], says: /att1 \(same unit and channel\)/ },
  { name: 'typo in a unit', edit: compose(unitForm, sub(['      rc4dat1:'], 'protocol: telnet', 'protocol: telnet\n        chanels: 4')), path: `${B}.attenuatorUnits.rc4dat1.chanels`, lineAt: ['chanels:'], says: /unknown key/ },
  { name: 'fixedLossDb negative', edit: sub(['      att1:'], 'fixedLossDb: 40', 'fixedLossDb: -1'), path: `${B}.attenuators.att1.fixedLossDb`, lineAt: ['      att1:', 'fixedLossDb:'] },
  { name: 'safeDb not a 0.25 step', edit: sub(['      att2:'], 'fixedLossDb: 40', 'fixedLossDb: 40\n        safeDb: 60.1'), path: `${B}.attenuators.att2.safeDb`, lineAt: ['safeDb:'] },
  { name: 'attenuator name with a slash', edit: sub(['    attenuators:'], '      att2:', '      att/2:'), path: `${B}.attenuators["att/2"]`, lineAt: ['att/2:'] },
  { name: 'traffic target $(id)', edit: sub([], 'target: 192.0.2.10', 'target: $(id)'), path: `${B}.traffic.target`, lineAt: ['target:'] },
  { name: 'intervalS too small', edit: sub([], 'intervalS: 0.2', 'intervalS: 0.001'), path: `${B}.traffic.intervalS`, lineAt: ['intervalS:'] },
  { name: 'hostroaming 3', edit: sub([], '    traffic:', '    roaming:\n      hostroaming: 3\n    traffic:'), path: `${B}.roaming.hostroaming`, lineAt: ['hostroaming:'] },
  { name: 'rssi11g 200', edit: sub([], '    traffic:', '    roaming:\n      rssi11g: 200\n    traffic:'), path: `${B}.roaming.rssi11g`, lineAt: ['rssi11g:'] },
  { name: 'stepDb not a 0.25 step', edit: sub([], 'stepDb: 2', 'stepDb: 0.3'), path: `${B}.profile.stepDb`, lineAt: ['stepDb:'] },
  { name: 'stepDelayS 0', edit: sub([], 'stepDelayS: 1', 'stepDelayS: 0'), path: `${B}.profile.stepDelayS`, lineAt: ['stepDelayS:'] },
  { name: 'range min >= max', edit: sub([], 'minDb: 10', 'minDb: 60'), path: `${B}.profile.range`, lineAt: ['      range:'], says: /minDb < maxDb/ },
  { name: 'maxDb above 120', edit: sub([], 'maxDb: 60', 'maxDb: 130'), path: `${B}.profile.range.maxDb`, lineAt: ['maxDb:'] },
  { name: 'baselinePings 2', edit: sub([], 'baselinePings: 3', 'baselinePings: 2'), path: `${B}.profile.baselinePings`, lineAt: ['baselinePings:'] },
  { name: 'roamTimeoutS shorter than a crossfade', edit: sub([], 'roamTimeoutS: 90', 'roamTimeoutS: 20'), path: `${B}.profile.roamTimeoutS`, lineAt: ['roamTimeoutS:'], says: /25 s/ },
  { name: 'thresholds without default', edit: dropBlock(['    thresholds:'], '      default:'), path: `${B}.thresholds.default`, lineAt: ['    thresholds:'], says: /required key missing/ },
  { name: 'maxInvalidFraction 1.5', edit: sub(['      patched:'], 'maxInvalidFraction: 0.1', 'maxInvalidFraction: 1.5'), path: `${B}.thresholds.patched.maxInvalidFraction`, lineAt: ['      patched:', 'maxInvalidFraction:'] },
  { name: 'typo in a threshold', edit: sub(['      patched:'], 'maxLostPerRoam:', 'maxLostPerRom:'), path: `${B}.thresholds.patched.maxLostPerRom`, lineAt: ['maxLostPerRom:'], says: /did you mean maxLostPerRoam\?/ },
  { name: 'timeScale 0', edit: sub([], 'timeScale: 100', 'timeScale: 0'), path: `${B}.virtual.timeScale`, lineAt: ['timeScale:'] },
  { name: 'seed 1.5', edit: sub([], 'seed: 1404', 'seed: 1.5'), path: `${B}.virtual.seed`, lineAt: ['seed:'] },
  { name: 'virtual firmware unknown', edit: sub([], 'seed: 1404', 'seed: 1404\n      firmware: openwrt'), path: `${B}.virtual.firmware`, lineAt: ['firmware:'] },
  { name: 'virtual ping unknown', edit: sub([], 'seed: 1404', 'seed: 1404\n      ping: busybox-old'), path: `${B}.virtual.ping`, lineAt: ['ping:'] },
  { name: 'virtual fault kind unknown', edit: sub([], 'seed: 1404', 'seed: 1404\n      faults:\n        - { kind: meteor, atRoam: 2 }'), path: `${B}.virtual.faults[0].kind`, lineAt: ['kind: meteor'] },
  { name: 'virtual fault atRoam 0', edit: sub([], 'seed: 1404', 'seed: 1404\n      faults:\n        - { kind: reboot, atRoam: 0 }'), path: `${B}.virtual.faults[0].atRoam`, lineAt: ['atRoam: 0'] },
  { name: 'empty value', edit: sub([], 'user: root', 'user:'), path: `${B}.devices.ap1.user`, lineAt: ['user:'], says: /empty value/ },
  { name: 'duplicate key', edit: sub(['      ap1:'], '        user: root\n', '        user: root\n        port: 22\n'), path: `${B}.devices.ap1.port`, lineAt: ['      ap1:', 'port:', 'port:'], says: /duplicate key "port"/ },
];

describe('malformed inventories', () => {
  it('has at least 30 cases, each a real edit', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) expect(c.edit(BASE), c.name).not.toBe(BASE);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const text = c.edit(BASE);
    const file = writeInventory(text);
    const err = await loadError(file);
    expect(err.exitCode).toBe(EXIT.config);
    expect(err.message).not.toMatch(/\n\s+at /); // never a stack trace
    const problem = problemAt(err.message, file, c.path);
    expect(problem.line, err.message).toBe(lineOf(text, ...c.lineAt));
    if (c.says) expect(problem.text).toMatch(c.says);
  });

  it('points at the value column, as in "inventory.yaml:23:15"', async () => {
    const text = sub(['      ap1:'], 'port: 0', 'port: abc')(BASE);
    const file = writeInventory(text);
    const err = await loadError(file);
    const line = lineOf(text, '      ap1:', 'port: abc');
    const col = text.split('\n')[line - 1].indexOf('abc') + 1;
    expect(err.message).toContain(
      `${file}:${line}:${col}: benches.virtual.devices.ap1.port: expected an integer 1..65535 (0 only on a virtual bench), got "abc"`,
    );
  });

  it('lists several problems one per line, in file order, at most 10', async () => {
    let text = BASE;
    for (const k of ['ap1', 'ap2', 'client']) text = sub([`      ${k}:`], 'user: root', 'user: "a b"')(text);
    text = sub([], 'essid: rig-roam', 'essid: "x;y"')(text);
    const file = writeInventory(text);
    const err = await loadError(file);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(4);
    const nums = lines.map((l) => Number(l.slice(file.length + 1).split(':')[0]));
    expect(nums).toEqual([...nums].sort((a, b) => a - b));

    let many = BASE;
    for (let i = 0; i < 15; i++) many = many.replace('  virtual:\n', `  virtual:\n    extra${i}: 1\n`);
    const file2 = writeInventory(many);
    const err2 = await loadError(file2);
    const lines2 = err2.message.split('\n');
    expect(lines2).toHaveLength(11);
    expect(lines2[10]).toMatch(/and 5 more problems/);
  });
});

describe('hostile strings', () => {
  const hostile = ['a;reboot', '$(id)', '`id`', 'a"b', "it's", 'a\nreboot', 'a\\b', 'a|b', 'a&&b', 'a>b'];
  const fields = [
    { path: 'benches.virtual.essid', anchors: [] as string[], from: 'essid: rig-roam', key: 'essid' },
    { path: 'benches.virtual.devices.ap1.host', anchors: ['      ap1:'], from: 'host: 127.0.0.1', key: 'host' },
    { path: 'benches.virtual.devices.client.user', anchors: ['      client:'], from: 'user: root', key: 'user' },
    { path: 'benches.virtual.traffic.target', anchors: [], from: 'target: 192.0.2.10', key: 'target' },
  ];
  const table = fields.flatMap((f) => hostile.map((h) => [f.path, JSON.stringify(h), f, h] as const));

  it.each(table)('%s = %s is rejected', async (_p, _h, f, h) => {
    const text = sub(f.anchors, f.from, `${f.key}: ${JSON.stringify(h)}`)(BASE);
    const file = writeInventory(text);
    const err = await loadError(file);
    const problem = problemAt(err.message, file, f.path);
    expect(problem.line).toBe(lineOf(text, ...f.anchors, `${f.key}: `));
    expect(problem.text).toContain(`got ${JSON.stringify(h)}`);
    // The message stays one line per problem: a newline in the value is escaped.
    expect(err.message.split('\n')).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------
// Files that are not inventories at all
// ---------------------------------------------------------------------------

describe('unusable files', () => {
  it('missing file', async () => {
    const file = path.join(tmp, 'no', 'such.yaml');
    const err = await loadError(file);
    expect(err.message).toBe(`inventory not found: ${file}`);
    expect(err.code).toBe('E_INVENTORY_NOT_FOUND');
  });

  it('a directory', async () => {
    const err = await loadError(tmp);
    expect(err.message).toBe(`inventory is a directory, not a file: ${tmp}`);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file', async () => {
    const file = writeInventory(BASE);
    chmodSync(file, 0o000);
    const err = await loadError(file);
    expect(err.message).toMatch(/cannot read inventory .*permission denied/);
  });

  it('YAML syntax error, with line and column', async () => {
    const text = BASE.replace('essid: rig-roam', 'essid: "rig-roam');
    const file = writeInventory(text);
    const err = await loadError(file);
    expect(err.code).toBe('E_INVENTORY_SYNTAX');
    expect(err.message).toMatch(new RegExp(`^${escapeRe(file)}:\\d+:\\d+: YAML syntax error: `));
    expect(err.message).not.toMatch(/\n\s+at /);

    const text2 = BASE.replace('      ap1:\n        role: ap\n', '      ap1:\n        role: ap\n       oops: 1\n');
    const file2 = writeInventory(text2);
    const err2 = await loadError(file2);
    expect(err2.message).toMatch(new RegExp(`^${escapeRe(file2)}:${lineOf(text2, 'oops:')}:\\d+: YAML syntax error`, 'm'));
  });

  it('empty file and a file of comments only', async () => {
    for (const text of ['', '# nothing here\n\n']) {
      const file = writeInventory(text);
      const err = await loadError(file);
      expect(err.message).toBe(`${file}:1:1: inventory is empty (expected a mapping with version and benches)`);
    }
  });

  it('a top level that is not a mapping', async () => {
    for (const text of ['- a\n- b\n', 'just text\n', '42\n']) {
      const file = writeInventory(text);
      const err = await loadError(file);
      expect(err.message).toMatch(new RegExp(`^${escapeRe(file)}:1:1: expected a mapping at the top level`));
    }
  });

  it('two YAML documents, unknown tags and non-UTF-8 bytes', async () => {
    const f1 = writeInventory(`${BASE}---\nversion: 1\n`);
    expect((await loadError(f1)).message).toMatch(/YAML syntax error: Source contains multiple documents/);
    const text2 = BASE.replace('seed: 1404', 'seed: !weird 1404');
    const f2 = writeInventory(text2);
    expect((await loadError(f2)).message).toMatch(new RegExp(`:${lineOf(text2, '!weird')}:\\d+: YAML problem: Unresolved tag`));
    const f3 = path.join(tmp, 'latin1.yaml');
    writeFileSync(f3, Buffer.from([0x65, 0x73, 0x73, 0x69, 0x64, 0x3a, 0x20, 0xe9, 0x0a]));
    expect((await loadError(f3)).message).toMatch(/not UTF-8/);
  });
});

// ---------------------------------------------------------------------------
// SSH algorithms per device (off by default) and host key pinning fields
// ---------------------------------------------------------------------------

describe('ssh algorithms and host key settings per device', () => {
  const withAp1 = (lines: string) => sub(['      ap1:'], '        wireless:', `${lines}\n        wireless:`);

  it('no algorithms block: nothing changed (off by default)', async () => {
    const { bench } = selectBench(await loadInventory(writeInventory(BASE)));
    expect(bench.devices.ap1.algorithms).toBeUndefined();
    expect(bench.devices.ap1.knownHosts).toBeUndefined();
  });

  it('accepts legacy: true, explicit lists, and both fingerprint and knownHosts on one device', async () => {
    const edit = compose(
      withAp1('        algorithms: { legacy: true }'),
      sub(['      client:'], '        wireless:', '        algorithms:\n          kex: [diffie-hellman-group1-sha1]\n          hostKey: [ssh-rsa, ssh-dss]\n          cipher: [aes128-cbc, 3des-cbc]\n          mac: [hmac-sha1]\n        wireless:'),
      sub(['      ap2:'], '        wireless:', `        hostKeyFingerprint: "SHA256:${'B'.repeat(43)}"\n        knownHosts: lab/known_hosts\n        wireless:`),
    );
    const { bench } = selectBench(await loadInventory(writeInventory(edit(BASE))));
    expect(bench.devices.ap1.algorithms).toEqual({ legacy: true });
    expect(bench.devices.client.algorithms).toEqual({
      legacy: false,
      kex: ['diffie-hellman-group1-sha1'],
      hostKey: ['ssh-rsa', 'ssh-dss'],
      cipher: ['aes128-cbc', '3des-cbc'],
      mac: ['hmac-sha1'],
    });
    expect(bench.devices.ap2.knownHosts).toBe(path.join(tmp, 'lab', 'known_hosts'));
  });

  const bad: { name: string; lines: string; path: string; says: RegExp }[] = [
    { name: 'unknown key exchange name', lines: '        algorithms: { kex: [diffie-hellman-group99-sha1] }', path: `${B}.devices.ap1.algorithms.kex[0]`, says: /expected a list of key exchange algorithms, each once, from: curve25519-sha256, .*diffie-hellman-group1-sha1, got "diffie-hellman-group99-sha1"/ },
    { name: 'a cipher in the MAC list', lines: '        algorithms: { mac: [aes128-cbc] }', path: `${B}.devices.ap1.algorithms.mac[0]`, says: /expected a list of MAC algorithms.*hmac-sha1.*, got "aes128-cbc"/ },
    { name: 'an empty list', lines: '        algorithms: { cipher: [] }', path: `${B}.devices.ap1.algorithms.cipher`, says: /expected a list of ciphers/ },
    { name: 'a list given twice the same name', lines: '        algorithms: { hostKey: [ssh-rsa, ssh-rsa] }', path: `${B}.devices.ap1.algorithms.hostKey`, says: /each once/ },
    { name: 'a single name instead of a list', lines: '        algorithms: { kex: diffie-hellman-group1-sha1 }', path: `${B}.devices.ap1.algorithms.kex`, says: /expected a list of key exchange algorithms/ },
    { name: 'legacy: "yes"', lines: '        algorithms: { legacy: "yes" }', path: `${B}.devices.ap1.algorithms.legacy`, says: /expected true or false .*, got "yes"/ },
    { name: 'typo legasy', lines: '        algorithms: { legasy: true }', path: `${B}.devices.ap1.algorithms.legasy`, says: /unknown key \(did you mean legacy\?\)/ },
    { name: 'OpenSSH spelling Ciphers', lines: '        algorithms: { Ciphers: [aes128-cbc] }', path: `${B}.devices.ap1.algorithms.Ciphers`, says: /unknown key/ },
    { name: 'algorithms as a list', lines: '        algorithms: [legacy]', path: `${B}.devices.ap1.algorithms`, says: /expected a mapping/ },
    { name: 'knownHosts with a newline', lines: '        knownHosts: "a\\nb"', path: `${B}.devices.ap1.knownHosts`, says: /expected a file path/ },
  ];
  it.each(bad)('$name: exit 2, names the YAML path and its line', async ({ lines, path: yamlPath, says }) => {
    const text = withAp1(lines)(BASE);
    const file = writeInventory(text);
    const err = await loadError(file);
    expect(err.exitCode).toBe(EXIT.config);
    const problem = problemAt(err.message, file, yamlPath);
    expect(problem.line).toBe(lineOf(text, '      ap1:', lines.trim().split(':')[0]));
    expect(problem.text).toMatch(says);
  });
});
