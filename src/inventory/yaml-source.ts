/**
 * A YAML configuration file read with its source positions kept, validated with
 * a zod schema, every problem reported where it is in the file. Shared by the
 * inventory (inventory.yaml) and the firmware manifest (firmware/variants.yaml).
 *
 * Every problem becomes ONE ConfigError whose message has one line per problem
 * (in file order, at most 10, the rest counted), each naming the file,
 * line:column and YAML path:
 *
 *   inventory.yaml:23:15: benches.virtual.devices.ap1.port: expected an integer 1..65535 (0 only on a virtual bench), got "abc"
 *
 * Positions: a bad value points at the value; an unknown key, a bad map key
 * or a problem with a whole mapping points at its key; a missing key points
 * at the key of the mapping it is missing from. YAML syntax errors and
 * warnings (duplicate keys, unresolved tags) are positioned the same way.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';

export type YamlPath = readonly PropertyKey[];

/** One problem found in a YAML file, before it is written as a line. */
export interface Problem {
  /** Character offset in the source, when known (else the start of the file). */
  offset?: number;
  /** YAML path of what is wrong; absent for problems of the text itself (syntax). */
  path?: YamlPath;
  text: string;
}

/** Line and column (1-based) of a problem. */
export interface SourcePosition {
  line: number;
  col: number;
}

/** How one problem is written as a line of the error message. */
export type ProblemLine = (shown: string, pos: SourcePosition, path: YamlPath | undefined, text: string) => string;

/** `inventory.yaml:23:15: benches.virtual.devices.ap1.port: text` (the default). */
export const fileLineColLine: ProblemLine = (shown, pos, path, text) =>
  `${shown}:${pos.line}:${pos.col}: ${path && path.length > 0 ? `${formatPath(path)}: ` : ''}${text}`;

export interface YamlReadOptions {
  /** The file as messages name it. */
  shown: string;
  /** `subject` of the ConfigError (usually the absolute path). */
  subject?: string;
  /** Error codes: `syntax` for YAML that does not parse, `invalid` for a document the schema refuses. */
  codes: { syntax: string; invalid: string };
  /** Message for an empty document (or one of comments only), e.g. "inventory is empty (expected ...)". */
  emptyText: string;
  /** Message for a top level that is not a mapping; ", got <value>" is appended. */
  notMappingText: string;
  /** Accept YAML 1.1 `<<` merge keys. */
  merge?: boolean;
  /** How a problem is written; default `fileLineColLine`. */
  line?: ProblemLine;
}

/** At most this many problems are listed; the rest are counted. */
const MAX_PROBLEMS = 10;

/** The parsed document with what positions need. */
interface YamlSource {
  text: string;
  doc: Document;
  lineCounter: LineCounter;
}

/**
 * Parse `text` as one YAML document and validate it with `schema`; the schema's
 * output, or a ConfigError listing every problem with its position.
 */
export function readYamlWithSchema<S extends z.ZodType>(text: string, schema: S, options: YamlReadOptions): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: options.merge ?? false });
  const src: YamlSource = { text, doc, lineCounter };
  const fail = (problems: Problem[], code: string): never => {
    throw new ConfigError(renderProblems(src, problems, options), { code, subject: options.subject });
  };

  const yamlProblems = syntaxProblems(src);
  if (yamlProblems.length > 0) fail(yamlProblems, options.codes.syntax);

  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    fail([{ offset: 0, text: options.emptyText }], options.codes.invalid);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    fail([{ offset: 0, text: `YAML problem: ${oneLine(err instanceof Error ? err.message : String(err))}` }], options.codes.syntax);
  }
  if (!isPlainObject(data)) {
    fail([{ offset: doc.contents?.range?.[0], text: `${options.notMappingText}, got ${repr(data)}` }], options.codes.invalid);
  }

  // Keys each strict object allows, captured while zod builds its issues, for "did you mean".
  const allowedKeys = new Map<string, string[]>();
  const result = schema.safeParse(data, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        // The issue's `inst` is the object schema that saw the key; its shape lists the allowed keys.
        const shape = (iss.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
        if (shape) allowedKeys.set(pathKey(iss.path ?? []), Object.keys(shape));
      }
      return undefined;
    },
  });
  if (!result.success) {
    fail(
      result.error.issues.flatMap((issue) => describeIssue(issue, doc, data, allowedKeys)),
      options.codes.invalid,
    );
  }
  return result.data as z.output<S>;
}

/** benches.virtual.devices.ap1.port; odd keys quoted: benches["a b"].essid */
export function formatPath(p: YamlPath): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z0-9_-]+$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

// --------------------------------------------------------------------------
// YAML's own errors and warnings
// --------------------------------------------------------------------------

function syntaxProblems(src: YamlSource): Problem[] {
  const { doc, text } = src;
  return [...doc.errors, ...doc.warnings].map((err) => {
    const offset = err.pos[0];
    if (err.code === 'DUPLICATE_KEY') {
      const found = pathOfKeyAt(doc, offset);
      const key = found !== undefined ? String(found[found.length - 1]) : text.slice(err.pos[0], err.pos[1]).trim();
      return { offset, path: found, text: `duplicate key ${JSON.stringify(key)} (each key may appear once in a mapping)` };
    }
    return { offset, text: `YAML ${err.name === 'YAMLWarning' ? 'problem' : 'syntax error'}: ${oneLine(err.message)}` };
  });
}

// --------------------------------------------------------------------------
// Turning zod issues into positioned problems
// --------------------------------------------------------------------------

function describeIssue(issue: z.core.$ZodIssue, doc: Document, data: unknown, allowedKeys: Map<string, string[]>): Problem[] {
  const base = issue.path;

  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys.get(pathKey(base)) ?? [];
    return issue.keys.map((key) => {
      const keyPath = [...base, key];
      const loc = locate(doc, keyPath);
      const near = closest(key, allowed);
      const hint = near !== undefined ? `did you mean ${near}?` : allowed.length > 0 ? `expected one of: ${allowed.join(', ')}` : '';
      return { offset: offsetOf(loc, 'key'), path: keyPath, text: `unknown key${hint ? ` (${hint})` : ''}` };
    });
  }

  if (issue.code === 'invalid_key') {
    const key = base[base.length - 1];
    const inner = issue.issues[0]?.message ?? issue.message;
    return [{ offset: offsetOf(locate(doc, base), 'key'), path: base, text: `${inner}, got key ${JSON.stringify(String(key))}` }];
  }

  const loc = locate(doc, base);
  const value = valueAt(data, base);
  if (!value.present) {
    return [{ offset: offsetOf(loc, 'key'), path: base, text: `required key missing (${issue.message})` }];
  }

  let text = issue.message;
  if (issue.code === 'invalid_type' && (issue.expected === 'object' || issue.expected === 'record')) {
    text = 'expected a mapping (key: value lines)';
  }
  const v = value.value;
  const isCollection = typeof v === 'object' && v !== null;
  if (issue.code !== 'custom' || !isCollection) {
    text += `, got ${repr(v)}`;
    if (issue.code === 'invalid_type' && issue.expected === 'string' && (typeof v === 'number' || typeof v === 'boolean')) {
      text += ' (YAML read it as a ' + typeof v + '; quote it)';
    }
  }
  return [{ offset: offsetOf(loc, isCollection ? 'key' : 'value'), path: base, text }];
}

interface Located {
  /** Whether the whole path exists in the document. */
  found: boolean;
  /** The node at the path (found) or the deepest existing ancestor (not found). */
  node: unknown;
  /** The key node of `node` in its parent mapping, when it has one. */
  keyNode: unknown;
}

/** Walk the YAML document along a path (through aliases and << merge keys). */
function locate(doc: Document, p: YamlPath): Located {
  let node: unknown = deref(doc, doc.contents);
  let keyNode: unknown = null;
  for (const seg of p) {
    if (isMap(node)) {
      const pair = findPair(doc, node, String(seg), 0);
      if (!pair) return { found: false, node, keyNode };
      keyNode = pair.key;
      node = deref(doc, pair.value);
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      keyNode = null;
      node = deref(doc, node.items[seg]);
    } else {
      return { found: false, node, keyNode };
    }
  }
  return { found: true, node, keyNode };
}

interface PairLike {
  key: unknown;
  value: unknown;
}

function findPair(doc: Document, map: { items: PairLike[] }, key: string, depth: number): PairLike | undefined {
  for (const pair of map.items) {
    if (isScalar(pair.key) && String(pair.key.value) === key) return pair;
  }
  if (depth > 10) return undefined;
  for (const pair of map.items) {
    if (!isScalar(pair.key) || !isMergeKey(pair.key.value)) continue;
    const src = deref(doc, pair.value);
    const sources = isSeq(src) ? src.items.map((i) => deref(doc, i)) : [src];
    for (const s of sources) {
      if (isMap(s)) {
        const found = findPair(doc, s, key, depth + 1);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** `<<` as the merge option parses it (a symbol), or as a plain string key. */
function isMergeKey(v: unknown): boolean {
  return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
}

function deref(doc: Document, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 10 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

/**
 * Where to point: at the value (a bad scalar) or at the key (an unknown key,
 * a whole mapping). A missing key points at the key of the mapping it is
 * missing from.
 */
function offsetOf(loc: Located, prefer: 'key' | 'value'): number | undefined {
  const keyStart = rangeStart(loc.keyNode);
  const nodeStart = rangeStart(loc.node);
  if (!loc.found) return keyStart ?? nodeStart;
  const emptyValue = isScalar(loc.node) && loc.node.value === null;
  if (prefer === 'key' || emptyValue || !isScalar(loc.node)) return keyStart ?? nodeStart;
  return nodeStart ?? keyStart;
}

/** The path of the mapping key starting at `offset` (for duplicate keys). */
function pathOfKeyAt(doc: Document, offset: number): YamlPath | undefined {
  const walk = (node: unknown, p: PropertyKey[], depth: number): YamlPath | undefined => {
    if (depth > 50) return undefined;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (rangeStart(pair.key) === offset) return [...p, key];
        const inner = walk(pair.value, [...p, key], depth + 1);
        if (inner) return inner;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const inner = walk(node.items[i], [...p, i], depth + 1);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return walk(doc.contents, [], 0);
}

function valueAt(data: unknown, p: YamlPath): { present: boolean; value?: unknown } {
  let cur: unknown = data;
  for (const seg of p) {
    if (typeof cur !== 'object' || cur === null || typeof seg === 'symbol' || !Object.hasOwn(cur, seg)) {
      return { present: false };
    }
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return { present: true, value: cur };
}

// --------------------------------------------------------------------------
// Writing the problems
// --------------------------------------------------------------------------

function renderProblems(src: YamlSource, problems: Problem[], options: YamlReadOptions): string {
  const line = options.line ?? fileLineColLine;
  const sorted = [...problems].sort((a, b) => (a.offset ?? 0) - (b.offset ?? 0));
  const lines = [...new Set(sorted.map((p) => line(options.shown, src.lineCounter.linePos(p.offset ?? 0), p.path, p.text)))];
  if (lines.length > MAX_PROBLEMS) {
    const more = lines.length - MAX_PROBLEMS;
    return [...lines.slice(0, MAX_PROBLEMS), `${options.shown}: ... and ${more} more problem${more === 1 ? '' : 's'}`].join('\n');
  }
  return lines.join('\n');
}

function pathKey(p: YamlPath): string {
  return JSON.stringify(p.map((s) => (typeof s === 'symbol' ? String(s) : s)));
}

/** A value as it may appear in a one-line message (never a raw newline). */
function repr(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'nothing (empty value)';
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 56)}..."` : s;
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set);
}

/** The allowed key closest to a typo, if it is close enough. */
function closest(key: string, allowed: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    const d = a.toLowerCase() === key.toLowerCase() ? 0 : levenshtein(key, a);
    if (d < bestD) {
      bestD = d;
      best = a;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
