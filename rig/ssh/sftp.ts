/**
 * The `sftp` subsystem of a virtual board (ssh2's SFTP server, protocol version 3),
 * over the board's in-memory files: what OpenSSH's `sftp`/`scp` and ssh2's client
 * need to upload, download, list, rename and remove files.
 *
 * - Paths: absolute, or relative to the user's home (/root); `.` and `..` resolved.
 * - Folders are implicit (a folder exists when a file lives under it) plus the base
 *   folders of a Linux board and the ones made with MKDIR (kept by the caller, per device).
 * - Every WRITE goes through the device's `writeFile` with the whole content, so what
 *   the board does with written files (the virtual kernel counts uploads, a fault may
 *   corrupt them) applies to SFTP uploads exactly as to `cat > file`.
 * - Symlinks and extensions are not supported (OP_UNSUPPORTED).
 */
import { posix } from 'node:path';
import ssh2 from 'ssh2';
import type { Attributes, FileEntry, SFTPWrapper } from 'ssh2';
import type { VirtualDevice } from './types.ts';

const { STATUS_CODE, OPEN_MODE } = ssh2.utils.sftp;

/** A device whose files can be listed (rig/device/board.ts has `listFiles`). */
export type SftpDevice = VirtualDevice & { listFiles?(): string[] };

const BASE_DIRS = ['/', '/bin', '/dev', '/etc', '/lib', '/proc', '/root', '/sbin', '/tmp', '/usr', '/var', '/var/run'];

type Handle =
  | { kind: 'file'; path: string; read: boolean; write: boolean; append: boolean }
  | { kind: 'dir'; path: string; done: boolean };

export interface SftpOptions {
  /** Folders made with MKDIR on this device: the caller keeps one set per device, shared by its SFTP sessions. */
  dirs: Set<string>;
  /** Home folder: where relative paths start (default /root). */
  home?: string;
  log?: (msg: string) => void;
}

/** Serve one SFTP session on `sftp` (what `accept()` of a session's "sftp" request returned). */
export function serveSftp(sftp: SFTPWrapper, device: SftpDevice, opts: SftpOptions): void {
  const home = opts.home ?? '/root';
  const log = opts.log ?? (() => {});
  const handles = new Map<string, Handle>();
  let nextHandle = 1;
  const { dirs } = opts;

  const resolvePath = (p: string): string => {
    const abs = p === '' ? home : p.startsWith('/') ? p : posix.join(home, p);
    const n = posix.normalize(abs);
    return n.length > 1 ? n.replace(/\/+$/, '') : n;
  };
  const files = (): string[] => device.listFiles?.() ?? [];
  const isFile = (p: string): boolean => device.readFile(p) !== undefined;
  const isDir = (p: string): boolean =>
    BASE_DIRS.includes(p) || dirs.has(p) || files().some((f) => f.startsWith(p === '/' ? '/' : `${p}/`));
  const now = (): number => Math.floor(Date.now() / 1000);
  const fileAttrs = (size: number): Attributes => ({ mode: 0o100644, uid: 0, gid: 0, size, atime: now(), mtime: now() });
  const dirAttrs = (): Attributes => ({ mode: 0o040755, uid: 0, gid: 0, size: 0, atime: now(), mtime: now() });
  const attrsOf = (p: string): Attributes | null => {
    const data = device.readFile(p);
    if (data !== undefined) return fileAttrs(data.length);
    return isDir(p) ? dirAttrs() : null;
  };
  const longname = (name: string, a: Attributes): string => {
    const dir = (a.mode & 0o170000) === 0o040000;
    return `${dir ? 'drwxr-xr-x' : '-rw-r--r--'}    1 root     root     ${String(a.size).padStart(8)} Mar 20  2007 ${name}`;
  };
  const newHandle = (h: Handle): Buffer => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(nextHandle++);
    handles.set(id.toString('hex'), h);
    return id;
  };
  const handleOf = (b: Buffer): Handle | undefined => handles.get(b.toString('hex'));

  sftp.on('REALPATH', (id: number, p: string) => {
    const r = resolvePath(p);
    sftp.name(id, [{ filename: r, longname: r, attrs: {} as Attributes }]);
  });

  const stat = (id: number, p: string): void => {
    const a = attrsOf(resolvePath(p));
    if (a) sftp.attrs(id, a);
    else sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
  };
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);

  sftp.on('OPEN', (id: number, filename: string, flags: number) => {
    const p = resolvePath(filename);
    if (isDir(p) && !isFile(p)) return sftp.status(id, STATUS_CODE.FAILURE, 'Is a directory');
    const read = (flags & OPEN_MODE.READ) !== 0;
    const write = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
    const exists = isFile(p);
    if (!write && !exists) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    if (write) {
      if (exists && flags & OPEN_MODE.EXCL) return sftp.status(id, STATUS_CODE.FAILURE, 'File exists');
      if (!exists && !(flags & OPEN_MODE.CREAT)) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
      if (!exists || flags & OPEN_MODE.TRUNC) device.writeFile(p, Buffer.alloc(0));
      log(`${device.name}: sftp write ${p}`);
    }
    sftp.handle(id, newHandle({ kind: 'file', path: p, read, write, append: (flags & OPEN_MODE.APPEND) !== 0 }));
  });

  sftp.on('WRITE', (id: number, hb: Buffer, offset: number, data: Buffer) => {
    const h = handleOf(hb);
    if (!h || h.kind !== 'file') return sftp.status(id, STATUS_CODE.FAILURE, 'Bad handle');
    if (!h.write) return sftp.status(id, STATUS_CODE.PERMISSION_DENIED, 'Not open for writing');
    const cur = device.readFile(h.path) ?? Buffer.alloc(0);
    const at = h.append ? cur.length : offset;
    const next = Buffer.alloc(Math.max(cur.length, at + data.length));
    cur.copy(next);
    data.copy(next, at);
    device.writeFile(h.path, next);
    sftp.status(id, STATUS_CODE.OK);
  });

  sftp.on('READ', (id: number, hb: Buffer, offset: number, length: number) => {
    const h = handleOf(hb);
    if (!h || h.kind !== 'file') return sftp.status(id, STATUS_CODE.FAILURE, 'Bad handle');
    if (!h.read) return sftp.status(id, STATUS_CODE.PERMISSION_DENIED, 'Not open for reading');
    const cur = device.readFile(h.path);
    if (!cur) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    if (offset >= cur.length) return sftp.status(id, STATUS_CODE.EOF);
    sftp.data(id, cur.subarray(offset, Math.min(cur.length, offset + length)));
  });

  sftp.on('FSTAT', (id: number, hb: Buffer) => {
    const h = handleOf(hb);
    const a = h ? attrsOf(h.path) : null;
    if (a) sftp.attrs(id, a);
    else sftp.status(id, STATUS_CODE.FAILURE, 'Bad handle');
  });

  /** Only the size is kept (truncate / extend); modes, owners and times are not. */
  const setstat = (id: number, path: string | undefined, attrs: Partial<Attributes>): void => {
    if (path === undefined) return sftp.status(id, STATUS_CODE.FAILURE, 'Bad handle');
    const cur = device.readFile(path);
    if (cur === undefined) return sftp.status(id, isDir(path) ? STATUS_CODE.OK : STATUS_CODE.NO_SUCH_FILE, isDir(path) ? undefined : 'No such file');
    if (typeof attrs.size === 'number' && attrs.size !== cur.length) {
      const next = Buffer.alloc(attrs.size);
      cur.copy(next, 0, 0, Math.min(cur.length, attrs.size));
      device.writeFile(path, next);
    }
    sftp.status(id, STATUS_CODE.OK);
  };
  sftp.on('SETSTAT', (id: number, p: string, attrs: Attributes) => setstat(id, resolvePath(p), attrs));
  sftp.on('FSETSTAT', (id: number, hb: Buffer, attrs: Attributes) => setstat(id, handleOf(hb)?.path, attrs));

  sftp.on('CLOSE', (id: number, hb: Buffer) => {
    if (!handles.delete(hb.toString('hex'))) return sftp.status(id, STATUS_CODE.FAILURE, 'Bad handle');
    sftp.status(id, STATUS_CODE.OK);
  });

  sftp.on('OPENDIR', (id: number, p: string) => {
    const path = resolvePath(p);
    if (!isDir(path)) return sftp.status(id, isFile(path) ? STATUS_CODE.FAILURE : STATUS_CODE.NO_SUCH_FILE, isFile(path) ? 'Not a directory' : 'No such file');
    sftp.handle(id, newHandle({ kind: 'dir', path, done: false }));
  });

  sftp.on('READDIR', (id: number, hb: Buffer) => {
    const h = handleOf(hb);
    if (!h || h.kind !== 'dir') return sftp.status(id, STATUS_CODE.FAILURE, 'Bad handle');
    if (h.done) return sftp.status(id, STATUS_CODE.EOF);
    h.done = true;
    const prefix = h.path === '/' ? '/' : `${h.path}/`;
    const names = new Map<string, Attributes>([
      ['.', dirAttrs()],
      ['..', dirAttrs()],
    ]);
    const children = [...files(), ...dirs, ...BASE_DIRS].filter((f) => f.startsWith(prefix) && f !== h.path);
    for (const f of children) {
      const rest = f.slice(prefix.length);
      const slash = rest.indexOf('/');
      const n = slash < 0 ? rest : rest.slice(0, slash);
      if (!n || names.has(n)) continue;
      names.set(n, attrsOf(prefix + n) ?? dirAttrs());
    }
    const entries: FileEntry[] = [...names].map(([filename, attrs]) => ({ filename, longname: longname(filename, attrs), attrs }));
    sftp.name(id, entries);
  });

  sftp.on('REMOVE', (id: number, p: string) => {
    const path = resolvePath(p);
    if (!isFile(path)) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    device.removeFile?.(path);
    sftp.status(id, STATUS_CODE.OK);
  });

  sftp.on('MKDIR', (id: number, p: string) => {
    const path = resolvePath(p);
    if (isDir(path) || isFile(path)) return sftp.status(id, STATUS_CODE.FAILURE, 'File exists');
    dirs.add(path);
    sftp.status(id, STATUS_CODE.OK);
  });

  sftp.on('RMDIR', (id: number, p: string) => {
    const path = resolvePath(p);
    if (!isDir(path)) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    if (files().some((f) => f.startsWith(`${path}/`))) return sftp.status(id, STATUS_CODE.FAILURE, 'Directory not empty');
    dirs.delete(path);
    sftp.status(id, STATUS_CODE.OK);
  });

  sftp.on('RENAME', (id: number, from: string, to: string) => {
    const a = resolvePath(from);
    const b = resolvePath(to);
    const data = device.readFile(a);
    if (!data) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE, 'No such file');
    if (isFile(b)) return sftp.status(id, STATUS_CODE.FAILURE, 'File exists');
    device.writeFile(b, Buffer.from(data));
    device.removeFile?.(a);
    sftp.status(id, STATUS_CODE.OK);
  });

  // The client sent EOF (OpenSSH's `sftp`/`scp` when done): exit status 0 and close, as
  // sftp-server exiting would (scp reports a failure without the exit status).
  sftp.on('end', () => {
    const ch = sftp as unknown as { _protocol?: { exitStatus(id: number, status: number): void }; outgoing?: { id: number; state: string } };
    if (ch._protocol && ch.outgoing?.state === 'open') ch._protocol.exitStatus(ch.outgoing.id, 0);
    sftp.end();
  });

  const unsupported = (id: number): void => sftp.status(id, STATUS_CODE.OP_UNSUPPORTED, 'Not supported');
  sftp.on('READLINK', unsupported);
  sftp.on('SYMLINK', unsupported);
  sftp.on('EXTENDED', unsupported);
}
