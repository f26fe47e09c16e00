/**
 * Loading the inventory: read the file (size and encoding limits), parse and
 * validate it (yaml-source.ts: YAML with positions, zod, one ConfigError
 * naming file:line:col and YAML path for every problem), resolve file paths
 * relative to the inventory's folder, and select a bench.
 *
 *   inventory.yaml:23:15: benches.virtual.devices.ap1.port: expected an integer 1..65535 (0 only on a virtual bench), got "abc"
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { DEVICE_NAMES, InventorySchema, type Bench, type Inventory } from './schema.ts';
import { readYamlWithSchema } from './yaml-source.ts';

export interface LoadedInventory {
  /** Absolute path of the inventory file. */
  file: string;
  /** Absolute path of the folder holding it (relative paths in the file are resolved against it). */
  dir: string;
  inventory: Inventory;
  /** sha256 (hex) of the file's bytes, for reports: which inventory a run used. */
  digest: string;
}

export interface SelectedBench {
  name: string;
  bench: Bench;
}

/** An inventory is a few kilobytes; anything this large is the wrong file. */
const MAX_BYTES = 1024 * 1024;

/** Error codes of the ConfigErrors thrown here. */
export const INVENTORY_ERROR_CODES = {
  notFound: 'E_INVENTORY_NOT_FOUND',
  unreadable: 'E_INVENTORY_UNREADABLE',
  syntax: 'E_INVENTORY_SYNTAX',
  invalid: 'E_INVENTORY_INVALID',
  unknownBench: 'E_INVENTORY_UNKNOWN_BENCH',
} as const;

export async function loadInventory(file: string): Promise<LoadedInventory> {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const shown = displayName(abs);

  const bytes = await readInventoryBytes(abs);
  const digest = createHash('sha256').update(bytes).digest('hex');

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError(`${shown}: inventory is not UTF-8 text`, { code: INVENTORY_ERROR_CODES.syntax, subject: abs });
  }

  const inventory = readYamlWithSchema(text, InventorySchema, {
    shown,
    subject: abs,
    codes: { syntax: INVENTORY_ERROR_CODES.syntax, invalid: INVENTORY_ERROR_CODES.invalid },
    emptyText: 'inventory is empty (expected a mapping with version and benches)',
    notMappingText: 'expected a mapping at the top level (version, defaultBench, benches)',
    merge: true,
  });
  for (const bench of Object.values(inventory.benches)) {
    for (const name of DEVICE_NAMES) {
      const device = bench.devices[name];
      if (device.auth.method === 'keyFile') device.auth.keyFile = resolveFrom(dir, device.auth.keyFile);
      if (device.knownHosts !== undefined) device.knownHosts = resolveFrom(dir, device.knownHosts);
    }
  }

  return { file: abs, dir, inventory, digest };
}

/**
 * The bench to use: `name` if given, else the inventory's defaultBench, else
 * the only bench. Unknown name: ConfigError listing the benches.
 */
export function selectBench(loaded: LoadedInventory, name?: string): SelectedBench {
  const { benches, defaultBench } = loaded.inventory;
  const names = Object.keys(benches);
  const list = names.join(', ');
  const shown = displayName(loaded.file);
  let chosen = name ?? defaultBench;
  if (chosen === undefined) {
    if (names.length !== 1) {
      throw new ConfigError(`${shown}: no bench named and no defaultBench; benches: ${list}`, {
        code: INVENTORY_ERROR_CODES.unknownBench,
        subject: loaded.file,
      });
    }
    chosen = names[0];
  }
  if (!Object.hasOwn(benches, chosen)) {
    throw new ConfigError(`${shown}: unknown bench ${JSON.stringify(chosen)}; benches: ${list}`, {
      code: INVENTORY_ERROR_CODES.unknownBench,
      subject: loaded.file,
    });
  }
  return { name: chosen, bench: benches[chosen] };
}

// --------------------------------------------------------------------------
// Reading
// --------------------------------------------------------------------------

async function readInventoryBytes(abs: string): Promise<Buffer> {
  const opts = (code: string) => ({ code, subject: abs });
  let info;
  try {
    info = await stat(abs);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError(`inventory not found: ${abs}`, opts(INVENTORY_ERROR_CODES.notFound));
    }
    throw new ConfigError(`cannot read inventory ${abs}: ${errnoText(err)}`, opts(INVENTORY_ERROR_CODES.unreadable));
  }
  if (info.isDirectory()) {
    throw new ConfigError(`inventory is a directory, not a file: ${abs}`, opts(INVENTORY_ERROR_CODES.unreadable));
  }
  if (!info.isFile()) {
    throw new ConfigError(`inventory is not a regular file: ${abs}`, opts(INVENTORY_ERROR_CODES.unreadable));
  }
  if (info.size > MAX_BYTES) {
    throw new ConfigError(`inventory is too large (${info.size} bytes, at most ${MAX_BYTES}): ${abs}`, opts(INVENTORY_ERROR_CODES.unreadable));
  }
  try {
    return await readFile(abs);
  } catch (err) {
    throw new ConfigError(`cannot read inventory ${abs}: ${errnoText(err)}`, opts(INVENTORY_ERROR_CODES.unreadable));
  }
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function errnoText(err: unknown): string {
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM') return `permission denied (${code})`;
  return code ?? (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
}

function resolveFrom(dir: string, p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return path.resolve(dir, p);
}

/** Relative to the working directory when the file is under it, else absolute. */
function displayName(abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}
