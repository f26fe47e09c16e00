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
