/**
 * The kernel's commands on a virtual board, with busybox / module-init-tools 3.2
 * messages: `insmod FILE [params]`, `rmmod NAME...`, `lsmod`, `modprobe [-r] NAME
 * [params]` (loads what the module depends on first, from the module folder),
 * `dmesg [-c]` and `reboot` (the command returns, then the board goes away under the
 * connection).
 */
import { basename } from 'node:path';
import type { ProcessIO } from '../../ssh/types.ts';
import type { Board, CommandHandler } from '../board.ts';
import { fail } from '../command-error.ts';
import { formatLsmod } from '../format.ts';
import type { KernelLog } from './kernel-log.ts';
import { readModuleFile } from './module-file.ts';
import type { LoadedModule, LoadedModules } from './modules.ts';

/** What the board saw: commands that loaded and removed modules. */
export interface ModuleCommandStats {
  insmods: number;
  rmmods: number;
}

export interface KernelCommandContext {
  board: Board;
  moduleDir: string;
  modules: LoadedModules;
  log: KernelLog;
  stats: ModuleCommandStats;
  /** Load the module file at `path` (a string says why it failed). */
  load(path: string, params: string[]): LoadedModule | string;
  /** Power-cycle the board. */
  reboot(): Promise<void>;
}

export function kernelCommands(k: KernelCommandContext): Record<string, CommandHandler> {
  return {
    insmod: (a, io) => insmod(k, a, io),
    rmmod: (a, io) => rmmod(k, a, io),
    lsmod: (_a, io) => lsmod(k, io),
    modprobe: (a, io) => modprobe(k, a, io),
    dmesg: (a, io) => dmesg(k, a, io),
    reboot: (_a, io) => reboot(k, io),
  };
}

function insmod(k: KernelCommandContext, args: string[], io: ProcessIO): number {
  const file = args[0];
  if (!file) return fail(io, 'Usage: insmod filename [args]');
  let path = file;
  if (!k.board.readFile(path) && !file.includes('/')) path = `${k.moduleDir}/${file.endsWith('.ko') ? file : `${file}.ko`}`;
  if (!k.board.readFile(path)) return fail(io, `insmod: can't read '${file}': No such file or directory`);
  k.stats.insmods++;
  const r = k.load(path, args.slice(1));
  if (typeof r === 'string') return fail(io, `insmod: error inserting '${file}': -1 ${r}`);
  return 0;
}

function rmmod(k: KernelCommandContext, args: string[], io: ProcessIO): number {
  const names = args.filter((a) => !a.startsWith('-')).map((a) => basename(a).replace(/\.ko$/, ''));
  if (names.length === 0) return fail(io, 'Usage: rmmod [-fw] modulename ...');
  let status = 0;
  for (const n of names) {
    k.stats.rmmods++;
    const err = k.modules.unload(n);
    if (err) status = fail(io, `ERROR: ${err}`);
  }
  return status;
}

function lsmod(k: KernelCommandContext, io: ProcessIO): number {
  const newestFirst = k.modules.list().reverse();
  io.stdout.write(formatLsmod(newestFirst.map((m) => ({ name: m.name, size: m.memsize, usedBy: k.modules.usersOf(m.name) }))));
  return 0;
}

/** modprobe NAME (loads what it depends on first) / modprobe -r NAME. */
function modprobe(k: KernelCommandContext, args: string[], io: ProcessIO): number {
  const remove = args.includes('-r');
  const positional = args.filter((a) => !a.startsWith('-'));
  const name = positional[0];
  const params = positional.slice(1);
  if (!name) return fail(io, 'Usage: modprobe [-r] modulename');
  if (remove) {
    const err = k.modules.unload(name);
    return err ? fail(io, `FATAL: ${err}`) : 0;
  }
  const seen = new Set<string>();
  const visit = (n: string): string | null => {
    if (k.modules.has(n) || seen.has(n)) return null;
    seen.add(n);
    const path = `${k.moduleDir}/${n}.ko`;
    const data = k.board.readFile(path);
    if (!data) return `Module ${n} not found.`;
    const mod = readModuleFile(data);
    if (!(mod instanceof Error)) {
      for (const d of mod.depends) {
        const e = visit(d);
        if (e) return e;
      }
    }
    k.stats.insmods++;
    const r = k.load(path, n === name ? params : []);
    return typeof r === 'string' ? `Error inserting ${n} (${path}): ${r}` : null;
  };
  const err = visit(name);
  return err ? fail(io, `FATAL: ${err}`) : 0;
}

function dmesg(k: KernelCommandContext, args: string[], io: ProcessIO): number {
  const lines = k.log.read();
  if (lines.length > 0) io.stdout.write(lines.join('\n') + '\n');
  if (args.includes('-c')) k.log.clear();
  return 0;
}

function reboot(k: KernelCommandContext, io: ProcessIO): number {
  io.stdout.write('\nBroadcast message from root (pts/0):\n\nThe system is going down for reboot NOW!\n');
  // Like the real thing: the command returns, then the board goes away under the connection.
  setTimeout(() => void k.reboot(), 20);
  return 0;
}
