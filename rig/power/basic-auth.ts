/**
 * HTTP basic authentication as the virtual PDUs' web servers check it (RFC 7617): the
 * `Authorization: Basic base64(user:password)` header against the unit's credentials;
 * a unit without credentials lets everyone in.
 */
import type { IncomingMessage } from 'node:http';

export function basicAuthOk(req: IncomingMessage, credentials: { username: string; password: string } | undefined): boolean {
  if (!credentials) return true;
  const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m !== null && Buffer.from(m[1], 'base64').toString('utf8') === `${credentials.username}:${credentials.password}`;
}
