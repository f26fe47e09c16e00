/**
 * A newc ("070701") cpio archive writer, for the small second archive the hwsim lab
 * appends to its cached initramfs at each start (the keys of that start). The kernel
 * unpacks concatenated archives in order, so these files land on top of the image's
 * (Documentation/driver-api/early-userspace/buffer-format.rst).
 */
export interface CpioEntry {
  /** Path inside the archive, without a leading slash (etc/rig/lab.conf). */
  path: string;
  /** Directory when omitted. */
  data?: Buffer | string;
  /** Permission bits (default 0644 for files, 0755 for directories). */
  mode?: number;
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function header(ino: number, mode: number, size: number, name: string): Buffer {
  const nameBytes = Buffer.from(`${name}\0`);
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  const fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, 0, 0, nameBytes.length, 0];
  const head = Buffer.from('070701' + fields.map(hex8).join(''), 'ascii');
  return Buffer.concat([head, nameBytes, pad4(head.length + nameBytes.length)]);
}

/** The archive: each entry (parents first, as given), then the TRAILER!!! entry. */
export function cpioArchive(entries: CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((e, i) => {
    if (e.data === undefined) {
      parts.push(header(i + 1, S_IFDIR | (e.mode ?? 0o755), 0, e.path));
      return;
    }
    const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
    parts.push(header(i + 1, S_IFREG | (e.mode ?? 0o644), data.length, e.path), data, pad4(data.length));
  });
  parts.push(header(0, 0, 0, 'TRAILER!!!'));
  return Buffer.concat(parts);
}

/** `image` then `extra`, the image padded with zeros to 4 bytes: the kernel looks for the next archive's header on a 4-byte boundary. */
export function appendArchive(image: Buffer, extra: Buffer): Buffer {
  return Buffer.concat([image, pad4(image.length), extra]);
}
