#!/usr/bin/env node
/**
 * Compile the CLI once (npm's `prepare`, so `npm ci` and `npm install` run it): esbuild
 * bundles src/cli/main.ts and what it imports from src/ and rig/ into dist/ (ES
 * modules, one chunk per dynamic import; packages stay in node_modules), so
 * `bin/rig.mjs` starts without compiling TypeScript (docs/architecture.md, "Start-up").
 *
 * - `import.meta.url` / `dirname` / `filename` in a source keep meaning that source's
 *   own place (they find firmware/, the report's client files, package.json), whatever
 *   file the bundle puts them in.
 * - dist/build.json lists every source compiled, with its size and mtime: bin/rig.mjs
 *   uses dist/ only while all of them are unchanged, and otherwise runs the sources
 *   through tsx. A stale build can never run, edits need no rebuild to be seen.
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** `--out DIR` (tests build elsewhere); default dist/. */
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 && process.argv[outAt + 1] ? resolve(process.argv[outAt + 1]) : join(ROOT, 'dist');

/** import.meta.* in the repo's own sources, replaced by that source's own location. */
const keepImportMeta = {
  name: 'keep-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
      if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const contents = text
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path));
      return { contents, loader: args.path.endsWith('ts') ? 'ts' : 'js' };
    });
  },
};

const started = Date.now();
// Built beside, then moved in place: a launcher never finds half a build.
const FINAL = OUT;
const STAGE = `${FINAL}.building-${process.pid}`;
rmSync(STAGE, { recursive: true, force: true });
mkdirSync(STAGE, { recursive: true });
const result = await build({
  entryPoints: { cli: join(ROOT, 'src/cli/main.ts') },
  outdir: STAGE,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [keepImportMeta],
});
const inputs = {};
for (const rel of Object.keys(result.metafile.inputs)) {
  const file = resolve(ROOT, rel);
  const s = statSync(file);
  inputs[file] = [s.size, s.mtimeMs];
}
writeFileSync(join(STAGE, 'build.json'), JSON.stringify({ builtAt: new Date().toISOString(), inputs }) + '\n');
rmSync(FINAL, { recursive: true, force: true });
renameSync(STAGE, FINAL);
if (!process.argv.includes('--quiet')) {
  console.error(`rig: CLI compiled to ${OUT} (${Object.keys(inputs).length} sources, ${Date.now() - started} ms)`);
}
