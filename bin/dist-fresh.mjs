// Whether a compiled CLI (tools/build-cli.mjs) may run: every source it was compiled from,
// listed in its build.json with size and mtime, is still exactly that. Any doubt: false.
import { readFileSync, statSync } from 'node:fs';

/** True when `buildJson` (a URL or path) lists at least one source and none changed since. */
export function distIsFresh(buildJson) {
  try {
    const { inputs } = JSON.parse(readFileSync(buildJson, 'utf8'));
    const files = Object.entries(inputs);
    if (files.length === 0) return false;
    for (const [file, [size, mtimeMs]] of files) {
      const s = statSync(file);
      if (s.size !== size || s.mtimeMs !== mtimeMs) return false;
    }
    return true;
  } catch {
    return false;
  }
}
