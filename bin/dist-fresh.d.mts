/** True when `buildJson` lists at least one source and none changed since the build (bin/dist-fresh.mjs). */
export function distIsFresh(buildJson: string | URL): boolean;
