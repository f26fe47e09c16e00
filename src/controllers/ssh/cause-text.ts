/**
 * The one-line reason an SSH operation failed, for messages and logs: a Node.js
 * system error's `code` (ECONNREFUSED, ETIMEDOUT) when it has one, else its message;
 * never a stack trace.
 */
export function causeText(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.message === 'string') return e.message;
  }
  return String(err);
}
