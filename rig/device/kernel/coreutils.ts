/**
 * The file tools of a virtual board's busybox that flashing needs, over the board's
 * files: `md5sum` and `sha256sum` (coreutils' output: `HASH  NAME`, `-` for stdin;
 * hashed with node:crypto), `cp` / `mv` (into a folder when the destination is one;
 * several sources into a folder, as busybox),
 * `mkdir` (folders are implicit in the board's file store), `ls [-l]` and `sync`.
 * `cp` and `mv` write as the board itself does (not an upload: `writeOwn`).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ProcessIO } from '../../ssh/types.ts';
import type { Board, CommandHandler } from '../board.ts';
import { fail } from '../command-error.ts';

export interface CoreutilsOptions {
  /** Busybox boards often have md5sum only. */
  sha256sum: boolean;
  /** Write a file as the board itself (cp, mv), not as an upload. */
  writeOwn(path: string, data: Buffer): void;
}

/** Folders `ls` shows (empty) even when no file lives under them. */
const BASE_FOLDERS = ['/', '/tmp', '/root', '/etc'];

export function coreutilsCommands(board: Board, o: CoreutilsOptions): Record<string, CommandHandler> {
  const commands: Record<string, CommandHandler> = {
    md5sum: (a, io) => checksum(board, 'md5sum', 'md5', a, io),
    sync: () => 0,
    cp: (a, io) => copy(board, o, 'cp', a, io),
    mv: (a, io) => copy(board, o, 'mv', a, io),
    mkdir: () => 0, // folders are implicit in the board's file store
    ls: (a, io) => ls(board, a, io),
  };
  if (o.sha256sum) commands.sha256sum = (a, io) => checksum(board, 'sha256sum', 'sha256', a, io);
  return commands;
}

async function checksum(board: Board, name: string, algorithm: 'md5' | 'sha256', args: string[], io: ProcessIO): Promise<number> {
  const hash = (d: Buffer): string => createHash(algorithm).update(d).digest('hex');
  const files = args.filter((a) => a !== '--');
  if (files.length === 0) {
    io.stdout.write(`${hash(await io.readStdin())}  -\n`);
    return 0;
  }
  let status = 0;
  for (const f of files) {
    const data = f === '-' ? await io.readStdin() : f === '/dev/null' ? Buffer.alloc(0) : board.readFile(f);
    if (!data) status = fail(io, `${name}: ${f}: No such file or directory`);
    else io.stdout.write(`${hash(data)}  ${f}\n`);
  }
  return status;
}

function copy(board: Board, o: CoreutilsOptions, name: 'cp' | 'mv', args: string[], io: ProcessIO): number {
  const ops = args.filter((a) => !a.startsWith('-'));
  if (ops.length < 2) return fail(io, `Usage: ${name} [-f] SOURCE... DEST`);
  const dstArg = ops[ops.length - 1];
  const sources = ops.slice(0, -1);
  const isDir = dstArg.endsWith('/') || board.listFiles().some((p) => p.startsWith(`${dstArg}/`));
  // Several sources go into a folder (busybox: "'DEST' is not a directory" otherwise).
  if (sources.length > 1 && !isDir) return fail(io, `${name}: '${dstArg}' is not a directory`);
  let status = 0;
  for (const src of sources) {
    const data = board.readFile(src);
    if (!data) {
      status = fail(io, `${name}: can't stat '${src}': No such file or directory`);
      continue;
    }
    const dst = isDir ? `${dstArg.replace(/\/$/, '')}/${basename(src)}` : dstArg;
    o.writeOwn(dst, Buffer.from(data));
    if (name === 'mv' && dst !== src) board.removeFile(src);
  }
  return status;
}

function ls(board: Board, args: string[], io: ProcessIO): number {
  const long = args.some((a) => /^-[a-z]*l/.test(a));
  const target = (args.find((a) => !a.startsWith('-')) ?? '/').replace(/(.)\/$/, '$1');
  const file = board.readFile(target);
  const entries = new Map<string, number | null>();
  if (file) entries.set(target, file.length);
  else {
    const prefix = target === '/' ? '/' : `${target}/`;
    for (const p of board.listFiles()) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) entries.set(rest, board.readFile(p)?.length ?? 0);
      else entries.set(rest.slice(0, slash), null);
    }
    if (entries.size === 0 && !BASE_FOLDERS.includes(target)) {
      return fail(io, `ls: ${target}: No such file or directory`);
    }
  }
  for (const [n, size] of [...entries].sort(([a], [b]) => a.localeCompare(b))) {
    if (!long) io.stdout.write(`${n}\n`);
    else if (size === null) io.stdout.write(`drwxr-xr-x    2 root     root            0 Mar 20  2007 ${n}\n`);
    else io.stdout.write(`-rw-r--r--    1 root     root     ${String(size).padStart(8)} Mar 20  2007 ${n}\n`);
  }
  return 0;
}
