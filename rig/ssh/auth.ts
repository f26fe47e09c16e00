/**
 * Who may log in to a virtual board's SSH server: the host key, its fingerprint, and
 * the user authentication of RFC 4252 (password, and public key: the key blob compared
 * in constant time, then the signature verified; a query without a signature gets
 * PK_OK, section 7).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import ssh2 from 'ssh2';
import type { AuthContext, ParsedKey } from 'ssh2';
import { VirtualRigError } from '../errors.ts';

const { utils } = ssh2;

/** `SHA256:<base64 without padding>`, as OpenSSH prints a key's fingerprint. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A key (PEM or OpenSSH format); a configuration error naming `what` when it does not parse. */
export function parseKeyOrThrow(data: string | Buffer, what: string): ParsedKey {
  const k = utils.parseKey(data);
  if (k instanceof Error) throw new VirtualRigError(`virtual ssh server: invalid ${what}: ${k.message}`, 'E_SSH_KEY', 'config');
  return Array.isArray(k) ? (k[0] as ParsedKey) : k;
}

/** The host key, which must be a private key. */
export function parseHostKey(data: string | Buffer): ParsedKey {
  const key = parseKeyOrThrow(data, 'host key');
  if (!key.isPrivateKey()) throw new VirtualRigError('virtual ssh server: host key must be a private key', 'E_SSH_KEY', 'config');
  return key;
}

function sameBytes(input: Buffer, allowed: Buffer): boolean {
  // Always compare something of the input's length, so the length does not leak.
  const reject = input.length !== allowed.length;
  const ok = timingSafeEqual(input, reject ? input : allowed);
  return !reject && ok;
}

export interface AuthPolicy {
  /** Accepted user names. */
  users: string[];
  /** When set, password auth is accepted with this password. */
  password?: string;
  /** OpenSSH public key lines that may log in. */
  authorizedKeys: (string | Buffer)[];
  /** The board's name, for the log. */
  deviceName: string;
  log: (m: string) => void;
}

/** The handler of ssh2's `authentication` event for a policy (keys parsed once, here). */
export function authenticator(policy: AuthPolicy): (ctx: AuthContext) => void {
  const users = policy.users.map((u) => Buffer.from(u));
  const password = policy.password !== undefined ? Buffer.from(policy.password) : undefined;
  const authorized = policy.authorizedKeys.map((k) => parseKeyOrThrow(k, 'authorized key'));
  const { deviceName, log } = policy;
  return (ctx) => {
    const userOk = users.some((u) => sameBytes(Buffer.from(ctx.username), u));
    switch (ctx.method) {
      case 'password': {
        const ok = password !== undefined && sameBytes(Buffer.from(ctx.password), password);
        if (ok && userOk) return ctx.accept();
        log(`${deviceName}: password auth failed for ${ctx.username}`);
        return ctx.reject();
      }
      case 'publickey': {
        const key = authorized.find((k) => sameBytes(ctx.key.data, k.getPublicSSH()));
        if (!key || !userOk) return ctx.reject();
        // No signature: the client only asks whether this key would do (answer PK_OK).
        if (ctx.signature && ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
          log(`${deviceName}: bad public key signature from ${ctx.username}`);
          return ctx.reject();
        }
        return ctx.accept();
      }
      default: {
        const methods: ('publickey' | 'password')[] = ['publickey'];
        if (password !== undefined) methods.push('password');
        return ctx.reject(methods);
      }
    }
  };
}
