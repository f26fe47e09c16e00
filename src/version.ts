import { readFileSync } from 'node:fs';

/** rig's version, from package.json. */
export const RIG_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
