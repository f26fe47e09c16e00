#!/usr/bin/env node
// Launcher: the CLI compiled at install (dist/, tools/build-cli.mjs) while every source it was
// compiled from is unchanged (size and mtime in dist/build.json), else the TypeScript sources
// through tsx, so what runs is always the current sources. RIG_FROM_SOURCE=1 forces the sources.
import { distIsFresh } from './dist-fresh.mjs';

const dist = new URL('../dist/', import.meta.url);

// A reader that went away (`rig ... | head`) ends the output, not the command with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

let main;
if (process.env.RIG_FROM_SOURCE !== '1' && distIsFresh(new URL('build.json', dist))) {
  ({ main } = await import(new URL('cli.mjs', dist).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv);
// Let stdout drain, but never hang on a forgotten handle (a keep-alive socket, a timer).
setTimeout(() => process.exit(), 2000).unref();
