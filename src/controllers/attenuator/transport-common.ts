/**
 * What every attenuator driver's transport shares, whatever the model: the default
 * reply timeout, the "no reply" condition that makes a driver reopen and retry once,
 * network errors in words, the address check, and dropping a server's telnet option
 * negotiation (RFC 854 IAC sequences) from what it sent.
 */
import { ConfigError, describeError } from '../../errors.ts';
import type { AttenuatorDriverSpec } from './types.ts';

export const DEFAULT_ATTENUATOR_TIMEOUT_MS = 2000;

/** A reply did not come (timeout, connection reset / refused / closed). Internal to the drivers. */
export class NoReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoReplyError';
  }
}

export function networkErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EPIPE':
      return 'connection closed (broken pipe)';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EHOSTUNREACH':
      return 'host unreachable';
    default:
      return code ? `${describeError(err)} (${code})` : describeError(err);
  }
}


/**
 * How errors name a unit: `attenuator "att1" (RCDAT-6000-60 at http://...)` for a unit that
 * is one inventory attenuator; `attenuator unit "rc4dat1" (RC4DAT-6G-95 at telnet://...;
 * channel 1: att1, channel 2: att2)` for a unit whose channels are several.
 */
export function attenuatorLabel(spec: Pick<AttenuatorDriverSpec, 'name' | 'model' | 'members'>, address: string): string {
  const members = spec.members ?? [];
  if (members.length === 0 || (members.length === 1 && members[0].name === spec.name)) {
    return `attenuator "${spec.name}" (${spec.model} at ${address})`;
  }
  const channels = [...members].sort((a, b) => a.channel - b.channel || a.name.localeCompare(b.name)).map((m) => `channel ${m.channel}: ${m.name}`);
  return `attenuator unit "${spec.name}" (${spec.model} at ${address}; ${channels.join(', ')})`;
}

export function checkSpecAddress(spec: AttenuatorDriverSpec): void {
  if (!spec.host || typeof spec.host !== 'string') {
    throw new ConfigError(`attenuator "${spec.name}": no host`, { subject: spec.name });
  }
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) {
    throw new ConfigError(`attenuator "${spec.name}": port ${spec.port} is not a TCP port`, { subject: spec.name });
  }
  if (spec.timeoutMs !== undefined && !(Number.isFinite(spec.timeoutMs) && spec.timeoutMs > 0)) {
    throw new ConfigError(`attenuator "${spec.name}": timeoutMs ${spec.timeoutMs} must be a positive number`, { subject: spec.name });
  }
}

/** Drop telnet IAC negotiation (IAC WILL/WONT/DO/DONT x, IAC SB ... IAC SE, IAC x) from one line. */
export function stripTelnetNegotiation(b: Buffer): Buffer {
  if (!b.includes(0xff)) return b;
  const out: number[] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0xff) {
      out.push(b[i]);
      continue;
    }
    const c = b[i + 1];
    if (c === 0xff) {
      out.push(0xff);
      i += 1;
    } else if (c === 0xfa) {
      const se = b.indexOf(Buffer.from([0xff, 0xf0]), i + 2);
      i = se < 0 ? b.length : se + 1;
    } else if (c !== undefined && c >= 0xfb && c <= 0xfe) {
      i += 2;
    } else {
      i += 1;
    }
  }
  return Buffer.from(out);
}

/**
 * One operation at a time on a unit (a set and its read-back never interleave with
 * another request), and none after close(): what every attenuator driver needs.
 */
export class OperationQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private isClosed = false;

  constructor(private readonly usedAfterClose: () => Error) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    const r = this.tail.then(() => {
      if (this.isClosed) throw this.usedAfterClose();
      return fn();
    });
    this.tail = r.catch(() => undefined);
    return r;
  }

  /** Let a running operation finish (bounded by its own timeouts), then refuse more; false when already closed. */
  async close(): Promise<boolean> {
    if (this.isClosed) return false;
    await this.tail;
    this.isClosed = true;
    return true;
  }
}

/**
 * Send one command; a missing reply (NoReplyError) reopens the connection and sends it
 * once more (what labs learned: units drop idle connections). Any other failure goes
 * to `badReply`; two missing replies to `noReply`.
 */
export async function sendRetryingOnce<T>(
  send: () => Promise<T>,
  reopen: () => Promise<void>,
  fail: { badReply(err: unknown): Error; noReply(first: NoReplyError, second: NoReplyError): Error },
): Promise<T> {
  let first: NoReplyError;
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof NoReplyError)) throw fail.badReply(err);
    first = err;
  }
  try {
    await reopen();
    return await send();
  } catch (err) {
    if (!(err instanceof NoReplyError)) throw fail.badReply(err);
    throw fail.noReply(first, err);
  }
}
