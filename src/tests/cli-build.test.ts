/**
 * The CLI compiled once (tools/build-cli.mjs, npm's `prepare`) and the launcher's rule
 * for using it (bin/dist-fresh.mjs): dist/ runs only while every source it was compiled
 * from is unchanged, so tests and users always run the current sources.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { distIsFresh } from '../../bin/dist-fresh.mjs';
import { ROOT } from './helpers/cli.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'rig-cli-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('dist freshness', () => {
  const source = join(work, 'a.ts');
  const buildJson = join(work, 'build.json');
  const record = (): void => {
    const s = statSync(source);
    writeFileSync(buildJson, JSON.stringify({ inputs: { [source]: [s.size, s.mtimeMs] } }));
  };

  it('fresh while the source is as compiled; stale once its content, size or mtime changes, or it is gone', () => {
    writeFileSync(source, 'export const a = 1;\n');
    record();
    expect(distIsFresh(buildJson)).toBe(true);
    writeFileSync(source, 'export const a = 2;\n'); // same size, new mtime
    expect(distIsFresh(buildJson)).toBe(false);
    record();
    expect(distIsFresh(buildJson)).toBe(true);
    const t = new Date(Date.now() - 3600_000);
    utimesSync(source, t, t); // an older checkout is stale too
    expect(distIsFresh(buildJson)).toBe(false);
    rmSync(source);
    expect(distIsFresh(buildJson)).toBe(false);
  });

  it('no build, a damaged build.json or one listing nothing: stale', () => {
    expect(distIsFresh(join(work, 'missing.json'))).toBe(false);
    writeFileSync(join(work, 'bad.json'), '{"inputs":');
    expect(distIsFresh(join(work, 'bad.json'))).toBe(false);
    writeFileSync(join(work, 'empty.json'), '{"inputs":{}}');
    expect(distIsFresh(join(work, 'empty.json'))).toBe(false);
  });
});

describe('tools/build-cli.mjs', () => {
  it('compiles the CLI from the current sources; the result runs and is fresh', async () => {
    const out = join(work, 'dist');
    await run(process.execPath, [join(ROOT, 'tools/build-cli.mjs'), '--out', out, '--quiet'], { cwd: ROOT, timeout: 120_000 });
    expect(existsSync(join(out, 'cli.mjs'))).toBe(true);
    const inputs = Object.keys((JSON.parse(readFileSync(join(out, 'build.json'), 'utf8')) as { inputs: Record<string, unknown> }).inputs);
    expect(inputs).toContain(join(ROOT, 'src/cli/main.ts'));
    expect(inputs).toContain(join(ROOT, 'rig/lab.ts'));
    expect(distIsFresh(join(out, 'build.json'))).toBe(true);
    const { main } = (await import(pathToFileURL(join(out, 'cli.mjs')).href)) as { main: (argv: string[], io: unknown) => Promise<number> };
    let printed = '';
    const sink = { write: (s: string) => ((printed += s), true), isTTY: false };
    const code = await main(['node', 'rig', '--version'], { stdout: sink, stderr: sink });
    expect(code).toBe(0);
    expect(printed.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  }, 150_000);
});
