/**
 * src/inventory/yaml-source.ts, the YAML reader the inventory and the firmware manifest
 * share: every problem positioned (a bad value at the value, an unknown key at the key,
 * a missing key at its mapping's key), YAML syntax errors included; and the manifest's
 * errors as precise as the inventory's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { DEFAULT_MANIFEST, parseManifest } from '../firmware/manifest.ts';
import { formatPath, readYamlWithSchema, type YamlReadOptions } from '../inventory/yaml-source.ts';

const Schema = z.strictObject({
  name: z.string({ error: 'expected a name' }),
  port: z.number({ error: 'expected a port' }).int(),
  server: z.strictObject({
    host: z.string({ error: 'expected a host' }),
    timeoutS: z.number({ error: 'expected seconds' }).positive(),
  }),
  tags: z.array(z.string({ error: 'expected a tag' })).default([]),
});

const OPTIONS: YamlReadOptions = {
  shown: 'conf.yaml',
  subject: '/abs/conf.yaml',
  codes: { syntax: 'E_SYNTAX', invalid: 'E_INVALID' },
  emptyText: 'the file is empty',
  notMappingText: 'expected a mapping at the top level',
  merge: true,
};

const GOOD = ['name: rig', 'port: 22', 'server:', '  host: ap1', '  timeoutS: 5', 'tags: [a, b]', ''].join('\n');

function problem(text: string, options: YamlReadOptions = OPTIONS): ConfigError {
  try {
    readYamlWithSchema(text, Schema, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`accepted:\n${text}`);
}

describe('readYamlWithSchema', () => {
  it('returns what the schema outputs (defaults applied)', () => {
    expect(readYamlWithSchema(GOOD, Schema, OPTIONS)).toEqual({ name: 'rig', port: 22, server: { host: 'ap1', timeoutS: 5 }, tags: ['a', 'b'] });
    expect(readYamlWithSchema(GOOD.replace('tags: [a, b]\n', ''), Schema, OPTIONS).tags).toEqual([]);
  });

  it('a bad value points at the value: line and column', () => {
    const err = problem(GOOD.replace('timeoutS: 5', 'timeoutS: -5'));
    expect(err.message).toMatch(/^conf\.yaml:5:13: server\.timeoutS: .*, got -5$/);
    expect(err.code).toBe('E_INVALID');
    expect(err.subject).toBe('/abs/conf.yaml');
    expect(problem(GOOD.replace('tags: [a, b]', 'tags: [a, 7]')).message).toBe('conf.yaml:6:11: tags[1]: expected a tag, got 7 (YAML read it as a number; quote it)');
  });

  it('an unknown key points at the key and suggests the closest allowed one', () => {
    expect(problem(GOOD.replace('  host: ap1', '  host: ap1\n  timeuotS: 3')).message).toBe('conf.yaml:5:3: server.timeuotS: unknown key (did you mean timeoutS?)');
    expect(problem(`${GOOD}zzz: 1\n`).message).toBe('conf.yaml:7:1: zzz: unknown key (expected one of: name, port, server, tags)');
  });

  it("a missing key points at the key of the mapping it is missing from", () => {
    expect(problem(GOOD.replace('  host: ap1\n', '')).message).toBe('conf.yaml:3:1: server.host: required key missing (expected a host)');
  });

  it('YAML syntax errors and duplicate keys are positioned too', () => {
    const syntax = problem(GOOD.replace('host: ap1', 'host: "ap1'));
    expect(syntax.code).toBe('E_SYNTAX');
    expect(syntax.message).toMatch(/^conf\.yaml:\d+:\d+: YAML syntax error: /);
    const dup = problem(GOOD.replace('port: 22', 'port: 22\nport: 23'));
    expect(dup.message).toBe('conf.yaml:3:1: port: duplicate key "port" (each key may appear once in a mapping)');
  });

  it('an empty document and a top level that is not a mapping', () => {
    expect(problem('# only a comment\n').message).toBe('conf.yaml:1:1: the file is empty');
    expect(problem('- a\n').message).toBe('conf.yaml:1:1: expected a mapping at the top level, got a list');
  });

  it('follows merge keys only when asked', () => {
    const merged = 'base: &b { host: ap1, timeoutS: 5 }\n';
    const text = `${merged}name: rig\nport: 22\nserver:\n  <<: *b\n`;
    const Loose = Schema.extend({ base: z.unknown() });
    expect(readYamlWithSchema(text, Loose, OPTIONS).server).toEqual({ host: 'ap1', timeoutS: 5 });
    expect(() => readYamlWithSchema(text, Loose, { ...OPTIONS, merge: false })).toThrow(/server\["<<"\]: unknown key/);
  });

  it('lists problems in file order, at most 10, and counts the rest', () => {
    const many = `${GOOD}${Array.from({ length: 12 }, (_, i) => `extra${i}: 1`).join('\n')}\n`;
    const lines = problem(many.replace('port: 22', 'port: x')).message.split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatch(/^conf\.yaml:2:7: port: /);
    expect(lines[10]).toBe('conf.yaml: ... and 3 more problems');
  });

  it('writes each problem the way the caller asks', () => {
    const err = problem(GOOD.replace('port: 22', 'port: 2.5'), { ...OPTIONS, line: (shown, pos, path, text) => `${shown}|${pos.line}|${pos.col}|${path?.join('/')}|${text}` });
    expect(err.message).toBe('conf.yaml|2|7|port|expected a port, got 2.5');
  });

  it('formats YAML paths, quoting odd keys', () => {
    expect(formatPath(['benches', 'virtual', 'devices', 'ap1', 'port'])).toBe('benches.virtual.devices.ap1.port');
    expect(formatPath(['faults', 0, 'kind'])).toBe('faults[0].kind');
    expect(formatPath(['benches', 'a b', 'essid'])).toBe('benches["a b"].essid');
  });
});

describe('the firmware manifest through the shared reader', () => {
  const text = readFileSync(DEFAULT_MANIFEST, 'utf8');
  const lineOf = (needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;
  const bad = (edit: (s: string) => string): string => {
    try {
      parseManifest(edit(text), '/x/variants.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).code).toBe('E_MANIFEST');
      return (err as Error).message;
    }
    throw new Error('accepted');
  };

  it('an unknown key is named at its own line, with the key it was probably meant to be', () => {
    const line = lineOf('stagingDir:');
    const msg = bad((s) => s.replace('stagingDir:', 'stagingDri:'));
    expect(msg).toContain(`/x/variants.yaml: stagingDri (line ${line}, column 1): unknown key (did you mean stagingDir?)`);
  });

  it('a bad value points at the value and says what it got', () => {
    const line = lineOf('version: 1');
    expect(bad((s) => s.replace('version: 1', 'version: 2'))).toBe(`/x/variants.yaml: version (line ${line}, column 10): expected 1 (the only manifest format version), got 2`);
  });

  it('a YAML syntax error and a duplicate key name their line', () => {
    expect(bad((s) => s.replace('version: 1', 'version: 1\nversion: 1'))).toBe(`/x/variants.yaml: version (line ${lineOf('version: 1') + 1}, column 1): duplicate key "version" (each key may appear once in a mapping)`);
    expect(bad((s) => s.replace('version: 1', 'version: "1'))).toMatch(/^\/x\/variants\.yaml: line \d+, column \d+: YAML syntax error: /);
  });

  it('an empty manifest says so', () => {
    expect(bad(() => '')).toMatch(/^\/x\/variants\.yaml: line 1, column 1: the firmware manifest is empty/);
  });
});
