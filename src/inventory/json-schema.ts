/**
 * The inventory's JSON Schema (draft-07, what editors such as yaml-language-server
 * read), generated from the zod schema in schema.ts so the two cannot drift apart.
 * `rig inventory schema` prints it; `inventory.schema.json` at the repository root is
 * its committed copy (a test keeps it current).
 *
 * It describes what a lab WRITES: zod's input side, so keys with a default are
 * optional and transforms (auth, safeDb) do not show. What z.toJSONSchema leaves out
 * is put back here:
 *
 * - refinements (.refine / .superRefine) become JSON Schema where JSON Schema can say
 *   them (exactly one auth method, channel ranges, unique algorithm lists, port
 *   <= 65535 in addresses, variant names, ESSIDs that are not iwconfig keywords, port
 *   0 only on a virtual bench, madwifi interface names, an attenuator's unit named or
 *   given, at least one bench);
 * - the custom messages ("expected ...") become each field's `description`, which
 *   editors show on hover.
 *
 * The rules JSON Schema cannot express (comparisons between values, lookups across
 * the file) are listed in RIG_ONLY_RULES and in the schema's description: only the
 * rig's own loader (`rig inventory validate`, every command) checks them.
 */
import { z } from 'zod';
import {
  ADDRESS_RE,
  ApDeviceSchema,
  ApWirelessSchema,
  BenchSchema,
  ClientDeviceSchema,
  DEVICE_NAMES,
  InventorySchema,
  NAME_RE,
  PowerSchema,
  SshAlgorithmsSchema,
  SshAuthSchema,
  ThresholdsSchema,
  VariantThresholdsSchema,
} from './schema.ts';

/** A JSON Schema object, as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

/** Where the committed copy lives (repository root) and what inventory.yaml's first line names. */
export const INVENTORY_SCHEMA_FILE = 'inventory.schema.json';

/** The comment on an inventory's first line that points editors at the schema. */
export const YAML_LANGUAGE_SERVER_LINE = `# yaml-language-server: $schema=./${INVENTORY_SCHEMA_FILE}`;

/** Rules of the zod schema that JSON Schema cannot express: the rig's loader alone checks them. */
export const RIG_ONLY_RULES = [
  'defaultBench names a bench of the file',
  'each AP path (ap1, ap2) has at least one attenuator',
  "an attenuator's unit is a name under attenuatorUnits",
  "an attenuator's channel fits its unit's model (RCDAT and RUDAT: 1, RC4DAT: 1..4, RC8DAT: 1..8)",
  'attenuators at one address are one unit: the same model and protocol, different channels, and the unit named once',
  'profile.range.minDb < profile.range.maxDb',
  'profile.roamTimeoutS is longer than one full crossfade',
] as const;

/** madwifi's VAP and radio names (schema.ts checks them in BenchSchema when driver is madwifi, the default). */
const MADWIFI_INTERFACE = { pattern: '^ath[0-9]{1,2}$', description: 'expected a madwifi VAP interface name like ath0' };
const MADWIFI_RADIO = { pattern: '^wifi[0-9]{1,2}$', description: 'expected a madwifi radio name like wifi0' };

/** A port of 1..5 digits whose value is at most 65535 (leading zeros allowed, as Number() reads them). */
const PORT_0_65535 = '([0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
/** An address whose port is 0 (only a virtual bench may have one). */
const ADDRESS_PORT_0 = ':0{1,5}$';

/** Schemas used in several places, written once under `definitions` (by these names) and referenced. */
const DEFINITIONS: [z.core.$ZodType, string][] = [
  [BenchSchema, 'bench'],
  [ApDeviceSchema, 'apDevice'],
  [ClientDeviceSchema, 'clientDevice'],
  [SshAuthSchema, 'sshAuth'],
  [SshAlgorithmsSchema, 'sshAlgorithms'],
  [PowerSchema, 'power'],
  [VariantThresholdsSchema, 'variantThresholds'],
];

/** The inventory's JSON Schema, a fresh object each call. */
export function inventoryJsonSchema(): JsonSchema {
  const definitions = z.registry<{ id: string }>();
  for (const [schema, id] of DEFINITIONS) definitions.add(schema, { id });
  const applied = new Set<string>();
  const generated = z.toJSONSchema(InventorySchema, {
    io: 'input',
    target: 'draft-07',
    metadata: definitions,
    unrepresentable: 'throw',
    override: (ctx) => {
      const json = ctx.jsonSchema as JsonSchema;
      describeWithMessage(ctx.zodSchema, json);
      if (json.pattern === ADDRESS_RE.source) {
        json.pattern = addressPattern();
        applied.add('address');
      }
      const refine = REFINEMENTS.get(ctx.zodSchema);
      if (refine) {
        refine.apply(json);
        applied.add(refine.name);
      }
    },
  }) as JsonSchema;

  const missing = [...REFINEMENTS.values()].map((r) => r.name).concat('address').filter((n) => !applied.has(n));
  if (missing.length > 0) {
    // schema.ts changed shape: a refinement no longer finds its zod schema.
    throw new Error(`inventory JSON Schema: refinements not applied: ${missing.join(', ')} (update src/inventory/json-schema.ts)`);
  }

  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'rig inventory',
    description:
      'What a lab writes in inventory.yaml: the benches, their devices, attenuators, traffic, roaming knobs, ' +
      'profile and thresholds (keys with a default may be left out). Checked here as far as JSON Schema can; ' +
      `only the rig's loader (rig inventory validate) also checks that ${RIG_ONLY_RULES.join('; ')}.`,
    $comment: 'Generated from src/inventory/schema.ts by `rig inventory schema --out inventory.schema.json`; do not edit.',
    ...rest,
  };
}

/** The schema as the committed file holds it: two-space JSON and a final newline. */
export function formatJsonSchema(schema: JsonSchema): string {
  return JSON.stringify(schema, null, 2) + '\n';
}

// --------------------------------------------------------------------------
// Refinements, by the zod schema that carries them
// --------------------------------------------------------------------------

interface Refinement {
  name: string;
  apply(json: JsonSchema): void;
}

const REFINEMENTS = new Map<unknown, Refinement>([
  [
    SshAuthSchema,
    {
      // Only keyFile, passwordEnv and agent are allowed: exactly one key is exactly one method.
      name: 'auth: exactly one method',
      apply: (json) => {
        json.minProperties = 1;
        json.maxProperties = 1;
        json.description = 'expected exactly one of keyFile, passwordEnv, agent: true';
      },
    },
  ],
  [
    ApWirelessSchema,
    {
      name: 'AP channel ranges',
      apply: (json) => {
        const channel = prop(json, 'channel');
        delete channel.minimum;
        delete channel.maximum;
        channel.anyOf = [
          { minimum: 1, maximum: 14 },
          { minimum: 36, maximum: 165 },
        ];
      },
    },
  ],
  [
    SshAlgorithmsSchema,
    {
      name: 'algorithm lists without repeats',
      apply: (json) => {
        for (const key of ['kex', 'hostKey', 'cipher', 'mac']) prop(json, key).uniqueItems = true;
      },
    },
  ],
  [
    ThresholdsSchema,
    {
      name: 'variant names',
      apply: (json) => {
        json.propertyNames = { type: 'string', pattern: NAME_RE.source, description: 'expected a variant name of letters, digits, ".", "_", "-"' };
      },
    },
  ],
  [ApDeviceSchema, { name: 'madwifi names (APs)', apply: madwifiNames }],
  [ClientDeviceSchema, { name: 'madwifi names (client)', apply: madwifiNames }],
  [
    BenchSchema,
    {
      name: 'bench rules',
      apply: (json) => {
        prop(json, 'essid').not = {
          type: 'string',
          pattern: '^([Aa][Nn][Yy]|[Oo][Nn]|[Oo][Ff][Ff])$',
          description: 'iwconfig reads any, on and off as keywords, not as a network name',
        };
        const attenuator = prop(json, 'attenuators').additionalProperties as JsonSchema;
        for (const key of ['unit', ...UNIT_KEYS]) prop(attenuator, key);
        attenuator.oneOf = unitOrPlacement();
        // A bench without a `virtual:` block is real: no port may be 0.
        json.if = { type: 'object', properties: { virtual: { type: 'object' } }, required: ['virtual'] };
        json.else = realBenchPorts();
      },
    },
  ],
  [
    InventorySchema,
    {
      name: 'at least one bench',
      apply: (json) => {
        prop(json, 'benches').minProperties = 1;
      },
    },
  ],
]);

/** With driver madwifi (also when driver is left out: the default), madwifi's interface names. */
function madwifiNames(json: JsonSchema): void {
  prop(json, 'driver'); // the rule depends on it
  prop(prop(json, 'wireless'), 'interface');
  json.if = { type: 'object', properties: { driver: { const: 'madwifi' } } };
  json.then = {
    type: 'object',
    properties: {
      wireless: {
        type: 'object',
        properties: {
          interface: { type: 'string', ...MADWIFI_INTERFACE },
          radio: { type: 'string', ...MADWIFI_RADIO },
        },
      },
    },
  };
}

/** The keys that place an attenuator on its unit when it does not name one under attenuatorUnits. */
const UNIT_KEYS = ['model', 'protocol', 'address'];

/** An attenuator names its unit (`unit:`) or gives model, protocol and address itself: one or the other. */
function unitOrPlacement(): JsonSchema[] {
  const only = (given: string[], absent: string[], description: string): JsonSchema => ({
    type: 'object',
    properties: Object.fromEntries([...given.map((k) => [k, {}]), ...absent.map((k) => [k, false])]),
    required: given,
    description,
  });
  return [
    only(['unit'], UNIT_KEYS, 'a channel of a unit named under attenuatorUnits (which gives model, protocol and address)'),
    only(UNIT_KEYS, ['unit'], 'a unit given by model, protocol and address on the attenuator itself'),
  ];
}

/** On a real bench: device ports, power switch, attenuator and attenuator unit addresses other than 0. */
function realBenchPorts(): JsonSchema {
  const notPort0 = { not: { type: 'string', pattern: ADDRESS_PORT_0 }, description: 'expected a port other than 0 (0 only on a virtual bench)' };
  const device = {
    type: 'object',
    properties: {
      port: { type: 'integer', minimum: 1, description: 'expected an integer 1..65535 (0 only on a virtual bench)' },
      power: { type: 'object', properties: { address: { type: 'string', ...notPort0 } } },
    },
  };
  return {
    type: 'object',
    properties: {
      devices: { type: 'object', properties: Object.fromEntries(DEVICE_NAMES.map((d) => [d, device])) },
      attenuators: { type: 'object', additionalProperties: { type: 'object', properties: { address: { type: 'string', ...notPort0 } } } },
      attenuatorUnits: { type: 'object', additionalProperties: { type: 'object', properties: { address: { type: 'string', ...notPort0 } } } },
    },
  };
}

/** ADDRESS_RE with its port limited to 0..65535 (the zod schema refines the number). */
function addressPattern(): string {
  const port = '([0-9]{1,5})$';
  if (!ADDRESS_RE.source.endsWith(port)) throw new Error('inventory JSON Schema: ADDRESS_RE no longer ends with its port group (update src/inventory/json-schema.ts)');
  return ADDRESS_RE.source.slice(0, -port.length) + PORT_0_65535 + '$';
}

/** The property `key` of an object schema; throws when the zod schema no longer has it. */
function prop(json: JsonSchema, key: string): JsonSchema {
  const properties = json.properties as Record<string, JsonSchema> | undefined;
  const p = properties?.[key];
  if (p === undefined) throw new Error(`inventory JSON Schema: no property ${key} where a refinement expects it (update src/inventory/json-schema.ts)`);
  return p;
}

// --------------------------------------------------------------------------
// Messages as descriptions
// --------------------------------------------------------------------------

/** A value no inventory field accepts: parsing it yields the field's own "expected ..." message. */
const NOTHING_VALID = Symbol('no inventory value');

/** The schema's description (`.describe()`), else its custom message ("expected ..."), when it has one. */
function describeWithMessage(schema: z.core.$ZodType, json: JsonSchema): void {
  if (json.description !== undefined) return;
  // Generating with our own registry (for the definitions' names) hides the global one: read it here.
  const described = z.globalRegistry.get(schema)?.description;
  if (described !== undefined) {
    json.description = described;
    return;
  }
  const result = z.safeParse(schema, NOTHING_VALID);
  const message = result.success ? undefined : result.error.issues[0]?.message;
  // zod's own messages start "Invalid input"; the inventory's are all phrased "expected ...".
  if (message !== undefined && message.startsWith('expected ')) json.description = message;
}
