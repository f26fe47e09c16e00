/**
 * The inventory's JSON Schema (src/inventory/json-schema.ts) judged by a standard
 * validator, ajv in strict mode: the committed inventory.schema.json is what the
 * generator produces now; it accepts the shipped inventory.yaml and the real-bench
 * example at its end; it rejects broken ones with the path in ajv's error; and it agrees
 * with the rig's own zod schema on every case below, except the cross-field rules it
 * cannot express (RIG_ONLY_RULES), which only the rig's loader catches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  formatJsonSchema,
  INVENTORY_SCHEMA_FILE,
  inventoryJsonSchema,
  RIG_ONLY_RULES,
  YAML_LANGUAGE_SERVER_LINE,
  type JsonSchema,
} from '../inventory/json-schema.ts';
import { InventorySchema, PowerSchema } from '../inventory/schema.ts';
import { ROOT } from './helpers/cli.ts';

const SHIPPED_TEXT = readFileSync(join(ROOT, 'inventory.yaml'), 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed YAML, edited freely by the cases
type Doc = Record<string, any>;

/** YAML read as the rig reads it (merge keys on). */
const parseYaml = (text: string): Doc => parse(text, { merge: true }) as Doc;

/** The commented real bench at the end of inventory.yaml, uncommented and added to the shipped benches. */
function withRealBenchExample(): string {
  const lines = SHIPPED_TEXT.split('\n');
  const start = lines.findIndex((l) => /^ {2}# lab-bench-1:/.test(l));
  if (start < 0) throw new Error('no commented lab-bench-1 example in inventory.yaml');
  const example = lines.slice(start).map((l) => l.replace(/^ {2}# ?/, '  '));
  return [...lines.slice(0, start), ...example].join('\n');
}

/** ajv in strict mode (unknown keywords, loose types and missing required properties are errors); warnings collected. */
function compile(schema: JsonSchema): { validate: ValidateFunction; warnings: string[] } {
  const warnings: string[] = [];
  const log = (...a: unknown[]): void => void warnings.push(a.map(String).join(' '));
  const ajv = new Ajv({ strict: true, allErrors: true, logger: { log, warn: log, error: log } });
  return { validate: ajv.compile(schema), warnings };
}

const { validate, warnings } = compile(inventoryJsonSchema());

function ajvErrors(doc: unknown): ErrorObject[] {
  return validate(doc) ? [] : [...(validate.errors ?? [])];
}

/** ajv's error paths plus the property an additionalProperties / required error names. */
function ajvPaths(errors: ErrorObject[]): string[] {
  return errors.map((e) => {
    const p = e.params as { additionalProperty?: string; missingProperty?: string };
    const extra = p.additionalProperty ?? p.missingProperty;
    return extra !== undefined ? `${e.instancePath}/${extra}` : e.instancePath;
  });
}

/** The zod issues' paths, an unknown key's path ending in the key (as ajv's are made above). */
function zodPaths(doc: unknown): string[] | null {
  const r = InventorySchema.safeParse(doc);
  if (r.success) return null;
  return r.error.issues.flatMap((i) => {
    const at = i.path.map((s) => `/${String(s)}`).join('');
    return i.code === 'unrecognized_keys' ? i.keys.map((k) => `${at}/${k}`) : [at];
  });
}

const clone = (d: Doc): Doc => structuredClone(d);
const SHIPPED = parseYaml(SHIPPED_TEXT);
const REAL = parseYaml(withRealBenchExample());
/** The real-bench example's first attenuator unit (under attenuatorUnits). */
const firstUnitName = Object.keys(REAL.benches['lab-bench-1'].attenuatorUnits ?? {})[0];
const firstUnit = (b: Doc): Doc => b.attenuatorUnits[firstUnitName];

describe('inventory.schema.json', () => {
  it('is what the generator produces now (regenerate: npx rig inventory schema --out inventory.schema.json)', () => {
    const committed = readFileSync(join(ROOT, INVENTORY_SCHEMA_FILE), 'utf8');
    expect(committed).toBe(formatJsonSchema(inventoryJsonSchema()));
  });

  it("is what inventory.yaml's first line points editors at", () => {
    expect(SHIPPED_TEXT.split('\n')[0]).toBe(YAML_LANGUAGE_SERVER_LINE);
    expect(YAML_LANGUAGE_SERVER_LINE).toBe('# yaml-language-server: $schema=./inventory.schema.json');
  });

  it('compiles in ajv strict mode without a warning, as draft-07', () => {
    expect(warnings).toEqual([]);
    expect(inventoryJsonSchema().$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('is the input side: no key with a default is required', () => {
    const offenders: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as JsonSchema;
      const props = n.properties as Record<string, JsonSchema> | undefined;
      for (const key of (n.required as string[] | undefined) ?? []) {
        if (props?.[key] && 'default' in props[key]) offenders.push(`${at}/${key}`);
      }
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    };
    walk(inventoryJsonSchema(), '#');
    expect(offenders).toEqual([]);
    // and the defaults are there for editors to show
    const apDevice = (inventoryJsonSchema().definitions as Record<string, JsonSchema>).apDevice;
    expect((apDevice.properties as Record<string, JsonSchema>).connectTimeoutS.default).toBe(20);
  });

  it("carries the rig's own messages as descriptions (editors show them on hover)", () => {
    const apDevice = (inventoryJsonSchema().definitions as Record<string, JsonSchema>).apDevice;
    const port = (apDevice.properties as Record<string, JsonSchema>).port;
    expect(port.description).toBe('expected an integer 1..65535 (0 only on a virtual bench)');
  });
});

describe('the schema accepts what a lab writes', () => {
  it('the shipped inventory.yaml, parsed with the yaml package', () => {
    expect(ajvErrors(SHIPPED)).toEqual([]);
  });

  it('the real-bench example at its end, uncommented (SSH pinning, power switch, legacy algorithms, a unit and its channels)', () => {
    expect(Object.keys(REAL.benches)).toContain('lab-bench-1');
    expect(firstUnitName).toBeDefined();
    expect(ajvErrors(REAL)).toEqual([]);
    expect(zodPaths(REAL)).toBeNull();
  });
});

describe('the schema rejects broken inventories, naming the path', () => {
  const broken: { name: string; edit: (d: Doc) => void; path: string; keyword: string }[] = [
    {
      name: 'a port that is not a number',
      edit: (d) => (d.benches.virtual.devices.ap1.port = 'abc'),
      path: '/benches/virtual/devices/ap1/port',
      keyword: 'type',
    },
    {
      name: 'an unknown key (a typo)',
      edit: (d) => {
        d.benches.virtual.attenuators.att1.safeDB = d.benches.virtual.attenuators.att1.safeDb;
        delete d.benches.virtual.attenuators.att1.safeDb;
      },
      path: '/benches/virtual/attenuators/att1/safeDB',
      keyword: 'additionalProperties',
    },
    {
      name: 'a missing required device',
      edit: (d) => delete d.benches.virtual.devices.client,
      path: '/benches/virtual/devices/client',
      keyword: 'required',
    },
    {
      name: 'a bad enum (an attenuator protocol)',
      edit: (d) => (d.benches.virtual.attenuators.att2.protocol = 'ftp'),
      path: '/benches/virtual/attenuators/att2/protocol',
      keyword: 'enum',
    },
  ];

  for (const c of broken) {
    it(c.name, () => {
      const doc = clone(SHIPPED);
      c.edit(doc);
      const errors = ajvErrors(doc);
      expect(errors.length).toBeGreaterThan(0);
      const hit = errors.find((e, i) => ajvPaths(errors)[i] === c.path);
      expect(hit, JSON.stringify(errors, null, 1)).toBeDefined();
      expect(hit!.keyword).toBe(c.keyword);
      // the rig's loader refuses it too, at the same place
      expect(zodPaths(doc)).toContain(c.path);
    });
  }
});

describe('the schema and the zod schema agree', () => {
  type Case = { name: string; base: 'virtual' | 'real'; edit: (b: Doc, inv: Doc) => void; accept: boolean; path?: string };
  const cases: Case[] = [
    // accepted
    {
      name: 'keys with defaults left out',
      base: 'virtual',
      edit: (b) => {
        delete b.roaming;
        delete b.devices.ap1.wireless.txPowerDbm;
        delete b.attenuators.att1.safeDb;
        delete b.virtual.firmware;
        delete b.profile.graceS;
        delete b.profile.roamTimeoutS;
      },
      accept: true,
    },
    { name: 'auth by the SSH agent', base: 'virtual', edit: (b) => (b.devices.client.auth = { agent: true }), accept: true },
    { name: 'an AP on channel 36', base: 'virtual', edit: (b) => (b.devices.ap2.wireless.channel = 36), accept: true },
    { name: 'an nl80211 client on wlan0 / phy0', base: 'real', edit: (b) => (b.devices.client = { ...b.devices.client, driver: 'nl80211', wireless: { interface: 'wlan0', radio: 'phy0' } }), accept: true },
    { name: 'an attenuator unit on port 65535', base: 'real', edit: (b) => (firstUnit(b).address = 'att1.lab.example:65535'), accept: true },
    {
      name: 'attenuators that give model, protocol and address themselves (no unit)',
      base: 'real',
      edit: (b) => {
        const { model, protocol, address } = firstUnit(b);
        for (const [i, att] of Object.values<Doc>(b.attenuators).entries()) {
          delete att.unit;
          Object.assign(att, { model, protocol, address, channel: i + 1 });
        }
        delete b.attenuatorUnits;
      },
      accept: true,
    },
    { name: 'an ESSID that contains a keyword', base: 'virtual', edit: (b) => (b.essid = 'anyway'), accept: true },
    { name: 'a variant named v1.2_rc-3', base: 'virtual', edit: (b) => (b.thresholds['v1.2_rc-3'] = { ...b.thresholds.default }), accept: true },
    { name: 'a fault to inject', base: 'virtual', edit: (b) => (b.virtual.faults = [{ kind: 'reboot', device: 'client', atRoam: 2 }]), accept: true },
    // refused by both
    { name: 'two auth methods', base: 'virtual', edit: (b) => (b.devices.ap1.auth = { keyFile: 'k', agent: true }), accept: false, path: '/benches/virtual/devices/ap1/auth' },
    { name: 'no auth method', base: 'virtual', edit: (b) => (b.devices.ap1.auth = {}), accept: false, path: '/benches/virtual/devices/ap1/auth' },
    { name: 'channel 20 (between the bands)', base: 'virtual', edit: (b) => (b.devices.ap1.wireless.channel = 20), accept: false, path: '/benches/virtual/devices/ap1/wireless/channel' },
    { name: 'an algorithm listed twice', base: 'real', edit: (b) => (b.devices.client.algorithms = { kex: ['curve25519-sha256', 'curve25519-sha256'] }), accept: false, path: '/benches/lab-bench-1/devices/client/algorithms/kex' },
    { name: 'an attenuator on port 70000', base: 'virtual', edit: (b) => (b.attenuators.att1.address = '127.0.0.1:70000'), accept: false, path: '/benches/virtual/attenuators/att1/address' },
    { name: 'a power switch on port 99999', base: 'real', edit: (b) => (b.devices.ap1.power.address = 'pdu1.lab.example:99999'), accept: false, path: '/benches/lab-bench-1/devices/ap1/power/address' },
    { name: 'port 0 on a real bench', base: 'real', edit: (b) => (b.devices.ap2.port = 0), accept: false, path: '/benches/lab-bench-1/devices/ap2/port' },
    { name: 'an attenuator unit on port 0 on a real bench', base: 'real', edit: (b) => (firstUnit(b).address = 'att1.lab.example:0'), accept: false, path: `/benches/lab-bench-1/attenuatorUnits/${firstUnitName}/address` },
    { name: 'an attenuator on port 0 on a real bench', base: 'virtual', edit: (b) => delete b.virtual, accept: false, path: '/benches/virtual/attenuators/att1/address' },
    { name: 'an attenuator with a unit and a model', base: 'real', edit: (b) => (b.attenuators.att1.model = 'RCDAT-6000-60'), accept: false, path: '/benches/lab-bench-1/attenuators/att1/model' },
    { name: 'an attenuator with neither a unit nor an address', base: 'virtual', edit: (b) => delete b.attenuators.att1.address, accept: false, path: '/benches/virtual/attenuators/att1/address' },
    { name: 'a power switch on port 00 on a real bench', base: 'real', edit: (b) => (b.devices.ap1.power.address = 'pdu1.lab.example:00'), accept: false, path: '/benches/lab-bench-1/devices/ap1/power/address' },
    { name: 'a variant name with a space', base: 'virtual', edit: (b) => (b.thresholds['bad name'] = { ...b.thresholds.default }), accept: false, path: '/benches/virtual/thresholds' },
    { name: 'ESSID "ANY" (an iwconfig keyword)', base: 'virtual', edit: (b) => (b.essid = 'ANY'), accept: false, path: '/benches/virtual/essid' },
    { name: 'a madwifi client on wlan0', base: 'virtual', edit: (b) => (b.devices.client.wireless.interface = 'wlan0'), accept: false, path: '/benches/virtual/devices/client/wireless/interface' },
    { name: 'a madwifi AP on radio phy0', base: 'virtual', edit: (b) => (b.devices.ap1.wireless.radio = 'phy0'), accept: false, path: '/benches/virtual/devices/ap1/wireless/radio' },
    { name: 'no bench at all', base: 'virtual', edit: (_b, inv) => { inv.benches = {}; delete inv.defaultBench; }, accept: false, path: '/benches' },
    { name: 'version 2', base: 'virtual', edit: (_b, inv) => (inv.version = 2), accept: false, path: '/version' },
    { name: 'wpa-psk without pskEnv', base: 'virtual', edit: (b) => (b.security = { mode: 'wpa-psk' }), accept: false, path: '/benches/virtual/security' },
    { name: 'a passphrase where the variable name belongs', base: 'virtual', edit: (b) => (b.security = { mode: 'wpa-psk', pskEnv: 'correct horse battery' }), accept: false, path: '/benches/virtual/security' },
    { name: 'an unknown fault', base: 'virtual', edit: (b) => (b.virtual.faults = [{ kind: 'explode' }]), accept: false, path: '/benches/virtual/virtual/faults/0/kind' },
    { name: 'a step that is not a multiple of 0.25 dB', base: 'virtual', edit: (b) => (b.profile.stepDb = 0.3), accept: false, path: '/benches/virtual/profile/stepDb' },
    { name: 'an empty key file path', base: 'virtual', edit: (b) => (b.devices.ap1.auth = { keyFile: '' }), accept: false, path: '/benches/virtual/devices/ap1/auth/keyFile' },
    { name: 'a host starting with "-"', base: 'virtual', edit: (b) => (b.devices.ap1.host = '-oProxyCommand=x'), accept: false, path: '/benches/virtual/devices/ap1/host' },
    { name: 'a fractional transmit power', base: 'virtual', edit: (b) => (b.devices.ap1.wireless.txPowerDbm = 18.5), accept: false, path: '/benches/virtual/devices/ap1/wireless/txPowerDbm' },
  ];

  for (const c of cases) {
    it(`${c.accept ? 'both accept' : 'both refuse'}: ${c.name}`, () => {
      const inv = clone(c.base === 'virtual' ? SHIPPED : { version: 1, benches: { 'lab-bench-1': REAL.benches['lab-bench-1'] } });
      c.edit(inv.benches[c.base === 'virtual' ? 'virtual' : 'lab-bench-1'] ?? {}, inv);
      const errors = ajvErrors(inv);
      const zod = zodPaths(inv);
      if (c.accept) {
        expect(errors).toEqual([]);
        expect(zod).toBeNull();
      } else {
        expect(ajvPaths(errors), JSON.stringify(errors, null, 1)).toContain(c.path);
        expect(zod, 'zod accepted it').not.toBeNull();
        expect(zod!.some((p) => p === c.path || p.startsWith(`${c.path}/`)), zod!.join(', ')).toBe(true);
      }
    });
  }

  // One case per rule only the rig checks: JSON Schema accepts, the rig refuses.
  const rigOnly: Record<(typeof RIG_ONLY_RULES)[number], { edit: (b: Doc, inv: Doc) => void; path: string }> = {
    'defaultBench names a bench of the file': { edit: (_b, inv) => (inv.defaultBench = 'no-such-bench'), path: '/defaultBench' },
    'each AP path (ap1, ap2) has at least one attenuator': { edit: (b) => delete b.attenuators.att2, path: '/benches/virtual/attenuators' },
    "an attenuator's unit is a name under attenuatorUnits": {
      edit: (b) => {
        for (const k of ['model', 'protocol', 'address']) delete b.attenuators.att1[k];
        b.attenuators.att1.unit = 'no-such-unit';
      },
      path: '/benches/virtual/attenuators/att1/unit',
    },
    "an attenuator's channel fits its unit's model (RCDAT and RUDAT: 1, RC4DAT: 1..4, RC8DAT: 1..8)": {
      edit: (b) => (b.attenuators.att1.channel = 2), // an RCDAT-6000-60 has one channel
      path: '/benches/virtual/attenuators/att1/channel',
    },
    'attenuators at one address are one unit: the same model and protocol, different channels, and the unit named once': {
      edit: (b) => {
        b.attenuators.att1.address = '10.0.0.5:80';
        b.attenuators.att2.address = '10.0.0.5:80';
      },
      path: '/benches/virtual/attenuators/att2',
    },
    'profile.range.minDb < profile.range.maxDb': { edit: (b) => (b.profile.range = { minDb: 70, maxDb: 60 }), path: '/benches/virtual/profile/range' },
    'profile.roamTimeoutS is longer than one full crossfade': { edit: (b) => (b.profile.roamTimeoutS = 5), path: '/benches/virtual/profile/roamTimeoutS' },
  };

  it('every rule only the rig checks has a case below', () => {
    expect(Object.keys(rigOnly).sort()).toEqual([...RIG_ONLY_RULES].sort());
    for (const rule of RIG_ONLY_RULES) expect(inventoryJsonSchema().description).toContain(rule);
  });

  for (const [rule, c] of Object.entries(rigOnly)) {
    it(`only the rig refuses: ${rule}`, () => {
      const inv = clone(SHIPPED);
      c.edit(inv.benches.virtual, inv);
      expect(ajvErrors(inv)).toEqual([]);
      expect(zodPaths(inv)).toContain(c.path);
    });
  }

  it("an address's port: the pattern and the zod schema agree on every port string of 1..5 digits", () => {
    const address = (inventoryJsonSchema().definitions as Record<string, JsonSchema>).power.properties as Record<string, JsonSchema>;
    const re = new RegExp(address.address.pattern as string, 'u');
    const zodAddress = PowerSchema.shape.address;
    const disagree: string[] = [];
    for (let n = 0; n <= 99_999; n++) {
      for (const port of new Set([String(n), String(n).padStart(5, '0')])) {
        const a = `pdu.lab.example:${port}`;
        if (re.test(a) !== zodAddress.safeParse(a).success) disagree.push(port);
      }
    }
    expect(disagree).toEqual([]);
    expect(re.test('pdu.lab.example:65535')).toBe(true);
    expect(re.test('pdu.lab.example:65536')).toBe(false);
  });
});
