/**
 * `rig inventory` for programs: the inventory's JSON Schema (for editors and other
 * validators), and checking an inventory file with the rig's own loader (zod, every
 * problem with file:line:col and YAML path), which also checks the rules JSON Schema
 * cannot express.
 */
import { writeFile } from 'node:fs/promises';
import { ConfigError, UsageError } from '../errors.ts';
import { formatJsonSchema, inventoryJsonSchema } from '../inventory/json-schema.ts';
import { loadInventory } from '../inventory/load.ts';
import { DEVICE_NAMES, type Bench } from '../inventory/schema.ts';

/** The schema as text (what `inventory.schema.json` holds); written to `out` when given. */
export async function inventorySchema(opts: { out?: string } = {}): Promise<{ text: string; written?: string }> {
  const text = formatJsonSchema(inventoryJsonSchema());
  if (opts.out === undefined) return { text };
  try {
    await writeFile(opts.out, text);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new UsageError(`cannot write ${opts.out}: ${typeof code === 'string' ? code : String(err)}`, 'E_SCHEMA_WRITE');
  }
  return { text, written: opts.out };
}

/** What a valid inventory holds, bench by bench. */
export interface BenchInfo {
  name: string;
  /** virtual: simulated by the rig in-process; real: boards on the network. */
  kind: 'virtual' | 'real';
  default: boolean;
  security: Bench['security']['mode'];
  attenuators: string[];
  /** Environment variables the bench reads its secrets from (WPA-PSK, SSH and PDU passwords). */
  secretEnv: string[];
}

/** One problem as the loader reports it: `file:line:col: yaml.path: text`. */
export interface InventoryProblem {
  line: number | null;
  column: number | null;
  /** YAML path of what is wrong (benches.virtual.devices.ap1.port), when the problem has one. */
  path: string | null;
  message: string;
  /** The loader's line, as printed. */
  text: string;
}

export type InventoryValidation =
  | { ok: true; file: string; defaultBench: string | null; benches: BenchInfo[] }
  | { ok: false; file: string; problems: InventoryProblem[] };

/**
 * Load `inventory` as every rig command does. A ConfigError (missing file, YAML syntax,
 * a value the schema refuses) becomes the list of its problems; other errors propagate.
 */
export async function validateInventory(opts: { inventory: string }): Promise<InventoryValidation> {
  let loaded;
  try {
    loaded = await loadInventory(opts.inventory);
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, file: opts.inventory, problems: err.message.split('\n').map(parseProblem) };
    throw err;
  }
  const { benches, defaultBench } = loaded.inventory;
  const names = Object.keys(benches);
  const chosen = defaultBench ?? (names.length === 1 ? names[0] : null);
  return {
    ok: true,
    file: opts.inventory,
    defaultBench: chosen,
    benches: names.map((name) => benchInfo(name, benches[name], name === chosen)),
  };
}

function benchInfo(name: string, bench: Bench, isDefault: boolean): BenchInfo {
  const env = new Set<string>();
  if (bench.security.mode === 'wpa-psk') env.add(bench.security.pskEnv);
  if (bench.security.mode === 'wep') env.add(bench.security.keyEnv);
  for (const d of DEVICE_NAMES) {
    const dev = bench.devices[d];
    if (dev.auth.method === 'password') env.add(dev.auth.passwordEnv);
    if (dev.power?.usernameEnv) env.add(dev.power.usernameEnv);
    if (dev.power?.passwordEnv) env.add(dev.power.passwordEnv);
  }
  return {
    name,
    kind: bench.virtual ? 'virtual' : 'real',
    default: isDefault,
    security: bench.security.mode,
    attenuators: Object.keys(bench.attenuators),
    secretEnv: [...env],
  };
}

/** `file:12:7: ` then, when present, a YAML path as the loader writes it (formatPath), then `: `. */
const POSITION = /:(\d+):(\d+): /;
const YAML_PATH = /^((?:[A-Za-z0-9_-]+|\[(?:\d+|"(?:[^"\\]|\\.)*")\])(?:\.[A-Za-z0-9_-]+|\[(?:\d+|"(?:[^"\\]|\\.)*")\])*): /;

function parseProblem(text: string): InventoryProblem {
  const pos = POSITION.exec(text);
  if (!pos) return { line: null, column: null, path: null, message: text, text };
  const rest = text.slice(pos.index + pos[0].length);
  const path = YAML_PATH.exec(rest);
  return {
    line: Number(pos[1]),
    column: Number(pos[2]),
    path: path ? path[1] : null,
    message: path ? rest.slice(path[0].length) : rest,
    text,
  };
}
