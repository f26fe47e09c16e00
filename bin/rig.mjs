#!/usr/bin/env node
// Thin launcher: loads the TypeScript sources through tsx (no build step), then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
// Let stdout drain, but never hang on a forgotten handle (a keep-alive socket, a timer).
setTimeout(() => process.exit(), 2000).unref();
