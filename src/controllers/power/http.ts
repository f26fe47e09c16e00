/**
 * One HTTP request to a power switch, for the HTTP drivers (NETIO, REST): a bounded
 * timeout, 401/403 as a refusal of the credentials (naming the variables to check,
 * never their values), any other non-2xx as an error naming the request.
 */
import { BenchError, describeError } from '../../errors.ts';

export interface HttpOutlet {
  readonly name: string;
  describe(): string;
}

export interface PowerHttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Full URL. */
  url: string;
  /** What to call it in errors (the path, without credentials or query secrets). */
  label: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export function basicAuth(credentials: { username: string; password: string } | undefined): Record<string, string> {
  return credentials ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` } : {};
}

export async function powerHttp(outlet: HttpOutlet, req: PowerHttpRequest, authHint: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(req.timeoutMs) });
  } catch (err) {
    throw new BenchError(`${outlet.describe()}: no answer to ${req.method} ${req.label}: ${describeError((err as Error).cause ?? err)}`, { code: 'E_POWER', subject: outlet.name });
  }
  const body = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new BenchError(`${outlet.describe()}: the unit refused the credentials (HTTP ${res.status}) for ${req.method} ${req.label}: ${authHint}`, {
      code: 'E_POWER_AUTH',
      subject: outlet.name,
    });
  }
  if (!res.ok) throw new BenchError(`${outlet.describe()}: HTTP ${res.status} for ${req.method} ${req.label}`, { code: 'E_POWER', subject: outlet.name });
  return body;
}

/** Text of an answer for an error message: printable, short. */
export function excerpt(body: string): string {
  return body.slice(0, 80).replace(/[^\x20-\x7e]/g, '?');
}
