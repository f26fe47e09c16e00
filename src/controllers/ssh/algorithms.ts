/**
 * Which SSH algorithms to offer a board, and what a board offers.
 *
 * Default: ssh2's modern list. Boards of 2007 (dropbear 0.4x/0.5x, OpenSSH 4.x) know
 * only diffie-hellman-group1/group14/group-exchange-sha1 key exchange, ssh-rsa and
 * ssh-dss host keys, CBC ciphers and hmac-sha1 / hmac-md5, most of which a modern
 * client no longer offers. `legacy` appends them after the modern defaults, so a
 * modern server still negotiates something modern; an explicit list for a category is
 * offered exactly, in its order.
 *
 * `probeServerAlgorithms` reads a server's KEXINIT (sent in clear before any key
 * exchange) so that a failed negotiation can say what the board offers.
 */
import { createRequire } from 'node:module';
import { connect as tcpConnect } from 'node:net';
import type { Algorithms } from 'ssh2';
import { ConfigError } from '../../errors.ts';
import { hostKeyAlgorithmsFor } from './known-hosts.ts';

/** What the inventory's `algorithms` block holds (structurally; see src/inventory/schema.ts). */
export interface AlgorithmsSpec {
  legacy?: boolean;
  kex?: readonly string[];
  hostKey?: readonly string[];
  cipher?: readonly string[];
  mac?: readonly string[];
}

/** The algorithms of 2007-era boards that ssh2 does not offer by default, in preference order. */
export const LEGACY_ALGORITHMS = {
  kex: ['diffie-hellman-group14-sha1', 'diffie-hellman-group-exchange-sha1', 'diffie-hellman-group1-sha1'],
  hostKey: ['ssh-rsa', 'ssh-dss'],
  cipher: ['aes128-cbc', 'aes256-cbc', 'aes192-cbc', '3des-cbc'],
  mac: ['hmac-sha1', 'hmac-sha1-96', 'hmac-md5', 'hmac-md5-96'],
} as const;

type Category = keyof typeof LEGACY_ALGORITHMS;
const CATEGORIES: Category[] = ['kex', 'hostKey', 'cipher', 'mac'];
const SSH2_KEY: Record<Category, 'kex' | 'serverHostKey' | 'cipher' | 'hmac'> = {
  kex: 'kex',
  hostKey: 'serverHostKey',
  cipher: 'cipher',
  mac: 'hmac',
};
const WHAT: Record<Category, string> = { kex: 'key exchange', hostKey: 'host key', cipher: 'cipher', mac: 'MAC' };

interface Ssh2Constants {
  DEFAULT_KEX: string[];
  SUPPORTED_KEX: string[];
  DEFAULT_SERVER_HOST_KEY: string[];
  SUPPORTED_SERVER_HOST_KEY: string[];
  DEFAULT_CIPHER: string[];
  SUPPORTED_CIPHER: string[];
  DEFAULT_MAC: string[];
  SUPPORTED_MAC: string[];
}

let constants: Ssh2Constants | undefined;
function ssh2Constants(): Ssh2Constants {
  constants ??= createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as Ssh2Constants;
  return constants;
}

/** What ssh2 offers by default and what it can use at all (this Node.js / OpenSSL build), per category. */
export function ssh2AlgorithmLists(): Record<Category, { default: string[]; supported: string[] }> {
  const c = ssh2Constants();
  return {
    kex: { default: c.DEFAULT_KEX, supported: c.SUPPORTED_KEX },
    hostKey: { default: c.DEFAULT_SERVER_HOST_KEY, supported: c.SUPPORTED_SERVER_HOST_KEY },
    cipher: { default: c.DEFAULT_CIPHER, supported: c.SUPPORTED_CIPHER },
    mac: { default: c.DEFAULT_MAC, supported: c.SUPPORTED_MAC },
  };
}

/**
 * The ssh2 `algorithms` option for an inventory spec; undefined when there is nothing
 * to change. Throws a plain Error naming an algorithm this build cannot use (the caller
 * turns it into a ConfigError naming the device).
 */
export function sshAlgorithms(spec: AlgorithmsSpec | undefined): Algorithms | undefined {
  if (!spec) return undefined;
  const lists = ssh2AlgorithmLists();
  const out: Record<string, unknown> = {};
  for (const cat of CATEGORIES) {
    const explicit = spec[cat];
    const { supported } = lists[cat];
    if (explicit && explicit.length > 0) {
      const missing = explicit.filter((a) => !supported.includes(a));
      if (missing.length > 0) {
        throw new Error(`${WHAT[cat]} algorithm${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not available in this Node.js/OpenSSL build`);
      }
      out[SSH2_KEY[cat]] = [...explicit];
    } else if (spec.legacy) {
      // Only what this build can do: e.g. OpenSSL 3 without its legacy provider has no blowfish.
      out[SSH2_KEY[cat]] = { append: LEGACY_ALGORITHMS[cat].filter((a) => supported.includes(a)) };
    }
  }
  return Object.keys(out).length > 0 ? (out as Algorithms) : undefined;
}

/** The list of one category that a given ssh2 `algorithms` option results in. */
export function effectiveList(algorithms: Algorithms | undefined, cat: Category): string[] {
  const { default: dflt } = ssh2AlgorithmLists()[cat];
  const v = (algorithms as Record<string, unknown> | undefined)?.[SSH2_KEY[cat]];
  if (Array.isArray(v) && v.length > 0) return v as string[];
  if (v && typeof v === 'object') {
    const ops = v as { append?: string | string[]; prepend?: string | string[]; remove?: string | string[] };
    const arr = (x: string | string[] | undefined): string[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
    let list = [...dflt];
    for (const a of arr(ops.append)) if (!list.includes(a)) list.push(a);
    for (const a of arr(ops.prepend).reverse()) if (!list.includes(a)) list.unshift(a);
    const rm = arr(ops.remove);
    list = list.filter((a) => !rm.includes(a));
    return list;
  }
  return [...dflt];
}

/** Set one category of an ssh2 `algorithms` option to an exact list (a copy; the input is not changed). */
export function withList(algorithms: Algorithms | undefined, cat: Category, list: string[]): Algorithms {
  return { ...(algorithms ?? {}), [SSH2_KEY[cat]]: list } as Algorithms;
}

/** What a server offers in its KEXINIT. */
export interface ServerOffer {
  /** The server's identification line, e.g. `SSH-2.0-dropbear_0.48`. */
  ident: string;
  kex: string[];
  hostKey: string[];
  cipher: string[];
  mac: string[];
}

/**
 * Connect, read the server's identification and KEXINIT, hang up. Resolves undefined
 * when that does not work within `timeoutMs` (never rejects).
 */
export function probeServerAlgorithms(host: string, port: number, timeoutMs = 3000): Promise<ServerOffer | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let ident: string | undefined;
    let done = false;
    const sock = tcpConnect({ host, port });
    const finish = (v: ServerOffer | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
    sock.on('connect', () => sock.write('SSH-2.0-rig_probe\r\n'));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > 256 * 1024) return finish(undefined);
      // Identification: lines before it that do not start with "SSH-" are allowed (RFC 4253 4.2).
      while (ident === undefined) {
        const nl = buf.indexOf(0x0a);
        if (nl < 0) return;
        const line = buf.subarray(0, nl).toString('latin1').replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
        if (line.startsWith('SSH-')) ident = line;
      }
      if (buf.length < 5) return;
      const len = buf.readUInt32BE(0);
      if (len > 256 * 1024) return finish(undefined);
      if (buf.length < 4 + len) return;
      const pad = buf[4];
      const payload = buf.subarray(5, 4 + len - pad);
      finish(parseKexinit(ident, payload));
    });
  });
}

function parseKexinit(ident: string, payload: Buffer): ServerOffer | undefined {
  if (payload[0] !== 20) return undefined; // SSH_MSG_KEXINIT
  let off = 1 + 16; // message number, cookie
  const lists: string[][] = [];
  for (let i = 0; i < 10; i++) {
    if (off + 4 > payload.length) return undefined;
    const n = payload.readUInt32BE(off);
    off += 4;
    if (off + n > payload.length) return undefined;
    const s = payload.subarray(off, off + n).toString('latin1');
    off += n;
    lists.push(s === '' ? [] : s.split(','));
  }
  // kex, host key, cipher c2s, cipher s2c, mac c2s, mac s2c, compression x2, languages x2.
  // kex-strict-*, ext-info-*, kexguess2@...: protocol extension markers, not algorithms.
  const kex = lists[0].filter((a) => !/^(kex-strict-|ext-info-|kexguess2@)/.test(a));
  return { ident, kex, hostKey: lists[1], cipher: lists[2], mac: lists[4] };
}

/**
 * Why no algorithm could be agreed on, in a lab engineer's words: which category, what
 * the server offers, and whether `algorithms: { legacy: true }` would help.
 */
export function describeNoMatch(offer: ServerOffer | undefined, algorithms: Algorithms | undefined): string {
  if (!offer) return 'the server offers no algorithm the controller accepts';
  const problems: string[] = [];
  let legacyHelps = false;
  const theirs: Record<Category, string[]> = { kex: offer.kex, hostKey: offer.hostKey, cipher: offer.cipher, mac: offer.mac };
  for (const cat of CATEGORIES) {
    const ours = effectiveList(algorithms, cat);
    if (cat === 'mac') {
      // An AEAD cipher (GCM, chacha20-poly1305) brings its own integrity: no MAC is negotiated.
      const cipher = effectiveList(algorithms, 'cipher').find((c) => offer.cipher.includes(c));
      if (cipher && /gcm|chacha20/.test(cipher)) continue;
    }
    if (theirs[cat].some((a) => ours.includes(a))) continue;
    problems.push(`no common ${WHAT[cat]} algorithm (the server offers ${theirs[cat].join(', ') || 'none'})`);
    if (theirs[cat].some((a) => (LEGACY_ALGORITHMS[cat] as readonly string[]).includes(a))) legacyHelps = true;
  }
  if (problems.length === 0) return `the server (${offer.ident}) and the controller agree on no algorithm set`;
  const hint = legacyHelps ? '; it looks like an old board: set `algorithms: { legacy: true }` for this device in the inventory' : '';
  return `${problems.join('; ')} [${offer.ident}]${hint}`;
}

/** `sshAlgorithms()` for a named device: an algorithm this build cannot use is a ConfigError naming the device. */
export function sshAlgorithmsFor(device: string, spec: AlgorithmsSpec | undefined): Algorithms | undefined {
  try {
    return sshAlgorithms(spec);
  } catch (err) {
    throw new ConfigError(`${device}: algorithms: ${(err as Error).message}`, { code: 'E_CONFIG', subject: device });
  }
}

/**
 * Like OpenSSH with a known_hosts entry: offer only host key algorithms for the key
 * types already known for the host, so a server with several keys presents a known
 * one. An explicit host key list is only narrowed, never replaced.
 */
export function preferHostKeyTypes(algorithms: Algorithms | undefined, types: string[]): Algorithms | undefined {
  if (types.length === 0) return algorithms;
  const wanted = hostKeyAlgorithmsFor(types);
  const explicit = Array.isArray((algorithms as { serverHostKey?: unknown } | undefined)?.serverHostKey);
  let list = effectiveList(algorithms, 'hostKey').filter((a) => wanted.includes(a));
  if (list.length === 0 && !explicit) list = wanted.filter((a) => ssh2AlgorithmLists().hostKey.supported.includes(a));
  return list.length > 0 ? withList(algorithms, 'hostKey', list) : algorithms;
}
