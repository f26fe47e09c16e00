/** `rig flash`: options in, progress on stderr, results on stdout (text or --json). */
import { flash } from '../api/flash.ts';
import type { FlashProgress, FlashResult } from '../flash/flash.ts';


export interface FlashCommandOptions {
  variant: string;
  device?: string[];
  inventory: string;
  bench?: string;
  target?: string;
  transfer?: string;
  force?: boolean;
  restore?: boolean;
  timeScale?: number;
  json?: boolean;
}

function describeResult(r: FlashResult): string {
  const how =
    r.action === 'unchanged'
      ? 'already loaded and in flash: nothing uploaded, nothing reloaded'
      : r.action === 'reloaded'
        ? 'files already in flash: reloaded'
        : `${r.uploaded.length} file(s) uploaded via ${r.transfer === 'sftp' ? 'SFTP' : 'cat over exec'}, verified with ${r.checksum}sum, reloaded`;
  const lines = [`${r.device}: ${r.previous ?? 'unknown'} -> ${r.variant} (${how}; ${r.durationMs} ms)`];
  for (const b of Object.values(r.banners)) lines.push(`  ${b}`);
  return lines.join('\n');
}

export async function flashCommand(o: FlashCommandOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const onProgress = (e: FlashProgress): void => {
    err(`${e.device}: ${e.rollback ? 'rollback ' : ''}${e.step}: ${e.message}\n`);
  };
  const r = await flash({
    inventory: o.inventory,
    bench: o.bench,
    variant: o.variant,
    devices: o.device,
    target: o.target,
    transfer: o.transfer as 'auto' | 'sftp' | 'exec' | undefined,
    force: o.force,
    restore: o.restore,
    timeScale: o.timeScale,
    onProgress,
  });
  for (const p of r.problems) err(`rig: warning: ${p}\n`);
  if (o.json) {
    const results = Object.fromEntries(
      Object.entries(r.results).map(([n, x]) => {
        const { connection: _c, ...rest } = x;
        void _c;
        return [n, rest];
      }),
    );
    out(JSON.stringify({ bench: r.bench, virtual: r.virtual, variant: r.variant, target: r.target, devices: results }, null, 2) + '\n');
  } else {
    for (const x of Object.values(r.results)) out(`${describeResult(x)}\n`);
    if (r.virtual) out('(virtual bench: the rig stopped with the command; `rig roam --firmware` / `rig lab up --firmware` choose what its boards boot with)\n');
  }
  return 0;
}
