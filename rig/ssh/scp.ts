/**
 * The server side of the legacy scp/rcp protocol, as a board's `scp` runs it when a
 * client's `scp -O` (or an old client) asks over exec for `scp -t TARGET` (sink:
 * receive) or `scp -f SOURCE...` (source: send). After OpenSSH scp.c sink() and
 * source():
 * - sink: answer `\0` at once; then read control lines: `C<mode> <size> <name>` (a
 *   file: `\0`, then exactly <size> bytes and the sender's `\0`, then `\0`),
 *   `D<mode> 0 <name>` (a folder: enter it; folders are implicit on the board),
 *   `E` (leave it), `T<mtime> 0 <atime> 0` (times: acknowledged, not kept); the
 *   target is a folder when it is one (`-d` requires it), else the file's name.
 *   Every file goes through the device's writeFile whole, as an SFTP upload does.
 * - source: wait for the receiver's `\0`, then per file `C0644 <size> <name>`, its
 *   bytes and `\0`, each answered with `\0`; a missing file is reported in-band
 *   (`\x01scp: NAME: No such file or directory`) and the exit status is 1.
 * An error the receiver must see goes in-band the same way (`\x01` warning, `\x02`
 * fatal); `-r` folders are sent as D/E records; `-p` sends a T record first.
 */
import { posix } from 'node:path';
import type { AppletContext } from './shell/applets/busybox.ts';

/** Base folders of a Linux board (sftp.ts keeps the same list). */
const BASE_DIRS = ['/', '/bin', '/dev', '/etc', '/lib', '/proc', '/root', '/sbin', '/tmp', '/usr', '/var', '/var/run'];

/** Reads the channel's input as it arrives: lines and byte counts. */
class Reader {
  private buf = Buffer.alloc(0);
  private done = false;
  private readonly it: AsyncIterator<Buffer>;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.it = chunks[Symbol.asyncIterator]();
  }

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.buf = Buffer.concat([this.buf, r.value]);
    return true;
  }

  /** n bytes, or null at EOF first. */
  async bytes(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) if (!(await this.more())) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** A line without its "\n", or null at EOF. */
  async line(): Promise<string | null> {
    for (;;) {
      const nl = this.buf.indexOf(0x0a);
      if (nl >= 0) {
        const l = this.buf.subarray(0, nl).toString('utf8');
        this.buf = this.buf.subarray(nl + 1);
        return l;
      }
      if (!(await this.more())) return null;
    }
  }
}

export async function scp(argv: string[], ctx: AppletContext): Promise<number> {
  const { io, device } = ctx;
  const flags = new Set<string>();
  const operands: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (/^-[a-zA-Z]+$/.test(a)) for (const c of a.slice(1)) flags.add(c);
    else operands.push(a);
  }
  if (!flags.has('t') && !flags.has('f')) {
    io.stderr.write('usage: scp [-1246BCpqrv] [-c cipher] [-F ssh_config] [-i identity_file]\n           [-l limit] [-o ssh_option] [-P port] [-S program]\n           [[user@]host1:]file1 [...] [[user@]host2:]file2\n');
    return 1;
  }
  const home = '/root';
  const abs = (p: string): string => posix.normalize(p.startsWith('/') ? p : posix.join(home, p || '.'));
  const isDir = (p: string): boolean => {
    const d = p.length > 1 ? p.replace(/\/+$/, '') : p;
    return BASE_DIRS.includes(d) || (device.listFiles?.() ?? []).some((f) => f.startsWith(d === '/' ? '/' : `${d}/`));
  };
  const chunks = io.stdinChunks?.() ?? (async function* () {
    yield await io.readStdin();
  })();
  const reader = new Reader(chunks);
  const ack = (): void => io.stdout.write(Buffer.from([0]));
  const warn = (msg: string): void => io.stdout.write(`\x01scp: ${msg}\n`);

  if (flags.has('t')) {
    const target = abs(operands[0] ?? '.');
    if (flags.has('d') && !isDir(target)) {
      warn(`${operands[0]}: Not a directory`);
      return 1;
    }
    return sink(target, isDir(target), reader, { ack, warn, write: (p, d) => device.writeFile(p, d) });
  }

  // Source: wait for the receiver to be ready.
  const ready = await reader.bytes(1);
  if (!ready || ready[0] !== 0) return 1;
  let status = 0;
  const send = async (path: string, name: string): Promise<boolean> => {
    const data = device.readFile(path);
    if (data === undefined) {
      if (flags.has('r') && isDir(path)) {
        io.stdout.write(`D0755 0 ${name}\n`);
        if (!(await response())) return false;
        const prefix = path === '/' ? '/' : `${path}/`;
        const children = new Set((device.listFiles?.() ?? []).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0]));
        for (const c of [...children].sort()) if (!(await send(prefix + c, c))) return false;
        io.stdout.write('E\n');
        return response();
      }
      warn(`${path}: ${isDir(path) ? 'not a regular file' : 'No such file or directory'}`);
      status = 1;
      return true;
    }
    if (flags.has('p')) {
      const t = Math.floor(Date.now() / 1000);
      io.stdout.write(`T${t} 0 ${t} 0\n`);
      if (!(await response())) return false;
    }
    io.stdout.write(`C0644 ${data.length} ${name}\n`);
    if (!(await response())) return false;
    io.stdout.write(data);
    ack();
    return response();
  };
  const response = async (): Promise<boolean> => {
    const r = await reader.bytes(1);
    if (!r) return false;
    if (r[0] === 0) return true;
    await reader.line(); // the receiver's message
    status = 1;
    return r[0] === 1;
  };
  for (const src of operands) {
    const path = abs(src);
    if (!(await send(path, posix.basename(path)))) return 1;
  }
  return status;
}

interface SinkIo {
  ack(): void;
  warn(msg: string): void;
  write(path: string, data: Buffer): void;
}

async function sink(target: string, targetIsDir: boolean, reader: Reader, o: SinkIo): Promise<number> {
  o.ack();
  let status = 0;
  const dirs: string[] = [];
  const here = (): string => (dirs.length > 0 ? dirs[dirs.length - 1] : target);
  for (let first = true; ; first = false) {
    const line = await reader.line();
    if (line === null) return status;
    const kind = line[0];
    if (kind === '\x01' || kind === '\x02') {
      status = 1;
      if (kind === '\x02') return 1;
      continue;
    }
    if (kind === 'E') {
      dirs.pop();
      o.ack();
      continue;
    }
    if (kind === 'T') {
      o.ack();
      continue;
    }
    const m = /^([CD])([0-7]{4}) (\d+) (.+)$/.exec(line);
    if (!m || m[4].includes('/') || m[4] === '..') {
      o.warn(first ? line : 'protocol error: expected control record');
      return 1;
    }
    const inDir = dirs.length > 0 || targetIsDir;
    const path = inDir ? posix.join(here(), m[4]) : target;
    if (m[1] === 'D') {
      dirs.push(path);
      o.ack();
      continue;
    }
    o.ack();
    const size = Number(m[3]);
    const data = await reader.bytes(size);
    if (data === null) return 1;
    const end = await reader.bytes(1);
    if (end === null) return 1;
    o.write(path, Buffer.from(data));
    o.ack();
  }
}
